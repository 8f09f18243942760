"""PyTorch Lightning integration: :class:`SpectrumCallback`, the training monitor as a callback.

``lightning`` is an optional dependency (``pip install 'gamedyn[lightning]'``), imported only
here; without it, constructing :class:`SpectrumCallback` raises an ``ImportError`` that names
the extra to install.
"""

from ._callback import LIGHTNING_MISSING, SpectrumCallback

__all__ = ["SpectrumCallback", "LIGHTNING_MISSING"]
