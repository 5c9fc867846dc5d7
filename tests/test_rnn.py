"""Tests of modbound.models.rnn: CTRNN maths, ensemble independence, checkpoints, training."""

import json

import numpy as np
import pytest
import safetensors.torch
import torch
from torch import nn

from modbound.models.rnn import PARAM_NAMES, CTRNNEnsemble, CTRNNSequence, decision_accuracy, evaluate, load_ensemble, record_activity, save_ensemble, train_ensemble
from modbound.models.tasks import make_task


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # conftest.py


def _relu(z):
    return np.maximum(z, 0.0)


@pytest.mark.parametrize("dt", [100.0, 50.0])
def test_step_matches_equation(dt):
    model = CTRNNEnsemble(2, 3, 4, n_hidden=8, tau=100.0, dt=dt, seeds=[5, 6]).double()
    rng = np.random.default_rng(0)
    h = rng.random((2, 5, 8))
    x = rng.normal(size=(5, 3))
    got = model.step(torch.from_numpy(h), torch.from_numpy(x)).detach().numpy()
    alpha = dt / 100.0
    for m in range(2):
        w = model.weights(m)
        drive = x @ w["W_in"].T + h[m] @ w["W_rec"].T + w["b"]
        expected = _relu((1 - alpha) * h[m] + alpha * drive)
        np.testing.assert_allclose(got[m], expected, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(
            model.readout(torch.from_numpy(got))[m].detach().numpy(),
            got[m] @ w["W_out"].T + w["b_out"],
            rtol=1e-12,
        )


def test_forward_is_repeated_step_from_zero():
    model = CTRNNEnsemble(3, 3, 2, n_hidden=16, dt=50.0, seeds=[1, 2, 3]).double()
    x = torch.randn(9, 4, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    with torch.no_grad():
        outputs, hidden = model(x)
        assert outputs.shape == (3, 9, 4, 2) and hidden.shape == (3, 9, 4, 16)
        h = torch.zeros(3, 4, 16, dtype=torch.float64)
        for t in range(9):
            h = model.step(h, x[t])
            torch.testing.assert_close(hidden[:, t], h, rtol=0, atol=1e-13)
            torch.testing.assert_close(outputs[:, t], model.readout(h), rtol=0, atol=1e-13)
        per_model, _ = model(x.expand(3, -1, -1, -1))
        torch.testing.assert_close(per_model, outputs, rtol=0, atol=0)


def _autograd_reference(model, x, h0):
    """forward() rebuilt from step()/readout() with plain autograd (x shared [T, B, I])."""
    h, outputs, hidden = h0, [], []
    for x_t in x:
        h = model.step(h, x_t)
        hidden.append(h)
        outputs.append(model.readout(h))
    return torch.stack(outputs, dim=1), torch.stack(hidden, dim=1)


@pytest.mark.parametrize("dt", [100.0, 40.0])
def test_handwritten_bptt_matches_autograd(dt):
    model = CTRNNEnsemble(2, 3, 3, n_hidden=6, dt=dt, seeds=[1, 2]).double()
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(7, 4, 3, generator=gen, dtype=torch.float64, requires_grad=True)
    h0 = torch.rand(2, 4, 6, generator=gen, dtype=torch.float64, requires_grad=True)
    weight_o = torch.randn(2, 7, 4, 3, generator=gen, dtype=torch.float64)
    weight_h = torch.randn(2, 7, 4, 6, generator=gen, dtype=torch.float64)

    def gradients(run):
        outputs, hidden = run(x, h0)
        loss = (weight_o * outputs).sum() + (weight_h * hidden).sum()
        return torch.autograd.grad(loss, [x, h0, *model.parameters()])

    got = gradients(lambda x, h0: model(x, h0))
    expected = gradients(lambda x, h0: _autograd_reference(model, x, h0))
    for g, e in zip(got, expected):
        torch.testing.assert_close(g, e, rtol=1e-10, atol=1e-12)


def test_handwritten_bptt_gradcheck_per_model_input():
    """Finite-difference check of every gradient, inputs given per network, alpha = 0.5."""
    x = torch.randn(5, 2, 2, 2, dtype=torch.float64, requires_grad=True)  # [T, M, B, I]
    shapes = {"w_in": (2, 3, 2), "b": (2, 3), "w_rec": (2, 3, 3), "w_out": (2, 2, 3), "b_out": (2, 2)}
    weights = [torch.randn(s, dtype=torch.float64, requires_grad=True) for s in shapes.values()]
    h0 = torch.rand(2, 2, 3, dtype=torch.float64, requires_grad=True)

    def run(x, w_in, b, w_rec, w_out, b_out, h0):
        return CTRNNSequence.apply(x, w_in, b, w_rec, w_out, b_out, h0, 0.5)

    assert torch.autograd.gradcheck(run, (x, *weights, h0))


def test_init_per_model_equals_single_and_nn_linear():
    seeds = [11, 22, 33]
    ensemble = CTRNNEnsemble(3, 3, 3, seeds=seeds)
    for m, seed in enumerate(seeds):
        single = CTRNNEnsemble(1, 3, 3, seeds=[seed])
        for name in PARAM_NAMES:
            assert torch.equal(getattr(ensemble, name)[m], getattr(single, name)[0]), name
        with torch.random.fork_rng():
            torch.manual_seed(seed)  # the gyyang tutorial's layers, in its order
            input2h, h2h, fc = nn.Linear(3, 64), nn.Linear(64, 64), nn.Linear(64, 3)
        w = ensemble.weights(m)
        np.testing.assert_array_equal(w["W_in"], input2h.weight.detach().numpy())
        np.testing.assert_array_equal(w["W_rec"], h2h.weight.detach().numpy())
        np.testing.assert_array_equal(w["b"], (input2h.bias + h2h.bias).detach().numpy())
        np.testing.assert_array_equal(w["W_out"], fc.weight.detach().numpy())
        np.testing.assert_array_equal(w["b_out"], fc.bias.detach().numpy())
    assert not torch.equal(ensemble.W_rec[0], ensemble.W_rec[1])


def test_select_single_weights():
    model = CTRNNEnsemble(4, 3, 3, n_hidden=8, seeds=[1, 2, 3, 4])
    sub = model.select([3, 1])
    assert sub.seeds == [4, 2] and sub.n_models == 2
    assert torch.equal(sub.W_rec[0], model.W_rec[3])
    one = model.single(2)
    assert one.n_models == 1 and torch.equal(one.W_out[0], model.W_out[2])
    w = model.weights(1)
    assert set(w) == set(PARAM_NAMES) and w["W_in"].shape == (8, 3)
    w["W_in"][:] = 0  # a copy: the model is untouched
    assert model.W_in[1].abs().sum() > 0


def test_ensemble_training_equals_single_model_training():
    """Float64 so that the different matmul groupings (3 models batched vs 1) agree to ~1e-12
    and no ReLU flips on rounding; CPU kernels used here are deterministic."""
    task = make_task("pdm", seed=0)
    seeds, data_seeds = [7, 8, 9], [70, 80, 90]
    kwargs = {"n_steps": 50, "batch_size": 8, "seq_len": 40, "progress": False}
    ensemble = CTRNNEnsemble(3, 3, 3, n_hidden=32, seeds=seeds).double()
    history = train_ensemble(ensemble, task, data_seeds=data_seeds, **kwargs)
    for m in range(3):
        single = CTRNNEnsemble(1, 3, 3, n_hidden=32, seeds=[seeds[m]]).double()
        single_history = train_ensemble(single, task, data_seeds=[data_seeds[m]], **kwargs)
        np.testing.assert_allclose(history.loss[m], single_history.loss[0], rtol=1e-10)
        for name in PARAM_NAMES:
            torch.testing.assert_close(
                getattr(ensemble, name)[m], getattr(single, name)[0], rtol=1e-9, atol=1e-10
            )
    assert history.loss.shape == (3, 50)


def test_training_reusing_freed_memory_gives_the_same_networks():
    # reuse_freed_memory changes where buffers come from, never a value: float32, the bits of every parameter
    task = make_task("pdm", seed=0)
    kwargs = {"n_steps": 30, "batch_size": 8, "seq_len": 40, "progress": False, "data_seeds": [5, 6, 7, 8]}
    runs = []
    for reuse in (True, False):
        model = CTRNNEnsemble(4, 3, 3, n_hidden=32, seeds=[1, 2, 3, 4])
        history = train_ensemble(model, task, reuse_memory=reuse, **kwargs)
        runs.append((history.loss, {name: getattr(model, name).detach().clone() for name in PARAM_NAMES}))
    (loss_a, params_a), (loss_b, params_b) = runs
    assert loss_a.tobytes() == loss_b.tobytes()
    for name in PARAM_NAMES:
        assert params_a[name].numpy().tobytes() == params_b[name].numpy().tobytes()
    assert not torch.equal(params_a["W_rec"], CTRNNEnsemble(4, 3, 3, n_hidden=32, seeds=[1, 2, 3, 4]).W_rec)


def test_decision_accuracy_uses_last_decision_step():
    trials = make_task("gng", seed=0).trials(4, seed=0)  # decision = last 5 of 15 steps
    outputs = np.zeros((1, trials.n_steps, 2))
    last = trials.last_decision_step
    outputs[0, last - 1, 1] = 5.0  # a "go" one step early does not count
    outputs[0, last[trials.ground_truth == 1], 1] = 5.0
    outputs[0, last[trials.ground_truth == 0], 0] = 5.0
    result = decision_accuracy(outputs, trials)
    np.testing.assert_array_equal(result["choice"][0], trials.ground_truth)
    assert result["accuracy"][0] == 1.0
    outputs[0, last[0]] = outputs[0, last[0], ::-1]
    assert decision_accuracy(outputs, trials)["accuracy"][0] == 0.75


def test_record_activity_is_one_continuous_sequence():
    trials = make_task("pdm", seed=0).trials(5, seed=1)
    model = CTRNNEnsemble(2, 3, 3, n_hidden=8, seeds=[1, 2])
    hidden, outputs = record_activity(model, trials)
    assert hidden.shape == (2, 110, 8) and outputs.shape == (2, 110, 3)
    with torch.no_grad():
        ref_out, ref_hidden = model(torch.from_numpy(trials.x)[:, None])
    np.testing.assert_array_equal(hidden, ref_hidden[:, :, 0].numpy())
    np.testing.assert_array_equal(outputs, ref_out[:, :, 0].numpy())


@pytest.fixture
def saved(tmp_path):
    model = CTRNNEnsemble(3, 3, 3, n_hidden=8, seeds=[4, 5, 6])
    per_model = [{"accuracy": np.float64(0.9 + m / 100), "final_loss": 0.1} for m in range(3)]
    paths = save_ensemble(model, tmp_path / "models", metadata={"task": "pdm"}, per_model=per_model)
    return model, paths


def test_save_load_round_trip(saved):
    model, paths = saved
    assert [p.name for p in paths] == [f"model_{m:03d}.safetensors" for m in range(3)]
    for loaded in (load_ensemble(paths[0].parent), load_ensemble(paths)):
        assert loaded.seeds == model.seeds and (loaded.tau, loaded.dt) == (model.tau, model.dt)
        for name in PARAM_NAMES:
            assert torch.equal(getattr(loaded, name), getattr(model, name)), name
    # each checkpoint carries its network's metadata as JSON in the safetensors header
    meta = [json.loads(safetensors.safe_open(str(p), "pt").metadata()["modbound"]) for p in paths]
    assert [m["seed"] for m in meta] == [4, 5, 6]
    assert meta[1]["task"] == "pdm" and meta[1]["accuracy"] == pytest.approx(0.91)
    assert meta[0]["n_hidden"] == 8 and "modbound_version" in meta[0]
    reordered = load_ensemble([paths[2], paths[0]])
    assert reordered.seeds == [6, 4] and torch.equal(reordered.W_in[0], model.W_in[2])


def test_truncated_checkpoint_names_file(saved):
    _, paths = saved
    data = paths[1].read_bytes()
    paths[1].write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="model_001.safetensors"):
        load_ensemble(paths)


def test_wrong_shape_checkpoint_names_file(saved):
    _, paths = saved
    tensors = safetensors.torch.load_file(str(paths[2]))
    tensors["W_rec"] = torch.zeros(8, 9)
    with safetensors.safe_open(str(paths[2]), framework="pt") as handle:
        header = handle.metadata()
    safetensors.torch.save_file(tensors, str(paths[2]), metadata=header)
    with pytest.raises(ValueError, match=r"model_002\.safetensors: W_rec has shape \(8, 9\)"):
        load_ensemble(paths)


def test_mismatched_or_foreign_checkpoints_name_file(tmp_path, saved):
    _, paths = saved
    other = save_ensemble(CTRNNEnsemble(1, 3, 3, n_hidden=16, seeds=[0]), tmp_path / "other")
    with pytest.raises(ValueError, match=r"other/model_000\.safetensors: n_hidden=16"):
        load_ensemble([paths[0], other[0]])
    foreign = tmp_path / "foreign.safetensors"
    safetensors.torch.save_file({"W_in": torch.zeros(1)}, str(foreign))
    with pytest.raises(ValueError, match="foreign.safetensors"):
        load_ensemble([foreign])
    with pytest.raises(ValueError, match="no model_"):
        load_ensemble(tmp_path / "empty")


def test_metadata_is_json(saved):
    _, paths = saved
    with safetensors.safe_open(str(paths[0]), framework="pt") as handle:
        info = json.loads(handle.metadata()["modbound"])
    assert info["format"] == "modbound-ctrnn-v1" and info["tau"] == 100.0


def test_short_pdm_training_beats_chance():
    torch.manual_seed(0)  # not used by training; guards against hidden global-RNG use
    task = make_task("pdm", seed=0)
    model = CTRNNEnsemble(3, task.n_input, task.n_output, seeds=[0, 1, 2])
    history = train_ensemble(model, task, n_steps=300, data_seeds=[10, 11, 12], progress=False)
    accuracy = evaluate(model, task.trials(200, seed=99))["accuracy"]
    assert (accuracy > 0.7).all(), accuracy  # chance 0.5; ceiling ~0.9 (20% zero-coherence trials)
    assert (history.loss[:, -20:].mean(axis=1) < history.loss[:, :20].mean(axis=1) / 3).all()
