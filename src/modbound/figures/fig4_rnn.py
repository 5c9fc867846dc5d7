"""Fig 4a-e (RNN half; the brain half is another figure): modules of the cosine similarity of the
input weights, induced on the correlation of the recurrent activity of trained PDM RNNs."""

from __future__ import annotations

import numpy as np

from modbound.reporting import claims, plotting
from modbound.core import settings, stats as st
from modbound.models.tasks import make_task


def stats(data, *, scale: str, ensemble: str, strength: dict) -> dict:
    res, evaluation, manifest = data["analysis"], data["evaluation"], data["manifest"]
    used = settings.read(res, "gamma", "louvain_runs", source="input-module analysis")
    input_names = make_task(manifest["task"], seed=0).input_names
    idx = res["model_index"]
    n = int(idx.size)
    e = int(res["example_index"])  # the network whose r (all inputs) is closest to the median
    out = {"figure": "fig4_rnn", "scale": scale, "ensemble": ensemble, "n_networks": n,
           "n_trained": int(manifest["n_models"]), "excluded_models": evaluation["excluded_models"],
           "min_accuracy": evaluation["min_accuracy"], "init_seeds": [manifest["seeds"]["init"][m] for m in idx],
           "analysis_seeds": res["seeds"], "gamma": used["gamma"], "louvain_runs": used["louvain_runs"],
           "n_perm": int(res["q_null"].shape[1]), "n_hidden": int(res["example_live"].size),
           "silent_units_excluded": st.describe(res["n_silent"]), "n_time_steps": int(res["n_steps_used"]),
           "drop_first_trial": bool(res["drop_first_trial"]), "claims": []}
    for suffix, label in (("", "all inputs"), ("_stim", "stimulus inputs only")):
        qn = res[f"q_null{suffix}"]
        null_mean = qn.mean(axis=1)
        t = st.ttest_ind(res[f"q_induced{suffix}"], null_mean)
        block = {
            "inputs": label if suffix == "" else [str(input_names[c]) for c in res["stimulus_columns"]],
            "q_induced": st.describe(res[f"q_induced{suffix}"]), "q_null_mean": st.describe(null_mean),
            "q_similarity_matrix": st.describe(res[f"q_similarity{suffix}"]),
            "n_modules": st.describe(res[f"n_modules{suffix}"]), "z": st.describe(res[f"z{suffix}"]),
            "p_per_network": res[f"p{suffix}"], "fraction_p_below_0.05": float(np.mean(res[f"p{suffix}"] < 0.05)),
            "r_similarity_vs_correlation": {**st.describe(res[f"r{suffix}"]), **st.ttest_1samp_r(res[f"r{suffix}"])},
            "ttest_q_induced_vs_null_mean": t,
            "example": {"network": int(idx[e]), "q_induced": float(res[f"q_induced{suffix}"][e]),
                        "q_null_mean": float(null_mean[e]), "q_null_sd": float(qn[e].std(ddof=1)),
                        "p": float(res[f"p{suffix}"][e]), "r": float(res[f"r{suffix}"][e]),
                        "n_modules": int(res[f"n_modules{suffix}"][e]),
                        "rule": ("the network whose r (in-weight similarity vs correlation, all inputs) is closest to "
                                 "the ensemble median" if np.isfinite(res["r"]).any() else
                                 "the first network (no network has a finite r)"),
                        "n_live_units": int(res[f"example_live{suffix}"].sum())},
        }
        out["all_inputs" if suffix == "" else "stimulus_inputs"] = block
    a = out["all_inputs"]
    ex = a["example"]
    out["claims"] += [
        claims.claim("fig4_rnn.example_input_partition_beats_null",
                     "example PDM RNN: the partition of input-weight cosine similarity induces more Q on the "
                     "recurrent correlation than permuted partitions", test="label-permutation null (1-sided)",
                     statistic=ex["q_induced"] - ex["q_null_mean"], p=ex["p"], n=out["n_perm"], direction="greater",
                     detail=f"network {ex['network']}: Q {ex['q_induced']:.3f} vs null {ex['q_null_mean']:.3f}",
                     paper="fig4rnn.perm_null"),
        claims.claim("fig4_rnn.input_partition_beats_null_across_networks",
                     "across PDM RNNs, induced Q of input-weight modules exceeds the permutation-null mean",
                     test=a["ttest_q_induced_vs_null_mean"]["test"],
                     statistic=a["ttest_q_induced_vs_null_mean"]["t"] if a["ttest_q_induced_vs_null_mean"]["t"]
                     is not None else float("nan"), p=a["ttest_q_induced_vs_null_mean"]["p"], n=n,
                     direction="greater", detail=f"{a['fraction_p_below_0.05']:.2f} of networks have p < 0.05",
                     paper="fig4rnn.perm_null"),
        claims.claim("fig4_rnn.input_similarity_tracks_correlation",
                     "input-weight cosine similarity correlates with recurrent activity correlation",
                     test=a["r_similarity_vs_correlation"]["test"],
                     statistic=a["r_similarity_vs_correlation"]["t"] if a["r_similarity_vs_correlation"]["t"]
                     is not None else float("nan"), p=a["r_similarity_vs_correlation"]["p"], n=n, direction="greater",
                     detail=f"mean r {a['r_similarity_vs_correlation']['mean']:.3f}; example r {ex['r']:.3f}",
                     paper="fig4rnn.scatter"),
        claims.strength_claim("fig4_rnn.input_similarity_strongly_related_to_correlation",
                              "input-weight cosine similarity has a strong positive relationship with recurrent "
                              "activity correlation", res["r"], strength["strong_r"], "strong_r",
                              words="a strong positive relationship", paper="fig4rnn.scatter", quantity="r",
                              fisher_z=True)[0],
        claims.untested("fig4_rnn.induced_q_value", "the input-weight partition induces a modularity of () on the "
                        "recurrent correlation (the paper's Q)",
                        "the paper's Q is missing from our text copy of the paper (not from the paper), so there is no value "
                        f"to compare with; ours: example "
                        f"Q = {ex['q_induced']:.3f}, across networks {a['q_induced']['mean']:.3f} +- "
                        f"{a['q_induced']['std'] if a['q_induced']['std'] is not None else float('nan'):.3f} "
                        "(judged against chance by the permutation rows)", paper="fig4rnn.induced_Q"),
    ]
    return out


def _schematic(ax, input_names):
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    n_in = len(input_names)
    ins = [(0.12, y) for y in np.linspace(0.25, 0.75, n_in)]
    rec = [(0.55 + 0.22 * np.cos(a), 0.5 + 0.3 * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 9)[:-1]]
    plotting.weight_fan(ax, ins, rec, np.random.default_rng(1))
    for i, (xa, ya) in enumerate(rec):
        xb, yb = rec[(i + 3) % len(rec)]
        ax.plot([xa, xb], [ya, yb], color="0.75", lw=0.4, zorder=0)
    for (x, y), name in zip(ins, input_names):
        ax.add_patch(plotting.plt.Circle((x, y), 0.045, color="0.3", zorder=2))
        ax.text(x - 0.07, y, name, ha="right", va="center", fontsize=5.5)
    for x, y in rec:
        ax.add_patch(plotting.plt.Circle((x, y), 0.035, color="0.6", zorder=2))
    ax.text(0.3, 0.88, "W_in", ha="center", fontsize=6)
    ax.text(0.62, 0.88, "W_rec", ha="center", fontsize=6)
    ax.text(0.5, 0.02, "modules of cos(W_in rows)\ninduced on recurrent r", ha="center", va="bottom", fontsize=5.5)
    ax.set_aspect("equal")


def plot(data, stats_: dict):
    res, input_names = data["analysis"], make_task(data["manifest"]["task"], seed=0).input_names
    fig = plotting.figure(180, 105)
    outer = fig.add_gridspec(2, 1)
    top, bottom = outer[0].subgridspec(1, 4), outer[1].subgridspec(1, 4)
    a = stats_["all_inputs"]
    ex = a["example"]
    part = res["example_partition"]

    ax = fig.add_subplot(top[0])
    _schematic(ax, list(input_names))
    ax.set_title("input → recurrent")
    plotting.panel_label(ax, "a", dx_in=0.05)

    plotting.ordered_matrix(fig.add_subplot(top[1]), res["example_S"], part, vmax=1.0, label="cosine",
                            title=f"input-weight similarity\n(network {ex['network']}: {ex['n_modules']} modules)",
                            letter="b")

    plotting.ordered_matrix(fig.add_subplot(top[2]), res["example_C"], part, vmax=1.0, label="r",
                            title=f"recurrent r, same order\ninduced Q = {ex['q_induced']:.3f}", letter="c")

    ax = fig.add_subplot(top[3])
    qn = res["q_null"][int(res["example_index"])]  # the example network's null
    plotting.boxplot(ax, [qn], [f"permuted\n(n = {qn.size})"], colors=[plotting.CONDITION_COLORS["null"]])
    ax.scatter([1], [ex["q_induced"]], s=30, color=plotting.CONDITION_COLORS["observed"], zorder=3,
               label="input partition")
    ax.set_ylabel("Q induced on correlation")
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, max(hi, ex["q_induced"]) + 0.2 * (max(hi, ex["q_induced"]) - lo))
    ax.legend(loc="upper left", fontsize=5.5)
    ax.set_title(f"null: {plotting.format_p(ex['p'])}")
    plotting.panel_label(ax, "d")

    ax = fig.add_subplot(bottom[0])
    H = res["pooled_hist"]  # every network's unit pairs: one network has too few per bin
    e = res["hist_edges"]
    xc, yc = np.meshgrid((e[:-1] + e[1:]) / 2, (e[:-1] + e[1:]) / 2, indexing="ij")
    sel = H > 0
    sc = ax.scatter(xc[sel], yc[sel], c=H[sel], s=2 + 20 * H[sel] / H.max(), cmap="viridis", linewidths=0)
    plotting.colorbar(sc, ax, "unit pairs per bin")
    ax.set_xlabel("input-weight cosine similarity")
    ax.set_ylabel("activity correlation")
    rr = a["r_similarity_vs_correlation"]
    ax.set_title(f"{stats_['n_networks']} RNNs pooled ({int(H.sum())} pairs)\n"
                 f"mean r = {rr['mean']:.2f}; example {ex['r']:.2f}")
    plotting.panel_label(ax, "e")

    for col, (suffix, key, letter, title) in enumerate((("", "all_inputs", "f", "all inputs"),
                                                        ("_stim", "stimulus_inputs", "g", "stimuli only"))):
        ax = fig.add_subplot(bottom[1 + col])
        b = stats_[key]
        plotting.boxplot(ax, [res[f"q_null{suffix}"].mean(axis=1), res[f"q_induced{suffix}"]],
                         ["null mean", "input\npartition"],
                         colors=[plotting.CONDITION_COLORS["null"], plotting.CONDITION_COLORS["observed"]])
        for q0, q1 in zip(res[f"q_null{suffix}"].mean(axis=1), res[f"q_induced{suffix}"]):
            ax.plot([1, 2], [q0, q1], color="0.8", lw=0.4, zorder=0)
        ax.set_ylabel("Q induced on correlation")
        ax.set_title(f"{title}, {stats_['n_networks']} RNNs\n"
                     f"{plotting.format_p(b['ttest_q_induced_vs_null_mean']['p'])}, t-test")
        lo, hi = ax.get_ylim()
        ax.set_ylim(lo, hi + 0.25 * (hi - lo))  # room for the note
        ax.text(0.03, 0.97, f"{100 * b['fraction_p_below_0.05']:.0f}% of networks:\npermutation p < 0.05",
                transform=ax.transAxes, ha="left", va="top", fontsize=5.5)
        plotting.panel_label(ax, letter)

    ax = fig.add_subplot(bottom[3])
    plotting.boxplot(ax, [res["r"], res["r_stim"]], ["all inputs", "stimuli only"],
                     colors=[plotting.CONDITION_COLORS["observed"], "#009E73"])
    ax.axhline(0, color="0.6", lw=0.6)
    ax.set_ylabel("r (similarity vs correlation)")
    rr = a["r_similarity_vs_correlation"]
    ax.set_title(f"mean r = {rr['mean']:.2f}\n{plotting.format_p(rr['p'])}, t (Fisher z)")
    plotting.panel_label(ax, "h")

    sil = stats_["silent_units_excluded"]
    plotting.stamp(fig, plotting.scale_note(
        stats_["scale"], f"{stats_['n_networks']} of {stats_['n_trained']} trained '{stats_['ensemble']}' RNNs pass "
        f"accuracy >= {stats_['min_accuracy']}; {stats_['n_perm']} label permutations per network")
        + f" Silent units (zero variance; mean {sil['mean']:.1f} of {stats_['n_hidden']}) are left out; "
        f"{stats_['n_time_steps']} time steps" + (" (first trial left out)." if stats_["drop_first_trial"] else ".")
        + f" Example: {stats_['all_inputs']['example']['rule']}.")
    return fig
