"""Benchmark modbound.core.modularity.louvain against bctpy's community_louvain.

    python benchmarks/bench_louvain.py --sizes 2000 8000 --runs 5 [--big]

For each size N, a dense correlation matrix of realistic structure is built:
the correlation of T = 1000 time points of a factor model (one global
factor, 12 module factors each loading on its own block of nodes, 3 factors
with random-signed loadings) plus heteroscedastic noise.  Both
implementations then run the same number of restarts (``--runs``) with
``B='negative_asym'``, gamma = 1, and we record CPU and wall time, the best
Q (recomputed by ``modbound.core.modularity.modularity``) and the peak RSS.  The
speed-up is the ratio of CPU times (both implementations are
single-threaded here), which is robust to other jobs sharing the machine;
wall times are reported too.  Each
measurement runs in its own subprocess, so peak RSS is per method (it
includes the matrix itself).

bctpy needs ~8 dense N x N float64 arrays; if its runs would exceed
``--bct-budget`` seconds, only enough runs to fill the budget (at least one)
are timed and the total is extrapolated linearly to ``--runs`` (flagged
``extrapolated`` in the output); its best Q is then the best of the runs
actually made.

``--big`` adds the N = 29,696 float32 case for modbound only (bctpy would
need ~65 GB): the matrix is built in float32 blockwise and never copied.

Writes ``benchmarks/out/louvain.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "out" / "louvain.json"
BIG_N = 29_696
T_POINTS = 1000
N_MODULES = 12
BLOCK = 2048


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[2000, 8000])
    parser.add_argument("--runs", type=int, default=5, help="Louvain restarts per method")
    parser.add_argument("--big", action="store_true", help=f"also run N={BIG_N} float32 (ours only)")
    parser.add_argument("--big-runs", type=int, default=2, help="restarts for the --big case")
    parser.add_argument("--bct-budget", type=float, default=300.0,
                        help="seconds of bctpy runs per size before extrapolating")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--worker", choices=["ours", "bctpy"], help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--dtype", default="float64", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# ---------------------------------------------------------------- matrices

def factor_series(n: int, seed: int) -> np.ndarray:
    """(T, n) float32 factor-model time series with unit-norm, zero-mean columns."""
    rng = np.random.default_rng(seed)
    module = np.arange(n) * N_MODULES // n
    loadings = np.zeros((1 + N_MODULES + 3, n), dtype=np.float32)
    loadings[0] = 0.4 * rng.random(n)
    loadings[1 + module, np.arange(n)] = 0.4 + 0.6 * rng.random(n)
    loadings[1 + N_MODULES:] = 0.4 * rng.standard_normal((3, n))
    factors = rng.standard_normal((T_POINTS, loadings.shape[0]), dtype=np.float32)
    X = factors @ loadings
    X += (1.0 + rng.random(n, dtype=np.float32)) * rng.standard_normal((T_POINTS, n), dtype=np.float32)
    X -= X.mean(axis=0)
    X /= np.linalg.norm(X, axis=0)
    return X


def correlation_matrix(n: int, seed: int, dtype) -> np.ndarray:
    """Exactly symmetric n x n correlation matrix, built block by block in ``dtype``."""
    X = factor_series(n, seed).astype(dtype, copy=False)
    C = np.empty((n, n), dtype=dtype)
    for i0 in range(0, n, BLOCK):
        i1 = min(i0 + BLOCK, n)
        for j0 in range(0, i0 + 1, BLOCK):
            j1 = min(j0 + BLOCK, n)
            blk = X[:, i0:i1].T @ X[:, j0:j1]
            if i0 == j0:
                blk = (blk + blk.T) / 2
            C[i0:i1, j0:j1] = blk
            C[j0:j1, i0:i1] = blk.T
    return C


# ---------------------------------------------------------------- workers

def peak_rss_gib() -> float:
    """Peak resident memory of this process (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def timed(func, *args, **kwargs):
    """Call ``func``; return (result, wall seconds, CPU seconds of this process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = func(*args, **kwargs)
    return out, time.perf_counter() - wall, time.process_time() - cpu


def work_ours(C: np.ndarray, runs: int, seed: int) -> dict:
    from modbound.core.modularity import louvain

    louvain(C[:64, :64].copy(), n_runs=1)  # numba compile / cache load, not timed
    res, wall, cpu = timed(louvain, C, n_runs=runs, seed=seed)
    return {"runs_timed": runs, "wall_seconds": wall, "cpu_seconds": cpu, "extrapolated": False,
            "best_q": res.q, "q_runs": res.q_runs.tolist(),
            "n_modules": int(res.partition.max() + 1)}


def work_bctpy(C: np.ndarray, runs: int, seed: int, budget: float) -> dict:
    import bct

    from modbound.core.modularity import modularity

    walls, cpus, qs, parts = [], [], [], []
    for r in range(runs):
        (ci, _), wall, cpu = timed(bct.community_louvain, C, B="negative_asym", seed=seed + r)
        walls.append(wall)
        cpus.append(cpu)
        qs.append(modularity(C, ci))
        parts.append(ci)
        if sum(walls) + np.mean(walls) > budget:
            break
    best = int(np.argmax(qs))
    return {"runs_timed": len(walls), "wall_seconds": float(np.mean(walls) * runs),
            "cpu_seconds": float(np.mean(cpus) * runs), "extrapolated": len(walls) < runs,
            "wall_seconds_per_run": walls, "cpu_seconds_per_run": cpus,
            "best_q": qs[best], "q_runs": qs, "n_modules": int(np.unique(parts[best]).size)}


def worker(args: argparse.Namespace) -> None:
    start = time.perf_counter()
    C = correlation_matrix(args.n, args.seed, np.dtype(args.dtype))
    build = time.perf_counter() - start
    if args.worker == "ours":
        out = work_ours(C, args.runs, args.seed)
    else:
        out = work_bctpy(C, args.runs, args.seed, args.bct_budget)
    out.update(method=args.worker, n=args.n, dtype=args.dtype, runs=args.runs,
               build_seconds=build, matrix_gib=C.nbytes / 2**30, peak_rss_gib=peak_rss_gib())
    print(json.dumps(out))


def run_worker(method: str, n: int, dtype: str, runs: int, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--worker", method, "--n", str(n), "--dtype", dtype,
           "--runs", str(runs), "--seed", str(args.seed), "--bct-budget", str(args.bct_budget)]
    print(f"[bench] {method} N={n} {dtype} runs={runs} ...", file=sys.stderr, flush=True)
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- report

def markdown(rows: list[dict]) -> str:
    lines = ["| N | dtype | restarts | bctpy CPU s (wall) | ours CPU s (wall) | speed-up (CPU) | "
             "bctpy best Q | ours best Q | bctpy peak RSS (GiB) | ours peak RSS (GiB) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        b, o = r.get("bctpy"), r["ours"]
        if b:
            note = f", extrapolated from {b['runs_timed']} runs" if b["extrapolated"] else ""
            bt = f"{b['cpu_seconds']:.2f} ({b['wall_seconds']:.2f}{note})"
            sp = f"{b['cpu_seconds'] / o['cpu_seconds']:.1f}x"
            bq, bm = f"{b['best_q']:.6f}", f"{b['peak_rss_gib']:.2f}"
        else:
            bt, sp, bq, bm = "n/a (needs ~65 GB)", "n/a", "n/a", "n/a"
        lines.append(f"| {o['n']} | {o['dtype']} | {o['runs']} | {bt} | "
                     f"{o['cpu_seconds']:.2f} ({o['wall_seconds']:.2f}) | {sp} | {bq} | "
                     f"{o['best_q']:.6f} | {bm} | {o['peak_rss_gib']:.2f} |")
    return "\n".join(lines)


def main(args: argparse.Namespace) -> None:
    rows = []
    for n in args.sizes:
        rows.append({"bctpy": run_worker("bctpy", n, "float64", args.runs, args),
                     "ours": run_worker("ours", n, "float64", args.runs, args)})
    if args.big:
        rows.append({"bctpy": None, "ours": run_worker("ours", BIG_N, "float32", args.big_runs, args)})
    result = {"platform": platform.platform(), "processor": platform.processor(),
              "python": platform.python_version(), "seed": args.seed,
              "matrix": f"correlation of a {T_POINTS}-point factor model, {N_MODULES} modules",
              "objective": "negative_asym, gamma=1", "rows": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(markdown(rows))
    print(f"\nwritten {args.out}")


if __name__ == "__main__":
    ARGS = parse_args()
    if ARGS.worker:
        worker(ARGS)
    else:
        main(ARGS)
