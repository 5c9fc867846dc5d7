"""Layer 7 (top), figures: one module per figure of the registry (``workflow/figures.yaml``), named after the paper's figure:
``fig1.py`` ... ``figS14.py``, ``fig4_rnn.py``, ``fig4_mouse.py``, ``fig4_human.py``. Each holds only

- ``stats(data, **params) -> dict``: every number the figure shows, with the paper's claims about them;
- ``plot(data, stats) -> Figure``: draws it with :mod:`modbound.reporting.plotting`.

``data`` maps each input name of the registry entry to the loaded file (:func:`load_inputs`); ``params``
are the entry's params (config values) and ``scale``. All computation lives in the library modules.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Iterator

__all__ = ["load_inputs", "Inputs"]


def _load(name: str, path: str) -> Any:
    from modbound.datasets import brain_dataset
    from modbound.models import ensembles
    from modbound.core import io  # imported on use: the figure modules import this package

    if name == "dataset":
        return brain_dataset.load_dataset(Path(path).parent, mmap=True)
    if Path(path).name == "manifest.json":
        return ensembles.read_manifest(path)
    if path.endswith(".json"):
        return io.read_json(path)
    if path.endswith(".npz") and (name == "activity" or name.endswith("_activity")):
        return ensembles.load_activity(path)
    if path.endswith(".npz"):
        return io.load_npz(path)
    raise ValueError(f"{path}: input {name!r} has no loader (expected .json, .npz or a brain dataset)")


class Inputs(Mapping):
    """A figure's inputs by name, each file loaded on first access (a figure reads only what it uses)."""

    def __init__(self, paths: Mapping[str, str]):
        self.paths = {k: str(v) for k, v in paths.items()}
        self._cache: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._cache:
            if name not in self.paths:
                raise KeyError(f"figure input {name!r} is not in the registry entry (have {sorted(self.paths)})")
            self._cache[name] = _load(name, self.paths[name])
        return self._cache[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)


def load_inputs(paths: Mapping[str, str]) -> Inputs:
    """``{name: path}`` -> :class:`Inputs` (activity*.npz -> recorded activity, *.npz -> arrays, *.json -> dict,
    ``dataset`` -> brain data set folder)."""
    return Inputs(paths)
