"""Training vs the CPU's code paths: train one small PDM ensemble under several settings of torch's
vectorised kernels (ATEN_CPU_CAPABILITY) and MKL's code branch (MKL_CBWR), each in a fresh process, and report the
CPU time and a sha256 of the trained weights.

    python benchmarks/bench_cpu_capability.py --models 20 --steps 300 --repeats 2

Same sha256 under two settings: the setting does not change the trained networks here. Another sha256: results
depend on that code path, so two machines that pick different paths by default (AVX512 vs AVX2) train other
networks. One torch thread, as the workflow's jobs run (config threads: 1). Writes benchmarks/out/cpu_capability.json
and prints a Markdown table. The machine may be shared: CPU seconds are compared, not wall seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out" / "cpu_capability.json"
SETTINGS = {  # name -> environment for the training process (None: unset)
    "machine default": {"ATEN_CPU_CAPABILITY": None, "MKL_CBWR": None},
    "aten avx2 only": {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": None},
    "mkl AVX2 only": {"ATEN_CPU_CAPABILITY": None, "MKL_CBWR": "AVX2"},
    "avx2 (aten + mkl)": {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "AVX2"},
    "default (aten) + COMPATIBLE (mkl)": {"ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE"},
}

CHILD = r"""
import hashlib, json, resource, sys, time
import torch
torch.set_num_threads(1)
from modbound import ensembles, rnn
n_models, n_steps = int(sys.argv[1]), int(sys.argv[2])
cfg = {"n_hidden": 64, "tau": 100.0, "dt": 100.0, "lr": 0.01, "batch_size": 16, "seq_len": 100}
spec = {"task": "pdm", "n_models": n_models, "n_steps": n_steps}
seeds = ensembles.ensemble_seeds(0, "pdm", n_models)
task = ensembles.make_ensemble_task(spec, {}, cfg, seeds["task"])
model, s = ensembles.init_model("pdm", spec, rnn_cfg=cfg, master_seed=0, n_input=task.n_input, n_output=task.n_output)
t0, c0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF).ru_utime
rnn.train_ensemble(model, task, n_steps=n_steps, batch_size=16, seq_len=100, lr=0.01, data_seeds=s["data"],
                   progress=False)
c1, t1 = resource.getrusage(resource.RUSAGE_SELF).ru_utime, time.perf_counter()
h = hashlib.sha256()
for m in range(n_models):
    for name, w in sorted(model.weights(m).items()):
        h.update(w.tobytes())
print(json.dumps({"cpu_s": c1 - c0, "wall_s": t1 - t0, "sha256": h.hexdigest(),
                  "capability": torch.backends.cpu.get_cpu_capability()}))
"""


def run(env_changes: dict, n_models: int, n_steps: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in env_changes}
    env.update({k: v for k, v in env_changes.items() if v is not None})
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", CHILD, str(n_models), str(n_steps)], env=env, capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=int, default=20)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=2, help="runs per setting, alternating (the lowest CPU time is kept)")
    args = ap.parse_args()
    results = {name: [] for name in SETTINGS}
    for _ in range(args.repeats):
        for name, changes in SETTINGS.items():
            results[name].append(run(changes, args.models, args.steps))
    import torch, numpy  # noqa: E401  versions only
    doc = {"models": args.models, "steps": args.steps, "torch": torch.__version__, "numpy": numpy.__version__,
           "machine": platform.processor() or platform.machine(), "settings": {}}
    base = min(r["cpu_s"] for r in results["machine default"])
    print(f"{args.models} PDM networks x {args.steps} updates, 1 thread, best of {args.repeats}\n")
    print("| setting | capability | CPU s | vs default | weights sha256 (first 12) |\n|---|---|---|---|---|")
    for name, runs in results.items():
        best = min(r["cpu_s"] for r in runs)
        shas = sorted({r["sha256"] for r in runs})
        doc["settings"][name] = {"env": SETTINGS[name], "capability": runs[0]["capability"], "cpu_s": best,
                                 "cpu_s_all": [r["cpu_s"] for r in runs], "sha256": shas}
        print(f"| {name} | {runs[0]['capability']} | {best:.1f} | {best / base:.2f}x | "
              f"{', '.join(s[:12] for s in shas)} |")
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()
