"""Fig 4k-o: the human version of Fig 4f-j (same analysis and layout, :mod:`.fig4_mouse`)."""

from __future__ import annotations

from . import fig4_mouse


def stats(data, *, scale: str, master_seed: int) -> dict:
    return fig4_mouse.stats(data, scale=scale, master_seed=master_seed, species="human")


def plot(data, stats_: dict):
    return fig4_mouse.plot(data, stats_)
