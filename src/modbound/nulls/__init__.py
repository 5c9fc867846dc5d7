"""Layer 2, null models: null partitions of an observed partition, the null distribution of a statistic of
them, and its p-value.

One interface (:mod:`.base`): a :class:`NullModel` has a name and draws ``partitions(ci, n, seed)``;
:func:`null_test` tests any statistic of a partition against them and says which null it used. The null models,
by the name config chooses them by (:data:`NULL_MODELS`, :func:`make`): ``label_permutation``
(:class:`.permutation.LabelPermutation`) and ``variogram`` (:class:`.spatial.VariogramSurrogates`, brainsmash
surrogate maps on a distance matrix). Imports only :mod:`modbound.core`.
"""
from modbound.nulls.base import NullModel, NullResult, empirical_p, null_test
from modbound.nulls.permutation import LabelPermutation, modularity_null, null_summary, permutation_null
from modbound.nulls.spatial import VariogramSurrogates

__all__ = ["NULL_MODELS", "NullModel", "NullResult", "LabelPermutation", "VariogramSurrogates", "make",
           "empirical_p", "null_test", "modularity_null", "null_summary", "permutation_null"]

#: every null model by its config name; a new one is a :class:`NullModel` subclass added here
NULL_MODELS: dict[str, type[NullModel]] = {cls.name: cls for cls in (LabelPermutation, VariogramSurrogates)}


def make(name: str, **context) -> NullModel:
    """The null model called ``name``, given what it needs (``variogram``: ``distmat``, ``index``, ``weights``
    and brainsmash keywords). Raises ``ValueError`` naming an unknown model or what a model lacks."""
    if name not in NULL_MODELS:
        raise ValueError(f"unknown null model {name!r}; known: {sorted(NULL_MODELS)}")
    cls = NULL_MODELS[name]
    missing = [k for k in cls.requires if context.get(k) is None]
    if missing:
        raise ValueError(f"null model {name!r} needs {', '.join(missing)}, which this analysis does not have")
    return cls(**context) if cls.requires else cls()
