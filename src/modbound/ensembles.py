"""Trained ensembles as workflow artefacts: train from config, checksummed manifests, activity files.

This is the glue between the configuration (``ensembles:`` in config.yaml) and the science in
:mod:`modbound.rnn` and :mod:`modbound.tasks`. Seeds: every network's initial weights, training
data, validation trials and test trials take seeds derived from the master seed and the ensemble
name (:func:`modbound.seeding.derive_seed`), so one ensemble can be retrained alone and bit for bit.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch

from . import io, rnn, tasks
from .seeding import derive_seed, derive_seeds

__all__ = [
    "ensemble_seeds",
    "make_ensemble_task",
    "train",
    "load",
    "record",
    "save_activity",
    "load_activity",
    "Activity",
]

log = logging.getLogger("modbound.ensembles")
N_VALIDATION_TRIALS = 200


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


def train(name: str, spec: Mapping, *, rnn_cfg: Mapping, task_cfg: Mapping, master_seed: int,
          models_dir: str | Path, manifest_path: str | Path, progress: bool = True) -> dict:
    """Train ensemble ``name``, write one checkpoint per network and a checksummed manifest."""
    seeds = ensemble_seeds(master_seed, name, spec["n_models"])
    task = make_ensemble_task(spec, task_cfg, rnn_cfg, seeds["task"])
    model = rnn.CTRNNEnsemble(spec["n_models"], task.n_input, task.n_output, n_hidden=rnn_cfg["n_hidden"],
                              tau=rnn_cfg["tau"], dt=rnn_cfg["dt"], seeds=seeds["init"])
    log.info("training %s: %d x CTRNN(%d) on %r for %d steps", name, spec["n_models"], rnn_cfg["n_hidden"],
             task, spec["n_steps"])
    history = rnn.train_ensemble(model, task, n_steps=spec["n_steps"], batch_size=rnn_cfg["batch_size"],
                                 seq_len=rnn_cfg["seq_len"], lr=rnn_cfg["lr"], data_seeds=seeds["data"],
                                 progress=progress)
    accuracy = rnn.evaluate(model, task.trials(N_VALIDATION_TRIALS, seed=seeds["validation"]))["accuracy"]
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
    }
    io.write_json(manifest_path, manifest)
    log.info("validation accuracy: mean %.3f, min %.3f (%.1f s)", accuracy.mean(), accuracy.min(),
             history.seconds)
    return manifest


def load(manifest_path: str | Path, models_dir: str | Path | None = None) -> tuple[dict, rnn.CTRNNEnsemble]:
    """Load an ensemble after checking every checkpoint against the manifest's sha256."""
    manifest_path = Path(manifest_path)
    manifest = io.read_json(manifest_path)
    models_dir = Path(models_dir) if models_dir is not None else manifest_path.parent / "models"
    files = []
    for entry in manifest["files"]:
        path = models_dir / entry["path"]
        if not path.exists():
            raise FileNotFoundError(f"{path}: checkpoint listed in {manifest_path} is missing")
        digest = io.sha256(path)
        if digest != entry["sha256"]:
            raise ValueError(f"{path}: checksum mismatch (sha256 {digest[:12]}..., manifest "
                             f"{manifest_path} says {entry['sha256'][:12]}...): file corrupted or replaced")
        files.append(path)
    return manifest, rnn.load_ensemble(files)


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
           task_cfg: Mapping) -> Activity:
    """Run every network on ``n_trials`` fresh test trials (one continuous sequence)."""
    manifest, model = load(manifest_path, models_dir)
    spec = {"task": manifest["task"]}
    task = make_ensemble_task(spec, task_cfg, manifest["rnn"], manifest["seeds"]["task"])
    trials = task.trials(n_trials, seed=manifest["seeds"]["test"])
    hidden, outputs = rnn.record_activity(model, trials)
    accuracy = rnn.decision_accuracy(outputs, trials)["accuracy"]
    weights = {name: np.stack([model.weights(m)[name] for m in range(model.n_models)])
               for name in rnn.PARAM_NAMES}
    return Activity(hidden=hidden.astype(np.float32), outputs=outputs.astype(np.float32), trials=trials,
                    accuracy=accuracy, included=accuracy >= min_accuracy, weights=weights,
                    seeds=np.asarray(model.seeds, dtype=np.int64))


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
