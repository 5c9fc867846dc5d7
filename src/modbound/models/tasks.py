"""Neurogym tasks of the paper as seeded trial sets and fast training batches.

Two neurogym 2.3.1 tasks are wrapped (``PerceptualDecisionMaking-v0`` = "pdm",
``GoNogo-v0`` = "gng"), plus a "multitask" environment that mixes both (Fig S3).
At the default dt = 100 ms a PDM trial is 22 steps (fixation 1, stimulus 20,
delay 0, decision 1) and a GNG trial is 15 steps (fixation 0, stimulus 5,
delay 5, decision 5).

Randomness: every array is a pure function of (task seed, call seed).  Trials
are drawn with ``env.unwrapped.new_trial()`` after seeding the env's own
``RandomState`` through ``env.unwrapped.seed``; ``env.reset(seed=...)`` is not
used because it seeds gymnasium's generator, not the one neurogym draws from.
neurogym's ``Dataset`` is not used either.

Fixation semantics: neurogym >= 2.1 sets the PDM fixation input to 1 only
during the fixation period; neurogym <= 2.0 (the paper) keeps it at 1 through
every period before the decision.  ``legacy_fixation=True`` (default) restores
the paper's input by setting the fixation channel to 1 for all steps before the
decision period.  GNG already holds fixation at 1 until the decision in both
versions, so the flag leaves GNG trials unchanged.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from modbound.core.defaults import DT

PERIODS: tuple[str, ...] = ("fixation", "stimulus", "delay", "decision")
"""Period names; ``TrialSet.period`` holds indices into this tuple."""

DECISION: int = PERIODS.index("decision")

TASK_NAMES: tuple[str, ...] = ("pdm", "gng", "multitask")

_ENV_IDS = {"pdm": "PerceptualDecisionMaking-v0", "gng": "GoNogo-v0"}

STIM1_COLUMN, STIM2_COLUMN = 1, 2
"""Input columns of the two PDM stimuli (same in "pdm" and "multitask")."""

DEFAULT_POOL_SIZE = 4096
"""Trials pre-generated per ``Task.batches`` stream."""

# Domain tags keep evaluation trials and training pools of one seed disjoint.
_TRIALS_DOMAIN, _BATCHES_DOMAIN = 0, 1


def _length_property(attribute: str, doc: str) -> property:
    """Read-only property ``len(getattr(self, attribute))``."""
    return property(lambda self: len(getattr(self, attribute)), doc=doc)


@dataclass(frozen=True)
class TrialSet:
    """``n_trials`` consecutive trials concatenated along time.

    Attributes:
        x: inputs ``[T_total, n_input]`` float32.
        y: target output unit per step ``[T_total]`` int64.
        trial: trial index (0..n_trials-1) of each step ``[T_total]`` int64.
        period: index into ``PERIODS`` of each step ``[T_total]`` int8.
        task_id: index into ``task_names`` of each step ``[T_total]`` int64.
        trial_starts: first step of each trial ``[n_trials]`` int64.
        ground_truth: target output unit of the decision period ``[n_trials]``
            int64 (PDM: 1 or 2 = stimulus 1 or 2 larger; GNG: 0 = no-go
            (keep fixating), 1 = go; multitask: PDM 1/2, GNG 0/3).
        trial_task: index into ``task_names`` of each trial ``[n_trials]``.
        coherence: PDM coherence per trial ``[n_trials]`` float64, NaN on GNG
            trials; None when the task has no coherence (pure GNG).
        task_names: names of the component tasks (("pdm",), ("gng",) or
            ("pdm", "gng")).
        dt: time step in ms.
    """

    x: np.ndarray
    y: np.ndarray
    trial: np.ndarray
    period: np.ndarray
    task_id: np.ndarray
    trial_starts: np.ndarray
    ground_truth: np.ndarray
    trial_task: np.ndarray
    coherence: np.ndarray | None
    task_names: tuple[str, ...]
    dt: float

    n_trials = _length_property("trial_starts", "Number of trials.")
    n_steps = _length_property("y", "Total number of time steps.")

    @property
    def trial_lengths(self) -> np.ndarray:
        """Steps per trial ``[n_trials]``."""
        return np.diff(np.append(self.trial_starts, self.n_steps))

    @property
    def is_decision(self) -> np.ndarray:
        """Boolean mask of decision-period steps ``[T_total]``."""
        return self.period == DECISION

    @property
    def last_decision_step(self) -> np.ndarray:
        """Index of the last decision-period step of each trial ``[n_trials]``."""
        steps = np.flatnonzero(self.is_decision)
        of_trial = self.trial[steps]
        last = steps[np.append(of_trial[1:] != of_trial[:-1], True)]
        if len(last) != self.n_trials:
            raise ValueError("every trial must contain a decision period")
        return last


@dataclass(frozen=True)
class _Component:
    """One neurogym task placed inside a (possibly multi-task) input/output space."""

    name: str  # key of _ENV_IDS
    input_columns: tuple[int, ...]  # neurogym observation channel -> Task input column
    output_units: tuple[int, ...]  # neurogym action -> Task output unit
    cue_column: int | None  # input column set to 1 throughout the trial (multitask cue)
    env_kwargs: dict = field(default_factory=dict)

    def make_env(self, dt: float, seed: int):
        """Create the neurogym env and seed the RandomState its trials draw from."""
        import neurogym

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*render_modes.*")
            env = neurogym.make(_ENV_IDS[self.name], dt=dt, **self.env_kwargs).unwrapped
        env.seed(seed)
        return env


@dataclass
class _TrialBuffer:
    """Per-trial arrays collected while drawing trials (in the Task's spaces)."""

    x: list = field(default_factory=list)
    y: list = field(default_factory=list)
    period: list = field(default_factory=list)
    ground_truth: list = field(default_factory=list)
    coherence: list = field(default_factory=list)


def _period_codes(env, length: int) -> np.ndarray:
    """Index into PERIODS of every step of the env's current trial."""
    codes = np.full(length, -1, dtype=np.int8)
    for code, name in enumerate(PERIODS):
        codes[env.start_ind[name] : env.end_ind[name]] = code
    if (codes < 0).any():
        raise RuntimeError("neurogym trial has steps outside the known periods")
    return codes


def _draw_trials(
    component: _Component,
    n_trials: int,
    *,
    dt: float,
    seed: int,
    n_input: int,
    legacy_fixation: bool,
) -> _TrialBuffer:
    """Draw ``n_trials`` trials of one component, embedded in the Task's spaces."""
    env = component.make_env(dt, seed)
    fixation = env.observation_space.name["fixation"]
    to_output = np.asarray(component.output_units, dtype=np.int64)
    buffer = _TrialBuffer()
    for _ in range(n_trials):
        info = env.new_trial()
        ob = np.array(env.ob, dtype=np.float32)
        if legacy_fixation:
            ob[: env.start_ind["decision"], fixation] = 1.0
        x = np.zeros((len(ob), n_input), dtype=np.float32)
        x[:, list(component.input_columns)] = ob
        if component.cue_column is not None:
            x[:, component.cue_column] = 1.0
        y = to_output[env.gt]
        buffer.x.append(x)
        buffer.y.append(y)
        buffer.period.append(_period_codes(env, len(ob)))
        buffer.ground_truth.append(y[env.end_ind["decision"] - 1])
        buffer.coherence.append(float(info.get("coh", np.nan)))
    return buffer


def _int_seed(seed_sequence: np.random.SeedSequence) -> int:
    """A 32-bit integer seed (what neurogym's RandomState accepts)."""
    return int(seed_sequence.generate_state(1)[0])


class Task:
    """A task whose trials and training batches are drawn from explicit seeds.

    Build with :func:`make_task`.  Attributes: ``name``, ``dt`` (ms),
    ``legacy_fixation``, ``seed`` (task seed, mixed into every draw),
    ``input_names`` / ``output_names`` (one name per input / output unit),
    ``n_input``, ``n_output``.
    """

    def __init__(
        self,
        name: str,
        components: Sequence[_Component],
        *,
        dt: float,
        legacy_fixation: bool,
        seed: int,
        input_names: tuple[str, ...],
        output_names: tuple[str, ...],
    ) -> None:
        self.name = name
        self.dt = dt
        self.legacy_fixation = legacy_fixation
        self.seed = seed
        self.input_names = input_names
        self.output_names = output_names
        self._components = tuple(components)

    n_input = _length_property("input_names", "Number of input units.")
    n_output = _length_property("output_names", "Number of output units.")

    @property
    def task_names(self) -> tuple[str, ...]:
        """Names of the component tasks (indices of ``TrialSet.task_id``)."""
        return tuple(c.name for c in self._components)

    def __repr__(self) -> str:
        return (
            f"Task({self.name!r}, dt={self.dt}, legacy_fixation={self.legacy_fixation}, "
            f"seed={self.seed}, n_input={self.n_input}, n_output={self.n_output})"
        )

    def trials(self, n_trials: int, seed: int) -> TrialSet:
        """Draw ``n_trials`` trials (one continuous sequence) from ``seed``."""
        return self._generate(n_trials, self._seed_sequence(seed, _TRIALS_DOMAIN))

    def batches(
        self,
        n_steps: int,
        batch_size: int = 16,
        seq_len: int = 100,
        *,
        seed: int,
        pool_size: int = DEFAULT_POOL_SIZE,
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``n_steps`` training batches ``(x [seq_len, batch, n_input] float32,
        y [seq_len, batch] int64)``.

        A pool of ``pool_size`` trials is drawn once from ``seed`` (disjoint
        from ``trials(..., seed)``); each batch column concatenates randomly
        chosen pool trials, starting at a random step of the first one (as
        neurogym's ``Dataset`` windows run through trials), cropped to
        ``seq_len``.  Batch k depends only on ``seed`` and k, not on ``n_steps``.
        """
        pool_seq, sample_seq = self._seed_sequence(seed, _BATCHES_DOMAIN).spawn(2)
        pool = TrialPool(self._generate(pool_size, pool_seq))
        rng = np.random.default_rng(sample_seq)
        for _ in range(n_steps):
            yield pool.sample(rng, batch_size, seq_len)

    def _seed_sequence(self, seed: int, domain: int) -> np.random.SeedSequence:
        return np.random.SeedSequence([self.seed, seed, domain])

    def _generate(self, n_trials: int, seed_sequence: np.random.SeedSequence) -> TrialSet:
        """Draw trials: pick each trial's component at random, then fill them in order."""
        if n_trials < 1:
            raise ValueError(f"n_trials must be >= 1, got {n_trials}")
        *env_seqs, choice_seq = seed_sequence.spawn(len(self._components) + 1)
        trial_task = np.random.default_rng(choice_seq).integers(
            len(self._components), size=n_trials
        )
        buffers = [
            _draw_trials(
                component,
                int(np.sum(trial_task == k)),
                dt=self.dt,
                seed=_int_seed(env_seq),
                n_input=self.n_input,
                legacy_fixation=self.legacy_fixation,
            )
            for k, (component, env_seq) in enumerate(zip(self._components, env_seqs))
        ]
        return self._assemble(trial_task, buffers)

    def _assemble(self, trial_task: np.ndarray, buffers: list[_TrialBuffer]) -> TrialSet:
        """Interleave the components' trials in the drawn order into one TrialSet."""
        rank = np.zeros(len(trial_task), dtype=np.int64)  # position within its component
        for k in range(len(buffers)):
            rank[trial_task == k] = np.arange(np.sum(trial_task == k))
        picks = list(zip(trial_task, rank))
        lengths = np.array([len(buffers[k].y[i]) for k, i in picks], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        coherence = np.array([buffers[k].coherence[i] for k, i in picks])
        has_coherence = any(c.name == "pdm" for c in self._components)
        return TrialSet(
            x=np.concatenate([buffers[k].x[i] for k, i in picks]),
            y=np.concatenate([buffers[k].y[i] for k, i in picks]).astype(np.int64),
            trial=np.repeat(np.arange(len(picks), dtype=np.int64), lengths),
            period=np.concatenate([buffers[k].period[i] for k, i in picks]),
            task_id=np.repeat(trial_task.astype(np.int64), lengths),
            trial_starts=starts.astype(np.int64),
            ground_truth=np.array(
                [buffers[k].ground_truth[i] for k, i in picks], dtype=np.int64
            ),
            trial_task=trial_task.astype(np.int64),
            coherence=coherence if has_coherence else None,
            task_names=self.task_names,
            dt=float(self.dt),
        )


class TrialPool:
    """Pre-drawn trials from which training sequences are assembled by indexing."""

    def __init__(self, trials: TrialSet) -> None:
        self.x = trials.x
        self.y = trials.y
        self.starts = trials.trial_starts
        self.lengths = trials.trial_lengths
        self.min_length = int(self.lengths.min())
        self.max_length = int(self.lengths.max())

    def sample(
        self, rng: np.random.Generator, batch_size: int, seq_len: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """One batch ``(x [seq_len, batch, n_in], y [seq_len, batch])``.

        Each column is pool trials chosen uniformly with replacement, started
        at a uniformly drawn step of its first trial.  Enough trials are drawn
        per column that their total length always covers offset + seq_len.
        """
        n_pick = -(-(seq_len + self.max_length) // self.min_length)
        picked = rng.integers(len(self.lengths), size=(batch_size, n_pick))
        start_at = rng.random(batch_size)
        return _windows(self.x, self.y, self.starts, self.lengths, picked, start_at, seq_len)


@njit(cache=True)
def _windows(x, y, starts, lengths, picked, start_at, seq_len):
    """Column b of the batch: the steps ``offset_b .. offset_b + seq_len - 1`` of pool trials ``picked[b]`` laid end
    to end, ``offset_b = floor(start_at[b] * length of picked[b, 0])``; returns ``(x [seq_len, batch, n_in],
    y [seq_len, batch])`` copied from the pool's steps (one pass, no index arrays)."""
    batch_size = picked.shape[0]
    x_out = np.empty((seq_len, batch_size, x.shape[1]), dtype=x.dtype)
    y_out = np.empty((seq_len, batch_size), dtype=y.dtype)
    for b in range(batch_size):
        k = 0
        trial = picked[b, 0]
        within = np.int64(start_at[b] * lengths[trial])
        for i in range(seq_len):
            while within >= lengths[trial]:  # on to the next picked trial
                within -= lengths[trial]
                k += 1
                trial = picked[b, k]
            row = starts[trial] + within
            x_out[i, b, :] = x[row]
            y_out[i, b] = y[row]
            within += 1
    return x_out, y_out


def cumulative_delta_input(x: np.ndarray, trial: np.ndarray) -> np.ndarray:
    """Running sum of (stimulus 1 - stimulus 2) input within each trial.

    ``x`` is ``[T, n_input]`` (PDM or multitask columns), ``trial`` the trial
    index of each step; the sum restarts wherever ``trial`` changes.  Returns
    float64 ``[T]`` (the paper's "cumulative inputs", Fig 1).
    """
    delta = x[:, STIM1_COLUMN].astype(np.float64) - x[:, STIM2_COLUMN]
    total = np.cumsum(delta)
    trial = np.asarray(trial)
    is_start = np.append(True, trial[1:] != trial[:-1])
    start_index = np.maximum.accumulate(np.where(is_start, np.arange(len(trial)), 0))
    before_start = total[start_index] - delta[start_index]
    return total - before_start


def make_task(
    name: str,
    *,
    dt: float = DT,
    legacy_fixation: bool = True,
    seed: int,
    **kwargs,
) -> Task:
    """Build a task: "pdm", "gng" or "multitask".

    ``kwargs`` go to the neurogym env (e.g. ``timing``, ``cohs``, ``sigma``);
    for "multitask" pass them as ``pdm_kwargs={...}`` / ``gng_kwargs={...}``.

    Multitask spaces (Fig S3): inputs ``fixation, pdm_stim1, pdm_stim2,
    gng_nogo, gng_go, cue_pdm, cue_gng`` (fixation shared; the one-hot cue is 1
    throughout the trial); outputs ``fixation, pdm_choice1, pdm_choice2,
    gng_go``.  Each trial is PDM or GNG with probability 1/2.
    """
    common = {"dt": dt, "legacy_fixation": legacy_fixation, "seed": seed}
    if name == "pdm":
        component = _Component("pdm", (0, 1, 2), (0, 1, 2), None, kwargs)
        return Task(
            name, [component], **common,
            input_names=("fixation", "stim1", "stim2"),
            output_names=("fixation", "choice1", "choice2"),
        )  # fmt: skip
    if name == "gng":
        component = _Component("gng", (0, 1, 2), (0, 1), None, kwargs)
        return Task(
            name, [component], **common,
            input_names=("fixation", "nogo", "go"),
            output_names=("fixation", "go"),
        )  # fmt: skip
    if name == "multitask":
        pdm_kwargs = kwargs.pop("pdm_kwargs", None) or {}
        gng_kwargs = kwargs.pop("gng_kwargs", None) or {}
        if kwargs:
            raise TypeError(f"multitask takes pdm_kwargs/gng_kwargs, got {sorted(kwargs)}")
        components = [
            _Component("pdm", (0, 1, 2), (0, 1, 2), 5, pdm_kwargs),
            _Component("gng", (0, 3, 4), (0, 3), 6, gng_kwargs),
        ]
        return Task(
            name, components, **common,
            input_names=("fixation", "pdm_stim1", "pdm_stim2", "gng_nogo", "gng_go",
                         "cue_pdm", "cue_gng"),
            output_names=("fixation", "pdm_choice1", "pdm_choice2", "gng_go"),
        )  # fmt: skip
    raise ValueError(f"unknown task {name!r}; expected one of {TASK_NAMES}")
