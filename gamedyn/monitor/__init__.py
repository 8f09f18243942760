"""Spectra inside training: :class:`SpectrumMonitor`, called from the user's own loop.

::

    monitor = SpectrumMonitor(netG, netD, loss="non-saturating", optimizers=(optG, optD),
                              every=500, k=6, quantities=("jacobian", "optimiser", "rotation"),
                              log_dir="runs/spectra")
    for step, (real, _) in enumerate(loader):
        ...                                            # the user's own D and G updates
        monitor(step, real=real, latent=fixed_noise)   # nothing unless the step is monitored

At a monitored step the monitor analyses the live players on the given batch (a
:class:`~gamedyn.games.TorchGame` of private copies): the game Jacobian's top-``k``
(``which="LM"``, optionally ``"SR"``), the top-``k`` of the training operator built from the
live ``torch.optim`` states (Adam, AdamW, RMSprop; the order of play and ``n_critic`` as given),
the rotation index with its error bar, and analyses of the user's by name. It never changes
training (:mod:`._isolation`): parameters, gradients, buffers and optimiser states are checked
unwritten, the global RNGs, module modes and ``requires_grad`` flags restored.

The log (:mod:`._log`): one JSON line per monitored step and quantity in
``log_dir/spectra.jsonl`` — ``step``, ``quantity``, ``which``, ``eigenvalues`` as ``[re, im]``
pairs, ``residuals``, ``converged``, ``status``, ``products``, ``seconds``, ``wall_time``,
``settings`` — appended whole, a torn last line ignored on reading (:func:`read_monitor_log`);
TensorBoard scalars and the eigenvalue cloud when ``tensorboard`` is installed.
:func:`summarise` turns a log into the facts a report states; ``gamedyn report LOG_DIR`` and
:func:`gamedyn.plot.monitor_report` draw it. In PyTorch Lightning:
:class:`gamedyn.lightning.SpectrumCallback`.
"""

from ._isolation import TrainingStateChanged

# Names imported here but not in ``__all__`` are the package's own (its modules, tests).
from ._log import (
    LOG_NAME,  # noqa: F401
    MonitorSeries,
    read_monitor_log,
)
from ._monitor import (
    GAME_OPTIONS,  # noqa: F401
    QUANTITIES,
    SpectrumMonitor,
)
from ._schedule import Every, Geometric, Steps
from ._summary import Summary, summarise

__all__ = [
    "SpectrumMonitor",
    "QUANTITIES",
    "Every",
    "Geometric",
    "Steps",
    "read_monitor_log",
    "MonitorSeries",
    "TrainingStateChanged",
    "summarise",
    "Summary",
]
