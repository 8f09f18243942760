"""Where each player's state dict lies in a checkpoint, however it was saved.

A loaded checkpoint is seen as one flat map from dotted keys to leaves (:class:`View`): nested
dicts, lists and the dotted keys of state dicts all become paths, so ``{"netG": {"0.weight":
w}}``, ``{"netG.0.weight": w}`` (safetensors) and Lightning's ``{"state_dict":
{"generator.0.weight": w}}`` are read alike. A *location* is a path prefix (``"netG"``,
``"state_dict.generator"``, ``""`` for the whole file); a player's state dict is the tensors
under it, with the prefix removed.

A player's location (:func:`locate`), in this order:

1. the key given (``generator_key=``, ``--generator-key``);
2. (a file of one player only) the whole file, if its keys are the module's;
3. by name: the outermost locations whose last part names the player — split into words at
   ``_``, ``-``, ``.`` and case changes (``netG`` → ``net g``), the generator is any of
   :data:`GENERATOR_WORDS`, the discriminator :data:`DISCRIMINATOR_WORDS`; words of
   :data:`EXCLUDED_WORDS` (optimisers, schedulers, losses) exclude a location and everything
   under it. A location with a word of :data:`EMA_WORDS` (``G_ema``, ``netG_ema``, ``ema``)
   is an EMA copy of the generator: used only when chosen (``ema=True``, ``--ema``), and
   while both a generator and its EMA copy are present and ``ema`` is not given, refused as
   ambiguous;
4. by structure: the locations whose keys and shapes are exactly the module's;
5. (a file of one player only) the whole file, if it holds only tensors (the strict load then
   names every mismatch);

and more than one match at a step is refused as ambiguous, naming the candidates. Wrapper
prefixes are removed from the keys: a leading ``module.`` (``DataParallel``,
``DistributedDataParallel``) and ``_orig_mod.`` anywhere (``torch.compile``), unless the
module's own keys have them. Everything else in the file is *ignored* and reported
(:func:`ignored_entries`), with the raw entries kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

import torch

__all__ = [
    "GENERATOR_WORDS",
    "DISCRIMINATOR_WORDS",
    "EMA_WORDS",
    "EXCLUDED_WORDS",
    "WRAPPERS",
    "View",
    "Location",
    "describe",
    "words",
    "role",
    "strip_wrappers",
    "locate",
    "ignored_entries",
    "player_state_dicts",
]

GENERATOR_WORDS = frozenset({"g", "gen", "generator", "netg", "gnet", "modelg"})
"""Words that name the generator (``G``, ``netG``, ``gen``, ``generator``, ``model_G``...)."""

DISCRIMINATOR_WORDS = frozenset(
    {"d", "dis", "disc", "discriminator", "critic", "netd", "dnet", "modeld"}
)
"""Words that name the discriminator (``D``, ``netD``, ``dis``, ``critic``, ``model_D``...)."""

EMA_WORDS = frozenset({"ema", "avg", "average", "averaged", "running", "shadow", "swa"})
"""Words that mark an averaged copy of the generator (``G_ema``, ``g_running``...)."""

EXCLUDED_WORDS = frozenset(
    {
        "opt",
        "optim",
        "optimizer",
        "optimiser",
        "optimizers",
        "optimisers",
        "sched",
        "scheduler",
        "schedulers",
        "lr",
        "loss",
        "losses",
        "scaler",
    }
)
"""Words that exclude a location from the players (``optG``, ``optimizer_D``, ``g_optim``...)."""

_EMA_ALONE = frozenset({"model", "net", "network", "state", "dict", "params", "weights"})
"""With an EMA word and nothing else (``ema``, ``model_ema``, ``ema_state_dict``): the
generator's EMA copy."""

WRAPPERS = ("module", "_orig_mod")
"""Prefixes left by ``DataParallel``/``DistributedDataParallel`` and ``torch.compile``."""


def words(name: str) -> list[str]:
    """The lower-case words of a key: split at non-alphanumerics and case changes.

    Example:
      >>> words("netG_ema"), words("model_D"), words("GNet"), words("g_optim")
      (['net', 'g', 'ema'], ['model', 'd'], ['g', 'net'], ['g', 'optim'])
    """
    return [w.lower() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", name)]


def role(name: str) -> tuple[str, bool] | None:
    """``(player, ema)`` that the key part ``name`` names, or ``None``.

    Example:
      >>> role("netG"), role("G_ema"), role("dis"), role("ema")
      (('generator', False), ('generator', True), ('discriminator', False), ('generator', True))
      >>> role("optD"), role("losses_G"), role("main"), role("running_mean")
      (None, None, None, None)
    """
    found = set(words(name))
    if found & EXCLUDED_WORDS:
        return None
    g, d, ema = found & GENERATOR_WORDS, found & DISCRIMINATOR_WORDS, bool(found & EMA_WORDS)
    if g and d:
        return None
    if g:
        return "generator", ema
    if d:
        return "discriminator", ema
    if ema and found <= EMA_WORDS | _EMA_ALONE:
        return "generator", True
    return None


def _join(prefix: str, key: Any) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def _under(key: str, location: str) -> bool:
    """``key`` is ``location`` or lies under it (``""`` holds everything)."""
    return not location or key == location or key.startswith(location + ".")


class View:
    """A loaded checkpoint as a flat map: dotted key → leaf (tensor, number, string...).

    Dicts, lists and tuples are opened (list entries by index); the dotted keys of a state
    dict are kept whole, so their parts act as locations too.
    """

    def __init__(self, data: Mapping[str, Any]):
        self.data = data
        self.leaves: dict[str, Any] = {}
        self._flatten(data, "")
        self.locations: dict[str, list[str]] = {}
        for key in self.leaves:
            parts = key.split(".")
            for i in range(len(parts)):
                self.locations.setdefault(".".join(parts[:i]), []).append(key)

    def _flatten(self, value: Any, prefix: str) -> None:
        if isinstance(value, Mapping) and value:
            items: Any = value.items()
        elif isinstance(value, (list, tuple)) and value:
            items = enumerate(value)
        else:
            if prefix in self.leaves:
                raise ValueError(f"the checkpoint holds the key {prefix!r} twice (nested and flat)")
            self.leaves[prefix] = value
            return
        for key, item in items:
            self._flatten(item, _join(prefix, key))

    def tensors(self, location: str) -> dict[str, torch.Tensor] | None:
        """The state dict under ``location`` (keys relative to it), or ``None`` unless every
        leaf there is a tensor under a name (a key ending in a number is a list entry)."""
        keys = self.locations.get(location)
        if not keys:
            return None
        start = len(location) + 1 if location else 0
        state = {key[start:]: self.leaves[key] for key in keys}
        for key, value in state.items():
            if not isinstance(value, torch.Tensor) or key.rpartition(".")[2].isdigit():
                return None
        return state

    def describe(self) -> str:
        """The top-level entries, for error messages."""
        return ", ".join(f"{k!r} ({describe(v)})" for k, v in self.data.items()) or "nothing"


def describe(value: Any) -> str:
    """A few words on a checkpoint entry: ``"optimiser state"``, ``"12 tensors"``, ``"5"``."""
    if isinstance(value, torch.Tensor):
        dtype = str(value.dtype).removeprefix("torch.")
        return f"{dtype} {value.item()}" if value.numel() == 1 else f"{dtype} {tuple(value.shape)}"
    if isinstance(value, Mapping):
        if "state" in value and "param_groups" in value:
            return f"optimiser state, {len(value['param_groups'])} parameter group(s)"
        tensors = sum(isinstance(v, torch.Tensor) for v in value.values())
        return f"{tensors} tensors" if tensors == len(value) else f"dict of {len(value)} entries"
    if isinstance(value, (list, tuple)):
        return f"{type(value).__name__} of {len(value)}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def strip_wrappers(
    state: Mapping[str, Any], expected: Mapping[str, Any]
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """``state`` without the wrapper prefixes the module's own keys ``expected`` lack; the
    prefixes removed (``"_orig_mod."`` anywhere, then leading ``"module."``, repeatedly; when
    the module's own keys start with ``module.``, only while that makes more keys match).

    Example:
      >>> strip_wrappers({"module._orig_mod.0.weight": 1}, {"0.weight": 0})
      ({'0.weight': 1}, ('_orig_mod.', 'module.'))
    """
    state, removed = dict(state), []
    if not any("_orig_mod" in key.split(".") for key in expected):
        if any("_orig_mod" in key.split(".") for key in state):
            stripped: dict[str, Any] = {}
            for key, value in state.items():
                short = ".".join(p for p in key.split(".") if p != "_orig_mod")
                if short in stripped:
                    raise ValueError(f"removing '_orig_mod.' from the keys makes {short!r} twice")
                stripped[short] = value
            state = stripped
            removed.append("_orig_mod.")
    prefix = "module."
    own = bool(expected) and all(key.startswith(prefix) for key in expected)
    while state and all(key.startswith(prefix) for key in state):
        shorter = {key[len(prefix) :]: value for key, value in state.items()}
        if own and len(shorter.keys() & expected.keys()) <= len(state.keys() & expected.keys()):
            break  # the module's own submodule is called "module"
        state = shorter
        removed.append(prefix)
    return state, tuple(removed)


class Location(NamedTuple):
    """Where a player's state dict was found, and the state dict itself.

    ``key``: the location (``""``: the whole file); ``found``: ``"given"``, ``"whole file"``,
    ``"by name"`` or ``"by structure"``; ``ema``: an EMA copy; ``state``: the tensors with the
    location and ``removed`` (the wrapper prefixes) taken off their keys.
    """

    key: str
    found: str
    ema: bool
    state: dict[str, torch.Tensor]
    removed: tuple[str, ...]


def _option(player: str) -> str:
    return f"{player}_key= (--{player}-key)"


def _named(view: View) -> dict[str, list[tuple[str, bool]]]:
    """The outermost locations named after a player, resolved to their state dicts."""
    found: dict[str, list[tuple[str, bool]]] = {"generator": [], "discriminator": []}
    for location in view.locations:
        if not location:
            continue
        parts = location.split(".")
        named = role(parts[-1])
        if named is None:
            continue
        if set(words(location)) & EXCLUDED_WORDS or any(role(p) for p in parts[:-1]):
            continue  # under an optimiser's entry, or inside another player's
        resolved = _resolve(view, location)
        if resolved is not None:
            found[named[0]].append((resolved, named[1]))
    return found


def _resolve(view: View, location: str) -> str | None:
    """``location`` if it holds a state dict, else its one outermost state dict, else None."""
    if view.tensors(location) is not None:
        return location
    inner = [
        other
        for other in view.locations
        if other.startswith(location + ".") and view.tensors(other) is not None
    ]
    outermost = [a for a in inner if not any(a != b and _under(a, b) for b in inner)]
    return outermost[0] if len(outermost) == 1 else None


def _structural(
    view: View, expected: Mapping[str, torch.Tensor], whole_file: bool, exclude: tuple[str, ...]
) -> list[tuple[str, bool]]:
    """The outermost locations whose keys and shapes are exactly ``expected``'s (none of them
    overlapping a location in ``exclude``)."""
    matches = []
    for location in view.locations:
        if not location and not whole_file:
            continue
        if len(view.locations[location]) != len(expected) or any(
            _under(location, e) or _under(e, location) for e in exclude
        ):
            continue
        state = view.tensors(location)
        if state is None:
            continue
        state, _ = strip_wrappers(state, expected)
        if state.keys() == expected.keys() and all(
            tuple(state[k].shape) == tuple(expected[k].shape) for k in expected
        ):
            matches.append(location)
    outermost = [a for a in matches if not any(a != b and _under(a, b) for b in matches)]
    return [(loc, _is_ema(loc)) for loc in outermost]


def _is_ema(location: str) -> bool:
    return any((r := role(part)) is not None and r[1] for part in location.split("."))


def _choose(
    player: str, candidates: list[tuple[str, bool]], ema: bool | None, how: str
) -> tuple[str, bool] | None:
    """The one candidate the ``ema`` choice leaves; None if there is none; refused if several."""
    plain = [loc for loc, is_ema in candidates if not is_ema]
    copies = [loc for loc, is_ema in candidates if is_ema]
    if player == "discriminator":
        pool, chosen_ema = plain, False
    elif ema is None and plain and copies:
        raise ValueError(
            f"the checkpoint holds the generator {_quoted(plain)} and the EMA copy "
            f"{_quoted(copies)} ({how}): choose with ema=True (--ema) or ema=False (--no-ema), "
            f"or name one with {_option(player)}"
        )
    elif ema is None and copies:
        raise ValueError(
            f"the checkpoint's only generator is the EMA copy {_quoted(copies)} ({how}): choose "
            f"it with ema=True (--ema), or name a key with {_option(player)}"
        )
    elif ema:
        pool, chosen_ema = copies, True
    else:
        pool, chosen_ema = plain, False
    if len(pool) > 1:
        kind = "EMA copies of the generator" if chosen_ema else f"{player}s"
        raise ValueError(
            f"the checkpoint holds several {kind} ({how}): {_quoted(pool)}; name one with "
            f"{_option(player)}"
        )
    return (pool[0], chosen_ema) if pool else None


def _quoted(keys: list[str]) -> str:
    return ", ".join(repr(k) for k in keys)


def locate(
    view: View,
    player: str,
    expected: Mapping[str, torch.Tensor],
    *,
    key: str | None = None,
    ema: bool | None = None,
    alone: bool = False,
    exclude: tuple[str, ...] = (),
) -> Location:
    """The location of ``player``'s state dict in ``view`` (the module's state dict is
    ``expected``), by the steps of the module docstring; ``alone``: the file holds this player
    only (the whole file is a candidate); ``exclude``: locations already taken (the other
    player's), never matched by structure.

    Raises:
      ValueError: the key given holds no state dict, nothing matches, or several do.
    """
    if key is not None:
        if not isinstance(key, str):
            raise TypeError(f"{player}_key must be a string, got {type(key).__name__}")
        if ema:
            raise ValueError(
                f"give {player}_key={key!r} or ema=True, not both: the key names the entry"
            )
        state = view.tensors(key)
        if state is None:
            raise ValueError(
                f"{player}_key={key!r} names no state dict in the checkpoint (a dict of "
                f"tensors); its entries: {view.describe()}"
            )
        state, removed = strip_wrappers(state, expected)
        return Location(key, "given", _is_ema(key), state, removed)
    found = None
    if alone and not ema:  # (with ema=True the EMA copy is looked for by name)
        state = view.tensors("")
        if state is not None:
            stripped, removed = strip_wrappers(state, expected)
            if stripped.keys() == expected.keys():
                return Location("", "whole file", False, stripped, removed)
    choice = _choose(player, _named(view)[player], ema, "by name")
    if choice is not None:
        found = (*choice, "by name")
    else:
        choice = _choose(player, _structural(view, expected, alone, exclude), ema, "by structure")
        if choice is not None:
            found = (*choice, "by structure")
        elif alone and view.tensors("") is not None and not ema:
            found = ("", False, "whole file")
    if found is None:
        copy = "EMA copy of the generator" if ema else player
        raise ValueError(
            f"found no {copy} in the checkpoint: no key names it (such as "
            f"{'G_ema' if ema else 'netG, G, generator' if player == 'generator' else 'netD, D'})"
            f" and no entry has the {len(expected)} keys of the {player}'s state dict; its "
            f"entries: {view.describe()}; name the key with {_option(player)}"
        )
    location, is_ema, how = found
    state, removed = strip_wrappers(view.tensors(location) or {}, expected)
    return Location(location, how, is_ema, state, removed)


def ignored_entries(data: Mapping[str, Any], used: list[str]) -> dict[str, Any]:
    """The entries of ``data`` under none of the locations ``used``, as large as possible:
    dotted key → the raw entry (a nested dict or list as loaded, a tensor, a number), or, for a
    group of flat keys such as ``"G_ema.0.weight"``, ``"G_ema.0.bias"``, a dict of them under
    their common prefix (``"G_ema"``)."""
    ignored: dict[str, Any] = {}

    def overlaps(key: str) -> bool:
        return any(_under(key, u) or _under(u, key) for u in used)

    def walk(value: Any, path: str) -> None:
        if not overlaps(path):
            ignored[path] = value
            return
        if any(_under(path, u) for u in used):
            return
        if isinstance(value, Mapping):
            groups: dict[str, dict[str, Any]] = {}
            for k, item in value.items():
                full = _join(path, k)
                if overlaps(full):
                    walk(item, full)
                    continue
                parts = str(k).split(".")
                for i in range(1, len(parts) + 1):
                    head = _join(path, ".".join(parts[:i]))
                    if not overlaps(head):
                        groups.setdefault(head, {})[".".join(parts[i:])] = item
                        break
            for head, members in groups.items():
                ignored[head] = members[""] if list(members) == [""] else members
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                walk(item, _join(path, i))

    walk(data, "")
    return ignored


def player_state_dicts(state: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(generator_state, discriminator_state)`` from gamedyn's own layouts (flat keys
    prefixed ``generator.``/``discriminator.``, or the two nested dicts); stray keys are named.

    For every other layout use :func:`gamedyn.checkpoints.load_gan`, which finds the players
    by name or by structure.
    """
    players = ("generator", "discriminator")
    if all(isinstance(state.get(p), Mapping) for p in players) and len(state) == 2:
        return dict(state["generator"]), dict(state["discriminator"])
    parts: dict[str, dict[str, Any]] = {p: {} for p in players}
    stray = []
    for key, value in state.items():
        head, _, rest = str(key).partition(".")
        if head in parts and rest:
            parts[head][rest] = value
        else:
            stray.append(key)
    if stray:
        raise ValueError(
            f"keys {', '.join(repr(k) for k in sorted(stray))} belong to neither player: a GAN "
            "checkpoint has keys prefixed 'generator.' and 'discriminator.' (or the two nested "
            "dicts 'generator' and 'discriminator')"
        )
    empty = [p for p in players if not parts[p]]
    if empty:
        raise ValueError(f"the checkpoint has no keys for {', '.join(map(repr, empty))}")
    return parts["generator"], parts["discriminator"]
