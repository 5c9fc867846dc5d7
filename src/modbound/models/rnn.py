"""Ensembles of continuous-time RNNs (paper Methods; gyyang nn-brain RNN tutorial).

Model (per network, hidden size H = 64, tau = dt = 100 ms, alpha = dt / tau):

    h_t = relu((1 - alpha) h_{t-1} + alpha (W_in x_t + W_rec h_{t-1} + b)),  h_0 = 0
    y_t = W_out h_t + b_out

For alpha = 1 (the paper's setting) this equals the tutorial's update
``(1 - alpha) h + alpha relu(...)``; the two differ only for alpha < 1.

Initialisation follows the tutorial, i.e. torch ``nn.Linear`` defaults: network
``m`` draws, from ``torch.Generator().manual_seed(seeds[m])`` and in this order,
``nn.Linear(I, H)`` (W_in, b_in), ``nn.Linear(H, H)`` (W_rec, b_rec) and
``nn.Linear(H, O)`` (W_out, b_out); each weight and bias is
U(-1/sqrt(fan_in), 1/sqrt(fan_in)).  The tutorial has two redundant biases
(input and recurrent ``nn.Linear``); here ``b = b_in + b_rec`` is one
parameter, so the initial network equals the tutorial's
(``torch.manual_seed(seed)`` then the three layers) exactly.  (Under Adam the
tutorial's two biases move the effective bias up to twice as fast; we train the
paper's single bias.)

All networks of an ensemble are trained at once: parameters are stacked along a
leading model axis, the recurrence uses ``torch.bmm`` and a hand-written
backpropagation through time (``CTRNNSequence``).  The loss is the sum over
networks of each network's mean cross-entropy and Adam acts elementwise, so each
network trains as it would alone (identical up to float64 rounding; in float32,
rounding differences between ensemble sizes can grow over training, because Adam
rescales tiny gradients).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import safetensors
import safetensors.torch
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from modbound import __version__
from modbound.core.io import atomic_path
from modbound.core import defaults
from modbound.core import device as device_mod
from modbound.core.defaults import DT, TAU
from modbound.core.memory import reuse_freed_memory
from modbound.models.tasks import Task, TrialSet

PARAM_NAMES: tuple[str, ...] = ("W_in", "W_rec", "b", "W_out", "b_out")
CHECKPOINT_FORMAT = "modbound-ctrnn-v1"
_METADATA_KEY = "modbound"


def _linear_init(generator: torch.Generator, n_in: int, n_out: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Weight [n_out, n_in] and bias [n_out] drawn exactly as ``nn.Linear.reset_parameters``."""
    weight = torch.empty(n_out, n_in)
    nn.init.kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
    bound = 1 / math.sqrt(n_in)
    bias = torch.empty(n_out).uniform_(-bound, bound, generator=generator)
    return weight, bias


def init_parameters(seed: int, n_input: int, n_hidden: int, n_output: int) -> dict[str, torch.Tensor]:
    """Initial parameters of one network (float32), see the module docstring."""
    generator = torch.Generator().manual_seed(seed)
    w_in, b_in = _linear_init(generator, n_input, n_hidden)
    w_rec, b_rec = _linear_init(generator, n_hidden, n_hidden)
    w_out, b_out = _linear_init(generator, n_hidden, n_output)
    return {"W_in": w_in, "W_rec": w_rec, "b": b_in + b_rec, "W_out": w_out, "b_out": b_out}


class CTRNNSequence(torch.autograd.Function):
    """A whole sequence through M CTRNNs, with hand-written backpropagation through time.

    Time-major shapes: x ``[T, M or 1, B, I]`` (1 = shared by all networks),
    W_in ``[M, H, I]``, b ``[M, H]``, W_rec ``[M, H, H]``, W_out ``[M, O, H]``,
    b_out ``[M, O]``, h0 ``[M, B, H]`` -> outputs ``[T, M, B, O]``, hidden
    ``[T, M, B, H]``.  With ``a = alpha`` and ``A = a W_rec + (1 - a) I`` the
    update of :meth:`CTRNNEnsemble.step` reads

        z_t = a (W_in x_t + b) + A h_{t-1},   h_t = relu(z_t),   y_t = W_out h_t + b_out

    and BPTT, with g_t = dL/dz_t, is

        g_t = [z_t > 0] (W_out^T dL/dy_t + dL/dh_t + A^T g_{t+1})
        dL/dA = sum_t g_t h_{t-1}^T,  dL/dW_rec = a dL/dA,  dL/dW_in = a sum_t g_t x_t^T,
        dL/db = a sum_t g_t,  dL/dW_out = sum_t dL/dy_t h_t^T,  dL/dh0 = A^T g_1.

    Why not autograd: it records ~10 nodes per step and allocates several
    [T, M, B, H] temporaries (40 MB for 100 networks) per update; here every
    step works on [M, B, H] slices that stay in cache and only ``hidden`` is
    stored, which about halves the time of an update of 100 networks on CPU
    (benchmarks/bench_rnn.py).  Checked against autograd in tests/test_rnn.py.
    """

    @staticmethod
    def forward(ctx, x, w_in, b, w_rec, w_out, b_out, h0, alpha):
        n_models = w_rec.shape[0]
        x_models = x.expand(-1, n_models, -1, -1).contiguous()  # per-step slices contiguous
        a_t = _leaky_recurrence(w_rec, alpha).transpose(1, 2)
        w_in_t, bias = (alpha * w_in).transpose(1, 2), (alpha * b)[:, None, :]
        w_out_t, bias_out = w_out.transpose(1, 2), b_out[:, None, :]
        hidden = h0.new_empty(x.shape[0], *h0.shape)
        outputs = h0.new_empty(x.shape[0], n_models, h0.shape[1], w_out.shape[1])
        h = h0
        for t in range(x.shape[0]):
            torch.baddbmm(bias, x_models[t], w_in_t, out=hidden[t])  # a (W_in x_t + b)
            h = hidden[t].baddbmm_(h, a_t).clamp_min_(0)  # relu(... + A h_{t-1})
            torch.baddbmm(bias_out, h, w_out_t, out=outputs[t])
        ctx.save_for_backward(x_models, w_in, w_rec, w_out, h0, hidden)
        ctx.alpha, ctx.shared_input = alpha, x.shape[1] == 1
        ctx.set_materialize_grads(False)
        return outputs, hidden

    @staticmethod
    def backward(ctx, grad_outputs, grad_hidden):
        x, w_in, w_rec, w_out, h0, hidden = ctx.saved_tensors
        alpha = ctx.alpha
        a = _leaky_recurrence(w_rec, alpha)
        grad_a, grad_w_out = torch.zeros_like(w_rec), torch.zeros_like(w_out)
        grad_w_in_t = w_in.new_zeros(w_in.shape[0], w_in.shape[2], w_in.shape[1])  # [M, I, H]: fast bmm
        grad_b = w_rec.new_zeros(w_rec.shape[:2])
        grad_x = torch.zeros_like(x) if ctx.needs_input_grad[0] else None
        grad_outputs, grad_hidden = (
            None if g is None else g.contiguous() for g in (grad_outputs, grad_hidden)
        )
        grad_h = torch.zeros_like(h0)  # dL/dh_t through z_{t+1}; always a fresh tensor we own
        for t in reversed(range(x.shape[0])):
            if grad_outputs is not None:
                grad_h.baddbmm_(grad_outputs[t], w_out)
                grad_w_out.baddbmm_(grad_outputs[t].transpose(1, 2), hidden[t])
            if grad_hidden is not None:
                grad_h.add_(grad_hidden[t])
            g = torch.ops.aten.threshold_backward(grad_h, hidden[t], 0)  # relu': [h_t > 0]
            grad_a.baddbmm_(g.transpose(1, 2), hidden[t - 1] if t > 0 else h0)
            grad_w_in_t.baddbmm_(x[t].transpose(1, 2), g)
            grad_b += g.sum(dim=1)
            if grad_x is not None:
                torch.bmm(g, alpha * w_in, out=grad_x[t])
            grad_h = torch.bmm(g, a)
        if grad_x is not None and ctx.shared_input:
            grad_x = grad_x.sum(dim=1, keepdim=True)
        grad_b_out = None if grad_outputs is None else grad_outputs.sum(dim=(0, 2))
        return (grad_x, alpha * grad_w_in_t.transpose(1, 2), alpha * grad_b, alpha * grad_a,
                grad_w_out, grad_b_out, grad_h, None)  # fmt: skip


def _leaky_recurrence(w_rec: torch.Tensor, alpha: float) -> torch.Tensor:
    """``A = alpha W_rec + (1 - alpha) I``: the leak folded into the recurrent weights."""
    eye = torch.eye(w_rec.shape[-1], dtype=w_rec.dtype, device=w_rec.device)
    return alpha * w_rec + (1 - alpha) * eye


def _shape_property(parameter: str, axis: int, doc: str) -> property:
    """Read-only property ``getattr(self, parameter).shape[axis]`` (an int)."""
    return property(lambda self: getattr(self, parameter).shape[axis], doc=doc)


class CTRNNEnsemble(nn.Module):
    """``n_models`` independent CTRNNs with parameters stacked along axis 0.

    Parameters: ``W_in [M, H, I]``, ``W_rec [M, H, H]``, ``b [M, H]``,
    ``W_out [M, O, H]``, ``b_out [M, O]``.  ``seeds[m]`` initialises network m.
    """

    def __init__(self, n_models: int, n_input: int, n_output: int, n_hidden: int = 64, tau: float = TAU,
                 dt: float = DT, *, seeds: Sequence[int]) -> None:
        super().__init__()
        if len(seeds) != n_models:
            raise ValueError(f"need one seed per model: {n_models} models, {len(seeds)} seeds")
        self.seeds = [int(s) for s in seeds]
        self.tau = float(tau)
        self.dt = float(dt)
        inits = [init_parameters(s, n_input, n_hidden, n_output) for s in self.seeds]
        for name in PARAM_NAMES:
            setattr(self, name, nn.Parameter(torch.stack([p[name] for p in inits])))

    @property
    def alpha(self) -> float:
        """Euler step dt / tau."""
        return defaults.alpha(self.dt, self.tau)

    n_models = _shape_property("W_rec", 0, "Number of networks M.")
    n_input = _shape_property("W_in", 2, "Input size I.")
    n_hidden = _shape_property("W_rec", 1, "Hidden size H.")
    n_output = _shape_property("W_out", 1, "Output size O.")

    def extra_repr(self) -> str:
        return (
            f"n_models={self.n_models}, n_input={self.n_input}, n_hidden={self.n_hidden}, "
            f"n_output={self.n_output}, tau={self.tau}, dt={self.dt}"
        )

    def input_drive(self, x: torch.Tensor) -> torch.Tensor:
        """``W_in x + b``: inputs ``[N, I]`` (shared) or ``[M, N, I]`` -> ``[M, N, H]``."""
        if x.dim() not in (2, 3):
            raise ValueError(f"input must be [N, I] or [M, N, I], got {tuple(x.shape)}")
        x = x.to(self.W_in.dtype)
        return torch.matmul(x, self.W_in.transpose(1, 2)) + self.b[:, None, :]

    def readout(self, h: torch.Tensor) -> torch.Tensor:
        """``W_out h + b_out``: hidden states ``[M, N, H]`` -> outputs ``[M, N, O]``."""
        return torch.baddbmm(self.b_out[:, None, :], h, self.W_out.transpose(1, 2))

    def step(self, h: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """One step from ``h [M, N, H]`` with input ``[N, I]`` (shared) or ``[M, N, I]``.

        Differentiable; for Jacobians, fixed-point searches and vector fields.
        """
        pre = torch.baddbmm(self.input_drive(x), h, self.W_rec.transpose(1, 2))
        return torch.relu(torch.lerp(h, pre, self.alpha))

    def forward(
        self, x: torch.Tensor, h0: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Run all networks over inputs ``[T, B, I]`` (shared) or ``[M, T, B, I]``.

        ``h0`` is ``[M, B, H]`` (zeros if None).  Returns
        ``(outputs [M, T, B, O], hidden [M, T, B, H])`` (views of time-major
        tensors).  Time-major layout keeps each step's slice contiguous.
        """
        if x.dim() not in (3, 4):
            raise ValueError(f"input must be [T, B, I] or [M, T, B, I], got {tuple(x.shape)}")
        x = x.to(self.W_in.dtype)
        time_major = x[:, None] if x.dim() == 3 else x.transpose(0, 1)  # [T, M or 1, B, I]
        if h0 is None:
            h0 = x.new_zeros(self.n_models, x.shape[-2], self.n_hidden)
        outputs, hidden = CTRNNSequence.apply(
            time_major, self.W_in, self.b, self.W_rec, self.W_out, self.b_out,
            h0.to(x.dtype), self.alpha,
        )  # fmt: skip
        return outputs.transpose(0, 1), hidden.transpose(0, 1)

    def select(self, indices: Sequence[int]) -> CTRNNEnsemble:
        """A new ensemble holding copies of the networks ``indices``."""
        indices = [int(i) for i in indices]
        weights = {name: getattr(self, name).detach()[indices] for name in PARAM_NAMES}
        return CTRNNEnsemble.from_weights(
            weights, seeds=[self.seeds[i] for i in indices], tau=self.tau, dt=self.dt
        )

    def single(self, m: int) -> CTRNNEnsemble:
        """A 1-network ensemble holding a copy of network ``m``."""
        return self.select([m])

    def weights(self, m: int) -> dict[str, np.ndarray]:
        """Network ``m``'s parameters as numpy arrays (copies), keyed by PARAM_NAMES."""
        return {name: getattr(self, name).detach()[m].cpu().numpy().copy() for name in PARAM_NAMES}

    @classmethod
    def from_weights(
        cls,
        weights: Mapping[str, torch.Tensor | np.ndarray],
        *,
        seeds: Sequence[int],
        tau: float = TAU,
        dt: float = DT,
    ) -> CTRNNEnsemble:
        """Build an ensemble from stacked weights ``{name: [M, ...]}`` (dtype kept)."""
        tensors = {name: torch.as_tensor(weights[name]) for name in PARAM_NAMES}
        n_models, n_hidden, n_input = tensors["W_in"].shape
        model = cls(
            n_models, n_input, tensors["W_out"].shape[1], n_hidden, tau, dt, seeds=seeds
        ).to(tensors["W_in"].dtype)
        with torch.no_grad():
            for name, value in tensors.items():
                getattr(model, name).copy_(value)
        return model


# --------------------------------------------------------------------------- training


@dataclass(frozen=True)
class TrainHistory:
    """Result of :func:`train_ensemble`.

    ``loss[m, k]`` is network m's mean cross-entropy on training batch k;
    ``seconds`` is the wall time of data assembly and updates (callbacks excluded).
    """

    loss: np.ndarray
    data_seeds: tuple[int, ...]
    n_steps: int
    batch_size: int
    seq_len: int
    lr: float
    seconds: float

    def final_loss(self, window: int = 100) -> np.ndarray:
        """Per-network mean loss over the last ``window`` steps ``[M]``."""
        return self.loss[:, -window:].mean(axis=1)

    def per_model_metadata(self) -> list[dict]:
        """Training facts of each network, ready for :func:`save_ensemble`."""
        final = self.final_loss()
        return [
            {
                "data_seed": seed,
                "n_steps": self.n_steps,
                "batch_size": self.batch_size,
                "seq_len": self.seq_len,
                "lr": self.lr,
                "final_loss": float(final[m]),
            }
            for m, seed in enumerate(self.data_seeds)
        ]


def ensemble_loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Per-network mean cross-entropy over all steps: outputs ``[M, T, B, O]``,
    integer targets ``[M, T, B]`` -> ``[M]``."""
    n_models, n_output = outputs.shape[0], outputs.shape[-1]
    ce = F.cross_entropy(outputs.reshape(-1, n_output), targets.reshape(-1), reduction="none")
    return ce.reshape(n_models, -1).mean(dim=1)


def next_batch(streams, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack one batch from each network's stream: x ``[M, T, B, I]``, y ``[M, T, B]``."""
    xs, ys = zip(*(next(stream) for stream in streams))
    return torch.from_numpy(np.stack(xs)).to(dtype), torch.from_numpy(np.stack(ys))


def train_ensemble(
    model: CTRNNEnsemble,
    task: Task,
    *,
    n_steps: int,
    batch_size: int = 16,
    seq_len: int = 100,
    lr: float = 0.01,
    data_seeds: Sequence[int],
    progress: bool = True,
    callback: Callable[[int, CTRNNEnsemble], None] | None = None,
    device: str | torch.device | None = None,
    reuse_memory: bool = True,
) -> TrainHistory:
    """Train every network of ``model`` in place with Adam on its own data stream.

    Network m sees ``task.batches(n_steps, batch_size, seq_len, seed=data_seeds[m])``.
    The minimised loss is the sum of the networks' mean cross-entropies, so
    gradients and (elementwise) Adam updates of different networks never mix.
    ``callback(k, model)``, if given, runs after the k-th update (k = 1..n_steps),
    e.g. to evaluate learning curves; its time is excluded from ``seconds``.

    ``device`` (config ``device``; None = cpu, :mod:`modbound.core.device`): where the updates run. The data are
    drawn on the CPU as always and copied over each step; ``model`` is moved there for training (``callback``
    sees it there) and back to the CPU at the end, also when training fails.

    ``reuse_memory``: the updates run inside :func:`modbound.core.memory.reuse_freed_memory` (each update's large
    buffers reuse the last one's pages; same results, faster on CPU); False leaves the allocator alone.
    """
    if len(data_seeds) != model.n_models:
        raise ValueError(f"need one data seed per model: {model.n_models} models, {len(data_seeds)} seeds")
    dev = device_mod.resolve(device, "train_ensemble: device")
    streams = [task.batches(n_steps, batch_size, seq_len, seed=s) for s in data_seeds]
    losses = np.empty((model.n_models, n_steps))
    seconds = 0.0
    model.to(dev)
    try:
        with reuse_freed_memory(reuse_memory):
            optimizer = torch.optim.Adam(model.parameters(), lr=lr)
            for k in tqdm(range(n_steps), desc=f"train {model.n_models} RNNs", disable=not progress):
                start = time.perf_counter()
                x, y = (t.to(dev) for t in next_batch(streams, model.W_in.dtype))
                outputs, _ = model(x)
                per_model = ensemble_loss(outputs, y)
                optimizer.zero_grad(set_to_none=True)
                per_model.sum().backward()
                optimizer.step()
                losses[:, k] = per_model.detach().cpu().numpy()
                seconds += time.perf_counter() - start
                if callback is not None:
                    callback(k + 1, model)
    finally:
        model.to("cpu")
    return TrainHistory(
        loss=losses,
        data_seeds=tuple(int(s) for s in data_seeds),
        n_steps=n_steps,
        batch_size=batch_size,
        seq_len=seq_len,
        lr=lr,
        seconds=seconds,
    )


# ------------------------------------------------------------------------- evaluation


@torch.no_grad()
def record_activity(model: CTRNNEnsemble, trials: TrialSet) -> tuple[np.ndarray, np.ndarray]:
    """Run the concatenated trials as one continuous sequence from h_0 = 0.

    Returns ``(hidden [M, T_total, H], outputs [M, T_total, O])`` as numpy.
    """
    x = torch.from_numpy(trials.x)[:, None, :]  # [T, 1, I], shared by all networks
    outputs, hidden = model(x)
    return hidden[:, :, 0].cpu().numpy(), outputs[:, :, 0].cpu().numpy()


def decision_accuracy(outputs: np.ndarray, trials: TrialSet) -> dict[str, np.ndarray]:
    """Score outputs ``[M, T_total, O]`` recorded on ``trials``.

    A network's choice in a trial is the argmax over all output units
    (fixation included) at the trial's last decision-period step (as in the
    gyyang tutorial); it is correct when it equals ``trials.ground_truth``.
    Returns ``choice`` and ``correct`` ``[M, n_trials]`` and ``accuracy`` ``[M]``.
    """
    choice = np.asarray(outputs)[:, trials.last_decision_step].argmax(axis=-1)
    correct = choice == trials.ground_truth
    return {"choice": choice, "correct": correct, "accuracy": correct.mean(axis=1)}


def evaluate(model: CTRNNEnsemble, trials: TrialSet) -> dict[str, np.ndarray]:
    """Decision accuracy of every network on ``trials`` (see :func:`decision_accuracy`),
    run as one continuous sequence (see :func:`record_activity`)."""
    _, outputs = record_activity(model, trials)
    return decision_accuracy(outputs, trials)


# ------------------------------------------------------------------------ checkpoints


def _json_ready(value):
    """JSON default: numpy scalars and arrays as Python numbers and lists."""
    if isinstance(value, np.generic | np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _model_paths(model: CTRNNEnsemble, destination: str | Path | Sequence[str | Path]) -> list[Path]:
    """One checkpoint path per network: ``destination/model_XXX.safetensors`` or the given list."""
    if isinstance(destination, str | Path):
        directory = Path(destination)
        directory.mkdir(parents=True, exist_ok=True)
        return [directory / f"model_{m:03d}.safetensors" for m in range(model.n_models)]
    paths = [Path(p) for p in destination]
    if len(paths) != model.n_models:
        raise ValueError(f"{model.n_models} models but {len(paths)} paths")
    return paths


def save_ensemble(
    model: CTRNNEnsemble,
    destination: str | Path | Sequence[str | Path],
    metadata: Mapping | None = None,
    per_model: Sequence[Mapping] | None = None,
) -> list[Path]:
    """Write one ``.safetensors`` file per network (no pickle).

    ``destination`` is a directory (files ``model_000.safetensors``, ...) or one
    path per network.  Each file's header holds JSON metadata: the shared
    ``metadata`` (e.g. task), the network's ``per_model`` entry (e.g.
    ``TrainHistory.per_model_metadata()`` plus accuracy), then the
    architecture (format, modbound version, seed, sizes, tau, dt), which wins
    on key clashes.  Returns the paths written.
    """
    paths = _model_paths(model, destination)
    if per_model is not None and len(per_model) != model.n_models:
        raise ValueError(f"{model.n_models} models but {len(per_model)} per-model metadata entries")
    for m, path in enumerate(paths):
        info = {
            **(metadata or {}),
            **(per_model[m] if per_model is not None else {}),
            "format": CHECKPOINT_FORMAT,
            "modbound_version": __version__,
            "seed": model.seeds[m],
            "n_input": model.n_input,
            "n_hidden": model.n_hidden,
            "n_output": model.n_output,
            "tau": model.tau,
            "dt": model.dt,
        }
        tensors = {name: torch.from_numpy(array) for name, array in model.weights(m).items()}
        header = {_METADATA_KEY: json.dumps(info, default=_json_ready)}
        # atomically, with the umask's permissions (safetensors alone writes 0600 whatever the umask)
        with atomic_path(path) as tmp:
            safetensors.torch.save_file(tensors, str(tmp), metadata=header)
    return paths


def _checkpoint_paths(paths: str | Path | Sequence[str | Path]) -> list[Path]:
    """Checkpoint files: the ``model_*.safetensors`` of a directory (sorted) or the given list."""
    if isinstance(paths, str | Path):
        directory = Path(paths)
        found = sorted(directory.glob("model_*.safetensors"))
        if not found:
            raise ValueError(f"{directory}: no model_*.safetensors checkpoints")
        return found
    found = [Path(p) for p in paths]
    if not found:
        raise ValueError("no checkpoint paths given")
    return found


def _expected_shapes(info: Mapping) -> dict[str, tuple[int, ...]]:
    n_in, n_h, n_out = info["n_input"], info["n_hidden"], info["n_output"]
    return {"W_in": (n_h, n_in), "W_rec": (n_h, n_h), "b": (n_h,), "W_out": (n_out, n_h), "b_out": (n_out,)}


def _read_checkpoint(path: Path, allow_nonfinite: bool = False) -> tuple[dict, dict[str, torch.Tensor]]:
    """Metadata and tensors of one file; ``ValueError`` naming the file if unusable."""
    try:
        with safetensors.safe_open(str(path), framework="pt") as handle:
            header = handle.metadata() or {}
            tensors = {name: handle.get_tensor(name) for name in handle.keys()}
        info = json.loads(header[_METADATA_KEY])
    except (OSError, safetensors.SafetensorError, KeyError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: not a readable modbound checkpoint ({error!r})") from error
    if info.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path}: format {info.get('format')!r}, expected {CHECKPOINT_FORMAT!r}")
    if set(tensors) != set(PARAM_NAMES):
        raise ValueError(f"{path}: tensors {sorted(tensors)}, expected {sorted(PARAM_NAMES)}")
    for name, shape in _expected_shapes(info).items():
        if tuple(tensors[name].shape) != shape:
            raise ValueError(f"{path}: {name} has shape {tuple(tensors[name].shape)}, expected {shape}")
        if not allow_nonfinite and not torch.isfinite(tensors[name]).all():
            raise ValueError(f"{path}: {name} has non-finite values")
    return info, tensors


def diverged_models(model: CTRNNEnsemble) -> list[int]:
    """Networks of ``model`` with a non-finite parameter (their training diverged)."""
    with torch.no_grad():
        return [m for m in range(model.n_models)
                if not all(torch.isfinite(getattr(model, name)[m]).all() for name in PARAM_NAMES)]


def load_ensemble(paths: str | Path | Sequence[str | Path], diverged: Sequence[int] = ()) -> CTRNNEnsemble:
    """Load checkpoints written by :func:`save_ensemble` into one ensemble.

    ``paths`` is a directory (its ``model_*.safetensors``, sorted) or a list
    of files (network order = list order).  Raises ``ValueError`` naming the
    file when one is corrupt, has wrong shapes, has non-finite values (unless
    its network is listed in ``diverged``: its training blew up, see
    :func:`diverged_models`), or disagrees with the first file on architecture
    (sizes, tau, dt, dtype).
    """
    files = _checkpoint_paths(paths)
    read = [_read_checkpoint(path, allow_nonfinite=i in set(diverged)) for i, path in enumerate(files)]
    first_info, first_tensors = read[0]
    architecture = ("n_input", "n_hidden", "n_output", "tau", "dt")
    for path, (info, tensors) in zip(files, read):
        for key in architecture:
            if info[key] != first_info[key]:
                raise ValueError(f"{path}: {key}={info[key]} differs from {files[0]} ({first_info[key]})")
        if tensors["W_rec"].dtype != first_tensors["W_rec"].dtype:
            raise ValueError(f"{path}: dtype {tensors['W_rec'].dtype} differs from {files[0]}")
    weights = {name: torch.stack([tensors[name] for _, tensors in read]) for name in PARAM_NAMES}
    return CTRNNEnsemble.from_weights(
        weights, seeds=[info["seed"] for info, _ in read], tau=first_info["tau"], dt=first_info["dt"]
    )
