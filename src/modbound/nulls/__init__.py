"""Layer 2, null models: samples of a statistic under a null hypothesis, and their p-values.

:mod:`.permutation` (label permutation of a partition, :func:`empirical_p`) and :mod:`.spatial` (brainsmash
variogram-matched surrogate maps on a distance matrix). Imports only :mod:`modbound.core`.
"""
from modbound.nulls.permutation import NullResult, empirical_p, null_summary, permutation_null

__all__ = ["NullResult", "empirical_p", "null_summary", "permutation_null"]
