"""Tests of modbound.analyses.dynamics (Jacobians, slow points, nullclines, grids, lesions) and dynamics_analysis helpers."""

import numpy as np
import pytest
import torch

from modbound.analyses import dynamics as dy, dynamics_analysis as da
from modbound.core import stats as st
from modbound.models.rnn import CTRNNEnsemble


def _random_weights(M=3, H=7, I=3, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    return dy.as_tensors({"W_in": rng.normal(size=(M, H, I)), "W_rec": scale * rng.normal(size=(M, H, H)) / np.sqrt(H),
                          "b": 0.3 * rng.normal(size=(M, H)), "W_out": rng.normal(size=(M, 2, H)),
                          "b_out": rng.normal(size=(M, 2))})


def _away_from_kinks(w, h, x, alpha, margin=1e-3):
    pre = dy.preactivation(w["W_rec"], dy.input_drive(w, x), torch.as_tensor(h), alpha)
    return float(pre.abs().min()) > margin


@pytest.mark.parametrize("alpha", [1.0, 0.4])
def test_jacobian_matches_autograd_and_finite_differences(alpha):
    w = _random_weights()
    rng = np.random.default_rng(1)
    h = rng.random((3, 5, 7))
    x = rng.random((5, 3))
    assert _away_from_kinks(w, h, x, alpha)
    J = dy.jacobian(w, h, x, alpha).numpy()
    assert J.shape == (3, 5, 7, 7)
    np.testing.assert_allclose(dy.jacobian_autograd(w, h, x, alpha).numpy(), J, atol=1e-12)
    eps = 1e-6
    fd = np.empty_like(J)
    for j in range(7):
        e = np.zeros(7)
        e[j] = eps
        fd[..., j] = (dy.update(w, h + e, x, alpha) - dy.update(w, h - e, x, alpha)).numpy() / (2 * eps)
    np.testing.assert_allclose(J, fd, atol=1e-7)
    # inactive units have zero rows, and the Jacobian is not trivially zero
    assert np.abs(J).max() > 0.1


def test_jacobian_is_wrong_for_a_wrong_formula():
    """The finite-difference check can fail: W_rec alone (no ReLU mask) is not the Jacobian."""
    w = _random_weights()
    rng = np.random.default_rng(1)
    h, x = rng.random((3, 5, 7)), rng.random((5, 3))
    J = dy.jacobian(w, h, x).numpy()
    assert not np.allclose(J, w["W_rec"].numpy()[:, None].repeat(5, 1))


def test_mean_jacobian_equals_mean_of_jacobians_with_valid_mask():
    w = _random_weights()
    rng = np.random.default_rng(2)
    h, x = rng.normal(size=(3, 6, 7)), np.array([1.0, 0.5, 0.5])
    J = dy.jacobian(w, h, x, 0.7).numpy()
    np.testing.assert_allclose(dy.mean_jacobian(w, h, x, 0.7).numpy(), J.mean(1), atol=1e-14)
    valid = rng.random((3, 6)) > 0.4
    valid[:, 0] = True
    expected = np.stack([J[m][valid[m]].mean(0) for m in range(3)])
    np.testing.assert_allclose(dy.mean_jacobian(w, h, x, 0.7, valid=valid).numpy(), expected, atol=1e-14)


def test_update_equals_model_step_and_run_constant_equals_loop():
    model = CTRNNEnsemble(2, 3, 3, n_hidden=6, dt=50.0, seeds=[3, 4]).double()
    w = dy.weights_of(model)
    rng = np.random.default_rng(3)
    h, x = rng.random((2, 4, 6)), rng.random((4, 3))
    np.testing.assert_allclose(dy.update(w, h, x, model.alpha).numpy(),
                               model.step(torch.from_numpy(h), torch.from_numpy(x)).detach().numpy(), atol=1e-14)
    traj = dy.run_constant(w, h, x, model.alpha, n_steps=5, record=True)
    state = torch.from_numpy(h)
    for t in range(6):
        np.testing.assert_allclose(traj[:, :, t], state.numpy(), atol=1e-13)
        state = model.step(state, torch.from_numpy(x)).detach()
    np.testing.assert_allclose(dy.run_constant(w, h, x, model.alpha, n_steps=5), traj[:, :, -1])


def _linear_network(H=5, seed=0):
    """Two 'linear-ish' networks (all pre-activations positive near the fixed point) with known fixed points."""
    rng = np.random.default_rng(seed)
    W = np.stack([0.4 * np.eye(H) + 0.05 * rng.random((H, H)) for _ in range(2)])
    b = 0.5 + rng.random((2, H))
    w = dy.as_tensors({"W_in": np.zeros((2, H, 1)), "W_rec": W, "b": b})
    fixed = np.stack([np.linalg.solve(np.eye(H) - W[m], b[m]) for m in range(2)])
    return w, W, b, fixed


def test_gradient_descent_recovers_known_fixed_point():
    w, _, _, fixed = _linear_network()
    rng = np.random.default_rng(4)
    h0 = fixed[:, None] + rng.normal(scale=1.0, size=(2, 8, 5))
    q0 = 0.5 * ((dy.update(w, h0, np.zeros(1)).numpy() - h0) ** 2).sum(-1)
    assert q0.min() > 1e-3  # the test can fail: the starting states are not fixed points
    h, q = dy.minimise_speed(w, np.zeros(1), h0, n_steps=3000, lr=0.05)
    assert q.max() < 1e-8
    np.testing.assert_allclose(h, np.broadcast_to(fixed[:, None], h.shape), atol=1e-3)
    speed = np.linalg.norm(dy.update(w, h, np.zeros(1)).numpy() - h, axis=-1)
    assert speed.max() < 1e-4


@pytest.mark.parametrize("alpha", [1.0, 0.3])
@pytest.mark.parametrize("free", [False, True])
def test_descent_with_a_tolerance_is_torch_adam_until_a_state_stops(alpha, free):
    """tol below every q: nothing stops, and the direct Adam with its analytic gradient follows torch.optim.Adam."""
    w = _random_weights(M=2, H=6, seed=3)
    rng = np.random.default_rng(0)
    h0 = np.abs(rng.normal(size=(2, 10, 6)))
    x = np.array([1.0, 0.5, 0.5])
    kw = dict(n_steps=150, lr=0.05, free_unit=np.arange(10) % 6 if free else None)
    h_ref, q_ref = dy.minimise_speed(w, x, h0, alpha, **kw)
    assert q_ref.min() > 1e-20
    h, q = dy.minimise_speed(w, x, h0, alpha, tol=1e-30, **kw)
    np.testing.assert_allclose(h, h_ref, rtol=0, atol=1e-9)
    np.testing.assert_allclose(q, q_ref, rtol=1e-6, atol=1e-12)
    assert np.abs(h - h0).max() > 1e-2                    # the states did move


def test_converged_states_stop_below_half_the_tolerance_and_packing_changes_nothing():
    w, _, _, fixed = _linear_network()
    rng = np.random.default_rng(4)
    h0 = fixed[:, None] + rng.normal(scale=1.0, size=(2, 8, 5))
    h0[:, 0] = fixed                                      # already a fixed point: never moves
    h0[1, 1] = fixed[1] + 1e-4                            # q ~ 1e-9 < tol / 2: never moves
    tol = 1e-4
    h_ref, q_ref = dy.minimise_speed(w, np.zeros(1), h0, n_steps=3000, lr=0.05)
    h, q = dy.minimise_speed(w, np.zeros(1), h0, n_steps=3000, lr=0.05, tol=tol, check_every=7)
    np.testing.assert_array_equal(h[:, 0], h0[:, 0])
    np.testing.assert_array_equal(h[1, 1], h0[1, 1])
    assert q.max() < dy.STOP_FRACTION * tol * (1 + 1e-6)  # every state stopped below half the tolerance ...
    assert q.max() > 1e-3 * q_ref.max() and (q > 100 * q_ref).any()    # ... instead of descending to ~0
    np.testing.assert_allclose(h, h_ref, atol=0.05)       # near the fixed point all the same
    never = dy.minimise_speed(w, np.zeros(1), h0, n_steps=3000, lr=0.05, tol=tol, check_every=10**9)
    np.testing.assert_allclose(h, never[0], rtol=0, atol=1e-12)   # packing the moving states: same paths
    h32, q32 = dy.minimise_speed(w, np.zeros(1), h0, n_steps=3000, lr=0.05, tol=tol, dtype=torch.float32)
    assert q32.max() < tol                                # float32: stopped states are below tol in float64 too
    np.testing.assert_allclose(h32, h, atol=0.02)


def test_nullcline_samples_leave_one_unit_free_and_directions_match_theory():
    w, W, b, fixed = _linear_network(H=4, seed=1)
    rng = np.random.default_rng(5)
    h0 = fixed[:, None] + rng.normal(scale=0.8, size=(2, 6, 4))
    samples, q = dy.nullcline_samples(w, np.zeros(1), h0, n_steps=4000, lr=0.05)
    assert samples.shape == (2, 4, 6, 4) and q.shape == (2, 4, 6)
    assert q.max() < 1e-6
    delta = dy.update(w, samples.reshape(2, -1, 4), np.zeros(1)).numpy().reshape(samples.shape) - samples
    H = 4
    for i in range(H):
        others = [j for j in range(H) if j != i]
        assert np.abs(delta[:, i][..., others]).max() < 1e-3  # every unit but i stationary
    assert np.abs(delta[:, np.arange(H), :, np.arange(H)]).max() > 1e-2  # unit i itself is not
    d = dy.nullcline_directions(samples)
    for m in range(2):
        for i in range(H):
            o = [j for j in range(H) if j != i]
            slope = np.linalg.solve(np.eye(H - 1) - W[m][np.ix_(o, o)], W[m][o, i])
            np.testing.assert_allclose(d[m, i, o], slope, atol=1e-2)
            assert d[m, i, i] == pytest.approx(1.0)


def test_pc_grid_has_625_states_spanning_the_scores():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(300, 10)) @ rng.normal(size=(10, 10))
    mean, comps, var = dy.pca(X, 2)
    assert comps.shape == (2, 10) and var[0] >= var[1]
    np.testing.assert_allclose(comps @ comps.T, np.eye(2), atol=1e-12)
    scores = dy.project(X, mean, comps)
    grid, a1, a2 = dy.pc_grid(scores, 25)
    assert grid.shape == (625, 2)
    assert grid[:, 0].min() == scores[:, 0].min() and grid[:, 0].max() == scores[:, 0].max()
    assert grid[:, 1].min() == scores[:, 1].min() and grid[:, 1].max() == scores[:, 1].max()
    assert np.all(np.diff(grid[:25, 0]) > 0) and np.all(grid[:25, 1] == a2[0])  # PC1 varies fastest
    states = dy.from_pcs(grid, mean, comps)
    assert states.shape == (625, 10)
    np.testing.assert_allclose(dy.project(states, mean, comps), grid, atol=1e-10)
    wide, _, _ = dy.pc_grid(scores, 25, margin=0.1)
    assert wide[:, 0].min() < scores[:, 0].min()
    with pytest.raises(ValueError):
        dy.pc_grid(scores[:, :1], 25)


@pytest.mark.parametrize("mode", ["in_out", "silence"])
def test_batched_neuron_lesions_equal_a_loop_of_single_lesions(mode):
    w = _random_weights(M=2, H=6)
    rng = np.random.default_rng(7)
    states = rng.normal(size=(2, 11, 6))
    x = np.array([1.0, 0.0, 0.5])
    D, intact = dy.flow_distances(w, states, x, 1.0, mode=mode)
    assert D.shape == (2, 6, 11)
    for m in range(2):
        for unit in range(6):
            Wl = w["W_rec"][m].numpy().copy()
            Wl[:, unit] = 0.0
            if mode == "in_out":
                Wl[unit, :] = 0.0
            single = {"W_in": w["W_in"][m:m + 1], "b": w["b"][m:m + 1], "W_rec": torch.from_numpy(Wl)[None]}
            nxt = dy.update(single, states[m:m + 1], x).numpy()[0]
            if mode == "silence":
                nxt[:, unit] = 0.0
            np.testing.assert_allclose(D[m, unit], np.linalg.norm(nxt - intact[m], axis=-1), atol=1e-12)
    assert D.max() > 0


def test_batched_within_module_lesions_equal_iterative_lesions():
    rng = np.random.default_rng(8)
    M, H = 3, 8
    W = rng.normal(size=(M, H, H))
    members = rng.random((M, H)) > 0.5
    members[:, 0] = True
    rank, n_eligible = dy.within_module_rank(W, members)
    levels = np.arange(0, 12)
    batched = dy.lesion_levels(W, rank, levels)
    for m in range(M):
        assert n_eligible[m] == np.sum(np.outer(members[m], members[m]) & (W[m] > 0))
        current = W[m].copy()
        for k in levels:
            np.testing.assert_array_equal(batched[m, k], current)
            eligible = np.outer(members[m], members[m]) & (current > 0)
            if eligible.any():  # paper Methods: zero the largest positive within-module weight, repeat
                i, j = np.unravel_index(np.argmax(np.where(eligible, current, -np.inf)), current.shape)
                current[i, j] = 0.0
    # weights outside the module, or negative, are never touched
    outside = ~(members[:, :, None] & members[:, None, :]) | (W <= 0)
    np.testing.assert_array_equal(batched[:, -1][outside], W[outside])


def test_module_members_and_kept_points():
    W_in = np.array([[[1.0, 0.5, -0.2], [1.0, -0.1, 0.3], [0.0, 0.2, 0.1]]])
    sign = da.module_members(W_in, "sign", [1, 2])
    np.testing.assert_array_equal(sign[0, 0], [True, False, True])
    np.testing.assert_array_equal(sign[0, 1], ~sign[0, 0])
    diff = da.module_members(W_in, "difference", [1, 2])
    np.testing.assert_array_equal(diff[0, 0], [True, False, True])
    with pytest.raises(ValueError):
        da.module_members(W_in, "quadrant", [1, 2])
    q = np.array([[1e-6, 1e-2, 1e-5], [1.0, 2.0, 0.5]])
    kept, fallback = da.kept_points(q, 1e-4)
    np.testing.assert_array_equal(kept[0], [True, False, True])
    assert fallback.tolist() == [False, True] and kept[1].tolist() == [False, False, True]


def test_bad_weights_and_inputs_raise():
    with pytest.raises(ValueError, match="missing"):
        dy.as_tensors({"W_rec": np.zeros((1, 2, 2))})
    w = _random_weights(M=1, H=3)
    with pytest.raises(ValueError, match="channels"):
        dy.update(w, np.zeros((1, 2, 3)), np.zeros(5))
    with pytest.raises(ValueError, match="lesion mode"):
        dy.neuron_lesion_weights(w["W_rec"], "cut")


def test_weight_similarities_rows_columns_and_alpha_one_degeneracy():
    from modbound.analyses import dynamics_analysis as da
    from modbound.core.similarity import cosine_similarity

    W = np.array([[1.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, 3.0]])
    S = da.weight_similarities(W, np.array([True, True, True]))
    np.testing.assert_allclose(S["rows"], [[1, 1, 0], [1, 1, 0], [0, 0, 1]])  # in-weights: rows 0, 1 parallel
    np.testing.assert_allclose(S["columns"], [[1, 0, 0], [0, 0, 0], [0, 0, 1]])  # column 1 is zero
    sub = da.weight_similarities(W, np.array([0, 2]))
    np.testing.assert_allclose(sub["rows"], [[1, 0], [0, 1]])
    # alpha = 1: mean-Jacobian rows are W_rec rows scaled per unit, so their similarity is W_rec's rows';
    # alpha < 1 adds the leak on the diagonal and breaks the equality
    w = _random_weights(M=1, H=6, seed=3)
    h = torch.rand(1, 50, 6, dtype=torch.float64)
    x = torch.randn(50, 3, dtype=torch.float64)
    Wr = w["W_rec"][0].numpy()
    J1 = dy.mean_jacobian(w, h, x, 1.0)[0].numpy()
    active = np.abs(J1).sum(axis=1) > 0
    np.testing.assert_allclose(cosine_similarity(J1[np.ix_(active, active)]),
                               da.weight_similarities(Wr, active)["rows"], atol=1e-12)
    J5 = dy.mean_jacobian(w, h, x, 0.5)[0].numpy()
    assert np.abs(cosine_similarity(J5[np.ix_(active, active)]) - da.weight_similarities(Wr, active)["rows"]).max() > 1e-3


def test_perturbation_specificity_line_fraction_and_spread_ratio():
    d = np.zeros((2, 2, 3, 2))  # [network, module, level, stimulus]
    d[0, 0, -1] = [1.0, 5.0]  # module-1 lesions pull stim 1 toward the boundary (specific)
    d[0, 1, -1] = [5.0, 1.0]
    d[1, 0, -1] = [5.0, 1.0]  # reversed
    d[1, 1, -1] = [1.0, 5.0]
    np.testing.assert_allclose(da.perturbation_specificity(d), [8.0, -8.0])
    t = np.linspace(0, 1, 20)[:, None]
    assert da.line_fraction(t * np.array([[1.0, 2.0, 0.0]])) == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    assert da.line_fraction(rng.normal(size=(500, 3))) < 0.5
    start = rng.normal(size=(100, 2))
    assert da.spread_ratio(start, 0.1 * start + 3.0) == pytest.approx(0.1)
    assert np.isnan(da.spread_ratio(np.zeros((3, 2)), start[:3]))


def test_within_minus_between_sees_block_structure_and_needs_both_kinds_of_pair():
    from modbound.analyses.dynamics_analysis import within_minus_between
    part = np.array([0, 0, 0, 1, 1, 1])
    S = np.where(part[:, None] == part[None, :], 0.8, -0.2)
    np.fill_diagonal(S, 1.0)
    assert within_minus_between(S, part) == pytest.approx(1.0)  # the diagonal is left out
    assert within_minus_between(-S, part) < 0
    assert np.isnan(within_minus_between(S, np.zeros(6, dtype=int)))


# ------------------------------------------------------------------------------------ Fig S14 nullclines


def test_nullcline_similarity_of_point_clouds_has_known_answers():
    rng = np.random.default_rng(11)
    S, H = 400, 6
    a = rng.normal(size=(S, H))
    b = rng.normal(size=(S, H))  # independent of a
    axis = rng.normal(size=H)
    t1, t2 = rng.normal(size=S), rng.normal(size=S)
    clouds = np.stack([a, a + 3.0, -a, 2.0 * a, b,
                       t1[:, None] * axis, t2[:, None] * axis,  # same axis, independent positions along it
                       np.ones((S, H))])  # no spread
    N = dy.nullcline_similarity(clouds)
    assert N.shape == (8, 8)
    np.testing.assert_allclose(N, N.T)
    assert N[0, 1] == pytest.approx(1.0) and N[0, 3] == pytest.approx(1.0)  # shifted, scaled: identical shape
    assert N[0, 2] == pytest.approx(-1.0)  # mirrored
    assert abs(N[0, 4]) < 0.1  # unrelated clouds
    assert abs(N[5, 6]) < 0.15  # one shared axis is not enough: positions along it must co-vary
    assert (N[7] == 0).all()  # a cloud without spread is similar to nothing
    # (the cosine of one direction per cloud would give |cos| = 1 for clouds 5 and 6: both lie along `axis`)
    # batched over networks, as nullcline_analysis uses it
    np.testing.assert_allclose(dy.nullcline_similarity(np.stack([clouds, clouds[::-1]]))[0], N)
    with pytest.raises(ValueError):
        dy.nullcline_similarity(a)


def test_spread_states_draw_one_state_per_stratum_of_the_recording():
    T, n = 1000, 50
    ramp = np.arange(T, dtype=np.float64)[None, :, None] * np.ones((2, 1, 3))  # state = its time step
    states = dy.spread_states(ramp, n, 0.0, np.random.default_rng(0))
    assert states.shape == (2, n, 3)
    stratum = (states[..., 0] // (T // n)).astype(int)
    np.testing.assert_array_equal(stratum, np.broadcast_to(np.arange(n), (2, n)))  # one per stratum, in order
    # random draws can cluster: with the same seed, plain sampling leaves some strata empty
    plain = dy.sample_states(ramp, n, 0.0, np.random.default_rng(0))
    assert len(np.unique(plain[..., 0] // (T // n))) < n
    # more states than steps: every draw is still a recorded step, and noise scales with the activity sd
    few = dy.spread_states(ramp[:, :10], 30, 0.0, np.random.default_rng(1))
    assert set(np.unique(few[..., 0])) <= set(range(10))
    clean = dy.spread_states(ramp, 500, 0.0, np.random.default_rng(2))
    noise = dy.spread_states(ramp, 500, 0.1, np.random.default_rng(2)) - clean
    assert np.std(noise) == pytest.approx(0.1 * ramp[0].std(), rel=0.1)
    with pytest.raises(ValueError):
        dy.spread_states(ramp[0], n, 0.0, np.random.default_rng(0))


def _fake_activity(M=3, H=6, seed=0):
    """An Activity of ``M`` random (untrained) networks run on PDM trials: enough for nullcline_analysis."""
    from modbound.models import ensembles
    from modbound.models.tasks import make_task

    trials = make_task("pdm", seed=0).trials(4, seed=1)
    rng = np.random.default_rng(seed)
    weights = {"W_in": rng.normal(size=(M, H, 3)), "W_rec": 0.8 * rng.normal(size=(M, H, H)) / np.sqrt(H),
               "b": 0.2 + 0.2 * rng.random((M, H)), "W_out": rng.normal(size=(M, 3, H)), "b_out": np.zeros((M, 3))}
    w = dy.as_tensors(weights)
    h = np.zeros((M, 1, H))
    hidden = np.empty((M, trials.x.shape[0], H))
    for t, x in enumerate(trials.x):
        h = dy.update(w, h, x.astype(np.float64)).numpy()
        hidden[:, t] = h[:, 0] + 0.05 * rng.random((M, H))  # jitter: no silent units
    return ensembles.Activity(hidden=hidden, outputs=np.zeros((M, trials.x.shape[0], 3)), trials=trials,
                              accuracy=np.ones(M), included=np.ones(M, dtype=bool), weights=weights,
                              seeds=np.arange(M))


def test_nullcline_analysis_uses_all_networks_the_median_example_and_its_fixed_points():
    act = _fake_activity()
    M, H = 3, 6
    rng = np.random.default_rng(3)
    fp = {"model_index": np.arange(M), "states": rng.random((M, 5, H)), "q": np.full((M, 5), 1e-9),
          "x": np.array([1.0, 0.5, 0.5])}
    fp["q"][:, 0] = 1.0  # one point per network is not slow: not shown
    kw = dict(ensemble="pdm", alpha=1.0, x=fp["x"], n_samples=12, init_noise=0.5, n_steps=200, lr=0.05,
              speed_tol=1e-4, gamma=1.0, louvain_runs=2, n_perm=20, seed=0)
    out = da.nullcline_analysis(act, fp, n_networks=10, **kw)
    np.testing.assert_array_equal(out["model_index"], np.arange(M))  # all analysed networks (at most fp's)
    assert out["r"].shape == out["r_directions"].shape == (M,)
    ex = int(out["example_index"])
    assert ex == st.representative(out["r"])
    live = out["example_live"]
    np.testing.assert_allclose(out["example_N"], dy.nullcline_similarity(out["example_samples"][live]))
    mean, comps = out["pc_mean"], out["pc_components"]
    np.testing.assert_allclose(out["example_fixed_points_pc"], dy.project(fp["states"][ex][1:], mean, comps))
    assert out["example_samples"].shape == (H, 12, H) and out["init_spread"].min() > 0.3
    # the example's slow points are looked up by network: drop network 0 from fp and the lookup follows
    fp1 = {"model_index": fp["model_index"][1:], "states": fp["states"][1:], "q": fp["q"][1:], "x": fp["x"]}
    out1 = da.nullcline_analysis(act, fp1, n_networks=10, **kw)
    net = int(out1["model_index"][int(out1["example_index"])])
    np.testing.assert_allclose(out1["example_fixed_points_pc"],
                               dy.project(fp["states"][net][1:], out1["pc_mean"], out1["pc_components"]))
    again = da.nullcline_analysis(act, fp, n_networks=10, **kw)  # deterministic
    np.testing.assert_array_equal(again["r"], out["r"])
    with pytest.raises(ValueError):
        da.nullcline_analysis(act, fp, n_networks=10, dtype="float16", **kw)


def test_fixed_points_and_nullclines_with_stopping_keep_their_inputs_and_refuse_a_bad_dtype():
    act = _fake_activity()
    kw = dict(ensemble="pdm", n_networks=2, x=np.array([1.0, 0.5, 0.5]), alpha=1.0, n_inits=8, init_noise=0.5,
              n_steps=300, lr=0.05, seed=0)
    full = da.fixed_points(act, **kw)
    stop = da.fixed_points(act, **kw, speed_tol=1e-4, dtype="float32")
    np.testing.assert_array_equal(stop["init"], full["init"])           # same starts, same networks
    assert stop["states"].shape == full["states"].shape and stop["states"].dtype == np.float64
    stopped = stop["q"] < dy.STOP_FRACTION * 1e-4 * (1 + 1e-4)
    assert stopped.any() and (full["q"][stopped] <= stop["q"][stopped] * 10).all()   # the full descent goes on
    with pytest.raises(ValueError, match="fixed_points: dtype"):
        da.fixed_points(act, **kw, dtype="float16")
    nkw = dict(ensemble="pdm", alpha=1.0, x=kw["x"], n_samples=12, init_noise=0.5, n_steps=200, lr=0.05,
               speed_tol=1e-4, gamma=1.0, louvain_runs=2, n_perm=20, seed=0, n_networks=2)
    off = da.nullcline_analysis(act, full, **nkw)                          # default: every sample takes all steps
    on = da.nullcline_analysis(act, full, **nkw, stop_converged=True)
    again = da.nullcline_analysis(act, full, **nkw, stop_converged=True)
    np.testing.assert_array_equal(on["example_samples"], again["example_samples"])     # deterministic
    assert on["frac_converged"].mean() >= off["frac_converged"].mean() - 0.1
    assert (on["q_median"] >= off["q_median"]).all()                   # stopped samples keep q ~ tol / 2


def _rotation_run(theta, n_steps, radius=1.0):
    R = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    h = [np.array([radius, 0.0])]
    for _ in range(n_steps):
        h.append(R @ h[-1])
    return np.array(h)


def test_classify_end_states_rotation_is_an_orbit_contraction_a_fixed_point():
    rot = _rotation_run(2 * np.pi / 7, 40)  # period 7
    A = np.array([[0.5, 0.2], [0.0, 0.6]])  # contracting linear map: converges to 0
    h = [np.array([1.0, -1.0])]
    for _ in range(100):
        h.append(A @ h[-1])
    lin = np.array(h)
    window = np.stack([rot[-31:], lin[-31:]])
    code, period = dy.classify_end_states(window, fixed_tol=1e-8, return_tol=1e-3)
    assert code.tolist() == [1, 0] and period.tolist() == [7, 0]
    assert dy.END_STATES[1] == "periodic_orbit" and dy.END_STATES[0] == "fixed_point"
    # the same contracting run seen early (still moving) is neither; a period longer than half the window is missed
    code, _ = dy.classify_end_states(np.stack([lin[:31], _rotation_run(2 * np.pi / 20, 30)]), fixed_tol=1e-8,
                                     return_tol=1e-3)
    assert code.tolist() == [2, 2]
    # an irrational rotation never closes (quasi-periodic): neither
    code, _ = dy.classify_end_states(_rotation_run(1.0, 30)[None], fixed_tol=1e-8, return_tol=1e-3)
    assert code.tolist() == [2]


def test_classify_end_states_slow_drift_is_neither_and_tolerances_per_trajectory():
    t = np.arange(31.0)[:, None]
    drift = np.hstack([1e-5 * t, np.zeros_like(t)])  # moves 1e-5 per step: never still at 1e-8, never returns
    code, _ = dy.classify_end_states(drift[None], fixed_tol=1e-8, return_tol=1e-3)
    assert code.tolist() == [2]
    # per-trajectory tolerances (e.g. scaled by each network's activity): looser fixed_tol makes it fixed
    code, _ = dy.classify_end_states(np.stack([drift, drift]), fixed_tol=np.array([1e-8, 1e-4]), return_tol=1e-3)
    assert code.tolist() == [2, 0]
    # a period-2 flip (e.g. h -> -h) is an orbit of period 2, not a fixed point
    flip = np.array([[1.0, 0.0] if k % 2 == 0 else [-1.0, 0.0] for k in range(11)])
    code, period = dy.classify_end_states(flip[None, None], fixed_tol=1e-8, return_tol=1e-3)
    assert code.shape == (1, 1) and code[0, 0] == 1 and period[0, 0] == 2
    with pytest.raises(ValueError, match="window"):
        dy.classify_end_states(flip[:3][None], fixed_tol=1e-8, return_tol=1e-3)
    with pytest.raises(ValueError, match="positive"):
        dy.classify_end_states(flip[None], fixed_tol=0.0, return_tol=1e-3)


def _tiny_activity(task="gng", M=4, H=10, n_trials=6):
    from modbound.models import rnn
    from modbound.models.ensembles import Activity
    from modbound.models.tasks import make_task
    trials = make_task(task, seed=0).trials(n_trials, seed=1)
    model = CTRNNEnsemble(M, trials.x.shape[1], 3, n_hidden=H, seeds=list(range(10, 10 + M)))
    hidden, outputs = rnn.record_activity(model, trials)
    weights = {n: np.stack([model.weights(m)[n] for m in range(M)]) for n in rnn.PARAM_NAMES}
    return Activity(hidden=hidden.astype(np.float32), outputs=outputs.astype(np.float32), trials=trials,
                    accuracy=np.ones(M), included=np.ones(M, dtype=bool), weights=weights, seeds=np.arange(M))


def test_flow_analysis_example_is_the_representative_network_and_long_run_is_classified():
    from modbound.core import stats as st
    act = _tiny_activity()
    kw = dict(ensemble="gng", n_networks=4, alpha=1.0, x=[1.0, 0.0, 0.0], grid_size=4, margin=0.0, run_steps=3,
              long_steps=30, period_steps=12, fixed_tol=1e-4, return_tol=1e-2, lesion_mode="in_out", gamma=1.0,
              louvain_runs=2, n_perm=5, seed=0)
    res = da.flow_analysis(act, **kw)
    e = int(res["example_index"])
    assert e == st.representative(res["r"])
    assert e != 0  # in this fixture the representative is not the first network: the old rule would fail here
    assert res["r"].size == 4 and np.ptp(res["r"]) > 0  # the rule has something to choose from
    np.testing.assert_allclose(res["frac_fixed"] + res["frac_orbit"] + res["frac_neither"], 1.0)
    assert res["example_end_class"].shape == (16,) and res["example_end_pc"].shape == (16, 2)
    assert res["example_orbit_pc"].shape == (16, 13, 2)
    # two examples, each by its own claim's statistic: the vector-field/long-run example (Fig 6a, b) is the network
    # whose fraction on an orbit is closest to the median, and its end classes give its fractions
    fx = int(res["flow_example_index"])
    assert fx == st.representative(res["frac_orbit"])
    assert np.mean(res["example_end_class"] == 0) == pytest.approx(res["frac_fixed"][fx])
    assert np.mean(res["example_end_class"] == 1) == pytest.approx(res["frac_orbit"][fx])
    # the lesion example's grid axes are kept beside the vector-field example's
    assert res["lesion_axis1"].shape == res["axis1"].shape == (4,)
    assert np.all(np.isnan(res["orbit_size_median"]) == (res["frac_orbit"] == 0))
    live = res["example_live"]
    assert res["example_L"].shape == (live.sum(), live.sum())
    # the activity scale is the RMS state norm of each network on the analysed steps
    from modbound.analyses.input_weights import analysed_steps
    steps = analysed_steps(act.trials, True)
    np.testing.assert_allclose(res["activity_scale"],
                               np.sqrt((act.hidden[:, steps].astype(np.float64) ** 2).sum(-1).mean(-1)))


def test_long_run_summary_tests_the_orbit_fraction_against_the_majority():
    base = {"example_end_class": np.array([0, 1, 1, 2]), "example_end_period": np.array([0, 3, 5, 0]),
            "long_steps": 10, "period_steps": 8, "fixed_tol": 1e-4, "return_tol": 1e-2,
            "activity_scale": np.ones(5), "orbit_period_median": np.array([3.0, 4, 4, 5, np.nan]),
            "orbit_size_median": np.array([0.5, 0.4, 0.4, 0.3, np.nan])}
    on_orbits = {**base, "frac_orbit": np.array([0.9, 0.8, 0.95, 0.85, 0.7]),
                 "frac_fixed": np.array([0.1, 0.2, 0.05, 0.1, 0.3]), "frac_neither": np.array([0, 0, 0, 0.05, 0])}
    s = da.long_run_summary(on_orbits, 0.5)
    t = s["ttest_frac_orbit_vs_majority"]
    assert t["t"] > 0 and t["p"] < 0.05 and t["n"] == 5 and s["n_networks_majority_orbit"] == 5
    assert s["example"] == {"n_states": 4, "n_fixed": 1, "n_orbit": 2, "n_neither": 1, "orbit_periods": [3, 5]}
    assert s["frac_not_fixed"]["mean"] == pytest.approx(0.85) and s["orbit_size_median_over_activity_scale"]["n"] == 4
    # every state on a fixed point: the fraction on orbits is 0 everywhere (sign test), the claim's direction fails
    fixed = {**base, "frac_orbit": np.zeros(5), "frac_fixed": np.ones(5), "frac_neither": np.zeros(5)}
    s = da.long_run_summary(fixed, 0.5)
    assert s["ttest_frac_orbit_vs_majority"]["t"] < 0 and s["n_networks_all_fixed"] == 5
    assert s["frac_fixed"]["mean"] == 1.0 and s["n_networks_majority_orbit"] == 0


def test_long_run_example_is_chosen_by_the_fraction_on_an_orbit():
    """Fig 6b's example is the network whose fraction of grid states on an orbit is closest to the median (the
    limit-cycle claim's own statistic), not the lesion example: W_rec swaps two units, so a state (a, b) with
    a != b is a period-2 orbit and (a, a) a fixed point; network i has n_orbit[i] of its 4 states on an orbit."""
    n_orbit = [4, 0, 3, 1, 2]  # fractions 1, 0, 0.75, 0.25, 0.5: median 0.5 at position 4
    M, H = len(n_orbit), 2
    states = np.array([[[1.0, 2.0] if g < k else [1.5, 1.5] for g in range(4)] for k in n_orbit])
    w = dy.as_tensors({"W_rec": np.tile(np.array([[0.0, 1.0], [1.0, 0.0]]), (M, 1, 1)),
                       "W_in": np.zeros((M, H, 1)), "b": np.zeros((M, H))})
    hidden = np.ones((M, 5, H))
    kw = dict(long_steps=6, period_steps=6, fixed_tol=1e-6, return_tol=1e-3)
    res = da.long_run(w, states, [0.0], 1.0, hidden, **kw)
    np.testing.assert_allclose(res["frac_orbit"], np.array(n_orbit) / 4)
    assert int(res["long_run_example_index"]) == 4
    assert res["example_end_class"].tolist() == [1, 1, 0, 0]  # network 4's own states, not network 0's
    # an explicit example position is kept as given (and no choice is recorded)
    res0 = da.long_run(w, states, [0.0], 1.0, hidden, example=1, **kw)
    assert "long_run_example_index" not in res0 and res0["example_end_class"].tolist() == [0, 0, 0, 0]


def test_fixed_points_record_the_task_period_each_start_came_from():
    """Fig 5b keeps the slow points reached from stimulus-period states: fixed_points records the period of the
    recorded step each start was drawn from, with the very same starts as before (same seeds, same draws)."""
    act = _tiny_activity("pdm", M=2, H=8, n_trials=4)
    from modbound.analyses.input_weights import analysed_steps
    steps = analysed_steps(act.trials, True)
    kw = dict(ensemble="pdm", n_networks=2, x=[1.0, 0.5, 0.5], alpha=1.0, n_inits=12, init_noise=0.0, n_steps=1,
              lr=0.01, seed=3)
    res = da.fixed_points(act, **kw)
    old = da.initial_states(act, res["model_index"], steps, 12, 0.0, seed=3, ensemble="pdm", analysis="fixed_points")
    np.testing.assert_array_equal(res["init"], old)  # the starts are unchanged
    period = np.asarray(act.trials.period)[steps]
    for i, m in enumerate(res["model_index"]):
        rec = act.hidden[m][steps].astype(np.float64)
        for j in range(12):  # without noise a start is a recorded state: its step's period is the one recorded
            match = np.flatnonzero(np.all(rec == res["init"][i, j], axis=1))
            assert match.size and res["init_period"][i, j] in set(period[match].tolist())
    assert res["init_period"].shape == (2, 12) and set(np.unique(res["init_period"])) <= {0, 1, 2, 3}


def test_task_slow_points_need_a_stimulus_start_and_the_speed_tolerance():
    fp = {"q": np.array([[1e-6, 1e-6, 1e-2, 1e-6], [1e-2, 1e-6, 1e-6, 1e-6]]),
          "init_period": np.array([[1, 0, 1, 1], [1, 3, 1, 2]])}
    assert da.task_slow_points(fp, 2, 1e-4).tolist() == [[True, False, False, True], [False, False, True, False]]
    assert da.task_slow_points(fp, 1, 1e-4).shape == (1, 4)
    with pytest.raises(ValueError, match="init_period"):
        da.task_slow_points({"q": fp["q"]}, 2, 1e-4)
