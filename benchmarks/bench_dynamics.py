"""CPU time of the slow-point and nullcline searches (Figs 3, 5, S12, S14), before and after stopping converged states.

    python benchmarks/bench_dynamics.py RESULTS [--ensemble pdm] [--configfile configs/x.yaml ...] [--part both]

RESULTS is a finished run's results folder holding ``rnn/<ensemble>/activity.npz`` and ``manifest.json`` (the
default config's inputs, or any other). Each search runs twice on the same inputs with the config's settings:

* before: every state takes all ``n_steps`` (``torch.optim.Adam``); fixed points in float64;
* after: a state stops once ``q < speed_tol / 2`` (moving states packed together, analytic gradient), fixed
  points in ``dynamics.fixed_points.dtype``.

Run as a command, it uses the config's ``cpu_code_path`` (as the workflow's jobs do; it starts itself again with it
set). Printed (markdown): CPU seconds of each (``time.process_time``, one torch thread), and how the results differ:
the fraction of states below ``speed_tol``, median ``q``, the largest state difference, and for the nullclines
the per-network statistics of Fig S14 (r with the correlation, induced Q, ARI).
"""
import argparse
import time
from pathlib import Path

import numpy as np
import torch

from modbound.analyses import dynamics_analysis as da
from modbound.core import io, seeding
from modbound.models import ensembles

ROOT = Path(__file__).resolve().parents[1]


def _timed(fn, **kw):
    t0 = time.process_time()
    out = fn(**kw)
    return out, time.process_time() - t0


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results")
    ap.add_argument("--ensemble", default="pdm")
    ap.add_argument("--configfile", nargs="*", default=[])
    ap.add_argument("--part", choices=["fixed_points", "nullclines", "both"], default="both")
    args = ap.parse_args(argv)
    cfg = io.load_config(ROOT / "config.yaml", *args.configfile)
    if argv is None:  # as a command: the jobs' CPU code path (config cpu_code_path)
        seeding.restart_with_cpu_code_path(cfg["cpu_code_path"])
    torch.set_num_threads(1)
    dyn, an = cfg["dynamics"], cfg["analysis"]
    folder = Path(args.results) / "rnn" / args.ensemble
    act = ensembles.load_activity(folder / "activity.npz")
    manifest = io.read_json(folder / "manifest.json")
    alpha = manifest["rnn"]["dt"] / manifest["rnn"]["tau"]
    x = dyn["inputs"][manifest["task"]]
    fpc = dyn["fixed_points"]
    common = dict(act=act, ensemble=args.ensemble, x=x, alpha=alpha, init_noise=fpc["init_noise"], lr=fpc["lr"],
                  seed=cfg["seed"], drop_first_trial=dyn["drop_first_trial"])
    fp_kw = dict(common, n_networks=dyn["n_networks"], n_inits=fpc["n_inits"], n_steps=fpc["n_steps"])
    rows = ["| search | CPU s before | CPU s after | speed-up | states below speed_tol before / after | "
            "median q before / after | largest state difference |", "|---|---|---|---|---|---|---|"]
    tol = fpc["speed_tol"]
    fp_before, t_b = _timed(da.fixed_points, **fp_kw, dtype="float64")
    fp_after, t_a = _timed(da.fixed_points, **fp_kw, dtype=fpc["dtype"], speed_tol=tol)

    def row(name, b, a, tb, ta, hb, ha):
        rows.append(f"| {name} | {tb:.1f} | {ta:.1f} | {tb / ta:.1f}x | {np.mean(b < tol):.3f} / {np.mean(a < tol):.3f} "
                    f"| {np.median(b):.2e} / {np.median(a):.2e} | {np.abs(hb - ha).max():.3g} |")

    if args.part in ("fixed_points", "both"):
        row(f"fixed points {args.ensemble} ({fpc['dtype']} after)", fp_before["q"], fp_after["q"], t_b, t_a,
            fp_before["states"], fp_after["states"])
    if args.part in ("nullclines", "both"):
        nc = dyn["nullclines"]
        nc_kw = dict(common, n_networks=nc["n_networks"], n_samples=nc["n_samples"], n_steps=nc["n_steps"],
                     lr=nc["lr"], speed_tol=tol, gamma=an["gamma"], louvain_runs=an["louvain_runs"],
                     n_perm=an["n_perm"], dtype=nc["dtype"])
        nb, t_b = _timed(da.nullcline_analysis, fp=fp_before, **nc_kw, stop_converged=False)
        na, t_a = _timed(da.nullcline_analysis, fp=fp_after, **nc_kw, stop_converged=True)
        row(f"nullclines {args.ensemble} ({nc['dtype']}; states: the example network)", nb["example_q"],
            na["example_q"], t_b, t_a, nb["example_samples"], na["example_samples"])
        rows.append("")
        rows.append("| per-network Fig S14 number | before (mean over networks) | after | largest change of one network |")
        rows.append("|---|---|---|---|")
        for k in ("r", "r_directions", "q_induced", "q_null", "ari_vs_correlation", "frac_converged", "q_median"):
            rows.append(f"| {k} | {np.mean(nb[k]):.4g} | {np.mean(na[k]):.4g} | {np.abs(nb[k] - na[k]).max():.3g} |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
