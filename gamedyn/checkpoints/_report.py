"""What a checkpoint load did: which keys went where, what was ignored, dtypes, fixed parameters.

:func:`gamedyn.checkpoints.load_gan` returns a :class:`LoadReport`; the command line prints its
:meth:`~LoadReport.summary` and every analysis of the game records its
:meth:`~LoadReport.to_dict` (``settings["loaded"]``). The entries of the file that went to
neither player (optimiser states, epoch, config, EMA copies not chosen) are kept raw:
``report.entry("optG")`` is the optimiser's state dict exactly as it was saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._layouts import describe

__all__ = ["PlayerReport", "Ignored", "LoadReport"]


@dataclass(frozen=True)
class PlayerReport:
    """How one player was loaded.

    Attributes:
      player: ``"generator"`` or ``"discriminator"``.
      file: the checkpoint file.
      key: where in the file its state dict was (``"netG"``, ``"state_dict.generator"``;
        ``""``: the whole file).
      found: ``"given"`` (a key argument), ``"by name"``, ``"by structure"`` or
        ``"whole file"`` (:func:`gamedyn.checkpoints._layouts.locate`).
      ema: the state dict is an EMA copy of the generator.
      prefixes_removed: wrapper prefixes taken off the keys (``"module."``, ``"_orig_mod."``).
      parameters, buffers: how many of the module's parameters and buffers were loaded.
      dtypes: the checkpoint tensors' dtypes and how many of each (``{"float32": 10}``).
      held_fixed: the module's parameters with ``requires_grad=False`` (loaded, but not part
        of ``z``: the game holds them fixed).
    """

    player: str
    file: str
    key: str
    found: str
    ema: bool
    prefixes_removed: tuple[str, ...]
    parameters: int
    buffers: int
    dtypes: dict[str, int]
    held_fixed: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "key": self.key,
            "found": self.found,
            "ema": self.ema,
            "prefixes_removed": list(self.prefixes_removed),
            "parameters": self.parameters,
            "buffers": self.buffers,
            "dtypes": dict(self.dtypes),
            "held_fixed": list(self.held_fixed),
        }

    def describe(self) -> str:
        where = repr(self.key) if self.key else "the whole file"
        notes = [self.found]
        if self.ema:
            notes.append("EMA copy")
        notes.append(f"{self.parameters} parameters, {self.buffers} buffers")
        notes.append(", ".join(f"{n} {dtype}" for dtype, n in self.dtypes.items()))
        if self.prefixes_removed:
            notes.append("removed " + " ".join(repr(p) for p in self.prefixes_removed))
        return f"{self.player:13s} <- {where} ({'; '.join(notes)})"


@dataclass(frozen=True)
class Ignored:
    """An entry of a checkpoint file that went to neither player, kept as it was loaded."""

    file: str
    key: str
    value: Any = field(repr=False)

    @property
    def what(self) -> str:
        """A few words on the entry (``"optimiser state, 1 parameter group(s)"``, ``"5"``)."""
        return describe(self.value)


@dataclass(frozen=True)
class LoadReport:
    """What :func:`gamedyn.checkpoints.load_gan` loaded, and what it left.

    Attributes:
      files: the checkpoint file, or the generator's and the discriminator's.
      generator, discriminator: :class:`PlayerReport` of each.
      ignored: every entry used by neither player (:class:`Ignored`, raw values kept), in the
        order of the files.
    """

    files: tuple[str, ...]
    generator: PlayerReport
    discriminator: PlayerReport
    ignored: tuple[Ignored, ...] = ()

    def players(self) -> tuple[PlayerReport, PlayerReport]:
        return self.generator, self.discriminator

    def entries(self, player: str | None = None) -> dict[str, Any]:
        """The ignored entries of one file, key → raw value (``{"optG": {...}, "epoch": 5}``).

        Args:
          player: with two files, whose file (``"generator"`` or ``"discriminator"``);
            with one file, ``None`` (or either player).
        """
        file = self._file(player)
        return {entry.key: entry.value for entry in self.ignored if entry.file == file}

    def entry(self, key: str, player: str | None = None) -> Any:
        """The raw ignored entry ``key`` (``report.entry("optG")``: the optimiser's state
        dict as saved); ``player`` as in :meth:`entries`.

        Raises:
          KeyError: no ignored entry ``key`` in that file (the message lists those there are).
        """
        entries = self.entries(player)
        if key not in entries:
            raise KeyError(
                f"no ignored entry {key!r} in {self._file(player)!r}; there are: "
                f"{', '.join(map(repr, entries)) or 'none'}"
            )
        return entries[key]

    def _file(self, player: str | None) -> str:
        if player is None:
            if len(self.files) > 1:
                raise ValueError(
                    f"the players come from two files {self.files}: say whose entries with "
                    "player='generator' or player='discriminator'"
                )
            return self.files[0]
        if player not in ("generator", "discriminator"):
            raise ValueError(f"player must be 'generator' or 'discriminator', got {player!r}")
        return getattr(self, player).file

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the files, each player's :meth:`PlayerReport.to_dict`, and the ignored
        entries as ``{"file", "key", "what"}`` (the raw values stay in the report)."""
        return {
            "files": list(self.files),
            "generator": self.generator.to_dict(),
            "discriminator": self.discriminator.to_dict(),
            "ignored": [{"file": e.file, "key": e.key, "what": e.what} for e in self.ignored],
        }

    def summary(self) -> str:
        """Some lines for a person: where each player came from, what was ignored, what is
        held fixed."""
        lines = [f"loaded {' and '.join(self.files)}"]
        lines += [f"  {p.describe()}" for p in self.players()]
        for file in self.files:
            ignored = [f"{e.key!r} ({e.what})" for e in self.ignored if e.file == file]
            where = f" in {file}" if len(self.files) > 1 else ""
            lines.append(f"  ignored{where}: {', '.join(ignored) or 'nothing'}")
        fixed = [f"{p.player}.{n}" for p in self.players() for n in p.held_fixed]
        if fixed:
            lines.append(f"  held fixed (requires_grad=False, not in z): {', '.join(fixed)}")
        return "\n".join(lines)
