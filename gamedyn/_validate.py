"""Argument checks shared by games and methods.

Every check raises early with the offending argument's name and value. Hyperparameters may be
sympy symbols (for symbolic spectra); numeric checks apply only to values that are numbers.
"""

from __future__ import annotations

import numbers
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

DTYPE = torch.float64


def _sympy() -> Any:
    """The sympy module if it has been imported, else ``None``.

    A value can only be a sympy object once sympy is imported, so the checks below never import
    it themselves (``import gamedyn`` stays free of sympy).
    """
    return sys.modules.get("sympy")


def is_sympy(value: Any) -> bool:
    """True for any sympy object (a number, an expression or a matrix)."""
    sympy = _sympy()
    return sympy is not None and isinstance(value, (sympy.Basic, sympy.MatrixBase))


def is_symbolic(value: Any) -> bool:
    """True for a sympy expression that is not a plain number (a symbol, ``2*eta``, ...)."""
    sympy = _sympy()
    return sympy is not None and isinstance(value, sympy.Basic) and not value.is_number


def real_scalar(name: str, value: Any) -> Any:
    """A real number as ``float``, or a sympy expression unchanged; anything else is refused."""
    if is_symbolic(value):
        return value
    if is_sympy(value):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        if isinstance(value, (np.ndarray, torch.Tensor)) and np.ndim(value) == 0:
            value = float(value)
        else:
            raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def positive(name: str, value: Any) -> Any:
    """A real number > 0 (or a sympy expression)."""
    value = real_scalar(name, value)
    if not is_symbolic(value) and value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


def nonnegative(name: str, value: Any) -> Any:
    """A real number >= 0 (or a sympy expression)."""
    value = real_scalar(name, value)
    if not is_symbolic(value) and value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return value


def step_size(name: str, value: Any) -> Any:
    """A step size: one positive number, or a pair ``(lr_x, lr_y)`` of them, one per player."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be a number or a pair (lr_x, lr_y), got {value!r}")
        return (positive(f"{name}[0]", value[0]), positive(f"{name}[1]", value[1]))
    return positive(name, value)


def integer_at_least(name: str, value: Any, minimum: int) -> int:
    """An integer >= ``minimum`` (bools and floats such as 2.0 are refused)."""
    sympy = _sympy()
    integer_types = (numbers.Integral,) if sympy is None else (numbers.Integral, sympy.Integer)
    if isinstance(value, bool) or not isinstance(value, integer_types):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if int(value) < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def unit_interval(name: str, value: Any) -> Any:
    """A number in the half-open interval (0, 1] (or a sympy expression)."""
    value = real_scalar(name, value)
    if not is_symbolic(value) and not 0.0 < value <= 1.0:
        raise ValueError(f"{name} must lie in (0, 1], got {value!r}")
    return value


def choice(name: str, value: Any, options: Sequence[Any]) -> Any:
    """One of ``options``; the error lists them."""
    if value not in options:
        raise ValueError(f"unknown {name} {value!r}; expected one of {list(options)!r}")
    return value


def matrix(
    name: str, value: Any, shape: tuple[int | None, int | None] = (None, None)
) -> torch.Tensor:
    """A finite real 2-D array as a float64 tensor, with an optional required shape."""
    tensor = _finite_tensor(name, value)
    if tensor.ndim != 2:
        raise ValueError(f"{name} must be a 2-D matrix, got shape {tuple(tensor.shape)}")
    for axis, want in enumerate(shape):
        if want is not None and tensor.shape[axis] != want:
            raise ValueError(
                f"{name} must have shape {_shape_text(shape)}, got {tuple(tensor.shape)}"
            )
    return tensor


def vector(name: str, value: Any, length: int | None = None) -> torch.Tensor:
    """A finite real 1-D array as a float64 tensor, with an optional required length."""
    tensor = _finite_tensor(name, value)
    if tensor.ndim != 1:
        raise ValueError(f"{name} must be a 1-D vector, got shape {tuple(tensor.shape)}")
    if length is not None and tensor.shape[0] != length:
        raise ValueError(f"{name} must have length {length}, got {tensor.shape[0]}")
    return tensor


def _finite_tensor(name: str, value: Any) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        if value.is_complex():
            raise TypeError(f"{name} must be real, got a complex tensor")
        tensor = value.detach().to(DTYPE)
    else:
        array = np.asarray(value)
        if array.dtype == object or not np.issubdtype(array.dtype, np.number):
            raise TypeError(f"{name} must be a real numeric array, got {value!r}")
        if np.iscomplexobj(array):
            raise TypeError(f"{name} must be real, got complex values")
        tensor = torch.as_tensor(array, dtype=DTYPE)
    if not torch.isfinite(tensor).all():
        raise ValueError(f"{name} has non-finite entries (nan or inf): {value!r}")
    return tensor


def _shape_text(shape: tuple[int | None, int | None]) -> str:
    return "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"


def bounds(name: str, value: Any) -> tuple[float, float]:
    """A pair ``(lo, hi)`` of finite real numbers (the caller checks their order)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 2:
        raise ValueError(f"{name} must be a pair (lo, hi), got {value!r}")
    out = []
    for end, b in zip(("lo", "hi"), value, strict=True):
        if isinstance(b, bool) or not isinstance(b, numbers.Real):
            raise TypeError(f"{name}: {end} must be a real number, got {b!r}")
        if not np.isfinite(b):
            raise ValueError(f"{name}: {end} must be finite, got {b!r}")
        out.append(float(b))
    return out[0], out[1]
