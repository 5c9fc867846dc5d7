"""Config ``device`` (modbound.core.device): RNN training and the slow-point / nullcline searches on a chosen device.

On the CPU (every test machine and CI): ``device="cpu"`` gives byte for byte what the default gives, a GPU that is
not there stops the job before it writes anything, and a bad name is refused naming the setting. On a machine with a
GPU the parity tests below also run: the GPU's networks and slow points agree with the CPU's to rounding.
"""

import re

import numpy as np
import pytest
import torch
import yaml

from modbound.analyses import dynamics as dy, dynamics_analysis as da
from modbound.core import device
from modbound.models import ensembles
from modbound.models.rnn import PARAM_NAMES, CTRNNEnsemble, train_ensemble
from modbound.models.tasks import make_task

from test_dynamics import _fake_activity, _random_weights

GPU = torch.cuda.is_available()
needs_gpu = pytest.mark.skipif(not GPU, reason="no GPU on this machine")
no_gpu = pytest.mark.skipif(GPU, reason="this machine has a GPU")


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # conftest.py


def test_device_names():
    assert device.resolve(None) == device.resolve("cpu") == torch.device("cpu")
    assert device.is_gpu("cuda") and device.is_gpu("cuda:1") and not device.is_gpu("cpu")
    for bad in ("gpu", "CUDA", "cuda:", "cuda:x", "cpu\n", "mps", "", 3):
        with pytest.raises(ValueError, match=r"^where: .* is not a device"):
            device.resolve(bad, "where")


def test_schema_and_config_agree_with_the_library():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    schema = yaml.safe_load((root / "workflow/schemas/config.schema.yaml").read_text())
    assert schema["properties"]["device"]["pattern"] == device.DEVICE_PATTERN
    assert "device" in schema["required"]
    assert yaml.safe_load((root / "config.yaml").read_text())["device"] == "cpu"
    for overlay in sorted((root / "configs").glob("*.yaml")):  # every shipped scale computes on the CPU
        assert "device" not in (yaml.safe_load(overlay.read_text()) or {}), overlay.name


@no_gpu
def test_a_gpu_that_is_not_there_stops_before_any_output(tmp_path):
    with pytest.raises(ValueError, match=r"config device: 'cuda' asks for a GPU"):
        device.resolve("cuda", "config device")
    spec = {"task": "gng", "n_models": 2, "n_steps": 3}
    rnn_cfg = {"n_hidden": 8, "tau": 100.0, "dt": 100.0, "batch_size": 2, "seq_len": 10, "lr": 0.01}
    with pytest.raises(ValueError, match="config device"):
        ensembles.train("gng", spec, rnn_cfg=rnn_cfg, task_cfg={}, master_seed=0, models_dir=tmp_path / "models",
                        manifest_path=tmp_path / "manifest.json", progress=False, device="cuda:0")
    assert list(tmp_path.iterdir()) == []
    act = _fake_activity()
    with pytest.raises(ValueError, match="config device"):
        da.fixed_points(act, ensemble="pdm", n_networks=2, x=np.array([1.0, 0.5, 0.5]), alpha=1.0, n_inits=4,
                        init_noise=0.5, n_steps=5, lr=0.05, seed=0, device="cuda")
    with pytest.raises(ValueError, match="minimise_speed: device"):
        dy.minimise_speed(_random_weights(), np.ones(3), np.ones((3, 2, 7)), n_steps=2, lr=0.1, device="cuda")


def _tiny_training(device_name, dtype=torch.float32, callback=None):
    task = make_task("pdm", seed=0)
    model = CTRNNEnsemble(3, 3, 3, n_hidden=16, seeds=[1, 2, 3]).to(dtype)
    history = train_ensemble(model, task, n_steps=20, batch_size=4, seq_len=30, data_seeds=[4, 5, 6],
                             progress=False, device=device_name, callback=callback)
    return model, history


def test_cpu_device_is_the_default_byte_for_byte():
    default, h_default = _tiny_training(None)
    cpu, h_cpu = _tiny_training("cpu")
    np.testing.assert_array_equal(h_cpu.loss, h_default.loss)
    for name in PARAM_NAMES:
        assert torch.equal(getattr(cpu, name), getattr(default, name)), name
    w, x = _random_weights(M=2, H=6, seed=3), np.array([1.0, 0.5, 0.5])
    h0 = np.abs(np.random.default_rng(0).normal(size=(2, 10, 6)))
    for kw in ({}, {"tol": 1e-4, "dtype": torch.float32}, {"free_unit": np.arange(10) % 6}):
        ref = dy.minimise_speed(w, x, h0, 0.4, n_steps=60, lr=0.05, **kw)
        got = dy.minimise_speed(w, x, h0, 0.4, n_steps=60, lr=0.05, device="cpu", **kw)
        for a, b in zip(ref, got):
            np.testing.assert_array_equal(a, b)


def test_training_returns_the_model_to_the_cpu_even_when_it_fails():
    seen = []

    def stop(k, model):
        seen.append(model.W_rec.device.type)
        raise RuntimeError("stop here")

    task = make_task("pdm", seed=0)
    model = CTRNNEnsemble(2, 3, 3, n_hidden=8, seeds=[1, 2])
    with pytest.raises(RuntimeError, match="stop here"):
        train_ensemble(model, task, n_steps=5, batch_size=2, seq_len=10, data_seeds=[3, 4], progress=False,
                       device="cuda" if GPU else "cpu", callback=stop)
    assert seen == ["cuda" if GPU else "cpu"]
    assert all(getattr(model, n).device.type == "cpu" for n in PARAM_NAMES)


@needs_gpu
def test_gpu_training_agrees_with_the_cpu_to_rounding():
    """float64 so that no ReLU flips on the different rounding of the GPU's products."""
    cpu, h_cpu = _tiny_training("cpu", torch.float64)
    gpu, h_gpu = _tiny_training("cuda", torch.float64)
    np.testing.assert_allclose(h_gpu.loss, h_cpu.loss, rtol=1e-9)
    for name in PARAM_NAMES:
        assert getattr(gpu, name).device.type == "cpu"
        torch.testing.assert_close(getattr(gpu, name), getattr(cpu, name), rtol=1e-8, atol=1e-10)


@needs_gpu
@pytest.mark.parametrize("tol", [None, 1e-30])
def test_gpu_searches_agree_with_the_cpu_to_rounding(tol):
    w, x = _random_weights(M=2, H=6, seed=3), np.array([1.0, 0.5, 0.5])
    h0 = np.abs(np.random.default_rng(0).normal(size=(2, 10, 6)))
    ref = dy.minimise_speed(w, x, h0, 0.4, n_steps=150, lr=0.05, tol=tol, free_unit=np.arange(10) % 6)
    got = dy.minimise_speed(w, x, h0, 0.4, n_steps=150, lr=0.05, tol=tol, free_unit=np.arange(10) % 6,
                            device="cuda")
    np.testing.assert_allclose(got[0], ref[0], rtol=0, atol=1e-9)
    np.testing.assert_allclose(got[1], ref[1], rtol=1e-6, atol=1e-12)


@needs_gpu
def test_gpu_training_is_recorded_in_the_manifest(tmp_path):
    spec = {"task": "gng", "n_models": 2, "n_steps": 3}
    rnn_cfg = {"n_hidden": 8, "tau": 100.0, "dt": 100.0, "batch_size": 2, "seq_len": 10, "lr": 0.01}
    manifest = ensembles.train("gng", spec, rnn_cfg=rnn_cfg, task_cfg={}, master_seed=0,
                               models_dir=tmp_path / "models", manifest_path=tmp_path / "manifest.json",
                               progress=False, device="cuda")
    assert re.fullmatch(r"cuda:\d+", manifest["runtime"]["device"]) and manifest["runtime"]["gpu"]
