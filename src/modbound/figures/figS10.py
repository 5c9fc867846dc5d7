"""Fig S10: mouse -- the thalamus relates to cortical FC more than any other subcortical source.

For each subcortical group (thalamus, subplate, pallidum, hypothalamus, pons, medulla, midbrain, hpf,
striatum, olf, cerebellum) the cosine similarity of its in-weights onto the cortical nodes is
correlated with each mouse's cortical FC (r over node pairs); thalamus vs each other group:
two-sample t-test across mice (the paper's test).
"""

from __future__ import annotations

import numpy as np

from modbound.datasets import brain_dataset
from modbound.reporting import claims, plotting
from modbound.core import stats as st


def stats(data, *, scale: str, master_seed: int) -> dict:
    res, dataset = data["analysis"], data["dataset"]
    names = [str(n) for n in dataset["group_names"]]
    R = res["r_subject"]
    prov = brain_dataset.provenance(dataset)
    synth = prov["synthetic"]
    mark = "SYNTHETIC data" if synth else prov["resolution"]
    th = names.index("thalamus")
    out = {"figure": "figS10", "scale": scale, **prov, "master_seed": master_seed,
           "n_subjects": int(R.shape[1]), "n_nodes": int(dataset["coords"].shape[0]), "groups": [], "claims": []}
    for g, name in enumerate(names):
        entry = {"group": name, "n_sources": int(res["n_sources_per_group"][g]), "r_per_subject": R[g],
                 "r": st.describe(R[g]), "r_group_fc": float(res["r_group"][g])}
        if g != th:
            t = st.ttest_ind(R[th], R[g])
            paired = st.ttest_rel(R[th], R[g])  # the same mice for both sources
            entry["ttest_thalamus_vs_this"], entry["paired_ttest_thalamus_vs_this"] = t, paired
            out["claims"].append(claims.claim(
                f"figS10.thalamus_vs_{name}",
                f"mouse: the similarity-FC relationship is stronger for thalamic than for {name} in-weights",
                test=t["test"] + " across mice", statistic=t["t"] if t["t"] is not None else float("nan"),
                p=t["p"], n=int(R.shape[1]), direction="greater",
                detail=f"mean r {t['mean_a']:.3f} vs {t['mean_b']:.3f}" + f"; {mark}",
                paper="s10.thalamus_greatest"))
            out["claims"].append(claims.t_claim(
                f"figS10.thalamus_vs_{name}_paired",
                f"mouse: the similarity-FC relationship is stronger for thalamic than for {name} in-weights, same "
                "mice paired", paired, None, "greater",
                f"mean difference in r {paired['mean_difference']:.3f}; paired design, beside the paper's two-sample "
                "test" + f"; {mark}", paper="s10.thalamus_greatest"))
        out["groups"].append(entry)
    means = np.nanmean(R, axis=1)
    out["thalamus_rank"] = int(1 + np.sum(means > means[th]))
    if "couplings" in dataset:
        out["generator_couplings"] = dict(zip(names, np.asarray(dataset["couplings"]).tolist()))
    return out


def plot(data, stats_: dict):
    res, dataset = data["analysis"], data["dataset"]
    fig = plotting.figure(180, 80)
    gs = fig.add_gridspec(1, 2, width_ratios=[2.2, 1])
    names = [g["group"] for g in stats_["groups"]]
    order = np.argsort([-np.nanmean(g["r_per_subject"]) for g in stats_["groups"]], kind="stable")
    colors = ["#D55E00" if names[i] == "thalamus" else "#7f7f7f" for i in order]

    ax = fig.add_subplot(gs[0])
    plotting.boxplot(ax, [np.asarray(stats_["groups"][i]["r_per_subject"]) for i in order],
                     [names[i] for i in order], colors=colors, jitter_seed=stats_["master_seed"])
    ax.tick_params(axis="x", labelrotation=45)
    for x, i in enumerate(order, start=1):
        t = stats_["groups"][i].get("ttest_thalamus_vs_this")
        if t and t["p"] is not None:
            ax.text(x, 1.0, plotting.format_p(t["p"]), transform=ax.get_xaxis_transform(),
                    ha="center", va="bottom", fontsize=4.8, rotation=90)
    ax.set_ylabel("r (in-weight similarity vs FC) per mouse")
    ax.set_title(f"thalamus vs each other source (two-sample t-tests, {stats_['n_subjects']} mice; "
                 f"p above each box)", pad=40)
    plotting.panel_label(ax, "a")

    ax = fig.add_subplot(gs[1])
    vals = [stats_["groups"][i]["r_group_fc"] for i in order]
    ax.barh(np.arange(len(order)), vals, color=colors)
    ax.set_yticks(np.arange(len(order)), [names[i] for i in order])
    ax.invert_yaxis()
    ax.set_xlabel("r with group-average FC")
    ax.set_title(f"group FC (thalamus rank {stats_['thalamus_rank']})")
    plotting.panel_label(ax, "b")

    plotting.stamp(fig, plotting.data_note(stats_, " (the generator gives the thalamus the strongest coupling and the most precise topography)") + ".\n" + plotting.scale_note(
        stats_["scale"], f"{stats_['n_nodes']} cortical nodes, {stats_['n_subjects']} mice"))
    return fig
