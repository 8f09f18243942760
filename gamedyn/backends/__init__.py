"""Backends: the primitives of :class:`gamedyn.methods.base.Ops` for one game and one array type."""

from .dense import TorchOps

__all__ = ["TorchOps"]
