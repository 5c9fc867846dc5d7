import numpy as np

from modbound.analyses import lesions, selectivity
from modbound.models import tasks


def _toy_network(n_trials=40, seed=0):
    """Hand-built 'network': 3 units track +cumulative input, 3 track -cumulative input, 1 silent,
    2 track fixation; the readout compares the two groups."""
    trials = tasks.make_task("pdm", seed=seed).trials(n_trials, seed=seed)
    cum = tasks.cumulative_delta_input(trials.x, trials.trial)
    rng = np.random.default_rng(seed)
    pos, neg, fix = np.maximum(cum, 0), np.maximum(-cum, 0), trials.x[:, 0]
    H = np.column_stack([pos, pos, pos, neg, neg, neg, np.zeros_like(cum), fix, fix])
    H = H + 0.05 * rng.random(H.shape) * (np.arange(9) != 6)
    W_out = np.zeros((3, 9))
    W_out[0, 7:] = 0.0
    W_out[1, :3] = 1.0
    W_out[2, 3:6] = 1.0
    b_out = np.array([-50.0, 0.0, 0.0])
    return trials, H, W_out, b_out


def test_analyse_network_finds_choice_modules_and_lesion_effects():
    trials, H, W_out, b_out = _toy_network()
    outputs = lesions.readout(H, W_out, b_out)
    res = selectivity.analyse_network(H, outputs, W_out, b_out, trials, gamma=1.0, louvain_runs=3, seed=0)
    assert res.partition[6] == -1 and res.n_silent == 1
    m1, m2 = res.choice_module
    assert set(np.flatnonzero(res.partition == m1)) == {0, 1, 2}
    assert set(np.flatnonzero(res.partition == m2)) == {3, 4, 5}
    assert res.r_module_cumdelta[0] > 0.5 and res.r_module_cumdelta[1] < -0.5
    # sign selectivity (paper claim fig1.sign_selective): stim-1 module up when cumulative input > 0, stim-2 down
    assert res.sign_dprime[0] > 1.0 and res.sign_dprime[1] < -1.0
    # lesioning the stim-1 module's readout destroys stim-1 trials, spares stim-2 trials
    assert res.lesion_accuracy[0, 0] < 0.2 and res.lesion_accuracy[0, 1] > 0.8
    assert res.lesion_accuracy[1, 1] < 0.2 and res.lesion_accuracy[1, 0] > 0.8
    assert res.control_accuracy.min() > 0.8


def test_match_modules_is_one_to_one():
    rng = np.random.default_rng(0)
    out = rng.normal(size=(100, 3))
    means = np.column_stack([out[:, 2], out[:, 1] + 0.1 * rng.normal(size=100), rng.normal(size=100)])
    assert selectivity.match_modules(means, out, np.array([1, 2])).tolist() == [1, 0]


def test_trial_range_drops_leading_trials_and_renumbers():
    from modbound.models.ensembles import trial_range

    full = tasks.make_task("pdm", seed=1).trials(5, seed=2)
    cut = trial_range(full, 1)
    start = full.trial_starts[1]
    assert cut.n_trials == 4 and cut.trial[0] == 0 and cut.trial_starts[0] == 0
    assert np.array_equal(cut.x, full.x[start:]) and np.array_equal(cut.ground_truth, full.ground_truth[1:])
    assert np.array_equal(cut.last_decision_step, full.last_decision_step[1:] - start)


def test_match_modules_rule_rejects_small_and_unselective_modules():
    """Synthetic activity with known selective groups: module 0 tracks the stim-1 contrast, module 1 the stim-2
    contrast, module 2 is a boundary module (rises on every decision), module 3 is selective but too small."""
    rng = np.random.default_rng(0)
    T = 400
    contrast = rng.normal(size=T)
    go = (np.arange(T) % 20 == 0).astype(float)
    out = np.column_stack([np.zeros(T), go + contrast, go - contrast])
    means = np.column_stack([contrast + 0.3 * rng.normal(size=T), -contrast + 0.3 * rng.normal(size=T),
                             go + 0.1 * rng.normal(size=T), contrast])
    sizes = np.array([10, 8, 5, 2])
    choices = np.array([1, 2])
    assert selectivity.match_modules(means, out, choices, sizes, min_size=4, min_r=0.3).tolist() == [0, 1]
    # the too-small module would win without the size rule
    assert selectivity.match_modules(means, out, choices, sizes, min_size=1, min_r=0.3).tolist() == [3, 1]
    # no module selective for stim 2: listed as unmatched (-1), never forced onto the boundary module
    means2 = means[:, [0, 2]]
    assert selectivity.match_modules(means2, out, choices, sizes[[0, 2]], min_size=4, min_r=0.3).tolist() == [0, -1]


def test_boundary_selectivity_finds_the_boundary_module():
    trials = tasks.make_task("pdm", seed=0).trials(10, seed=0)
    b = selectivity.boundary_steps(trials)
    assert b[trials.trial_starts].all()
    decision = np.flatnonzero(trials.period == tasks.PERIODS.index("decision"))
    first_decision = decision[np.r_[True, np.diff(decision) > 1]]
    assert b[first_decision].all() and b.sum() == len(trials.trial_starts) + len(first_decision)
    rng = np.random.default_rng(0)
    means = np.column_stack([b + 0.1 * rng.normal(size=b.size), rng.normal(size=b.size)])
    d = selectivity.boundary_selectivity(means, b)
    assert d[0] > 3 and abs(d[1]) < 1
