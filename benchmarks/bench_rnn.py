"""Benchmark CTRNN training: batched ensemble vs a per-model Python loop, and a full run.

    python benchmarks/bench_rnn.py --models 100 --steps 2000

Measures, on ``--threads`` CPU threads (default 2), with torch's and MKL's code path ``--code-path`` (default: the
one the workflow's jobs use, config.yaml's ``cpu_code_path``; the command starts itself again with it set):

1. data: building each network's trial pool, and assembling one step's batches for all networks;
2. speed: seconds per training update of the whole ensemble (inside ``reuse_freed_memory``, as
   ``train_ensemble`` runs them, and with malloc's defaults) vs the same updates done network by
   network in a Python loop (``--loop-models`` networks x ``--speed-steps`` updates, extrapolated
   linearly to ``--models``), on identical pre-generated data.  Two loops: 1-network
   ``CTRNNEnsemble`` objects (same code), and a per-step ``nn.Linear`` CTRNN trained by autograd
   (the usual single-model design of the gyyang tutorial);
3. scaling: seconds per ensemble update for the ensemble sizes in ``--scaling``;
   parts: where one ensemble update's time goes (batch assembly, forward, loss, backward, Adam), beside the
   time of the recurrent products alone (what no reordering of the same float32 arithmetic can avoid);
4. full run: ``train_ensemble`` of ``--models`` networks for ``--steps`` updates, with decision
   accuracy on ``--eval-trials`` test trials after each step in ``--eval-at`` (``--steps 0``
   skips it; a shorter run's time is extrapolated to 2000 steps).

Writes ``benchmarks/out/rnn.json`` and prints a Markdown table.  The machine may be shared:
the 1-minute load average is recorded before and after each phase.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from modbound import __version__
from modbound.core import seeding
from modbound.core.io import load_config
from torch import nn

from modbound.core.memory import reuse_freed_memory
from modbound.models.rnn import CTRNNEnsemble, ensemble_loss, evaluate, next_batch, train_ensemble
from modbound.models.tasks import make_task

OUT = Path(__file__).resolve().parent / "out" / "rnn.json"
CONFIG = Path(__file__).resolve().parents[1] / "config.yaml"  # its cpu_code_path: the jobs' code path
PAPER_STEPS = 2000


class PerStepCTRNN(nn.Module):
    """One CTRNN built from ``nn.Linear`` layers and stepped with autograd (loop baseline)."""

    def __init__(self, n_input: int, n_output: int, n_hidden: int = 64, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = alpha
        self.input2h = nn.Linear(n_input, n_hidden)
        self.h2h = nn.Linear(n_hidden, n_hidden)
        self.fc = nn.Linear(n_hidden, n_output)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Inputs ``[T, B, I]`` -> outputs ``[1, T, B, O]`` (the ensemble's layout, M = 1)."""
        h = x.new_zeros(x.shape[1], self.h2h.in_features)
        states = []
        for x_t in x:
            h = torch.relu((1 - self.alpha) * h + self.alpha * (self.input2h(x_t) + self.h2h(h)))
            states.append(h)
        return self.fc(torch.stack(states))[None]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--steps", type=int, default=2000, help="updates of the full run (0: skip it)")
    parser.add_argument("--task", default="pdm", choices=["pdm", "gng", "multitask"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--code-path", default=load_config(CONFIG)["cpu_code_path"],
                        choices=sorted(seeding.CPU_CODE_PATHS),
                        help="torch's and MKL's CPU code path (default: config.yaml's cpu_code_path, as the jobs)")
    parser.add_argument("--speed-steps", type=int, default=20, help="timed updates per speed measurement")
    parser.add_argument("--loop-models", type=int, default=10, help="networks timed in the per-model loop")
    parser.add_argument("--scaling", type=int, nargs="*", default=[1, 10, 20, 50])
    parser.add_argument("--eval-at", type=int, nargs="*", default=[500, 1000, 2000])
    parser.add_argument("--eval-trials", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=OUT)
    return parser.parse_args()


def time_data(task, n_models: int, n_steps: int) -> dict:
    """Pool build time per network and batch-assembly time per update for all networks."""
    streams = [task.batches(n_steps + 1, seed=s) for s in range(n_models)]
    start = time.perf_counter()
    for stream in streams:
        next(stream)
    pools = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(n_steps):
        np.stack([next(stream)[0] for stream in streams])
    return {"pool_s_per_model": pools / n_models, "batch_s_per_step": (time.perf_counter() - start) / n_steps}


def pregenerate(task, n_models: int, n_steps: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``n_steps`` batches for every network, stacked per step: x [M, T, B, I], y [M, T, B]."""
    streams = [task.batches(n_steps, seed=s) for s in range(n_models)]
    batches = []
    for _ in range(n_steps):
        xs, ys = zip(*(next(stream) for stream in streams))
        batches.append((torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys))))
    return batches


def seconds_per_update(model: nn.Module, batches, run=lambda model, x: model(x)[0]) -> float:
    """Median wall time of one Adam update over ``batches`` (after one warm-up update);
    ``run(model, x)`` gives outputs [M, T, B, O].  The median resists other processes' bursts."""
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

    def update(x, y):
        loss = ensemble_loss(run(model, x), y).sum()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    update(*batches[0])
    times = []
    for x, y in batches[1:]:
        start = time.perf_counter()
        update(x, y)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def time_speed(task, args) -> dict:
    """Ensemble update vs the same updates network by network, on the same data."""
    batches = pregenerate(task, args.models, args.speed_steps + 1)
    ensemble = CTRNNEnsemble(args.models, task.n_input, task.n_output, seeds=range(args.models))
    default_allocator_s = seconds_per_update(ensemble, batches)  # malloc as it is: fresh pages every update
    ensemble = CTRNNEnsemble(args.models, task.n_input, task.n_output, seeds=range(args.models))
    with reuse_freed_memory():  # as train_ensemble runs its updates
        ensemble_s = seconds_per_update(ensemble, batches)
    loop_s = {"single_ensemble": 0.0, "per_step_module": 0.0}
    for m in range(args.loop_models):
        own = [(x[m : m + 1], y[m : m + 1]) for x, y in batches]
        single = CTRNNEnsemble(1, task.n_input, task.n_output, seeds=[m])
        loop_s["single_ensemble"] += seconds_per_update(single, own)
        torch.manual_seed(m)
        module = PerStepCTRNN(task.n_input, task.n_output)
        loop_s["per_step_module"] += seconds_per_update(module, own, run=lambda model, x: model(x[0]))
    result = {"ensemble_s_per_update": ensemble_s, "ensemble_s_per_update_default_allocator": default_allocator_s}
    for name, total in loop_s.items():
        per_model = total / args.loop_models
        result[f"loop_{name}_s_per_model_update"] = per_model
        result[f"speedup_vs_loop_{name}"] = per_model * args.models / ensemble_s
    return result


def time_scaling(task, args) -> dict:
    """Seconds per ensemble update for each ensemble size."""
    result = {}
    for n_models in args.scaling:
        batches = pregenerate(task, n_models, args.speed_steps + 1)
        model = CTRNNEnsemble(n_models, task.n_input, task.n_output, seeds=range(n_models))
        result[str(n_models)] = seconds_per_update(model, batches)
    return result


def full_run(task, args, pool_s_per_model: float) -> dict:
    """Train ``--models`` networks for ``--steps`` updates; accuracy at ``--eval-at``."""
    test = task.trials(args.eval_trials, seed=10_000 + args.seed)
    accuracy = {}

    def record(step, model):
        if step in args.eval_at or step == args.steps:
            accuracy[step] = evaluate(model, test)["accuracy"]

    model = CTRNNEnsemble(args.models, task.n_input, task.n_output, seeds=range(args.models))
    start = time.perf_counter()
    history = train_ensemble(
        model, task, n_steps=args.steps, data_seeds=range(1000, 1000 + args.models), callback=record
    )
    wall = time.perf_counter() - start
    pools = pool_s_per_model * args.models  # paid once, in the first update
    return {
        "train_s": history.seconds,
        "wall_s_with_eval": wall,
        "train_s_extrapolated_to_2000": pools + (history.seconds - pools) * PAPER_STEPS / args.steps,
        "final_loss_mean": float(history.final_loss().mean()),
        "accuracy": {
            str(step): {
                "mean": float(acc.mean()),
                "median": float(np.median(acc)),
                "min": float(acc.min()),
                "max": float(acc.max()),
                "fraction_ge_0.8": float((acc >= 0.8).mean()),
                "per_model": acc.round(4).tolist(),
            }
            for step, acc in sorted(accuracy.items())
        },
    }


def time_parts(task, args) -> dict:
    """Median seconds of each part of an ensemble update (as ``train_ensemble`` runs it, batch assembly from the
    networks' own streams included) and of its recurrent products alone: ``T`` forward ``[B, H] x [H, H]``
    products per network and two in the backward pass (``g_t A`` and the ``dL/dA`` accumulation)."""
    streams = [task.batches(args.speed_steps + 1, seed=s) for s in range(args.models)]
    model = CTRNNEnsemble(args.models, task.n_input, task.n_output, seeds=range(args.models))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    parts = {name: [] for name in ("batch", "forward", "loss", "backward", "adam")}
    with reuse_freed_memory():
        for k in range(args.speed_steps + 1):
            clock = [time.perf_counter()]
            x, y = next_batch(streams, torch.float32)
            clock.append(time.perf_counter())
            outputs, _ = model(x)
            clock.append(time.perf_counter())
            loss = ensemble_loss(outputs, y).sum()
            clock.append(time.perf_counter())
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            clock.append(time.perf_counter())
            optimizer.step()
            clock.append(time.perf_counter())
            if k:  # the first update warms up
                for name, a, b in zip(parts, clock, clock[1:]):
                    parts[name].append(b - a)
        seq_len, batch = x.shape[1], x.shape[2]
        h = torch.zeros(args.models, batch, model.n_hidden)
        a = model.W_rec.detach().transpose(1, 2).contiguous()
        products = []
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(seq_len):
                torch.bmm(h, a)
            products.append(time.perf_counter() - start)
    result = {f"{name}_s": float(np.median(t)) for name, t in parts.items()}
    one_pass = float(np.median(products))
    flops = 2 * args.models * batch * model.n_hidden ** 2 * seq_len
    result.update(recurrent_products_s=3 * one_pass, recurrent_gflops_per_s=flops / one_pass / 1e9)
    return result


def timed_phase(result: dict, name: str, function, *args):
    """Run one benchmark phase, recording the 1-minute load average around it."""
    before = os.getloadavg()[0]
    value = function(*args)
    result["load_average"][name] = {"before": before, "after": os.getloadavg()[0]}
    return value


LOOPS = {"single_ensemble": "1-network CTRNNEnsemble", "per_step_module": "per-step nn.Linear CTRNN"}


def markdown(result: dict) -> str:
    """The headline numbers as a Markdown table."""
    n, speed, data = result["args"]["models"], result["speed"], result["data"]
    rows = [
        ("pool build per network", f"{data['pool_s_per_model']:.3f} s"),
        (f"batch assembly per update ({n} networks)", f"{data['batch_s_per_step'] * 1e3:.1f} ms"),
        (f"ensemble update ({n} networks)", f"{speed['ensemble_s_per_update'] * 1e3:.1f} ms"),
        (f"ensemble update ({n} networks), malloc's default (no reuse_freed_memory)",
         f"{speed['ensemble_s_per_update_default_allocator'] * 1e3:.1f} ms"),
    ]
    for name, label in LOOPS.items():
        per_model = speed[f"loop_{name}_s_per_model_update"]
        rows.append((f"loop update, {label} (1 network)", f"{per_model * 1e3:.1f} ms"))
        rows.append((f"speed-up ensemble vs loop of {label}", f"{speed[f'speedup_vs_loop_{name}']:.1f}x"))
    rows += [(f"ensemble update ({m} networks)", f"{s * 1e3:.1f} ms") for m, s in result["scaling"].items()]
    parts = result["parts"]
    rows.append((f"update parts ({n} networks): batch / forward / loss / backward / Adam",
                 " / ".join(f"{parts[f'{k}_s'] * 1e3:.1f}" for k in ("batch", "forward", "loss", "backward", "adam"))
                 + " ms"))
    rows.append(("its recurrent products alone (3 per step and network)",
                 f"{parts['recurrent_products_s'] * 1e3:.1f} ms ({parts['recurrent_gflops_per_s']:.0f} GFLOP/s)"))
    if "full_run" in result:
        run, steps = result["full_run"], result["args"]["steps"]
        rows.append((f"train {n} x {steps} updates", f"{run['train_s']:.0f} s"))
        rows.append((f"train {n} x 2000 updates (extrapolated)", f"{run['train_s_extrapolated_to_2000']:.0f} s"))
        for step, acc in run["accuracy"].items():
            summary = f"{acc['mean']:.3f} / {acc['min']:.3f} / {acc['fraction_ge_0.8']:.2f}"
            rows.append((f"accuracy after {step} updates (mean / min / share >= 0.8)", summary))
    loads = ", ".join(f"{k} {v['before']:.1f}-{v['after']:.1f}" for k, v in result["load_average"].items())
    rows.append(("1-min load average (before-after)", loads))
    return "\n".join(["| measure | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows])


def main() -> None:
    args = parse_args()
    seeding.restart_with_cpu_code_path(args.code_path)
    torch.set_num_threads(args.threads)
    task = make_task(args.task, seed=args.seed)
    result = {
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "environment": {
            "modbound": __version__,
            "torch": torch.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
            "machine": platform.machine(),
            "torch_threads": torch.get_num_threads(),
            "cpu_code_path": args.code_path,
            "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "cpu_count": os.cpu_count(),
        },
        "load_average": {},
    }
    result["data"] = timed_phase(result, "data", time_data, task, args.models, args.speed_steps)
    result["speed"] = timed_phase(result, "speed", time_speed, task, args)
    result["scaling"] = timed_phase(result, "scaling", time_scaling, task, args)
    result["parts"] = timed_phase(result, "parts", time_parts, task, args)
    print(markdown(result), flush=True)
    if args.steps > 0:
        pool_s = result["data"]["pool_s_per_model"]
        result["full_run"] = timed_phase(result, "full_run", full_run, task, args, pool_s)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(markdown(result))
    print(f"\nwritten {args.out}")


if __name__ == "__main__":
    main()
