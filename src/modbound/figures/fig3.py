"""Fig 3: the cosine similarity of the rows of the Jacobian predicts the modular structure of the activity.

Inputs: :func:`modbound.dynamics_analysis.jacobian_analysis` of the PDM and GNG ensembles (the PDM network
is the example of panels a, c-g).
"""

from __future__ import annotations

import numpy as np

from .. import claims, ensembles, nulls, plotting
from .. import stats as st
from ..dynamics_analysis import figure_settings

TASK_LABELS = {"pdm": "PDM", "gng": "GNG"}


def stats(data, *, scale: str, dynamics: dict, analysis: dict, seed: int) -> dict:
    """Every number Fig 3 shows, for the PDM and GNG ensembles (inputs jacobian_<task>, evaluation_<task>,
    manifest_<task>)."""
    results = {task: data[f"jacobian_{task}"] for task in TASK_LABELS}
    evaluations = {task: data[f"evaluation_{task}"] for task in TASK_LABELS}
    manifests = {task: data[f"manifest_{task}"] for task in TASK_LABELS}
    settings = figure_settings("jacobian", dynamics, analysis, seed=seed)
    out = {"figure": "fig3", "scale": scale, "settings": settings, "ensembles": {}, "claims": [],
           "note": ("alpha = dt / tau = 1: the mean Jacobian's row i is row i of W_rec times the fraction of "
                    "steps (or slow points) where unit i is active, so the row cosine similarity of the "
                    "trajectory Jacobian equals that of W_rec for units active at least once (r_w_rec).")}
    for name, res in results.items():
        label = TASK_LABELS.get(name, name)
        n = int(res["model_index"].size)
        r_fp, r_tr = res["r_fixed_point"], res["r_trajectory"]
        block = {
            **ensembles.summary(res["model_index"], evaluations[name], manifests[name], name),
            "r_fixed_point": {**st.describe(r_fp), **st.ttest_1samp_r(r_fp)},
            "r_trajectory": {**st.describe(r_tr), **st.ttest_1samp_r(r_tr)},
            "r_w_rec_reference": st.describe(res["r_w_rec"]),
            "ttest_trajectory_vs_fixed_point": st.ttest_ind(r_tr, r_fp),
            "slow_points_kept": st.describe(res["n_kept"]),
            "slow_point_q_median": st.describe(res["q_kept_median"]),
            "networks_with_no_point_below_speed_tol": int(res["fp_fallback"].sum()),
            "silent_units_excluded": st.describe(res["n_silent"]),
            "modules_of_trajectory_jacobian_similarity": {
                **nulls.null_summary(res, res["q_null"].shape[1]), "q_similarity": st.describe(res["q_similarity"])},
            "n_trajectory_steps": int(res["n_trajectory_steps"]), "n_time_steps": int(res["n_steps_used"]),
            "fixed_point_input": res["fixed_point_input"],
        }
        out["ensembles"][name] = block
        out["claims"] += [
            claims.t_claim(f"fig3.fixed_point_jacobian_tracks_correlation_{name}",
                       f"{label}: cosine similarity of Jacobian rows at slow points correlates with activity "
                       "correlation",
                       block["r_fixed_point"], n, "greater", f"mean r = {block['r_fixed_point']['mean']:.3f}"),
            claims.t_claim(f"fig3.trajectory_jacobian_tracks_correlation_{name}",
                       f"{label}: cosine similarity of trajectory-averaged Jacobian rows correlates with activity "
                       "correlation",
                       block["r_trajectory"], n, "greater", f"mean r = {block['r_trajectory']['mean']:.3f}"),
            claims.t_claim(f"fig3.trajectory_beats_fixed_point_{name}",
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
    ax.legend(loc="upper right", fontsize=5.5)
    ax.set_title(f"{TASK_LABELS.get(ex_name, ex_name)} network {ex['network']}:\nwhere J is taken")
    plotting.panel_label(ax, "a")

    ax = fig.add_subplot(top[1])
    groups, positions, colors, ticks = [], [], [], []
    for j, name in enumerate(results):
        for k, key in enumerate(("fixed_point", "trajectory")):
            groups.append(results[name][f"r_{key}"])
            positions.append(3 * j + k + 1)
            colors.append(plotting.JACOBIAN_COLORS[key])
        ticks.append((3 * j + 1.5, TASK_LABELS.get(name, name)))
    plotting.violins(ax, groups, positions, colors)
    ax.axhline(0, color="0.6", lw=0.6)
    ax.set_xticks([t for t, _ in ticks], [lab for _, lab in ticks])
    ax.set_ylabel("r (J similarity vs correlation)")
    ymax = max(np.nanmax(g) for g in groups)
    for j, name in enumerate(results):
        t = stats_["ensembles"][name]["ttest_trajectory_vs_fixed_point"]
        ax.text(3 * j + 1.5, ymax + 0.04, plotting.format_p(t["p"]), ha="center", fontsize=5.5)
    ax.set_ylim(top=ymax + 0.15)
    handles = [plotting.plt.Line2D([], [], color=c, marker="o", ls="", ms=3) for c in plotting.JACOBIAN_COLORS.values()]
    ax.legend(handles, ["slow points", "trajectory"], loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=2,
              fontsize=5.5, handletextpad=0.1, columnspacing=0.8)
    n = {name: stats_["ensembles"][name]["n_networks"] for name in results}
    ax.set_title("all networks\n(" + ", ".join(f"{TASK_LABELS.get(k, k)} {v}" for k, v in n.items()) + ")")
    plotting.panel_label(ax, "b")

    ax = fig.add_subplot(top[2])
    J = res["example_J"]
    plotting.ordered_matrix(ax, J, part, vmax=float(np.quantile(np.abs(J), 0.99)), label="dF_i / dh_j", letter="c",
                            title=f"mean Jacobian along\n{int(stats_['settings']['trajectory_trials'])} task trials")
    ax.set(xlabel="unit j", ylabel="unit i")

    plotting.induced_panels([fig.add_subplot(top[3]), fig.add_subplot(bottom[0]), fig.add_subplot(bottom[1])],
                            res["example_S"], res["example_C"], part, ex, res["q_null"][0], source_label="cosine",
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
    counts = "; ".join(f"{TASK_LABELS.get(k, k)}: {v['n_networks']} of {v['n_trained']} trained RNNs "
                       f"(accuracy >= {v['min_accuracy']})" for k, v in stats_["ensembles"].items())
    plotting.stamp(fig, plotting.scale_note(stats_["scale"], counts) +
             f" Slow points: {s['n_inits']} inits, {s['n_steps']} Adam steps, q < {s['speed_tol']:g}; "
             f"trajectory J: {s['trajectory_trials']} trials; {s['n_perm']} permutations; silent units left out.")
    return fig
