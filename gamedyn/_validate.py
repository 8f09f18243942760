"""Argument checks shared by games and methods.

Every check raises early with the offending argument's name and value. Hyperparameters may be
sympy symbols (for symbolic spectra); numeric checks apply only to values that are numbers.
"""

from __future__ import annotations

import numbers
import sys
import warnings
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


MAX_GRID_POINTS = 1_000_000
"""Most points of a pseudospectrum grid (each point is a shifted solve on ``A``)."""
MAX_DENSE_POWERS = 1_000_000
"""Most steps ``t`` of a dense ``‖Tᵗ‖`` curve (one product and one 2-norm per step)."""
MAX_MATRIX_FREE_POWERS = 10_000
"""Most steps of a matrix-free ``‖Tᵗ‖`` curve (Lanczos on ``(Tᵗ)ᵀTᵗ`` at every ``t``: its
products grow with ``steps²``)."""
MAX_PATH_POINTS = 1_000_000
"""Most points of a path-angle curve (one field evaluation each)."""
MAX_BATCHES = 100_000
"""Most batches a field is averaged over (each one a forward and backward pass per product)."""


def seed(name: str, value: Any) -> int:
    """A random seed: an integer in ``[0, 2**64)`` (``1.7``, ``True``, ``"1"`` are refused, not
    silently used as ``1``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer seed, got {value!r} ({type(value).__name__})")
    if not 0 <= int(value) < 2**64:
        raise ValueError(f"{name} must be an integer in [0, 2**64), got {value!r}")
    return int(value)


def directory(name: str, value: Any) -> Any:
    """A directory path given by name: an empty string is refused (``Path("")`` is the current
    directory, which would be written into without being asked for)."""
    if value is None or (isinstance(value, (str, bytes)) and not str(value).strip()):
        raise ValueError(f"{name} must name a directory, got {value!r}")
    return value


def at_most(name: str, value: int, limit: int, why: str) -> int:
    """``value`` (already an integer) when it is at most ``limit``; else a ``ValueError`` that
    gives the size, the limit and ``why`` the limit exists — raised before any work."""
    if value > limit:
        raise ValueError(f"{name} = {value:,} is more than the {limit:,} allowed: {why}")
    return value


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
    if tensor.ndim == 0:
        raise ValueError(f"{name} must be a 1-D vector, got the scalar {value!r}")
    if tensor.ndim != 1:
        raise ValueError(f"{name} must be a 1-D vector, got shape {tuple(tensor.shape)}")
    if length is not None and tensor.shape[0] != length:
        raise ValueError(f"{name} must have length {length}, got {tensor.shape[0]}")
    return tensor


def _finite_tensor(name: str, value: Any) -> torch.Tensor:
    return real_tensor(name, value, DTYPE)


def real_tensor(name: str, value: Any, dtype: torch.dtype = DTYPE, device: Any = None) -> Any:
    """A finite real array (tensor, numpy array, nested lists) as a tensor of ``dtype``.

    Refused: complex, boolean and non-numeric data (never cast silently), and non-finite
    entries. NumPy arrays of any layout are accepted (negative strides are copied).
    """
    if isinstance(value, torch.Tensor):
        if value.is_complex():
            raise TypeError(f"{name} must be real, got a complex tensor ({value.dtype})")
        if value.dtype == torch.bool:
            raise TypeError(f"{name} must be real numbers, got a boolean tensor")
        tensor = value.detach().to(dtype=dtype, device=device)
    else:
        array = np.asarray(value)
        if array.dtype == object or not np.issubdtype(array.dtype, np.number):
            kind = "boolean" if array.dtype == bool else repr(value)[:80]
            raise TypeError(f"{name} must be a real numeric array, got {kind}")
        if np.iscomplexobj(array):
            raise TypeError(f"{name} must be real, got complex values")
        tensor = torch.as_tensor(np.ascontiguousarray(array), dtype=dtype, device=device)
    if not torch.isfinite(tensor).all():
        bad = int((~torch.isfinite(tensor)).sum())
        raise ValueError(f"{name} has non-finite entries (nan or inf): {bad} of {tensor.numel()}")
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


def available_memory() -> int | None:
    """Bytes of memory available now (Linux ``MemAvailable``), or ``None`` where unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def address_space_left() -> int | None:
    """Bytes this process may still map under its address-space limit (``RLIMIT_AS``, as set by
    ``ulimit -v`` or a batch scheduler), or ``None`` where there is no limit or no ``resource``
    module (Windows)."""
    try:
        import resource
    except ImportError:
        return None
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (OSError, ValueError, AttributeError):
        return None
    if soft == resource.RLIM_INFINITY or soft < 0:
        return None
    used = 0
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    used = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    return max(0, soft - used)


def allocation(what: str, nbytes: float, fraction: float = 0.8) -> None:
    """Refuse, before allocating, ``nbytes`` for ``what`` when they exceed ``fraction`` of the
    memory available now or of what the address-space limit (``RLIMIT_AS``) still allows; the
    message says how much is needed, how much there is and which limit it is."""
    free = available_memory()
    if free is not None and nbytes > fraction * free:
        raise MemoryError(
            f"{what} needs {nbytes / 2**30:.3g} GiB, more than the {free / 2**30:.3g} GiB "
            "available on this machine"
        )
    left = address_space_left()
    if left is not None and nbytes > fraction * left:
        raise MemoryError(
            f"{what} needs {nbytes / 2**30:.3g} GiB, more than the {left / 2**30:.3g} GiB this "
            "process may still map under its address-space limit (RLIMIT_AS, ulimit -v)"
        )


def zero_second_moment(method: Any, state: Any, nx: int, stacklevel: int = 3) -> None:
    """Warn when an exact (tracked) Adam operator is linearised at a state where a player's
    second moment ``exp_avg_sq`` has zero entries (a fresh optimiser, or parameters that never
    had a gradient): the step's derivative there is ``lr/ε`` (``u = lr·m/(√v + ε)`` with
    ``v = 0``, ``m ∝ g``), so a rate or spectral radius computed there measures ``ε``, not the
    dynamics. A method without an optimiser state (or a frozen preconditioner) is silent."""
    read = getattr(method, "optimiser_state", None)
    if read is None:
        return
    try:
        v = read(state, nx).slots.get("exp_avg_sq")
    except (TypeError, ValueError, AttributeError, KeyError, IndexError):
        return
    if v is None:
        return
    hyper = method.hyperparameters()
    for player, part in (
        ("first player (x; a GAN's generator)", v[:nx]),
        ("second player (y; a GAN's discriminator)", v[nx:]),
    ):
        zeros = int((part == 0).sum())
        if zeros:
            warnings.warn(
                f"the exact Adam operator is linearised where the {player}'s second moment "
                f"(exp_avg_sq) is zero in {zeros} of {part.numel()} entries: the step's "
                f"derivative there is lr/eps (lr = {hyper.get('lr')!r}, eps = "
                f"{hyper.get('eps')!r}), so the rate is meaningless; linearise at a trained "
                "state (state=, a checkpoint's optimiser state) or hold the preconditioner "
                "(second_moment=, the frozen operator)",
                UserWarning,
                stacklevel=stacklevel,
            )


def unused_regulariser(reg: Any, weight_name: str, weight: Any, stacklevel: int = 3) -> None:
    """Warn that a regulariser named with weight 0 does nothing (a sweep may start at 0)."""
    if reg is not None and not is_symbolic(weight) and weight == 0:
        warnings.warn(
            f"reg={reg!r} with {weight_name} = 0 adds nothing: the game is unregularised; give "
            f"{weight_name} > 0 for the penalty, or reg=None",
            UserWarning,
            stacklevel=stacklevel,
        )


def device(name: str, value: Any) -> torch.device:
    """A torch device that exists on this machine (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ...)."""
    try:
        dev = torch.device(value)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"{name} {value!r} is not a torch device: {err}") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"{name} {value!r} is not available: this torch build has no CUDA or no GPU "
                "is visible (torch.cuda.is_available() is False); use 'cpu'"
            )
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(
                f"{name} {value!r} does not exist: {torch.cuda.device_count()} CUDA device(s)"
            )
    elif dev.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"{name} {value!r} is not available on this machine")
    elif dev.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"{name} {value!r} is not supported: use 'cpu' or 'cuda'")
    return dev
