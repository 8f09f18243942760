"""Purity checks of a player's forward pass: what a deterministic field cannot represent.

* :func:`check_module` (before copying): dropout in training mode is refused with the module
  path. (The hook-based ``torch.nn.utils.spectral_norm``, a power iteration in buffers run at
  every forward, is accepted: the copy's hook is replaced by a frozen one,
  :class:`gamedyn.games._torch_players.FrozenSpectralNorm`.)
* :func:`audit` (on the prepared copy): two forward passes on the same batch must agree (no
  randomness) and leave every buffer bit-identical (no state updates); a call of a fused
  normalisation kernel left in the forward (a hand-made layer calling ``F.layer_norm``), whose
  third derivatives PyTorch gets wrong, is refused under an input-gradient penalty and warned
  about otherwise.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F
from torch.overrides import TorchFunctionMode

Tensor = torch.Tensor

__all__ = ["check_module", "check_finite", "forward", "audit"]


def check_module(name: str, module: Any) -> None:
    """Refuse what a pure field cannot represent: dropout in training mode."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module, got {type(module).__name__}")
    for path, sub in module.named_modules():
        where = f"{name}.{path}" if path else name
        dropout = isinstance(sub, (nn.modules.dropout._DropoutNd, nn.AlphaDropout))
        if dropout and sub.training and sub.p > 0:
            raise ValueError(
                f"{where} is {type(sub).__name__}(p={sub.p}) in training mode: the field would "
                "be random; call .eval() on the module (dropout off) before building the game"
            )


# Functions whose fused kernels have wrong third derivatives (PyTorch 2.13): a label, and the
# position, keyword and default of the flag that selects batch/instance statistics (None: always).
_Flag = tuple[int, str, bool] | None
_INEXACT: dict[Callable[..., Any], tuple[str, _Flag]] = {
    F.layer_norm: ("torch.nn.functional.layer_norm", None),
    torch.layer_norm: ("torch.layer_norm", None),
    torch.native_layer_norm: ("torch.native_layer_norm", None),
    F.batch_norm: ("torch.nn.functional.batch_norm (training=True)", (5, "training", False)),
    torch.batch_norm: ("torch.batch_norm (training=True)", (5, "training", False)),
    F.instance_norm: ("torch.nn.functional.instance_norm", (5, "use_input_stats", True)),
    torch.instance_norm: ("torch.instance_norm", (5, "use_input_stats", True)),
}


class _InexactCalls(TorchFunctionMode):
    """Records, per module path, the calls of the functions in ``_INEXACT``."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.found: list[str] = []

    def __torch_function__(
        self, func: Callable[..., Any], types: Any, args: tuple = (), kwargs: Any = None
    ) -> Any:
        kwargs = kwargs or {}
        entry = _INEXACT.get(func)
        if entry is not None:
            label, flag = entry
            statistics = True  # layer_norm: always; batch/instance norm: only with statistics
            if flag is not None:
                position, keyword, default = flag
                statistics = bool(
                    args[position] if len(args) > position else kwargs.get(keyword, default)
                )
            if statistics:
                where = self.stack[-1] if self.stack else "?"
                self.found.append(f"{where} calls {label}")
        return func(*args, **kwargs)


def _agree(a: Tensor, b: Any) -> bool:
    """``a`` and ``b`` equal up to rounding (``1e-9`` relative: GPU reductions may reorder)."""
    if not isinstance(b, Tensor) or a.shape != b.shape:
        return False
    if a.numel() == 0:
        return True
    scale = max(float(a.abs().max()), 1.0)
    return bool((a - b).abs().max() <= 1e-9 * scale) or torch.equal(a, b)


def check_finite(name: str, module: nn.Module) -> None:
    """Refuse non-finite parameters or floating buffers (a diverged or corrupt checkpoint),
    naming them, before any forward pass would blame the layer for its NaNs."""
    bad = [
        f"{name}.{key}"
        for key, tensor in [*module.named_parameters(), *module.named_buffers()]
        if tensor.is_floating_point() and not torch.isfinite(tensor).all()
    ]
    if bad:
        raise ValueError(
            f"{name} has non-finite (nan or inf) parameters or buffers: {', '.join(bad)}; the "
            "checkpoint is corrupt or its training diverged"
        )


def forward(name: str, module: nn.Module, inputs: Tensor, what: str) -> Any:
    """``module(inputs)`` without gradients; a failure names the player and the input's shape."""
    try:
        with torch.no_grad():
            return module(inputs)
    except Exception as err:  # the user's model: say what it was given
        raise ValueError(
            f"the {name} cannot take the {what} of shape {tuple(inputs.shape)}: "
            f"{type(err).__name__}: {str(err).strip().splitlines()[0] if str(err) else ''}"
        ) from err


_SHAPE_ONLY = (
    "View",
    "UnsafeView",
    "Reshape",
    "Squeeze",
    "Unsqueeze",
    "Flatten",
    "Clone",
    "Expand",
    "Permute",
    "Transpose",
    "T",
    "Select",
    "Slice",
    "Contiguous",
    "ToCopy",
    "Alias",
)
"""Backward nodes that only move values (a ``view`` or ``flatten`` after the last layer)."""


def last_operation(output: Any) -> str | None:
    """The name of the last arithmetic operation behind ``output`` (its autograd node, with the
    reshapes after it skipped): ``"Sigmoid"`` for a model ending in ``nn.Sigmoid`` or
    ``torch.sigmoid(...).view(-1)``; ``None`` without a graph."""
    node = getattr(output, "grad_fn", None)
    while node is not None:
        name = type(node).__name__.removesuffix("Backward0").removesuffix("Backward1")
        if name not in _SHAPE_ONLY:
            return name
        parents = [f for f, _ in node.next_functions if f is not None]
        if len(parents) != 1:
            return name
        node = parents[0]
    return None


def check_logits(name: str, module: nn.Module, inputs: Tensor, loss: str) -> None:
    """Refuse a discriminator that ends in a sigmoid under a loss on logits (every GAN loss but
    ``"wgan"``): the loss would squash a probability a second time, and its field and spectrum
    would be those of another game. The README's fix is in the message."""
    if loss == "wgan":
        return
    probe = inputs[:2].detach().clone().requires_grad_(True)
    with torch.enable_grad():
        try:
            out = module(probe)
        except Exception:  # noqa: BLE001 - the shape checks report a model that cannot run
            return
    if last_operation(out) == "Sigmoid":
        raise ValueError(
            f"the {name} ends in a sigmoid, but loss={loss!r} takes logits (it applies the "
            "sigmoid itself): the game would be another one. Replace the last sigmoid by "
            "nn.Identity() in a factory, e.g. `D = Discriminator(**kw); D.main[-1] = "
            "nn.Identity()` (the checkpoint's keys do not change; README, 'Models and data')"
        )


def audit(name: str, module: nn.Module, inputs: Tensor, penalty: bool, what: str = "") -> None:
    """One check of the copy's forward on ``inputs``: pure, deterministic, exactly differentiable.

    Parameters and buffers must be finite; two passes must agree (no randomness) and leave
    every buffer bit-identical (no state updates). A call of a fused normalisation kernel left
    in the forward (a hand-made layer calling ``F.layer_norm``) is refused with an
    input-gradient penalty (``J`` would be wrong) and warned about otherwise (third
    derivatives would be wrong). ``what`` names the inputs in errors (``"latent batch"``).
    """
    check_finite(name, module)
    forward(name, module, inputs, what or "batch")  # a model that cannot run: a clear error
    buffers = {k: b.clone() for k, b in module.named_buffers()}
    mode = _InexactCalls()
    handles = []

    def leave(*_: Any) -> None:
        mode.stack.pop()

    for path, sub in module.named_modules():
        label = f"{name}.{path}" if path else name
        label = f"{label} ({type(sub).__name__})"

        def enter(*_: Any, label: str = label) -> None:
            mode.stack.append(label)

        handles.append(sub.register_forward_pre_hook(enter))
        handles.append(sub.register_forward_hook(leave))
    try:
        with torch.no_grad(), mode:
            first = module(inputs)
        with torch.no_grad():
            second = module(inputs)
    finally:
        for h in handles:
            h.remove()
    for k, b in module.named_buffers():
        if not torch.equal(b, buffers[k]):
            raise ValueError(
                f"{name}: the forward pass writes the buffer {k!r}: the field would not be a "
                "pure function of the parameters; put the layer in eval mode or remove the state"
            )
    if isinstance(first, Tensor) and not torch.isfinite(first).all():
        raise ValueError(
            f"{name}: the forward pass on the {what or 'batch'} of shape {tuple(inputs.shape)} "
            "gives non-finite outputs (nan or inf)"
        )
    if isinstance(first, Tensor) and not _agree(first, second):
        raise ValueError(
            f"{name}: two forward passes on the same batch differ: the field would be random "
            "(dropout or other sampling in the forward?); make the module deterministic"
        )
    if mode.found:
        calls = "; ".join(dict.fromkeys(mode.found))
        if penalty:
            raise ValueError(
                f"{calls}: PyTorch's fused normalisation kernels have wrong third derivatives, "
                "which J needs with an input-gradient penalty; use nn.LayerNorm/BatchNorm/"
                "InstanceNorm modules (replaced by exact twins) or GroupNorm instead"
            )
        warnings.warn(
            f"{calls}: PyTorch's fused normalisation kernels have wrong third derivatives; the "
            "field and J are exact, but operator Jacobians that differentiate J (consensus, "
            "CGD) and derivatives of J through this layer are not",
            stacklevel=3,
        )
