"""Louvain restarts side by side in threads: wall time for 1 and 2 threads, and the same partitions.

    python benchmarks/bench_louvain_threads.py --n 29696 --runs 8

Builds the float32 factor-model correlation matrix of ``bench_louvain.py`` (``--n`` nodes), then runs
``modbound.core.modularity.louvain`` with ``--runs`` restarts on 1 thread and on ``--threads`` threads and records
wall and CPU seconds; it stops with an error if the partitions or their Q differ (the runs are independent, each
with its own generator, so they must not). Run it on a quiet machine: wall time is what threads buy.
Writes ``benchmarks/out/louvain_threads.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_louvain import correlation_matrix  # noqa: E402

from modbound.core.modularity import louvain  # noqa: E402

OUT = Path(__file__).resolve().parent / "out" / "louvain_threads.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=8000)
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    C = correlation_matrix(args.n, args.seed, np.float32)
    louvain(C[:64, :64].copy(), n_runs=2, threads=2)  # numba compile / cache load, not timed
    rows, results = [], {}
    for threads in (1, args.threads):
        wall, cpu = time.perf_counter(), time.process_time()
        res = louvain(C, n_runs=args.runs, seed=args.seed, threads=threads, return_all=True)
        rows.append({"threads": threads, "wall_seconds": time.perf_counter() - wall,
                     "cpu_seconds": time.process_time() - cpu, "best_q": res.q})
        results[threads] = res
    one, many = results[1], results[args.threads]
    if not (np.array_equal(one.partitions, many.partitions) and np.array_equal(one.q_runs, many.q_runs)):
        raise SystemExit(f"partitions differ between 1 and {args.threads} threads")
    out = {"platform": platform.platform(), "n": args.n, "runs": args.runs, "same_partitions": True,
           "load_average": list(os.getloadavg()), "rows": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2))
    print("| N | restarts | threads | wall s | CPU s | best Q |\n|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {args.n} | {args.runs} | {r['threads']} | {r['wall_seconds']:.1f} | {r['cpu_seconds']:.1f} | "
              f"{r['best_q']:.6f} |")
    print(f"speed-up (wall): {rows[0]['wall_seconds'] / rows[1]['wall_seconds']:.2f}x; same partitions")


if __name__ == "__main__":
    main()
