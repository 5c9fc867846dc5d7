"""Fig 3: the cosine similarity of the rows of the Jacobian predicts the modular structure of the activity.

Inputs: :func:`modbound.analyses.dynamics_analysis.jacobian_analysis` of the PDM and GNG ensembles (the PDM network
is the example of panels a, c-g).
"""

from __future__ import annotations

import numpy as np

from modbound.reporting import claims, plotting
from modbound.models import ensembles
from modbound import nulls
from modbound.core import stats as st
from modbound.analyses.dynamics_analysis import figure_settings

TASK_LABELS = {"pdm": "PDM", "gng": "GNG"}
# Our readings of the paper's words ("a very good fit", "highly similar") are in config paper_strength.


def stats(data, *, scale: str, dynamics: dict, seed: int, strength: dict) -> dict:
    """Every number Fig 3 shows, for the PDM and GNG ensembles (inputs jacobian_<task>, evaluation_<task>,
    manifest_<task>); ``strength``: config paper_strength."""
    Q_GOOD, ARI_SIMILAR = strength["good_fit_q"], strength["high_ari"]
    results = {task: data[f"jacobian_{task}"] for task in TASK_LABELS}
    evaluations = {task: data[f"evaluation_{task}"] for task in TASK_LABELS}
    manifests = {task: data[f"manifest_{task}"] for task in TASK_LABELS}
    settings = figure_settings("jacobian", dynamics, list(results.values()), seed=seed)
    out = {"figure": "fig3", "scale": scale, "settings": settings, "ensembles": {}, "claims": [],
           "thresholds": {"induced_Q_very_good_fit": Q_GOOD}}
    for name, res in results.items():
        label = TASK_LABELS.get(name, name)
        n = int(res["model_index"].size)
        r_fp, r_tr = res["r_fixed_point"], res["r_trajectory"]
        r_rows, r_cols = res["r_w_rec"], res["r_w_rec_columns"]
        alpha = float(res["alpha"])
        degenerate = bool(np.isclose(alpha, 1.0))
        block = {
            **ensembles.summary(res["model_index"], evaluations[name], manifests[name], name),
            "alpha": alpha,
            "r_fixed_point": {**st.describe(r_fp), **st.ttest_1samp_r(r_fp)},
            "r_trajectory": {**st.describe(r_tr), **st.ttest_1samp_r(r_tr)},
            "r_w_rec_rows": st.describe(r_rows), "r_w_rec_columns": st.describe(r_cols),
            "paired_trajectory_vs_w_rec_rows": st.ttest_rel(np.arctanh(r_tr), np.arctanh(r_rows)),
            "paired_trajectory_vs_w_rec_columns": st.ttest_rel(np.arctanh(r_tr), np.arctanh(r_cols)),
            "max_abs_diff_trajectory_vs_w_rec_rows": float(np.max(res["max_abs_diff_trajectory_vs_rows"])),
            "contrast_with_w_rec_rows_degenerate": degenerate,
            "ttest_trajectory_vs_fixed_point": st.ttest_ind(r_tr, r_fp),
            "slow_points_kept": st.describe(res["n_kept"]),
            "slow_point_q_median": st.describe(res["q_kept_median"]),
            "networks_with_no_point_below_speed_tol": int(res["fp_fallback"].sum()),
            "silent_units_excluded": st.describe(res["n_silent"]),
            "units_inactive_along_trajectory_excluded": st.describe(res["n_inactive_in_trajectory"]),
            "units_with_zero_slow_point_jacobian_row": st.describe(res["n_inactive_at_slow_points"]),
            "modules_of_trajectory_jacobian_similarity": {
                **nulls.null_summary(res, res["q_null"].shape[1]), "q_similarity": st.describe(res["q_similarity"])},
            "n_trajectory_steps": int(res["n_trajectory_steps"]), "n_time_steps": int(res["n_steps_used"]),
            "fixed_point_input": res["fixed_point_input"],
        }
        out["ensembles"][name] = block
        deg = (f"; alpha = dt/tau = {alpha:g}: trajectory-J rows are W_rec rows scaled per unit, so the two "
               f"similarities coincide (max |difference| {block['max_abs_diff_trajectory_vs_w_rec_rows']:.2g})"
               if degenerate else f"; alpha = {alpha:g}")
        pr, pc = block["paired_trajectory_vs_w_rec_rows"], block["paired_trajectory_vs_w_rec_columns"]
        out["claims"] += [
            claims.t_claim(f"fig3.fixed_point_jacobian_tracks_correlation_{name}",
                       f"{label}: cosine similarity of Jacobian rows at slow points correlates with activity "
                       "correlation",
                       block["r_fixed_point"], n, "greater", f"mean r = {block['r_fixed_point']['mean']:.3f}",
                       paper="fig3.fp_gt0"),
            claims.t_claim(f"fig3.trajectory_jacobian_tracks_correlation_{name}",
                       f"{label}: cosine similarity of trajectory-averaged Jacobian rows correlates with activity "
                       "correlation",
                       block["r_trajectory"], n, "greater", f"mean r = {block['r_trajectory']['mean']:.3f}",
                       paper="fig3.scatter"),
            claims.strength_claim(f"fig3.trajectory_jacobian_highly_similar_to_correlation_{name}",
                                  f"{label}: trajectory-averaged Jacobian row similarity and activity correlation are "
                                  "highly similar", r_tr, strength["high_r"], "high_r", words="were highly similar",
                                  paper="fig3.scatter", quantity="r", fisher_z=True)[0],
            claims.t_claim(f"fig3.trajectory_beats_fixed_point_{name}",
                       f"{label}: the trajectory Jacobian relates more to activity correlation than the slow-point "
                       "Jacobian",
                       block["ttest_trajectory_vs_fixed_point"], n, "greater",
                       f"mean r {block['r_trajectory']['mean']:.3f} vs {block['r_fixed_point']['mean']:.3f}",
                       paper="fig3.traj_gt_fp"),
            claims.t_claim(f"fig3.trajectory_jacobian_beats_w_rec_rows_{name}",
                       f"{label}: trajectory-Jacobian row similarity relates to activity correlation more than "
                       "W_rec row (in-weight) similarity", pr, n, "greater",
                       f"paired on Fisher z; mean r {np.mean(r_tr):.3f} vs {np.mean(r_rows):.3f}{deg}",
                       paper="fig3.weights_vs_jacobian"),
            claims.t_claim(f"fig3.trajectory_jacobian_beats_w_rec_columns_{name}",
                       f"{label}: trajectory-Jacobian row similarity relates to activity correlation more than "
                       "W_rec column (out-weight) similarity", pc, n, "greater",
                       f"paired on Fisher z; mean r {np.mean(r_tr):.3f} vs {np.mean(r_cols):.3f}",
                       paper="fig3.weights_vs_jacobian"),
        ]
    ex_name = next(iter(results))
    ex = out["ensembles"][ex_name]["modules_of_trajectory_jacobian_similarity"]["example"]
    res = results[ex_name]
    i = int(res["example_index"])
    ex.update({"network": int(res["model_index"][i]), "position": i,
               "rule": "network whose r_trajectory is closest to the ensemble median",
               "r_similarity_vs_correlation": float(res["r_trajectory"][i]),
               "n_live_units": int(res["example_live"].sum()), "ensemble": ex_name,
               "ari_jacobian_vs_correlation_modules": float(res["ari_vs_correlation"][i])
               if "ari_vs_correlation" in res else None})
    out["example"] = ex
    out["claims"].append(claims.claim(
        "fig3.example_jacobian_modules_beat_null",
        f"example {TASK_LABELS.get(ex_name, ex_name)} RNN: modules of Jacobian-row similarity induce more Q on the "
        "activity correlation than permuted partitions", test="label-permutation null (1-sided)",
        statistic=ex["q_induced"] - ex["q_null_mean"], p=ex["p"], n=int(res["q_null"].shape[1]),
        direction="greater",
        detail=f"network {ex['network']}: Q {ex['q_induced']:.3f} vs null {ex['q_null_mean']:.3f}",
        paper="fig3.perm_null"))
    for name, r in results.items():
        qi = out["ensembles"][name]["modules_of_trajectory_jacobian_similarity"]
        c, t = claims.strength_claim(
            f"fig3.induced_Q_very_good_fit_{name}",
            f"{TASK_LABELS.get(name, name)}: the Jacobian-similarity partition is a very good fit to the activity "
            "correlation across networks", r["q_induced"], Q_GOOD, "good_fit_q", words="we found a very good fit",
            paper="fig3.induced_Q", quantity="induced Q", chance=np.asarray(r["q_null"]).mean(axis=1),
            chance_label="each network's label-permutation null mean Q")
        qi["ttest_q_induced_vs_good_fit"] = t
        out["claims"].append(c)
        if "ari_vs_correlation" in r:
            a = r["ari_vs_correlation"]
            c, t = claims.strength_claim(
                f"fig3.partitions_highly_similar_{name}",
                f"{TASK_LABELS.get(name, name)}: Jacobian-similarity and activity-correlation modules are highly "
                "similar across networks", a, ARI_SIMILAR, "high_ari",
                words="clusters to form highly similar modules", paper="fig3.disc", quantity="ARI")
            qi["ari_vs_correlation_modules"] = {**st.describe(a), "ttest_vs_threshold": t}
            out["claims"].append(c)
    return out


def _trials_text(n) -> str:
    return "all analysed trials" if n == "all" else f"{int(n)} task trials"


def plot(data, stats_: dict):
    results = {task: data[f"jacobian_{task}"] for task in TASK_LABELS}
    fig = plotting.figure(180, 118)
    outer = fig.add_gridspec(2, 1)
    top, bottom = outer[0].subgridspec(1, 4), outer[1].subgridspec(1, 4)
    ex_name = stats_["example"]["ensemble"]
    res = results[ex_name]
    ex = stats_["example"]
    part = res["example_partition"]

    ax = fig.add_subplot(top[0])
    tr, trial = res["example_trajectory_pc"], res["example_trajectory_trial"]
    for k, t in enumerate(np.unique(trial)):
        ax.plot(*tr[trial == t].T, color=plotting.JACOBIAN_COLORS["trajectory"], lw=0.8, alpha=0.8,
                label="task trajectory" if k == 0 else None)
    fpc = res["example_fixed_points_pc"]
    ax.scatter(*fpc.T, s=6, color=plotting.JACOBIAN_COLORS["fixed_point"], zorder=3, label="slow points")
    var = res["example_pc_explained"]
    ax.set_xlabel(f"PC1 ({100 * var[0]:.0f}%)")
    ax.set_ylabel(f"PC2 ({100 * var[1]:.0f}%)")
    ax.legend(loc="best", fontsize=5.5)
    ax.set_title(f"{TASK_LABELS.get(ex_name, ex_name)} network {ex['network']}:\nwhere J is taken (3 trials shown)")
    plotting.panel_label(ax, "a")

    ax = fig.add_subplot(top[1])
    kinds = {"fixed_point": ("r_fixed_point", plotting.JACOBIAN_COLORS["fixed_point"], "J slow points"),
             "trajectory": ("r_trajectory", plotting.JACOBIAN_COLORS["trajectory"], "J trajectory"),
             "w_rec_rows": ("r_w_rec", plotting.WEIGHT_COLORS["w_rec_rows"], "W_rec rows (in)"),
             "w_rec_columns": ("r_w_rec_columns", plotting.WEIGHT_COLORS["w_rec_columns"], "W_rec cols (out)")}
    groups, positions, colors, ticks = [], [], [], []
    width = len(kinds) + 1
    for j, name in enumerate(results):
        for k, (key, color, _) in enumerate(kinds.values()):
            groups.append(results[name][key])
            positions.append(width * j + k + 1)
            colors.append(color)
        ticks.append((width * j + (len(kinds) + 1) / 2, TASK_LABELS.get(name, name)))
    plotting.violins(ax, groups, positions, colors)
    ax.axhline(0, color="0.6", lw=0.6)
    ax.set_xticks([t for t, _ in ticks], [lab for _, lab in ticks])
    ax.set_ylabel("r (similarity vs correlation)")
    ymax = max(np.nanmax(g) for g in groups)
    for j, name in enumerate(results):
        b = stats_["ensembles"][name]
        t, tw = b["ttest_trajectory_vs_fixed_point"], b["paired_trajectory_vs_w_rec_rows"]
        jw = "J ≡ W rows" if b["contrast_with_w_rec_rows_degenerate"] else "J-W: " + plotting.format_p(tw["p"])
        ax.text(width * j + 2.5, ymax + 0.03, f"J: {plotting.format_p(t['p'])}\n{jw}", ha="center",
                fontsize=4.5, linespacing=1.1)
    ax.set_ylim(top=ymax + 0.25)
    handles = [plotting.plt.Line2D([], [], color=c, marker="o", ls="", ms=3) for _, c, _ in kinds.values()]
    ax.legend(handles, [lab for *_, lab in kinds.values()], loc="upper center", bbox_to_anchor=(0.5, -0.1),
              ncols=2, fontsize=5.5, handletextpad=0.1, columnspacing=0.8)
    n = {name: stats_["ensembles"][name]["n_networks"] for name in results}
    ax.set_title("all networks\n(" + ", ".join(f"{TASK_LABELS.get(k, k)} {v}" for k, v in n.items()) + ")")
    plotting.panel_label(ax, "b")

    ax = fig.add_subplot(top[2])
    J = res["example_J"]
    plotting.ordered_matrix(ax, J, part, vmax=float(np.quantile(np.abs(J), 0.99)), label="dF_i / dh_j", letter="c",
                            title=f"mean Jacobian along\n{_trials_text(stats_['settings']['trajectory_trials'])}")
    ax.set(xlabel="unit j", ylabel="unit i")

    plotting.induced_panels([fig.add_subplot(top[3]), fig.add_subplot(bottom[0]), fig.add_subplot(bottom[1])],
                            res["example_S"], res["example_C"], part, ex, res["q_null"][ex["position"]], source_label="cosine",
                            source_name="Jacobian row similarity", target_label="r", target_name="activity correlation",
                            null_label="Jacobian modules", letters="def")

    ax = fig.add_subplot(bottom[2])
    plotting.pair_scatter(ax, res["example_S"], res["example_C"], "Jacobian row similarity (cosine)",
                    ex["r_similarity_vs_correlation"])
    plotting.panel_label(ax, "g")

    ax = fig.add_subplot(bottom[3])
    b = stats_["ensembles"][ex_name]["modules_of_trajectory_jacobian_similarity"]
    plotting.paired_q(ax, res, f"{TASK_LABELS.get(ex_name, ex_name)}: "
                f"{plotting.format_p(b['ttest_q_induced_vs_null_mean']['p'])}\n"
                f"{100 * b['fraction_p_below_0.05']:.0f}% perm. p < 0.05")
    plotting.panel_label(ax, "h")

    s = stats_["settings"]
    degenerate = [TASK_LABELS.get(k, k) for k, v in stats_["ensembles"].items() if v["contrast_with_w_rec_rows_degenerate"]]
    counts = "; ".join(f"{TASK_LABELS.get(k, k)}: {v['n_networks']} of {v['n_trained']} trained RNNs "
                       f"(accuracy >= {v['min_accuracy']})" for k, v in stats_["ensembles"].items())
    plotting.stamp(fig, plotting.scale_note(stats_["scale"], counts) +
             f" Slow points: {s['n_inits']} inits, {s['n_steps']} Adam steps, q < {s['speed_tol']:g}; "
             f"trajectory J: {_trials_text(s['trajectory_trials'])}; {s['n_perm']} permutations; units silent or "
             f"inactive along the trajectory left out. Example: network closest to the median r (trajectory J)."
             + (f" With dt = tau (alpha = 1; {', '.join(degenerate)}) trajectory-J row similarity equals W_rec row "
                "similarity: the J-vs-W contrast is degenerate." if degenerate else ""))
    return fig
