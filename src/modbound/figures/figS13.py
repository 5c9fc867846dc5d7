"""Fig S13: the perceptual decision-making version of Fig 6 (lesion similarity; :mod:`.fig6`)."""

from __future__ import annotations

from modbound.figures import fig6


def stats(data, *, scale: str, dynamics: dict, seed: int, ensemble: str, strength: dict) -> dict:
    return fig6.stats(data, scale=scale, dynamics=dynamics, seed=seed, ensemble=ensemble,
                      strength=strength, figure="figS13")


def plot(data, stats_: dict):
    return fig6.plot(data, stats_)
