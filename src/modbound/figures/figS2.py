"""Fig S2: the go/no-go version of Fig 1 (same analysis and layout, :mod:`.fig1`)."""

from __future__ import annotations

from modbound.figures import fig1


def stats(data, *, scale: str, strength: dict) -> dict:
    return fig1.stats(data, scale=scale, strength=strength, figure="figS2")


def plot(data, stats_: dict):
    return fig1.plot(data, stats_)
