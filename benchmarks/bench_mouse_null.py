"""Is the brainsmash spatial null valid, and how powerful, at the real mouse data's 25 parcels (Fig 4f-j)?

    python benchmarks/bench_mouse_null.py [--n-datasets 50] [--n-surrogates 100] [--seed 0]

Simulated data sets on the real geometry: the centroids of the 25 right-hemisphere isocortical parcels
(vendored Gozzi-lab label image, :mod:`modbound.datasets.allen_gozzi`). In each, 40 "thalamic" sources project
to the cortex as smooth fields (:func:`modbound.datasets.brain_synthetic.projection_fields`, FWHM 2 mm, as the
generated mouse data); the activity of 400 time points is spatially smooth noise + white noise
(:func:`modbound.datasets.brain_synthetic._activity`), plus, in the *planted* scenarios, a drive through the
in-weights (coupling 0.25 or 0.5). Each data set goes through the figure's own analysis
(:func:`modbound.analyses.brain.thalamocortical_analysis`: Louvain on the in-weight similarity, induced Q on FC,
brainsmash surrogates with the default config's settings, label permutations), and the same partition is also
tested against the candidate nulls for few nodes: brainsmash's dense ``Base`` generator, random spatially
contiguous partitions of the same module sizes (:func:`modbound.nulls.spatial.contiguous_partitions`) and label
permutations on distance-regressed FC (:func:`modbound.nulls.spatial.distance_residual`). Reported per scenario
and null: the fraction of data sets with p < 0.05 (no drive: the false-positive rate, which should be <= 0.05
for a valid null; planted: the power), the 6-nearest-neighbour agreement of observed and null partitions, and
the smallest p a null can give, 1 / (n_surrogates + 1). Writes ``benchmarks/out/mouse_null.json`` and prints a
table.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).resolve().parent / "out" / "mouse_null.json"
SCENARIOS = [  # name, drive through the in-weights, FWHM (mm) of the spatially smooth noise
    ("no drive, smooth noise FWHM 1.2 mm", 0.0, 1.2),
    ("no drive, smooth noise FWHM 3 mm", 0.0, 3.0),
    ("planted, coupling 0.25", 0.25, 1.2),
    ("planted, coupling 0.5", 0.5, 1.2),
]


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-datasets", type=int, default=50)
    ap.add_argument("--n-surrogates", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    from modbound.analyses import brain
    from modbound.core import modularity
    from modbound.nulls.permutation import empirical_p
    from modbound.core.io import load_config
    from modbound.datasets import allen_gozzi, brain_synthetic
    from modbound.nulls import spatial

    cfg = load_config(ROOT / "config.yaml")["brain"]
    coords = allen_gozzi.prepare(ROOT / "data")["coords"]
    N = coords.shape[0]
    out = {"n_nodes": N, "n_datasets": args.n_datasets, "n_surrogates": args.n_surrogates,
           "smallest_p": 1 / (args.n_surrogates + 1), "surrogates": cfg["surrogates"], "scenarios": []}
    with tempfile.TemporaryDirectory() as tmp:
        paths = spatial.write_distance_memmap(spatial.euclidean_rows(coords), N, tmp)
        D, I = spatial.load_distance_memmap(paths["distmat"], paths["index"], N)  # noqa: E741
        for name, drive, fwhm in SCENARIOS:
            t0 = time.perf_counter()
            ps, pp, nmod, pb, pc, pr, agree = [], [], [], [], [], [], []
            for k in range(args.n_datasets):
                rng = np.random.default_rng([args.seed, k])
                centres = rng.choice(N, 40)
                W = brain_synthetic.projection_fields(coords, centres, np.full(40, 2.0 / 2.3548) * rng.uniform(0.7, 1.3, 40),
                                                      rng.uniform(0.5, 1.0, 40), 0.02, rng)
                rng_fc = np.random.default_rng([args.seed, k, 1])
                X = brain_synthetic._activity(coords, [W], [drive], 400, fwhm, 0.8, 0.5, rng_fc)
                from modbound.datasets.allen import timeseries_fc
                fc = timeseries_fc(X)
                res = brain.thalamocortical_analysis(W, fc, D, I, louvain_runs=5, n_surrogates=args.n_surrogates,
                                                     seed=1000 + k, surrogate_kw=cfg["surrogates"], max_plot=N)
                ci = res["partition"]
                obj = modularity.objective(fc, 1.0, "negative_asym")
                q = float(res["q_induced"])
                x = spatial.partition_map(ci, W)
                base = spatial.partition_surrogates(ci, x, spatial.surrogate_maps(
                    x, D, I, args.n_surrogates, 2000 + k, generator="base",
                    **{kk: v for kk, v in cfg["surrogates"].items() if kk not in ("knn", "ns")}))
                pb.append(empirical_p(q, [obj.q(fc, p) for p in base]))
                cont = spatial.contiguous_partitions(ci, I, args.n_surrogates, 3000 + k)
                pc.append(empirical_p(q, [obj.q(fc, p) for p in cont]))
                R = spatial.distance_residual(fc, D, I)
                objr = modularity.objective(R, 1.0, "negative_asym")
                qr = objr.q(R, ci)
                prng = np.random.default_rng([args.seed, k, 2])
                pr.append(empirical_p(qr, [objr.q(R, prng.permutation(ci)) for _ in range(args.n_surrogates)]))
                agree.append(spatial.neighbour_agreement(np.vstack([ci[None], base[:20], cont[:20]]), I))
                ps.append(float(res["p_spatial"]))
                pp.append(float(res["p_perm"]))
                nmod.append(int(res["partition"].max()) + 1)
            ps, pp, pb, pc = np.array(ps), np.array(pp), np.array(pb), np.array(pc)
            ag = np.array(agree)
            row = {"scenario": name, "drive": drive, "noise_fwhm_mm": fwhm,
                   "spatial_p_below_0.05": float((ps < 0.05).mean()), "perm_p_below_0.05": float((pp < 0.05).mean()),
                   "base_p_below_0.05": float((pb < 0.05).mean()), "contiguous_p_below_0.05": float((pc < 0.05).mean()),
                   "residual_perm_p_below_0.05": float((np.array(pr) < 0.05).mean()),
                   "neighbour_agreement": {"observed": float(ag[:, 0].mean()), "base": float(ag[:, 1:21].mean()),
                                           "contiguous": float(ag[:, 21:].mean())},
                   "median_spatial_p": float(np.median(ps)), "modules_median": float(np.median(nmod)),
                   "seconds": round(time.perf_counter() - t0, 1)}
            out["scenarios"].append(row)
            print(row, flush=True)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1))
    print(f"\n{N} nodes, {args.n_datasets} data sets per scenario, {args.n_surrogates} surrogates "
          f"(smallest p {out['smallest_p']:.4f})\n")
    print("| scenario | brainsmash Sampled | brainsmash Base | contiguous | label permutation | "
          "distance-regressed permutation |")
    print("|---|---|---|---|---|---|")
    for r in out["scenarios"]:
        print(f"| {r['scenario']} | {r['spatial_p_below_0.05']:.2f} | {r['base_p_below_0.05']:.2f} | "
              f"{r['contiguous_p_below_0.05']:.2f} | {r['perm_p_below_0.05']:.2f} | "
              f"{r['residual_perm_p_below_0.05']:.2f} |")
    return out


if __name__ == "__main__":
    main()
