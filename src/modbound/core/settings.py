"""The settings an analysis used, written into its output beside its results, so that a figure reads them from
the analysis (never from config, which may have changed since the analysis ran).

:func:`record` makes the arrays an analysis adds to its output (``gamma``, ``louvain_runs``, ``n_perm``,
``null``, ``alpha``, ...); :func:`read` gives them back as Python values, naming the file and the setting
when one is missing.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = ["record", "read"]


def record(**settings) -> dict[str, np.ndarray]:
    """Each setting as a 0-d array for ``io.save_npz``: bool, int -> int64, float -> float64, str -> unicode."""
    out = {}
    for key, value in settings.items():
        if isinstance(value, (bool, np.bool_)):
            out[key] = np.bool_(value)
        elif isinstance(value, (int, np.integer)):
            out[key] = np.int64(value)
        elif isinstance(value, (float, np.floating)):
            out[key] = np.float64(value)
        elif isinstance(value, str):
            out[key] = np.array(value)
        else:
            raise TypeError(f"setting {key} = {value!r}: not a bool, number or string")
    return out


def read(res: Mapping, *names: str, source: str = "the analysis output") -> dict:
    """The settings ``names`` of an analysis output as Python values; ``ValueError`` names a missing one."""
    missing = [n for n in names if n not in res]
    if missing:
        raise ValueError(f"{source}: settings {missing} missing (made by an older version of the analysis? "
                         "rerun it)")
    return {n: np.asarray(res[n]).item() for n in names}
