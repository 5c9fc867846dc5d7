"""Origin of modules: feed-forward sectors, generative models, random RNNs, init modes."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from modbound.core import activity, modularity, similarity
from modbound.models import ensembles, ffnn, random_rnn, rnn
from modbound.analyses import input_weights

ROOT = Path(__file__).resolve().parents[1]
RNN_CFG = {"n_hidden": 12, "tau": 100.0, "dt": 100.0}


# ------------------------------------------------------------------------------ feed-forward

def test_sign_codes_of_the_four_quadrants():
    W = np.array([[1.0, 1.0], [-1.0, 1.0], [1.0, -1.0], [-1.0, -1.0], [0.3, 2.0]])
    assert ffnn.sign_codes(W).tolist() == [3, 2, 1, 0, 3]


def test_sector_partition_of_two_inputs_is_exactly_the_quadrants():
    rng = np.random.default_rng(1)
    W = rng.standard_normal((200, 2))
    part = ffnn.sign_partition(W)
    quadrant = np.select([(W[:, 0] > 0) & (W[:, 1] > 0), (W[:, 0] <= 0) & (W[:, 1] > 0),
                          (W[:, 0] <= 0) & (W[:, 1] <= 0)], [0, 1, 2], 3)
    assert part.max() + 1 == 4
    # same blocks: every module is one quadrant and every quadrant one module
    for k in range(4):
        assert np.unique(quadrant[part == k]).size == 1
        assert np.unique(part[quadrant == k]).size == 1
    assert modularity.ari(part, quadrant) == pytest.approx(1.0)


def _output_correlation(W, n_samples, rng):
    """Correlation of the linear outputs driven by Gaussian inputs, as the origin analyses compute it."""
    return activity.correlation(ffnn.output_activity(W, ffnn.gaussian_input(n_samples, W.shape[1], rng)))


def test_quadrant_modules_on_output_correlation():
    rng = np.random.default_rng(2)
    W = rng.standard_normal((60, 2))
    C = _output_correlation(W, 2000, rng)
    q_sector = modularity.induced_modularity(ffnn.sign_partition(W), C)
    q_random = modularity.induced_modularity(rng.permutation(ffnn.sign_partition(W)), C)
    assert q_sector > 0.3 > q_random


def test_hamming_and_cosine_similarity():
    W = np.array([[1.0, 2.0, -1.0], [3.0, 1.0, -2.0], [-1.0, -1.0, 1.0]])
    H = ffnn.hamming_similarity(W)
    assert H[0, 1] == 1.0 and H[0, 2] == 0.0 and np.allclose(np.diag(H), 1.0)
    S = similarity.cosine_similarity(W)
    assert S[0, 2] == pytest.approx(-4 / np.sqrt(6 * 3))
    assert np.allclose(np.diag(S), 1.0)


def test_cosine_similarity_is_the_expected_output_correlation():
    rng = np.random.default_rng(3)
    W = rng.standard_normal((30, 4))
    C = _output_correlation(W, 20000, rng)
    assert np.abs(C - similarity.cosine_similarity(W)).max() < 0.05


def test_rule_partition():
    W = np.array([[2.0, 1.0], [1.0, 2.0], [1.0, -3.0], [-1.0, 3.0], [-3.0, -1.0], [-1.0, -3.0]])
    assert ffnn.rule_partition(W, 6).tolist() == [0, 1, 2, 3, 4, 5]
    assert ffnn.rule_partition(W, 8).tolist() == [0, 1, 6, 3, 4, 5]


# ------------------------------------------------------------------------ generative models

def _q(model, param, seed=0, n=80):
    rng = np.random.default_rng(seed)
    W = ffnn.make_model(model, n, param, rng)
    C = _output_correlation(W, 500, rng)
    return (modularity.louvain(C, n_runs=3, seed=seed).q,
            modularity.induced_modularity(ffnn.natural_partition(model, W), C), W)


@pytest.mark.parametrize("model,null", [("sign", 0.0), ("sign", 1.0), ("difference", 0.0)])
def test_generative_models_make_no_modules_at_their_null_parameter(model, null):
    q_louvain, q_natural, W = _q(model, null)
    assert abs(q_louvain) < 1e-9 and abs(q_natural) < 1e-9
    assert ffnn.natural_partition(model, W).max() == 0  # one module


@pytest.mark.parametrize("model,param,q_min", [("sign", 0.5, 0.7), ("sign", 0.2, 0.2), ("difference", 2.0, 0.1),
                                               ("sign_difference", 0.0, 0.6), ("sign_difference", 1.0, 0.3)])
def test_generative_models_make_modules_away_from_it(model, param, q_min):
    q_louvain, q_natural, _ = _q(model, param)
    assert q_louvain > q_min and q_natural > 0.1


def test_generative_model_structure():
    rng = np.random.default_rng(0)
    W = ffnn.sign_model(100, 0.3, rng)
    assert (W[:, 0] == W[:, 1]).all() and (W == -1).all(axis=1).sum() == 30
    W = ffnn.difference_model(100, 0.5, rng)
    assert (W >= 0).all() and np.allclose(np.abs(W[:, 1] - W[:, 0]), 0.5)
    W = ffnn.sign_difference_model(100, 0.5, rng)
    assert (W < 0).any() and np.allclose(np.abs(W[:, 1] - W[:, 0]), 0.5)
    with pytest.raises(ValueError, match="unknown generative model"):
        ffnn.make_model("foo", 10, 0.0, rng)


def test_sweeps_are_seeded():
    kw = dict(n_seeds=2, n_outputs=20, n_samples=100, gamma=1.0, louvain_runs=2, master_seed=5)
    a = ffnn.sweep_inputs([2, 3], **kw)
    b = ffnn.sweep_inputs([2, 3], **kw)
    assert all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)
    g = ffnn.sweep_generative({"sign": [0.0, 0.5]}, **kw)
    assert np.all(np.abs(g["sign__q_louvain"][0]) < 1e-9) and np.all(g["sign__q_louvain"][1] > 0.5)
    # at 50% negative the correlation is two perfect blocks, one per sign: Louvain finds exactly the sign split
    assert np.allclose(g["sign__ari_natural"][1], 1.0) and np.all(np.isnan(g["sign__ari_rules8"]))


def test_generative_sweep_scores_rule_partitions_against_louvain():
    g = ffnn.sweep_generative({"sign_difference": [0.0]}, n_seeds=2, n_outputs=40, n_samples=200, gamma=1.0,
                              louvain_runs=2, master_seed=1)
    # δ = 0: w2 = w1, so the 6 rules reduce to the sign split (+ + / - -) that Louvain recovers exactly
    assert np.allclose(g["sign_difference__ari_natural"], 1.0)
    assert np.all((g["sign_difference__ari_rules8"] >= -1) & (g["sign_difference__ari_rules8"] <= 1))


# ------------------------------------------------------------------------------ random RNNs

def test_random_rnn_correlation_converges():
    rng = np.random.default_rng(0)
    w_rec, w_in = random_rnn.random_weights(40, 3, rng, rec_gain=4.0, input_gain=1.0)
    for with_input, floor in ((True, 0.9), (False, 0.8)):
        Cs = random_rnn.correlation_series(random_rnn.simulate(w_rec, w_in, n_samples=300, n_steps=30,
                                                               with_input=with_input, rng=rng))
        s = random_rnn.stabilisation(Cs)
        assert s.shape == (29,)
        assert s[-5:].mean() > floor and s[-5:].mean() > s[0]


def test_random_rnn_experiment_shows_w_in_imprint():
    res = random_rnn.experiment(n_units=30, n_inputs=3, n_steps=15, n_samples=150, n_w_in=2, n_w_rec=3, rec_gain=4.0,
                                input_gain=1.0, steady_steps=3, gamma=1.0, louvain_runs=2, master_seed=0)
    assert res["same_w_in"].mean() > res["diff_w_in"].mean() + 0.3
    assert res["same_w_in"].mean() > res["r_with_without"].mean() + 0.3
    assert res["stab_input"].shape == (6, 14)


# ------------------------------------------------------------------------------ init modes

def _spec(init=None, n_models=3):
    spec = {"task": "pdm", "n_models": n_models, "n_steps": 1}
    if init is not None:
        spec["init"] = init
    return spec


def test_default_init_is_unchanged():
    model, seeds = ensembles.init_model("pdm", _spec(), rnn_cfg=RNN_CFG, master_seed=0, n_input=3, n_output=3)
    assert "shared_init" not in seeds
    reference = rnn.CTRNNEnsemble(3, 3, 3, n_hidden=12, seeds=ensembles.ensemble_seeds(0, "pdm", 3)["init"])
    for name in rnn.PARAM_NAMES:
        assert torch.equal(getattr(model, name), getattr(reference, name)), name
    explicit, _ = ensembles.init_model("pdm", _spec("random"), rnn_cfg=RNN_CFG, master_seed=0, n_input=3, n_output=3)
    assert all(torch.equal(getattr(model, n), getattr(explicit, n)) for n in rnn.PARAM_NAMES)
    assert not torch.equal(model.W_in[0], model.W_in[1])  # random: every network its own W_in


def test_shared_input_init():
    model, seeds = ensembles.init_model("s", _spec("shared_input"), rnn_cfg=RNN_CFG, master_seed=0, n_input=3,
                                        n_output=3)
    assert "shared_init" in seeds
    assert torch.equal(model.W_in[0], model.W_in[1]) and torch.equal(model.W_in[1], model.W_in[2])
    assert not torch.equal(model.W_rec[0], model.W_rec[1])
    assert not torch.equal(model.W_out[0], model.W_out[1])
    other, _ = ensembles.init_model("t", _spec("shared_input"), rnn_cfg=RNN_CFG, master_seed=0, n_input=3, n_output=3)
    assert not torch.equal(model.W_in[0], other.W_in[0])  # the shared seed depends on the ensemble name


def test_shared_input_output_init():
    model, _ = ensembles.init_model("s", _spec("shared_input_output"), rnn_cfg=RNN_CFG, master_seed=0, n_input=3,
                                    n_output=3)
    assert torch.equal(model.W_in[0], model.W_in[2])
    for m in range(3):
        assert torch.equal(model.W_out[m], model.W_in[m].T)
    with pytest.raises(ValueError, match="as many inputs as outputs"):
        ensembles.init_model("s", _spec("shared_input_output"), rnn_cfg=RNN_CFG, master_seed=0, n_input=3,
                             n_output=2)


@pytest.mark.parametrize("init", [None, "shared_input", "shared_input_output"])
def test_initial_weights_rebuilt_from_manifest(init):
    model, seeds = ensembles.init_model("e", _spec(init), rnn_cfg=RNN_CFG, master_seed=7, n_input=3, n_output=3)
    manifest = {"seeds": seeds, "rnn": RNN_CFG, **({"init": init} if init else {})}
    rebuilt = ensembles.initial_weights(manifest, 3, 3)
    for name in rnn.PARAM_NAMES:
        assert np.array_equal(rebuilt[name], getattr(model, name).detach().numpy()), name


@pytest.mark.slow
def test_train_records_init_mode_only_when_not_default(tmp_path):
    rnn_cfg = {**RNN_CFG, "lr": 0.01, "batch_size": 4, "seq_len": 10}
    kw = dict(rnn_cfg=rnn_cfg, task_cfg={"pdm": {"legacy_fixation": True}}, master_seed=0, progress=False)
    plain = ensembles.train("pdm", _spec(n_models=2), models_dir=tmp_path / "a", manifest_path=tmp_path / "a.json", **kw)
    shared = ensembles.train("pdm", _spec("shared_input", n_models=2), models_dir=tmp_path / "b",
                             manifest_path=tmp_path / "b.json", **kw)
    assert "init" not in plain and "shared_init" not in plain["seeds"]
    assert shared["init"] == "shared_input" and "shared_init" in shared["seeds"]


# ------------------------------------------------------------------------- input weights

def test_input_partition_induces_modules_on_activity():
    rng = np.random.default_rng(0)
    W_in = np.repeat(np.array([[1.0, 0.1], [0.1, 1.0], [-1.0, 0.2]]), 15, axis=0) + 0.1 * rng.standard_normal((45, 2))
    hidden = np.maximum(rng.standard_normal((600, 2)) @ W_in.T + 1.0 + 0.2 * rng.standard_normal((600, 45)), 0)
    hidden[:, 0] = 0.0  # a silent unit is left out
    res = input_weights.analyse_network(W_in, hidden, gamma=1.0, louvain_runs=3, n_perm=200, seed=0)
    assert res["live"].sum() == 44
    assert res["q_induced"] > res["q_null"].mean() + 0.1
    assert res["p"] < 0.01 and res["r"] > 0.5


def test_weight_change():
    before = np.zeros((2, 4, 3)) + np.array([0.0, 1.0, 0.5])
    after = before.copy()
    after[:, :2, 1] = -1.0
    wc = input_weights.weight_change(before, after, [1, 2])
    assert np.allclose(wc["pct_negative_before"], 0) and np.allclose(wc["pct_negative_after"], 25)
    assert np.allclose(wc["difference_before"], 0.5) and np.allclose(wc["difference_after"], 1.0)
    with pytest.raises(ValueError, match="exactly 2"):
        input_weights.weight_change(before, after, [0, 1, 2])


def test_node_strength():
    W = np.array([[0.0, -1.0], [2.0, 0.5]])
    assert input_weights.node_strength(W).tolist() == [3.0, 3.5 + 0.5]


# ------------------------------------------------------------------------------- workflow

def test_origin_rules_in_dry_run(tmp_path):
    # in an empty work directory: in a checkout that has run the workflow (make reproduce, then make test) every
    # output is up to date and a dry-run there plans nothing
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--quiet", "rules", "--snakefile",
                           str(ROOT / "Snakefile"), "--directory", str(tmp_path), "--configfile",
                           str(ROOT / "configs/test.yaml")], cwd=tmp_path, capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    for rule in ("ffnn_analysis", "generative_analysis", "random_rnn_analysis", "input_modules_analysis",
                 "input_weight_change", "init_analysis", "figure_fig2", "figure_fig4_rnn", "figure_figS6",
                 "figure_figS7", "figure_figS8", "figure_figS11"):
        assert rule in out, (rule, out)


def _fake_ensemble(rng, n_models, shared, n_units=30, n_steps=400):
    """Networks whose units are driven by W_in rows: shared (same W_in) or one W_in each."""
    w_shared = rng.standard_normal((n_units, 2))
    hidden = []
    for _ in range(n_models):
        w = w_shared if shared else rng.standard_normal((n_units, 2))
        h = np.maximum(rng.standard_normal((n_steps, 2)) @ w.T + 0.3 * rng.standard_normal((n_steps, n_units)), 0)
        h[:, :3] = 0.0  # silent units
        hidden.append(h)
    from types import SimpleNamespace
    return SimpleNamespace(hidden=np.stack(hidden), included=np.ones(n_models, bool),
                           weights={"W_rec": rng.standard_normal((n_models, n_units, n_units))},
                           trials=SimpleNamespace(trial=np.repeat(np.arange(n_steps // 20), 20)))


def test_init_comparison_sees_shared_input_structure():
    rng = np.random.default_rng(0)
    res = input_weights.init_comparison({"shared": _fake_ensemble(rng, 4, True), "random": _fake_ensemble(rng, 4, False)},
                                        gamma=1.0, louvain_runs=2, master_seed=0)
    assert (res["shared__partitions"][:, :3] == -1).all()
    assert res["shared__ari_mean"].min() > 0.5 > 0.2 > np.abs(res["random__ari_mean"]).max()
    assert res["shared__ari"].shape == (4, 4) and res["random__w_rec_r_mean"].shape == (4,)


def test_split_half_ari_is_high_for_stable_modules_and_near_zero_for_noise():
    rng = np.random.default_rng(1)
    T, trial = 400, np.repeat(np.arange(20), 20)
    drivers = rng.standard_normal((T, 2))
    groups = np.repeat([0, 1], 10)
    stable = np.maximum(drivers[:, groups] + 0.3 * rng.standard_normal((T, 20)), 0)
    noise = rng.standard_normal((T, 20))
    assert input_weights.split_half_ari(stable, trial, gamma=1.0, louvain_runs=4, seed=0) > 0.9
    assert abs(input_weights.split_half_ari(noise, trial, gamma=1.0, louvain_runs=4, seed=0)) < 0.3
    # the two halves are the even- and odd-numbered trials: one trial gives no reference
    assert np.isnan(input_weights.split_half_ari(stable[:20], trial[:20], gamma=1.0, louvain_runs=2, seed=0))


def test_init_comparison_reports_split_half_reference():
    rng = np.random.default_rng(0)
    res = input_weights.init_comparison({"shared": _fake_ensemble(rng, 3, True)}, gamma=1.0, louvain_runs=2,
                                        master_seed=0)
    assert res["shared__split_half_ari"].shape == (3,)
    assert (res["shared__split_half_ari"] > 0.5).all()


def test_record_judges_accuracy_on_accuracy_trials_and_keeps_n_trials(tmp_path):
    rnn_cfg = {**RNN_CFG, "lr": 0.01, "batch_size": 4, "seq_len": 10}
    ensembles.train("pdm", _spec(n_models=2), models_dir=tmp_path / "m", manifest_path=tmp_path / "m.json",
                    rnn_cfg=rnn_cfg, task_cfg={"pdm": {"legacy_fixation": True}}, master_seed=0, progress=False)
    kw = dict(min_accuracy=0.5, task_cfg={"pdm": {"legacy_fixation": True}})
    long = ensembles.record(tmp_path / "m.json", tmp_path / "m", n_trials=12, **kw)
    short = ensembles.record(tmp_path / "m.json", tmp_path / "m", n_trials=5, accuracy_trials=12, **kw)
    end = int(long.trials.trial_starts[5])
    assert short.trials.n_trials == 5 and short.hidden.shape[1] == end == short.trials.x.shape[0]
    assert np.array_equal(short.hidden, long.hidden[:, :end])  # the first 5 of the 12 trials
    assert np.array_equal(short.trials.ground_truth, long.trials.ground_truth[:5])
    assert np.array_equal(short.accuracy, long.accuracy)  # judged on all 12
    assert np.array_equal(short.included, long.included)
    with pytest.raises(ValueError, match="accuracy_trials"):
        ensembles.record(tmp_path / "m.json", tmp_path / "m", n_trials=5, accuracy_trials=3, **kw)


def test_input_modules_example_is_the_median_r_network():
    from types import SimpleNamespace
    from modbound.core import stats as st
    rng = np.random.default_rng(3)
    M, H, T = 5, 24, 300
    W_in = rng.standard_normal((M, H, 3))
    noise = np.array([0.1, 3.0, 0.5, 1.0, 2.0])  # network m's units follow its W_in rows less and less
    drive = rng.standard_normal((T, 3))
    hidden = np.stack([np.maximum(drive @ W_in[m].T + noise[m] * rng.standard_normal((T, H)) + 1.0, 0) for m in range(M)])
    act = SimpleNamespace(hidden=hidden, included=np.ones(M, bool), weights={"W_in": W_in}, n_models=M,
                          trials=SimpleNamespace(trial=np.repeat(np.arange(T // 20), 20)))
    res = input_weights.analyse_ensemble(act, input_names=["fixation", "stim1", "stim2"], gamma=1.0, louvain_runs=2,
                                         n_perm=10, master_seed=0, ensemble="e", hist_bins=10)
    ex = int(res["example_index"])
    assert ex == st.representative(res["r"]) and ex != 0   # not network 0: the old rule would fail here
    steps = input_weights.analysed_steps(act.trials, True)
    live = ~activity.silent_units(hidden[ex][steps])
    assert np.array_equal(res["example_live"], live)
    assert np.allclose(res["example_C"], activity.correlation(hidden[ex][steps][:, live]))
    # Fig 4e pools every network's unit pairs: M networks' upper triangles (live units), all inside [-1, 1]^2
    n_live = [int((~activity.silent_units(hidden[m][steps])).sum()) for m in range(M)]
    assert res["pooled_hist"].sum() == sum(n * (n - 1) // 2 for n in n_live)
    assert res["pooled_hist"].shape == res["example_hist"].shape == (10, 10)
