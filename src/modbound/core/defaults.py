"""The library's defaults, one constant each, for the few settings that library functions need a value for
when a caller (a test, a notebook) gives none. The workflow always passes the config's value
(``config.yaml``, ``workflow/schemas/config.schema.yaml``); ``tests/test_layers.py`` checks that each constant
here equals the default of its config key, so there is one value per setting.
"""

from __future__ import annotations

#: modularity resolution (config ``analysis.gamma``)
GAMMA = 1.0
#: Louvain restarts, best Q kept (config ``analysis.louvain_runs``)
LOUVAIN_RUNS = 20
#: null samples of the RNN and feed-forward analyses, and of the brain analyses (config ``analysis.n_perm``,
#: ``brain.n_surrogates``)
N_PERM = 1000
N_SURROGATES = 100
#: RNN time step and time constant in ms (config ``rnn.dt``, ``rnn.tau``)
DT = 100.0
TAU = 100.0
#: null model of the RNN and feed-forward analyses (config ``analysis.null_model``)
NULL = "label_permutation"
#: null model of the brain analyses (config ``brain.null_model``)
BRAIN_NULL = "variogram"

#: each constant and the config key (dotted path) that holds the same default
CONFIG_KEYS = {"GAMMA": "analysis.gamma", "LOUVAIN_RUNS": "analysis.louvain_runs", "DT": "rnn.dt",
               "TAU": "rnn.tau", "NULL": "analysis.null_model", "N_PERM": "analysis.n_perm",
               "N_SURROGATES": "brain.n_surrogates", "BRAIN_NULL": "brain.null_model"}


def alpha(dt: float, tau: float) -> float:
    """The CTRNN's update fraction ``alpha = dt / tau`` (1 at the paper's dt = tau = 100 ms)."""
    if not (dt > 0 and tau > 0):
        raise ValueError(f"dt and tau must be positive, got dt={dt}, tau={tau}")
    return dt / tau
