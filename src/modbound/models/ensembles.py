"""Trained ensembles as workflow artefacts: train from config, checksummed manifests, activity files.

This is the glue between the configuration (``ensembles:`` in config.yaml) and the science in
:mod:`modbound.models.rnn` and :mod:`modbound.models.tasks`. Seeds: every network's initial weights, training
data, validation trials and test trials take seeds derived from the master seed and the ensemble
name (:func:`modbound.core.seeding.derive_seed`), so one ensemble can be retrained alone and bit for bit.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch

from modbound.core import io, stats as st, defaults
from modbound.core import device as device_mod
from modbound.models import rnn, tasks
from modbound.core.seeding import derive_seed, derive_seeds, runtime_info

__all__ = [
    "ensemble_seeds",
    "INIT_MODES",
    "init_model",
    "read_manifest",
    "manifest_alpha",
    "initial_weights",
    "make_ensemble_task",
    "train",
    "load",
    "record",
    "save_activity",
    "load_activity",
    "Activity",
"summary",
]

log = logging.getLogger("modbound.models.ensembles")
N_VALIDATION_TRIALS = 200
WARMUP_TRIALS = 1  # discarded before recording (see record)


def ensemble_seeds(master: int, name: str, n_models: int) -> dict[str, Any]:
    """All seeds of one ensemble, derived from the master seed and its name."""
    return {
        "task": derive_seed(master, name, "task"),
        "init": derive_seeds(master, n_models, name, "init"),
        "data": derive_seeds(master, n_models, name, "data"),
        "validation": derive_seed(master, name, "validation"),
        "test": derive_seed(master, name, "test"),
    }


def make_ensemble_task(spec: Mapping, task_cfg: Mapping, rnn_cfg: Mapping, seed: int) -> tasks.Task:
    """The task of an ensemble spec, with the paper's fixation semantics unless configured."""
    legacy = bool(task_cfg.get("pdm", {}).get("legacy_fixation", True))
    return tasks.make_task(spec["task"], dt=rnn_cfg["dt"], legacy_fixation=legacy, seed=seed)


# Initialisation modes of an ensemble spec's optional ``init`` (Fig S11); absent = "random".
#   random               every network from its own init seed (the default, unchanged)
#   shared_input         W_in of every network = W_in drawn from one shared seed; rest from its own seed
#   shared_input_output  as shared_input, and W_out = W_in^T (also shared); needs n_input == n_output
INIT_MODES = ("random", "shared_input", "shared_input_output")


def _shared_overrides(mode: str, shared_seed: int | None, n_input: int, n_hidden: int,
                      n_output: int) -> dict[str, torch.Tensor]:
    """Parameters every network of a shared-init ensemble starts from (empty for 'random')."""
    if mode not in INIT_MODES:
        raise ValueError(f"unknown init mode {mode!r}; expected one of {INIT_MODES}")
    if mode == "random":
        return {}
    if mode == "shared_input_output" and n_input != n_output:
        raise ValueError(f"init 'shared_input_output' sets W_out = W_in^T and needs as many inputs as "
                         f"outputs; the task has {n_input} inputs and {n_output} outputs")
    w_in = rnn.init_parameters(int(shared_seed), n_input, n_hidden, n_output)["W_in"]
    return {"W_in": w_in} if mode == "shared_input" else {"W_in": w_in, "W_out": w_in.T.contiguous()}


def init_model(name: str, spec: Mapping, *, rnn_cfg: Mapping, master_seed: int, n_input: int,
               n_output: int) -> tuple[rnn.CTRNNEnsemble, dict[str, Any]]:
    """The untrained ensemble of spec ``name`` and its seeds (see :data:`INIT_MODES`).

    The shared seed of a shared-init ensemble is ``derive_seed(master, name, "shared_init")`` and is
    added to the seeds as ``shared_init``; for the default mode the seeds and weights are exactly
    those of :func:`ensemble_seeds` and :class:`modbound.models.rnn.CTRNNEnsemble`.
    """
    mode = spec.get("init", "random")
    seeds = ensemble_seeds(master_seed, name, spec["n_models"])
    if mode != "random":
        seeds["shared_init"] = derive_seed(master_seed, name, "shared_init")
    overrides = _shared_overrides(mode, seeds.get("shared_init"), n_input, rnn_cfg["n_hidden"], n_output)
    model = rnn.CTRNNEnsemble(spec["n_models"], n_input, n_output, n_hidden=rnn_cfg["n_hidden"],
                              tau=rnn_cfg["tau"], dt=rnn_cfg["dt"], seeds=seeds["init"])
    with torch.no_grad():
        for pname, value in overrides.items():
            getattr(model, pname).copy_(value.expand_as(getattr(model, pname)))
    return model, seeds


def initial_weights(manifest: Mapping, n_input: int, n_output: int) -> dict[str, np.ndarray]:
    """Initial parameters ``{name: [M, ...]}`` (float32) of a trained ensemble, rebuilt from its
    manifest's seeds and init mode (the trained ones are in its activity file)."""
    mode = manifest.get("init", "random")
    n_hidden = manifest["rnn"]["n_hidden"]
    params = [rnn.init_parameters(int(s), n_input, n_hidden, n_output) for s in manifest["seeds"]["init"]]
    overrides = _shared_overrides(mode, manifest["seeds"].get("shared_init"), n_input, n_hidden, n_output)
    return {pname: np.stack([(overrides.get(pname, p[pname])).numpy() for p in params])
            for pname in rnn.PARAM_NAMES}


def train(name: str, spec: Mapping, *, rnn_cfg: Mapping, task_cfg: Mapping, master_seed: int,
          models_dir: str | Path, manifest_path: str | Path, progress: bool = True, device: str = "cpu") -> dict:
    """Train ensemble ``name``, write one checkpoint per network and a checksummed manifest.

    ``device`` (config ``device``): where the updates run (:mod:`modbound.core.device`); a GPU is recorded in the
    manifest's ``runtime`` (a CPU-trained manifest stays as it was)."""
    dev = device_mod.resolve(device, "config device")  # before any work: no GPU here stops the job at once
    mode = spec.get("init", "random")
    seed_task = ensemble_seeds(master_seed, name, spec["n_models"])["task"]
    task = make_ensemble_task(spec, task_cfg, rnn_cfg, seed_task)
    model, seeds = init_model(name, spec, rnn_cfg=rnn_cfg, master_seed=master_seed, n_input=task.n_input,
                              n_output=task.n_output)
    log.info("training %s: %d x CTRNN(%d) on %r for %d steps (init: %s)", name, spec["n_models"],
             rnn_cfg["n_hidden"], task, spec["n_steps"], mode)
    history = rnn.train_ensemble(model, task, n_steps=spec["n_steps"], batch_size=rnn_cfg["batch_size"],
                                 seq_len=rnn_cfg["seq_len"], lr=rnn_cfg["lr"], data_seeds=seeds["data"],
                                 progress=progress, device=dev)
    accuracy = rnn.evaluate(model, task.trials(N_VALIDATION_TRIALS, seed=seeds["validation"]))["accuracy"]
    diverged = rnn.diverged_models(model)
    if diverged:  # training blew up (non-finite weights): a failed network, accuracy 0, excluded downstream
        log.warning("training diverged (non-finite weights) for network(s) %s of %s", diverged, name)
        accuracy[diverged] = 0.0
    per_model = [{**meta, "validation_accuracy": float(acc), "ensemble": name, "task": spec["task"]}
                 for meta, acc in zip(history.per_model_metadata(), accuracy)]
    paths = rnn.save_ensemble(model, models_dir, metadata={"task_name": spec["task"]}, per_model=per_model)
    manifest = {
        "ensemble": name,
        "task": spec["task"],
        "n_models": spec["n_models"],
        "n_steps": spec["n_steps"],
        "master_seed": master_seed,
        "seeds": seeds,
        "rnn": dict(rnn_cfg),
        "legacy_fixation": task.legacy_fixation,
        "validation_accuracy": accuracy,
        "final_loss": history.final_loss(),
        "loss_curve": history.loss[:, :: max(1, spec["n_steps"] // 200)],
        "files": [{"path": p.name, "sha256": io.sha256(p)} for p in paths],
        # the CPU code path and versions the networks were trained with (config cpu_code_path, docs/faults.md)
        "runtime": {**runtime_info(), "torch_threads": torch.get_num_threads()},
    }
    if mode != "random":  # default manifests stay as they were
        manifest["init"] = mode
    if dev.type != "cpu":
        manifest["runtime"].update(device=str(dev), gpu=torch.cuda.get_device_name(dev), cuda=torch.version.cuda)
    if diverged:
        manifest["diverged"] = diverged
    io.write_json(manifest_path, manifest)
    log.info("validation accuracy: mean %.3f, min %.3f (%.1f s)", accuracy.mean(), accuracy.min(),
             history.seconds)
    return manifest


_MANIFEST_KEYS = {"ensemble": str, "task": str, "n_models": int, "seeds": dict, "rnn": dict, "files": list}


def manifest_alpha(manifest: Mapping) -> float:
    """The Euler fraction ``alpha = dt / tau`` the ensemble of ``manifest`` was trained with."""
    return defaults.alpha(manifest["rnn"]["dt"], manifest["rnn"]["tau"])


def read_manifest(path: str | Path) -> dict:
    """An ensemble's ``manifest.json`` (written by :func:`train`); ``ValueError`` naming the file if it is not
    an object with the keys and types :func:`train` writes (a checkpoint entry per network, init seeds)."""
    manifest = io.read_json(path)
    if not isinstance(manifest, dict):
        raise ValueError(f"{path}: a manifest must be a JSON object, got {type(manifest).__name__}")
    for key, kind in _MANIFEST_KEYS.items():
        if not isinstance(manifest.get(key), kind):
            raise ValueError(f"{path}: manifest key {key!r} must be a {kind.__name__}, got {manifest.get(key)!r:.80}"
                             " (not written by the train_ensemble rule?)")
    if len(manifest["files"]) != manifest["n_models"] or not all(
            isinstance(f, dict) and {"path", "sha256"} <= set(f) for f in manifest["files"]):
        raise ValueError(f"{path}: 'files' must list one {{path, sha256}} per network ({manifest['n_models']})")
    if len(manifest["seeds"].get("init") or []) != manifest["n_models"]:
        raise ValueError(f"{path}: 'seeds.init' must hold one seed per network ({manifest['n_models']})")
    return manifest


def load(manifest_path: str | Path, models_dir: str | Path | None = None) -> tuple[dict, rnn.CTRNNEnsemble]:
    """Load an ensemble after checking every checkpoint against the manifest's sha256."""
    manifest_path = Path(manifest_path)
    manifest = read_manifest(manifest_path)
    models_dir = Path(models_dir) if models_dir is not None else manifest_path.parent / "models"
    files = []
    for entry in manifest["files"]:
        path = models_dir / entry["path"]
        if not path.exists():
            raise FileNotFoundError(f"{path}: checkpoint listed in {manifest_path} is missing")
        io.verify_sha256(path, entry["sha256"], f"the value of {manifest_path}: file corrupted or replaced")
        files.append(path)
    return manifest, rnn.load_ensemble(files, diverged=manifest.get("diverged", ()))


@dataclasses.dataclass(frozen=True)
class Activity:
    """Recorded activity of an ensemble on test trials (what analyses consume)."""

    hidden: np.ndarray  # [M, T, H]
    outputs: np.ndarray  # [M, T, O]
    trials: tasks.TrialSet
    accuracy: np.ndarray  # [M]
    included: np.ndarray  # [M] bool: accuracy >= min_accuracy
    weights: dict[str, np.ndarray]  # stacked [M, ...] per parameter name
    seeds: np.ndarray  # [M] initialisation seeds

    @property
    def n_models(self) -> int:
        return self.hidden.shape[0]


_TRIAL_PREFIX = "trials__"
_WEIGHT_PREFIX = "weights__"


def record(manifest_path: str | Path, models_dir: str | Path, *, n_trials: int, min_accuracy: float,
           task_cfg: Mapping, accuracy_trials: int | None = None) -> Activity:
    """Run every network on ``n_trials`` fresh test trials (one continuous sequence).

    A warm-up trial runs first and is discarded: from h0 = 0 some units fire only at the very first
    step, and would otherwise form a spurious, perfectly correlated module.
    ``accuracy_trials`` (None: ``n_trials``): the test accuracy that ``min_accuracy`` judges is computed on
    this many trials of the same continuous sequence (at least ``n_trials``), of which the first ``n_trials``
    are kept as the recorded activity; a few recorded trials (dt20: 20) make the threshold coarse.
    """
    n_eval = n_trials if accuracy_trials is None else int(accuracy_trials)
    if n_eval < n_trials:
        raise ValueError(f"analysis.accuracy_trials ({n_eval}) must be at least analysis.n_trials ({n_trials})")
    manifest, model = load(manifest_path, models_dir)
    spec = {"task": manifest["task"]}
    task = make_ensemble_task(spec, task_cfg, manifest["rnn"], manifest["seeds"]["task"])
    trials = task.trials(n_eval + WARMUP_TRIALS, seed=manifest["seeds"]["test"])
    hidden, outputs = rnn.record_activity(model, trials)
    start = int(trials.trial_starts[WARMUP_TRIALS])
    trials = trial_range(trials, WARMUP_TRIALS)
    hidden, outputs = hidden[:, start:], outputs[:, start:]
    accuracy = rnn.decision_accuracy(outputs, trials)["accuracy"]
    if n_eval > n_trials:  # keep the first n_trials as the recorded activity
        end = int(trials.trial_starts[n_trials])
        trials = trial_range(trials, 0, n_trials)
        hidden, outputs = hidden[:, :end], outputs[:, :end]
    accuracy[manifest.get("diverged", [])] = 0.0  # diverged in training (non-finite weights): excluded
    weights = {name: np.stack([model.weights(m)[name] for m in range(model.n_models)])
               for name in rnn.PARAM_NAMES}
    return Activity(hidden=hidden.astype(np.float32), outputs=outputs.astype(np.float32), trials=trials,
                    accuracy=accuracy, included=accuracy >= min_accuracy, weights=weights,
                    seeds=np.asarray(model.seeds, dtype=np.int64))


def trial_range(trials: tasks.TrialSet, k: int, n: int | None = None) -> tasks.TrialSet:
    """Trials ``k .. n - 1`` of ``trials`` (``n`` None: to the end), trial indices and starts renumbered from 0."""
    start = int(trials.trial_starts[k])
    end = None if n is None or n >= trials.n_trials else int(trials.trial_starts[n])
    per_step = {f: getattr(trials, f)[start:end] for f in ("x", "y", "period", "task_id")}
    per_trial = {f: getattr(trials, f)[k:n] for f in ("ground_truth", "trial_task")}
    return dataclasses.replace(
        trials, **per_step, **per_trial, trial=trials.trial[start:end] - k,
        trial_starts=trials.trial_starts[k:n] - start,
        coherence=None if trials.coherence is None else trials.coherence[k:n])


def save_activity(path: str | Path, act: Activity) -> None:
    arrays = {"hidden": act.hidden, "outputs": act.outputs, "accuracy": act.accuracy,
              "included": act.included, "seeds": act.seeds}
    for field in dataclasses.fields(tasks.TrialSet):
        value = getattr(act.trials, field.name)
        if value is None:
            continue
        arrays[_TRIAL_PREFIX + field.name] = np.asarray(value)
    arrays.update({_WEIGHT_PREFIX + k: v for k, v in act.weights.items()})
    io.save_npz(path, **arrays)


def load_activity(path: str | Path) -> Activity:
    data = io.load_npz(path, required=("hidden", "outputs", "accuracy", "included", "seeds"))
    trial_fields = {}
    for field in dataclasses.fields(tasks.TrialSet):
        key = _TRIAL_PREFIX + field.name
        if key in data:
            value = data[key]
            trial_fields[field.name] = (tuple(str(v) for v in value) if field.name == "task_names"
                                        else float(value) if field.name == "dt" else value)
        else:
            trial_fields[field.name] = None
    missing = [k for k, v in trial_fields.items() if v is None and k != "coherence"]
    if missing:
        raise ValueError(f"{path}: missing trial arrays {missing}")
    weights = {k[len(_WEIGHT_PREFIX):]: v for k, v in data.items() if k.startswith(_WEIGHT_PREFIX)}
    hidden = data["hidden"]
    if hidden.ndim != 3 or data["outputs"].shape[:2] != hidden.shape[:2]:
        raise ValueError(f"{path}: hidden {hidden.shape} and outputs {data['outputs'].shape} do not match")
    return Activity(hidden=hidden, outputs=data["outputs"], trials=tasks.TrialSet(**trial_fields),
                    accuracy=data["accuracy"], included=data["included"].astype(bool), weights=weights,
                    seeds=data["seeds"])


def summary(model_index, evaluation: dict, manifest: dict, ensemble: str) -> dict:
    """Which networks of an ensemble a figure used, out of how many trained, their seeds and accuracy."""
    idx = [int(m) for m in np.asarray(model_index)]
    return {"ensemble": ensemble, "task": manifest["task"], "n_networks": len(idx),
            "n_trained": int(manifest["n_models"]), "excluded_models": evaluation["excluded_models"],
            "min_accuracy": evaluation["min_accuracy"], "model_index": idx,
            "init_seeds": [manifest["seeds"]["init"][m] for m in idx],
            "test_accuracy": st.describe(np.asarray(evaluation["accuracy"])[idx])}
