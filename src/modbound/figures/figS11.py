"""Fig S11: networks that start from the same input weights (and from input = output weights) end
up with more similar modules and recurrent weights than randomly initialised ones."""

from __future__ import annotations

import numpy as np

from modbound.reporting import claims, plotting
from modbound.core import stats as st

MODES = ("random", "shared_input", "shared_input_output")
LABELS = {"random": "random init", "shared_input": "same W_in", "shared_input_output": "same W_in = W_outᵀ"}
COLORS = {"random": "0.55", "shared_input": plotting.CONDITION_COLORS["observed"], "shared_input_output": "#009E73"}
QUANTITIES = {"ari": "partition similarity (ARI)", "w_rec_r": "recurrent-weight similarity (r)",
              "strength_r": "recurrent-strength similarity (r)"}


def stats(data, *, scale: str, ensembles: dict, strength: dict) -> dict:
    res = data["analysis"]
    evaluations = {mode: data[f"evaluation_{mode}"] for mode in MODES}
    manifests = {mode: data[f"manifest_{mode}"] for mode in MODES}
    out = {"figure": "figS11", "scale": scale, "ensembles": {}, "comparisons": {}, "claims": [],
           "drop_first_trial": bool(res["drop_first_trial"]),
           "similarity_unit": "per network: mean over the other networks of the same ensemble",
           "split_half_reference": "per network: ARI between the partitions of its even- and odd-numbered analysed "
                                   "trials (units live in both halves); ari_over_split_half = mean ARI between networks "
                                   "/ mean split-half ARI"}
    for mode in MODES:
        name = ensembles[mode]
        idx = res[f"{name}__model_index"]
        man = manifests[mode]
        entry = {"name": name, "init": man.get("init", "random"), "n_networks": int(idx.size),
                 "n_trained": int(man["n_models"]), "n_steps": int(man["n_steps"]),
                 "excluded_models": evaluations[mode]["excluded_models"],
                 "test_accuracy": st.describe(np.asarray(evaluations[mode]["accuracy"])[idx]),
                 "init_seeds": [man["seeds"]["init"][m] for m in idx], "shared_init_seed": man["seeds"].get("shared_init"),
                 "n_modules_live_units": st.describe(res[f"{name}__partitions"].max(axis=1) + 1),
                 "n_silent_units": st.describe((res[f"{name}__partitions"] < 0).sum(axis=1))}
        if f"{name}__initial_w_in_r_mean" in res:
            entry["initial_w_in_r"] = st.describe(res[f"{name}__initial_w_in_r_mean"])
        for q in QUANTITIES:
            entry[q] = st.describe(res[f"{name}__{q}_mean"])
        # reference level: one network's partition vs itself (two halves of its trials)
        entry["split_half_ari"] = st.describe(res[f"{name}__split_half_ari"])
        ref = entry["split_half_ari"]["mean"]
        entry["ari_over_split_half"] = (entry["ari"]["mean"] / ref if ref is not None and ref > 0 and
                                        entry["ari"]["mean"] is not None else None)
        out["ensembles"][mode] = entry
    ctrl = ensembles["random"]
    for mode in ("shared_input", "shared_input_output"):
        name = ensembles[mode]
        comp = {}
        for q, label in QUANTITIES.items():
            t = st.ttest_ind(res[f"{name}__{q}_mean"], res[f"{ctrl}__{q}_mean"])
            comp[q] = t
            out["claims"].append(claims.claim(
                f"figS11.{mode}_more_similar_{q}",
                f"{LABELS[mode]} vs random init: {label} across trained networks is higher",
                test=t["test"], statistic=t["t"] if t["t"] is not None else float("nan"), p=t["p"],
                n=t["n_a"] + t["n_b"], direction="greater",
                detail=(f"mean {t['mean_a']:.3f} vs {t['mean_b']:.3f}" if t["mean_a"] is not None else "")
                + (_split_half_note(out["ensembles"][mode]) if q == "ari" else ""),
                paper=PAPER_IDS[mode][q]))
        out["comparisons"][f"{mode}_vs_random"] = comp
    t = st.ttest_ind(res[f"{ensembles['shared_input_output']}__ari_mean"], res[f"{ensembles['shared_input']}__ari_mean"])
    out["comparisons"]["shared_input_output_vs_shared_input"] = {"ari": t}
    out["claims"].append(claims.t_claim(
        "figS11.shared_input_output_beats_shared_input_ari", "partitions are even more similar across runs when "
        "W_in and W_out = W_in^T are shared than when only W_in is shared", t, None, "greater",
        f"mean ARI {t['mean_a']:.3f} vs {t['mean_b']:.3f}" if t["mean_a"] is not None else "", paper="s11.io_vs_same"))
    # the strengths the Discussion states: "the modules across all of these training runs are highly similar" (same
    # W_in) and "the strength of the weights in the recurrent layer is also highly similar" (W_in = W_out^T)
    out["claims"] += [
        claims.strength_claim("figS11.shared_input_partitions_highly_similar", "same W_in: partitions are highly "
                              "similar across trained networks", res[f"{ensembles['shared_input']}__ari_mean"],
                              strength["high_ari"], "high_ari", words="the modules ... are highly similar",
                              paper="s11.same_init_partitions", quantity="ARI")[0],
        claims.strength_claim("figS11.shared_input_output_strength_highly_similar", "same W_in = W_out^T: the "
                              "strength of the recurrent weights is highly similar across trained networks",
                              res[f"{ensembles['shared_input_output']}__strength_r_mean"], strength["high_r"], "high_r",
                              words="the strength of the weights in the recurrent layer is also highly similar",
                              paper="s11.io_weights", quantity="r", fisher_z=True)[0],
    ]
    return out


def _off_diagonal(A) -> np.ndarray:
    A = np.asarray(A, dtype=float).copy()
    np.fill_diagonal(A, np.nan)
    return A


def _split_half_note(entry: dict) -> str:
    ref = entry["split_half_ari"]["mean"]
    return "" if ref is None else f"; split-half ARI within a network (reference) {ref:.3f}"


PAPER_IDS = {"shared_input": {"ari": "s11.same_init_partitions", "w_rec_r": "s11.same_init_weights",
                              "strength_r": "s11.same_init_weights"},
             "shared_input_output": {"ari": "s11.io_partitions", "w_rec_r": "s11.io_weights",
                                     "strength_r": "s11.io_weights"}}


def plot(data, stats_: dict):
    res, ensembles = data["analysis"], {mode: e["name"] for mode, e in stats_["ensembles"].items()}
    fig = plotting.figure(180, 108)
    outer = fig.add_gridspec(2, 1)
    letters = iter("abcdefgh")
    # one colour range for both ARI matrices (a, e), so their colours compare; the diagonal (1) left out
    vmax = max(max(float(np.nanmax(np.abs(_off_diagonal(res[f"{ensembles[m]}__ari"])))) for m in MODES[1:]), 0.05)
    for row, mode in enumerate(("shared_input", "shared_input_output")):
        gs = outer[row].subgridspec(1, 4, width_ratios=[1.1, 1, 1, 1])
        name, ctrl = ensembles[mode], ensembles["random"]
        ax = fig.add_subplot(gs[0])
        A = _off_diagonal(res[f"{name}__ari"])  # 1 by definition; masked so the colour range shows the pairs
        cmap = plotting.plt.get_cmap("RdBu_r").copy()
        cmap.set_bad("0.85")
        im = ax.imshow(A, cmap=cmap, vmin=-vmax, vmax=vmax, interpolation="nearest")
        plotting.colorbar(im, ax, "ARI", shrink=0.75)
        ax.set_xlabel("network")
        ax.set_ylabel("network")
        ax.xaxis.set_major_locator(plotting.plt.MaxNLocator(4, integer=True))
        ax.yaxis.set_major_locator(plotting.plt.MaxNLocator(4, integer=True))
        ax.set_title(f"{LABELS[mode]}:\nARI between networks")
        plotting.panel_label(ax, next(letters))
        comp = stats_["comparisons"][f"{mode}_vs_random"]
        for col, q in enumerate(QUANTITIES, start=1):
            ax = fig.add_subplot(gs[col])
            plotting.boxplot(ax, [res[f"{ctrl}__{q}_mean"], res[f"{name}__{q}_mean"]],
                             ["random\ninit", LABELS[mode].replace(" = ", " =\n")],
                             colors=[COLORS["random"], COLORS[mode]])
            ax.axhline(0, color="0.75", lw=0.6)
            ax.set_ylabel(QUANTITIES[q].replace(" (", "\n("))
            title = f"{plotting.format_p(comp[q]['p'])}, t-test"
            if q == "ari":  # reference: each network's partition vs itself on the other half of its trials
                refs = [stats_["ensembles"][k]["split_half_ari"]["mean"] for k in ("random", mode)]
                for x, ref in zip((1, 2), refs):
                    if ref is not None:
                        ax.plot([x - 0.4, x + 0.4], [ref, ref], ls="--", lw=0.9, color="#D55E00")
                ax.legend([plotting.plt.Line2D([], [], ls="--", lw=0.9, color="#D55E00")],
                          ["split-half ARI of the same network"], loc="lower center", bbox_to_anchor=(0.5, 1.0),
                          borderaxespad=0.2, fontsize=5.5, handlelength=1.8)
            ax.set_title(title, pad=12 if q == "ari" else None)
            plotting.panel_label(ax, next(letters))
    e = stats_["ensembles"]
    counts = ", ".join(f"{LABELS[m]} {e[m]['n_networks']}/{e[m]['n_trained']} ('{e[m]['name']}')" for m in MODES)
    plotting.stamp(fig, plotting.scale_note(stats_["scale"], f"PDM RNNs passing the accuracy threshold: {counts}")
          + " Per network: mean similarity to the others of its ensemble (unit i vs unit i; ARI over units active "
          "in both).")
    return fig
