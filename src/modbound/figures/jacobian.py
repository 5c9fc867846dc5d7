"""Fig 3: the cosine similarity of the rows of the Jacobian predicts the modular structure of the activity.

Inputs: :func:`modbound.dynamics_analysis.jacobian_analysis` of the PDM and GNG ensembles (the PDM network
is the example of panels a, c-g).
"""

from __future__ import annotations

import numpy as np

from .. import claims, plotting
from .. import stats as st
from . import dynamics_common as dc

TASK_LABELS = {"pdm": "PDM", "gng": "GNG"}


def stats(results: dict, *, scale: str, evaluations: dict, manifests: dict, settings: dict) -> dict:
    """Every number Fig 3 shows; ``results`` maps ensemble name ("pdm", "gng") to its analysis."""
    out = {"figure": "fig3", "scale": scale, "settings": settings, "ensembles": {}, "claims": [],
           "note": ("alpha = dt / tau = 1: the mean Jacobian's row i is row i of W_rec times the fraction of "
                    "steps (or slow points) where unit i is active, so the row cosine similarity of the "
                    "trajectory Jacobian equals that of W_rec for units active at least once (r_w_rec).")}
    for name, res in results.items():
        label = TASK_LABELS.get(name, name)
        n = int(res["model_index"].size)
        r_fp, r_tr = res["r_fixed_point"], res["r_trajectory"]
        block = {
            **dc.ensemble_info(res["model_index"], evaluations[name], manifests[name], name),
            "r_fixed_point": {**st.describe(r_fp), **st.ttest_1samp_r(r_fp)},
            "r_trajectory": {**st.describe(r_tr), **st.ttest_1samp_r(r_tr)},
            "r_w_rec_reference": st.describe(res["r_w_rec"]),
            "ttest_trajectory_vs_fixed_point": st.ttest_ind(r_tr, r_fp),
            "slow_points_kept": st.describe(res["n_kept"]),
            "slow_point_q_median": st.describe(res["q_kept_median"]),
            "networks_with_no_point_below_speed_tol": int(res["fp_fallback"].sum()),
            "silent_units_excluded": st.describe(res["n_silent"]),
            "modules_of_trajectory_jacobian_similarity": {
                **dc.null_summary(res, res["q_null"].shape[1]), "q_similarity": st.describe(res["q_similarity"])},
            "n_trajectory_steps": int(res["n_trajectory_steps"]), "n_time_steps": int(res["n_steps_used"]),
            "fixed_point_input": res["fixed_point_input"],
        }
        out["ensembles"][name] = block
        out["claims"] += [
            dc.t_claim(f"fig3.fixed_point_jacobian_tracks_correlation_{name}",
                       f"{label}: cosine similarity of Jacobian rows at slow points correlates with activity "
                       "correlation",
                       block["r_fixed_point"], n, "greater", f"mean r = {block['r_fixed_point']['mean']:.3f}"),
            dc.t_claim(f"fig3.trajectory_jacobian_tracks_correlation_{name}",
                       f"{label}: cosine similarity of trajectory-averaged Jacobian rows correlates with activity "
                       "correlation",
                       block["r_trajectory"], n, "greater", f"mean r = {block['r_trajectory']['mean']:.3f}"),
            dc.t_claim(f"fig3.trajectory_beats_fixed_point_{name}",
                       f"{label}: the trajectory Jacobian relates more to activity correlation than the slow-point "
                       "Jacobian",
                       block["ttest_trajectory_vs_fixed_point"], n, "greater",
                       f"mean r {block['r_trajectory']['mean']:.3f} vs {block['r_fixed_point']['mean']:.3f}"),
        ]
    ex_name = next(iter(results))
    ex = out["ensembles"][ex_name]["modules_of_trajectory_jacobian_similarity"]["example"]
    res = results[ex_name]
    ex.update({"network": int(res["model_index"][0]), "r_similarity_vs_correlation": float(res["r_trajectory"][0]),
               "n_live_units": int(res["example_live"].sum()), "ensemble": ex_name})
    out["example"] = ex
    out["claims"].append(claims.claim(
        "fig3.example_jacobian_modules_beat_null",
        f"example {TASK_LABELS.get(ex_name, ex_name)} RNN: modules of Jacobian-row similarity induce more Q on the "
        "activity correlation than permuted partitions", test="label-permutation null (1-sided)",
        statistic=ex["q_induced"] - ex["q_null_mean"], p=ex["p"], n=int(res["q_null"].shape[1]),
        direction="greater",
        detail=f"network {ex['network']}: Q {ex['q_induced']:.3f} vs null {ex['q_null_mean']:.3f}"))
    return out


def plot(results: dict, stats_: dict):
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
        ax.plot(*tr[trial == t].T, color=dc.JACOBIAN_COLORS["trajectory"], lw=0.8, alpha=0.8,
                label="task trajectory" if k == 0 else None)
    fpc = res["example_fixed_points_pc"]
    ax.scatter(*fpc.T, s=6, color=dc.JACOBIAN_COLORS["fixed_point"], zorder=3, label="slow points")
    var = res["example_pc_explained"]
    ax.set_xlabel(f"PC1 ({100 * var[0]:.0f}%)")
    ax.set_ylabel(f"PC2 ({100 * var[1]:.0f}%)")
    ax.legend(loc="upper right", fontsize=5.5)
    ax.set_title(f"{TASK_LABELS.get(ex_name, ex_name)} network {ex['network']}:\nwhere J is taken")
    plotting.panel_label(ax, "a")

    ax = fig.add_subplot(top[1])
    groups, positions, colors, ticks = [], [], [], []
    for j, name in enumerate(results):
        for k, key in enumerate(("fixed_point", "trajectory")):
            groups.append(results[name][f"r_{key}"])
            positions.append(3 * j + k + 1)
            colors.append(dc.JACOBIAN_COLORS[key])
        ticks.append((3 * j + 1.5, TASK_LABELS.get(name, name)))
    dc.violins(ax, groups, positions, colors)
    ax.axhline(0, color="0.6", lw=0.6)
    ax.set_xticks([t for t, _ in ticks], [lab for _, lab in ticks])
    ax.set_ylabel("r (J similarity vs correlation)")
    ymax = max(np.nanmax(g) for g in groups)
    for j, name in enumerate(results):
        t = stats_["ensembles"][name]["ttest_trajectory_vs_fixed_point"]
        ax.text(3 * j + 1.5, ymax + 0.04, plotting.format_p(t["p"]), ha="center", fontsize=5.5)
    ax.set_ylim(top=ymax + 0.15)
    handles = [plotting.plt.Line2D([], [], color=c, marker="o", ls="", ms=3) for c in dc.JACOBIAN_COLORS.values()]
    ax.legend(handles, ["slow points", "trajectory"], loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=2,
              fontsize=5.5, handletextpad=0.1, columnspacing=0.8)
    n = {name: stats_["ensembles"][name]["n_networks"] for name in results}
    ax.set_title("all networks\n(" + ", ".join(f"{TASK_LABELS.get(k, k)} {v}" for k, v in n.items()) + ")")
    plotting.panel_label(ax, "b")

    ax = fig.add_subplot(top[2])
    J = res["example_J"]
    plotting.ordered_matrix(ax, J, part, vmax=float(np.quantile(np.abs(J), 0.99)), label="dF_i / dh_j")
    ax.set_title(f"mean Jacobian along\n{int(stats_['settings']['trajectory_trials'])} task trials")
    ax.set_ylabel("unit i")
    ax.set_xlabel("unit j")
    plotting.panel_label(ax, "c")

    ax = fig.add_subplot(top[3])
    plotting.ordered_matrix(ax, res["example_S"], part, vmax=1.0, label="cosine")
    ax.set_title(f"Jacobian row similarity:\n{ex['n_modules']} modules")
    plotting.panel_label(ax, "d")

    ax = fig.add_subplot(bottom[0])
    plotting.ordered_matrix(ax, res["example_C"], part, vmax=1.0, label="r")
    ax.set_title(f"activity correlation, same\norder: induced Q = {ex['q_induced']:.3f}")
    plotting.panel_label(ax, "e")

    ax = fig.add_subplot(bottom[1])
    dc.null_panel(ax, res["q_null"][0], ex["q_induced"], ex["p"], label="Jacobian modules")
    plotting.panel_label(ax, "f")

    ax = fig.add_subplot(bottom[2])
    dc.pair_scatter(ax, res["example_S"], res["example_C"], "Jacobian row similarity (cosine)",
                    ex["r_similarity_vs_correlation"])
    plotting.panel_label(ax, "g")

    ax = fig.add_subplot(bottom[3])
    b = stats_["ensembles"][ex_name]["modules_of_trajectory_jacobian_similarity"]
    dc.paired_q(ax, res, f"{TASK_LABELS.get(ex_name, ex_name)}: "
                f"{plotting.format_p(b['ttest_q_induced_vs_null_mean']['p'])}\n"
                f"{100 * b['fraction_p_below_0.05']:.0f}% perm. p < 0.05")
    plotting.panel_label(ax, "h")

    s = stats_["settings"]
    counts = "; ".join(f"{TASK_LABELS.get(k, k)}: {v['n_networks']} of {v['n_trained']} trained RNNs "
                       f"(accuracy >= {v['min_accuracy']})" for k, v in stats_["ensembles"].items())
    plotting.stamp(fig, plotting.scale_note(stats_["scale"], counts) +
             f" Slow points: {s['n_inits']} inits, {s['n_steps']} Adam steps, q < {s['speed_tol']:g}; "
             f"trajectory J: {s['trajectory_trials']} trials; {s['n_perm']} permutations; silent units left out.")
    return fig
