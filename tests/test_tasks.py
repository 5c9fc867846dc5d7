"""Tests of modbound.models.tasks: neurogym wrappers, fixation semantics, seeding, batches."""

import dataclasses

import numpy as np
import pytest

from modbound.models.tasks import PERIODS, TrialSet, cumulative_delta_input, make_task

FIX, STIM, DELAY, DEC = (PERIODS.index(p) for p in ("fixation", "stimulus", "delay", "decision"))


def _assert_same(a: TrialSet, b: TrialSet) -> None:
    for field in dataclasses.fields(TrialSet):
        va, vb = getattr(a, field.name), getattr(b, field.name)
        if isinstance(va, np.ndarray):
            np.testing.assert_array_equal(va, vb, err_msg=field.name)
        else:
            assert va == vb, field.name


@pytest.fixture(scope="module")
def pdm_trials():
    return make_task("pdm", seed=0).trials(60, seed=1)


@pytest.fixture(scope="module")
def multi_trials():
    return make_task("multitask", seed=0).trials(80, seed=2)


def test_pdm_trial_structure(pdm_trials):
    ts = pdm_trials
    assert ts.x.shape == (60 * 22, 3) and ts.x.dtype == np.float32
    assert ts.y.dtype == np.int64 and ts.trial.dtype == np.int64
    assert set(ts.trial_lengths) == {22}
    np.testing.assert_array_equal(ts.trial_starts, np.arange(60) * 22)
    expected = [FIX] + [STIM] * 20 + [DEC]  # 100 ms fixation, 2000 ms stimulus, no delay, 100 ms decision
    np.testing.assert_array_equal(ts.period[:22], expected)
    assert set(ts.ground_truth) == {1, 2}
    np.testing.assert_array_equal(ts.y[ts.is_decision], ts.ground_truth)
    assert not ts.y[~ts.is_decision].any()
    np.testing.assert_array_equal(ts.last_decision_step, ts.trial_starts + 21)


def test_pdm_ground_truth_is_stronger_stimulus(pdm_trials):
    ts = pdm_trials
    stim = ts.period == STIM
    mean = np.array([ts.x[stim & (ts.trial == i), 1:3].mean(axis=0) for i in range(ts.n_trials)])
    strong = ts.coherence == 51.2  # mean difference 0.512 >> noise, so always the larger mean
    assert strong.any()
    np.testing.assert_array_equal(mean[strong].argmax(axis=1) + 1, ts.ground_truth[strong])


def test_gng_trial_structure():
    ts = make_task("gng", seed=0).trials(40, seed=1)
    assert set(ts.trial_lengths) == {15} and ts.x.shape == (600, 3)
    np.testing.assert_array_equal(ts.period[:15], [STIM] * 5 + [DELAY] * 5 + [DEC] * 5)
    assert set(ts.ground_truth) == {0, 1} and ts.coherence is None
    stim = ts.period == STIM
    go_shown = np.array([ts.x[stim & (ts.trial == i), 2].all() for i in range(40)])
    nogo_shown = np.array([ts.x[stim & (ts.trial == i), 1].all() for i in range(40)])
    np.testing.assert_array_equal(go_shown, ts.ground_truth == 1)
    np.testing.assert_array_equal(nogo_shown, ts.ground_truth == 0)
    np.testing.assert_array_equal(ts.y[ts.is_decision], np.repeat(ts.ground_truth, 5))


def test_pdm_fixation_legacy_vs_neurogym_2_3():
    legacy = make_task("pdm", seed=0, legacy_fixation=True).trials(20, seed=5)
    new = make_task("pdm", seed=0, legacy_fixation=False).trials(20, seed=5)
    before_decision = legacy.period != DEC
    assert (legacy.x[before_decision, 0] == 1).all()  # paper: held through the stimulus
    assert (legacy.x[~before_decision, 0] == 0).all()
    np.testing.assert_array_equal(new.x[:, 0], (new.period == FIX).astype(np.float32))  # 2.3.1
    np.testing.assert_array_equal(legacy.x[:, 1:], new.x[:, 1:])  # only the fixation channel differs
    np.testing.assert_array_equal(legacy.y, new.y)


def test_gng_fixation_flag_changes_nothing():
    legacy = make_task("gng", seed=0, legacy_fixation=True).trials(20, seed=5)
    new = make_task("gng", seed=0, legacy_fixation=False).trials(20, seed=5)
    _assert_same(legacy, new)
    np.testing.assert_array_equal(new.x[:, 0], (new.period != DEC).astype(np.float32))


@pytest.mark.parametrize("name", ["pdm", "gng", "multitask"])
def test_trials_deterministic(name):
    task = make_task(name, seed=3)
    _assert_same(task.trials(30, seed=7), task.trials(30, seed=7))
    _assert_same(task.trials(30, seed=7), make_task(name, seed=3).trials(30, seed=7))
    x = task.trials(30, seed=7).x
    assert not np.array_equal(x[:400], task.trials(30, seed=8).x[:400])
    assert not np.array_equal(x[:400], make_task(name, seed=4).trials(30, seed=7).x[:400])


def test_dt_and_env_kwargs_reach_neurogym():
    assert set(make_task("pdm", seed=0, dt=50).trials(3, seed=0).trial_lengths) == {44}
    short = make_task("pdm", seed=0, timing={"stimulus": 1000}).trials(3, seed=0)
    assert set(short.trial_lengths) == {12}
    assert set(make_task("pdm", seed=0, cohs=[0.0]).trials(10, seed=0).coherence) == {0.0}


def test_make_task_rejects_unknown():
    with pytest.raises(ValueError, match="unknown task"):
        make_task("dms", seed=0)
    with pytest.raises(TypeError, match="pdm_kwargs"):
        make_task("multitask", seed=0, timing={})


def test_multitask_cue_and_task_id(multi_trials):
    task = make_task("multitask", seed=0)
    assert (task.n_input, task.n_output) == (7, 4)
    ts = multi_trials
    assert ts.task_names == ("pdm", "gng") and set(ts.trial_task) == {0, 1}
    np.testing.assert_array_equal(ts.task_id, ts.trial_task[ts.trial])
    cue = ts.x[:, 5:7]
    assert (cue.sum(axis=1) == 1).all()
    np.testing.assert_array_equal(cue.argmax(axis=1), ts.task_id)
    pdm, gng = ts.task_id == 0, ts.task_id == 1
    assert not ts.x[pdm][:, 3:5].any() and not ts.x[gng][:, 1:3].any()
    assert set(ts.y[pdm]) <= {0, 1, 2} and set(ts.y[gng]) <= {0, 3}
    np.testing.assert_array_equal(ts.trial_lengths, np.where(ts.trial_task == 0, 22, 15))
    np.testing.assert_array_equal(np.isnan(ts.coherence), ts.trial_task == 1)
    assert set(ts.ground_truth[ts.trial_task == 0]) == {1, 2}
    assert set(ts.ground_truth[ts.trial_task == 1]) == {0, 3}
    assert (ts.x[ts.period != DEC, 0] == 1).all()  # shared fixation, legacy semantics


def test_cumulative_delta_matches_hand_computation(multi_trials):
    ts = multi_trials
    got = cumulative_delta_input(ts.x, ts.trial)
    expected = np.empty(ts.n_steps)
    running, previous = 0.0, None
    for t in range(ts.n_steps):
        if ts.trial[t] != previous:
            running, previous = 0.0, ts.trial[t]
        running += float(ts.x[t, 1]) - float(ts.x[t, 2])
        expected[t] = running
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
    starts = ts.trial_starts
    np.testing.assert_allclose(got[starts], ts.x[starts, 1] - ts.x[starts, 2], atol=1e-12)


def test_cumulative_delta_sign_follows_ground_truth(pdm_trials):
    ts = pdm_trials
    final = cumulative_delta_input(ts.x, ts.trial)[ts.last_decision_step]
    strong = ts.coherence == 51.2
    np.testing.assert_array_equal(np.where(final[strong] > 0, 1, 2), ts.ground_truth[strong])


@pytest.mark.parametrize("name, n_input", [("pdm", 3), ("gng", 3), ("multitask", 7)])
def test_batches_shapes_and_dtypes(name, n_input):
    batches = list(make_task(name, seed=0).batches(3, batch_size=5, seq_len=40, seed=1, pool_size=64))
    assert len(batches) == 3
    for x, y in batches:
        assert x.shape == (40, 5, n_input) and x.dtype == np.float32
        assert y.shape == (40, 5) and y.dtype == np.int64


def test_batches_deterministic_and_prefix_stable():
    task = make_task("multitask", seed=0)
    a = list(task.batches(6, seed=4, pool_size=128))
    b = list(task.batches(3, seed=4, pool_size=128))
    c = list(task.batches(3, seed=5, pool_size=128))
    for (xa, ya), (xb, yb) in zip(a, b):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
    assert not np.array_equal(a[0][0], c[0][0])


def test_batches_are_windows_of_whole_trials():
    """PDM (legacy): each column is a window onto back-to-back 22-step trials, so decision
    steps (fixation off, target 1/2) recur every 22 steps, at a random phase per column."""
    x, y = next(make_task("pdm", seed=0).batches(1, batch_size=32, seq_len=100, seed=2, pool_size=256))
    phases = set()
    for col in range(32):
        decision = np.flatnonzero(y[:, col] != 0)
        np.testing.assert_array_equal(np.flatnonzero(x[:, col, 0] == 0), decision)
        assert len(decision) >= 4 and set(np.diff(decision)) == {22}
        phases.add(int(decision[0]))
    assert len(phases) > 5


def test_pool_sample_matches_naive_concatenation():
    """White-box: same draws, assembled by plain concatenation (variable trial lengths)."""
    from modbound.models.tasks import TrialPool

    trials = make_task("multitask", seed=0).trials(50, seed=3)
    pool = TrialPool(trials)
    x, y = pool.sample(np.random.default_rng(9), batch_size=6, seq_len=70)
    rng = np.random.default_rng(9)
    n_pick = -(-(70 + 22) // 15)
    picked = rng.integers(50, size=(6, n_pick))
    offset = (rng.random(6) * trials.trial_lengths[picked[:, 0]]).astype(np.int64)
    for col in range(6):
        rows = np.concatenate([np.flatnonzero(trials.trial == k) for k in picked[col]])
        window = rows[offset[col] : offset[col] + 70]
        np.testing.assert_array_equal(x[:, col], trials.x[window])
        np.testing.assert_array_equal(y[:, col], trials.y[window])


def _sample_by_searchsorted(pool, rng, batch_size, seq_len):
    """The vectorised numpy assembly TrialPool.sample used before its numba kernel (the oracle)."""
    n_pick = -(-(seq_len + pool.max_length) // pool.min_length)
    picked = rng.integers(len(pool.lengths), size=(batch_size, n_pick))
    lengths = pool.lengths[picked]
    offset = (rng.random(batch_size) * lengths[:, 0]).astype(np.int64)
    span = n_pick * pool.max_length
    column_start = np.arange(batch_size)[:, None] * span
    ends = (np.cumsum(lengths, axis=1) + column_start).ravel()
    position = (column_start + offset[:, None] + np.arange(seq_len)).ravel()
    slot = np.searchsorted(ends, position, side="right")
    within = position - (ends - lengths.ravel())[slot]
    index = (pool.starts[picked.ravel()[slot]] + within).reshape(batch_size, seq_len).T
    return pool.x[index], pool.y[index]


@pytest.mark.parametrize("name", ["pdm", "gng", "multitask"])
def test_pool_sample_draws_the_batches_of_the_searchsorted_assembly(name):
    """The same random draws give the same batches, to the bit and dtype, as the numpy assembly it replaced (so
    trained networks do not change); many draws, batch sizes and window lengths (shorter and longer than a trial)."""
    from modbound.models.tasks import TrialPool

    pool = TrialPool(make_task(name, seed=1).trials(40, seed=2))
    for k, (batch_size, seq_len) in enumerate([(16, 100), (1, 5), (7, 250), (3, 1), (16, 100)] * 4):
        rng, oracle = np.random.default_rng(k), np.random.default_rng(k)
        x, y = pool.sample(rng, batch_size, seq_len)
        x0, y0 = _sample_by_searchsorted(pool, oracle, batch_size, seq_len)
        assert x.dtype == x0.dtype and y.dtype == y0.dtype and x.shape == x0.shape and y.shape == y0.shape
        np.testing.assert_array_equal(x, x0)
        np.testing.assert_array_equal(y, y0)
        assert rng.random() == oracle.random()  # the same number of draws
