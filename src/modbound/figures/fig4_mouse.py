"""Fig 4f-j (mouse) and 4k-o (human): modules of thalamocortical in-weight similarity induced on
cortical FC, against brainsmash spatial null partitions; similarity vs FC binned scatter."""

from __future__ import annotations

import numpy as np

from modbound.datasets import brain_dataset
from modbound.reporting import claims, plotting, real_data
from modbound.core import stats as st

_LETTERS = {"mouse": "fghij", "human": "klmno"}


_PAPER = {"mouse": "fig4mouse", "human": "fig4human"}


def stats(data, *, scale: str, master_seed: int, strength: dict, species: str = "mouse") -> dict:
    res, dataset, figure = data["analysis"], data["dataset"], f"fig4_{species}"
    ci = res["partition"]
    sizes = np.bincount(ci)
    qn, qp = res["q_null"], res["q_perm"]
    q = float(res["q_induced"])
    sd = qn.std(ddof=1) if qn.size > 1 else float("nan")
    prov = brain_dataset.provenance(dataset)
    mark = "SYNTHETIC data" if prov["synthetic"] else prov["resolution"]
    out = {
        "figure": figure, "scale": scale, "species": species, **prov, "n_nodes": int(res["n_nodes"]), "n_sources": int(res["n_sources"]),
        "master_seed": master_seed, "analysis_seed": int(res["seed"]), "louvain_runs": int(res["louvain_runs"]),
        "gamma": float(res["gamma"]), "distance": str(res["distance"]) if "distance" in res else "euclidean",
        "n_modules": int(sizes.size), "module_sizes": sizes, "q_similarity": float(res["q_similarity"]),
        "q_similarity_runs": st.describe(res["q_runs"]), "q_induced": q,
        "spatial_null": {"n": int(qn.size), **st.describe(qn), "p": float(res["p_spatial"]),
                         "z": (q - qn.mean()) / sd if sd > 0 else None,
                         "method": "brainsmash Sampled (resample=True) surrogates of the partition map "
                                   "(module rank along PC1 of the in-weights); null partition = surrogate "
                                   "re-ordering of the nodes (module sizes preserved)"},
        "permutation_null": {"n": int(qp.size), **st.describe(qp), "p": float(res["p_perm"])},
        "neighbour_agreement_k6": {"observed": float(res["agreement_observed"]),
                                   "spatial_null": st.describe(res["agreement_spatial"]),
                                   "permutation_null": st.describe(res["agreement_perm"])},
        "r_similarity_fc": float(res["r"]), "p_r": float(res["p_r"]), "n_pairs": int(res["n_pairs"]),
        "n_plot_nodes": int(res["plot_nodes"].size), "claims": [],
    }
    judged = str(res["spatial_null_claim"]) if "spatial_null_claim" in res else "test"
    out["spatial_null"]["smallest_possible_p"] = 1.0 / (qn.size + 1)
    out["spatial_null"]["claim"] = judged
    statement = (f"{species}: the partition of thalamocortical in-weight similarity induces more Q on cortical "
                 "FC than spatially autocorrelated null partitions")
    null_detail = (f"Q {q:.4f} vs null {qn.mean():.4f} (brainsmash p {res['p_spatial']:.3g}); label-permutation p "
                   f"{res['p_perm']:.3g}; {mark}")
    if judged == "test":
        spatial_claim = claims.claim(
            f"{figure}.induced_q_beats_spatial_null", statement,
            test=f"brainsmash spatial null ({qn.size} surrogates, 1-sided)",
            statistic=q - float(qn.mean()), p=float(res["p_spatial"]), n=int(qn.size), direction="greater",
            detail=null_detail, paper=f"{_PAPER[species]}.spatial_null")
    else:   # config brain.datasets.<name>.spatial_null_claim: descriptive
        spatial_claim = claims.untested(
            f"{figure}.induced_q_beats_spatial_null", statement,
            f"the spatial null is not valid at {out['n_nodes']} nodes: in simulated data sets on these nodes with "
            f"spatially smooth FC and no effect of the in-weights it rejects far more often than 5% "
            f"(benchmarks/bench_mouse_null.py; docs/data.md), so its p is reported, not judged: {null_detail}",
            paper=f"{_PAPER[species]}.spatial_null")
    out["claims"] += [
        spatial_claim,
        claims.claim(f"{figure}.similarity_tracks_fc",
                     f"{species}: thalamocortical in-weight cosine similarity correlates positively with cortical FC",
                     test="Pearson r over node pairs (pairs are not independent: p is descriptive)",
                     statistic=float(res["r"]), p=float(res["p_r"]), n=int(res["n_pairs"]), direction="greater",
                     detail=f"r = {res['r']:.3f}" + f"; {mark}",
                     paper=f"{_PAPER[species]}.scatter", effect=f"r {float(res['r']):.3g} over {int(res['n_pairs'])} "
                                                                 "node pairs",
                     descriptive="node pairs share nodes (and neighbouring nodes share space), so they are not "
                                 "independent, and this analysis has no null for r that respects the dependence (the "
                                 "spatial null is for the partition's Q)"),
    ]
    if species == "mouse":   # "a strong positive relationship" (the human text says only "a positive relationship")
        strong = float(strength["strong_r"])
        row = out["claims"][-1]
        row["effect"]["text"] += f" ({'above' if res['r'] > strong else 'not above'} our reading, r > {strong:g})"
        row["strength"] = {"key": "strong_r", "words": "a strong positive relationship", "threshold": strong,
                           "reading": f"our reading of 'a strong positive relationship': r > {strong:g} (one r over "
                                      "node pairs: compared, not tested)", "flip": None}
    if species == "mouse":
        out["claims"].append(claims.untested(
            f"{figure}.induced_q_value", "mouse: the thalamocortical partition induces a modularity of () on cortical "
            "FC (the paper's Q)", "the paper's Q and N regions are missing from our text copy of the paper (not from "
            "the paper), so there is no value to "
            f"compare with; ours: Q = {q:.4f} on {out['n_nodes']} regions, {out['n_modules']} modules ("
            + ("judged against chance by the spatial-null row)" if judged == "test" else
               "its nulls are reported in the spatial-null row)"), paper="fig4mouse.induced_Q"))
    return out



def _module_map(ax, xy, ci, title, size, names=None):
    ax.scatter(xy[:, 0], xy[:, 1], c=[plotting.module_color(k) for k in ci], s=size, linewidths=0,
               rasterized=True)
    if names is not None:   # region level: name each parcel
        for (x, y), n in zip(xy, names):
            ax.annotate(str(n), (x, y), xytext=(0, 3.5), textcoords="offset points", ha="center", va="bottom",
                        fontsize=3.6, color="#333333")
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title(title)


def plot(data, stats_: dict):
    """The figure of either species (Fig 4k-o draws with it too); the stamp adds, where the stats carry a real-data
    check (the human figure), what the real data could judge (:func:`modbound.reporting.real_data.note`)."""
    note = real_data.note(stats_)
    res, dataset = data["analysis"], data["dataset"]
    species = stats_["species"]
    L = _LETTERS[species]
    fig = plotting.figure(180, 118)
    gs = fig.add_gridspec(2, 3)
    ci = res["partition"]
    xy, xlab, ylab = brain_dataset.map_coords(dataset)
    names = np.asarray(dataset["node_names"]) if "node_names" in dataset and ci.size <= 60 else None
    size = float(np.clip(3000 / ci.size, 0.15, 6)) if names is None else 28.0

    ax = fig.add_subplot(gs[0, 0])
    _module_map(ax, xy, ci, f"thalamus → cortex:\n{stats_['n_modules']} in-weight similarity\nmodules "
                f"({stats_['n_sources']} sources)", size, names)
    if names is not None:
        ax.set_xlabel(f"{xlab} × {ylab} (view from above)", fontsize=5)
    plotting.panel_label(ax, L[0], dx_in=0.3)

    part = ci[res["plot_nodes"]]
    sample_note = "" if res["plot_nodes"].size == ci.size else f" ({res['plot_nodes'].size}-node sample)"
    ax = fig.add_subplot(gs[0, 1])
    plotting.ordered_matrix(ax, res["S_plot"], part, vmax=1.0, label="cosine similarity")
    ax.set_title(f"in-weight similarity\nQ = {stats_['q_similarity']:.3f}{sample_note}")
    plotting.panel_label(ax, L[1])

    ax = fig.add_subplot(gs[0, 2])
    vmax = float(np.percentile(np.abs(res["fc_plot"][np.triu_indices(part.size, 1)]), 99))
    plotting.ordered_matrix(ax, res["fc_plot"], part, vmax=max(vmax, 1e-3), label="FC (r)")
    ax.set_title(f"cortical FC, same order\ninduced Q = {stats_['q_induced']:.3f}")
    plotting.panel_label(ax, L[2])

    ax = fig.add_subplot(gs[1, 0])
    sn_, pn = stats_["spatial_null"], stats_["permutation_null"]
    plotting.boxplot(ax, [res["q_null"], res["q_perm"]],
                     [f"spatial null\n(n = {sn_['n']})", f"label perm.\n(n = {pn['n']})"],
                     colors=[plotting.CONDITION_COLORS["null"], "#dddddd"])
    ax.axhline(stats_["q_induced"], color=plotting.CONDITION_COLORS["observed"], lw=1.0)
    ax.text(1.5, stats_["q_induced"], f"in-weight partition: {stats_['q_induced']:.3f}", ha="center", va="bottom",
            fontsize=5.5, color=plotting.CONDITION_COLORS["observed"])
    ax.set_ylabel("Q induced on FC")
    if sn_.get("claim", "test") == "test":
        ax.set_title(f"spatial null {plotting.format_p(sn_['p'])}\npermutation {plotting.format_p(pn['p'])}")
    else:   # the null was measured not to be valid at this size: its p is shown, not judged
        ax.set_title(f"spatial null {plotting.format_p(sn_['p'])}, descriptive\n(not valid at {stats_['n_nodes']} "
                     f"nodes); permutation {plotting.format_p(pn['p'])}", fontsize=6)
    plotting.panel_label(ax, L[3])

    ax = fig.add_subplot(gs[1, 1])
    H = res["hist"]
    ea, eb = res["edges_similarity"], res["edges_fc"]
    xc, yc = np.meshgrid((ea[:-1] + ea[1:]) / 2, (eb[:-1] + eb[1:]) / 2, indexing="ij")
    sel = H > 0
    logc = np.log10(H[sel])
    sc = ax.scatter(xc[sel], yc[sel], c=logc, s=1 + 14 * logc / max(logc.max(), 1e-9), cmap="viridis",
                    linewidths=0)
    plotting.colorbar(sc, ax, "log10 node pairs per bin")
    ax.set_xlabel("thalamocortical in-weight cosine similarity")
    ax.set_ylabel("cortical FC (r)")
    ax.set_title(f"r = {stats_['r_similarity_fc']:.3f} ({stats_['n_pairs']:,} pairs)")
    plotting.panel_label(ax, L[4])

    ax = fig.add_subplot(gs[1, 2])
    k = int(np.argsort(res["q_null"])[res["q_null"].size // 2])   # median-Q null partition
    na = stats_["neighbour_agreement_k6"]
    _module_map(ax, xy, res["null_partitions"][k].astype(np.int64),
                "spatial-null check:\nthe median-Q null partition", size, names)
    ax.set_xlabel(f"same-module neighbours: {na['observed']:.2f} observed,\n{na['spatial_null']['mean']:.2f} "
                  f"spatial null, {na['permutation_null']['mean']:.2f} permuted")
    plotting.panel_label(ax, L[0] + "\u2032")   # f' / k': the spatial-null counterpart of the map in f / k   # f' / k': the spatial-null counterpart of the map in f / k

    plotting.stamp(fig, plotting.data_note(stats_) + ".\n" + plotting.scale_note(
        stats_["scale"], f"{stats_['n_nodes']} cortical nodes, {stats_['louvain_runs']} Louvain runs, "
        f"{sn_['n']} brainsmash surrogates, {stats_['distance']} distances") + (f"\n{note}" if note else ""))
    return fig
