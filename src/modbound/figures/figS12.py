"""Fig S12: Fig 5's lesions with difference-based input modules (W_in(stim 1) > W_in(stim 2); :mod:`.fig5`)."""

from __future__ import annotations

from modbound.figures import fig5


def stats(data, *, scale: str, dynamics: dict, ensemble: str, strength: dict) -> dict:
    return fig5.stats(data, scale=scale, dynamics=dynamics, ensemble=ensemble, strength=strength, figure="figS12")


def plot(data, stats_: dict):
    return fig5.plot(data, stats_)
