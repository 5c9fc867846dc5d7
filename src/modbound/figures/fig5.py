"""Fig 5 (sign-based input modules) and Fig S12 (difference-based): lesioning recurrent weights within
input-defined modules has circumscribed effects on the evidence a perturbation drives the network to hold.

Inputs: :func:`modbound.analyses.dynamics_analysis.perturbation_analysis` of the PDM ensemble and, for the example
network's slow points (Fig 5b), :func:`modbound.analyses.dynamics_analysis.fixed_points`.
"""

from __future__ import annotations

import numpy as np

from modbound.reporting import claims, plotting
from modbound.models import ensembles
from modbound.core import stats as st
from modbound.analyses.dynamics import project
from modbound.analyses.dynamics_analysis import PARTITION_KINDS, figure_settings, kept_points, line_fraction, perturbation_specificity, task_slow_points

KIND_OF_FIGURE = {"fig5": "sign", "figS12": "difference"}
KIND_LABEL = {"sign": "sign of W_in(stim 1)", "difference": "W_in(stim 1) vs W_in(stim 2)"}


PAPER_IDS = {"fig5": ("fig5.h_mod1", "fig5.h_mod2"), "figS12": ("s12.diff_mod1", "s12.diff_mod2")}


def _conditions(res: dict, kind: str) -> np.ndarray:
    """Distances ``[n, module, level, stimulus]`` of one partition kind."""
    return res["distance"][:, PARTITION_KINDS.index(kind)]


def stats(data, *, scale: str, dynamics: dict, ensemble: str, strength: dict, figure: str = "fig5") -> dict:
    res, evaluation, manifest = data["analysis"], data["evaluation"], data["manifest"]
    settings = figure_settings("perturbation", dynamics, ensemble=ensemble)
    kind = KIND_OF_FIGURE[figure]
    k = PARTITION_KINDS.index(kind)
    d = _conditions(res, kind)
    n = int(d.shape[0])
    K = int(res["levels"][-1])
    out = {"figure": figure, "scale": scale, "partition": kind, "partition_rule": KIND_LABEL[kind],
           **ensembles.summary(res["model_index"], evaluation, manifest, settings["ensemble"]),
           "settings": settings, "max_lesions": K,
           "distance_definition": ("decision variable out[choice 1] - out[choice 2] at the end of the perturbation, "
                                   "signed toward the perturbed stimulus's choice (+ for stimulus 1, - for "
                                   "stimulus 2); 0 = decision boundary"),
           "module_size": {f"module{m + 1}": st.describe(res["module_size"][:, k, m]) for m in range(2)},
           "eligible_weights": {f"module{m + 1}": st.describe(res["n_eligible"][:, k, m]) for m in range(2)},
           "conditions": {}, "mean_curves": {}, "claims": []}
    for m in range(2):
        for s in range(2):
            key = f"lesion_module{m + 1}_perturb_stim{s + 1}"
            d0, dK = d[:, m, 0, s], d[:, m, -1, s]
            out["conditions"][key] = {"distance_unlesioned": st.describe(d0), f"distance_after_{K}": st.describe(dK),
                                      "relative_after": st.describe(dK / d0)}
            curve = d[:, m, :, s]
            out["mean_curves"][key] = {"mean": curve.mean(axis=0),
                                       "sem": curve.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else None}
        t = st.ttest_ind(d[:, m, -1, 0], d[:, m, -1, 1])
        rel = st.ttest_ind(d[:, m, -1, 0] / d[:, m, 0, 0], d[:, m, -1, 1] / d[:, m, 0, 1])
        out[f"ttest_module{m + 1}_stim1_vs_stim2"] = t
        out[f"ttest_module{m + 1}_stim1_vs_stim2_relative"] = rel
        direction = "less" if m == 0 else "greater"
        closer = "stimulus-1" if m == 0 else "stimulus-2"
        out["claims"].append(claims.t_claim(
            f"{figure}.lesion_module{m + 1}_specific",
            f"after {K} within-module lesions of module {m + 1} ({kind}-based), {closer} perturbations end closer "
            f"to the decision boundary than the other stimulus's", t, n, direction,
            f"mean distance stim 1 {t['mean_a']:.3g} vs stim 2 {t['mean_b']:.3g}",
            paper=PAPER_IDS[figure][m]))
    e = int(res["example_index"])
    spec = perturbation_specificity(d)
    out["example"] = {"network": int(res["model_index"][e]), "position": e,
                      "rule": "network whose lesion specificity (sign-based modules; Fig S12 shows the same network) "
                              "is closest to the ensemble median",
                      "specificity": float(spec[e]),
                      "levels": res["example_levels"],
                      "distance": {f"lesion_module{m + 1}_perturb_stim{s + 1}":
                                   d[e, m, res["example_levels"], s] for m in range(2) for s in range(2)}}
    t = st.ttest_1samp(spec, 0.0)
    out["specificity"] = {**st.describe(spec), "ttest": t}
    out["claims"].append(claims.t_claim(
        f"{figure}.lesion_crossover", "module x stimulus interaction: each module's lesions pull its own stimulus's "
        "perturbation toward the boundary more than the other's (unique, isolated effects)", t, None, "greater",
        f"(d[m1,s2]-d[m1,s1]) + (d[m2,s1]-d[m2,s2]) after {K} lesions, mean {out['specificity']['mean']:.3g}",
        paper="fig5.disc"))
    if figure == "fig5":
        for s_ in range(2):
            t = st.ttest_1samp(d[:, 0, 0, s_], 0.0)
            out[f"unlesioned_stim{s_ + 1}_distance"] = {**st.describe(d[:, 0, 0, s_]), "ttest": t,
                                                        "fraction_on_own_side": float(np.mean(d[:, 0, 0, s_] > 0))}
            out["claims"].append(claims.t_claim(
                f"fig5.perturb_stim{s_ + 1}_away_from_boundary", f"without lesions, a stimulus-{s_ + 1} perturbation "
                "ends on its own choice's side of the decision boundary (opposite ends for the two stimuli)", t, None,
                "greater", f"mean signed distance {np.mean(d[:, 0, 0, s_]):.3g}; "
                f"{100 * out[f'unlesioned_stim{s_ + 1}_distance']['fraction_on_own_side']:.0f}% of networks",
                paper="fig5.perturb"))
        fp = data["fixed_points"]
        kept, _ = kept_points(fp["q"][: d.shape[0]], float(settings["speed_tol"]))
        lf_all = np.array([line_fraction(fp["states"][i][kept[i]]) for i in range(d.shape[0])])
        task = task_slow_points(fp, d.shape[0], float(settings["speed_tol"]))
        n_task = task.sum(axis=1)
        min_pts = int(settings["line_min_points"])
        lf = np.array([line_fraction(fp["states"][i][task[i]]) if n_task[i] >= min_pts else np.nan
                       for i in range(d.shape[0])])
        n_out = int(np.sum(n_task < min_pts))
        ok = np.isfinite(lf)
        # no line: the variance spread evenly over the dimensions the measured points span
        even = np.array([1.0 / max(1, min(fp["states"][i].shape[-1], int(n_task[i]) - 1)) for i in range(d.shape[0])])
        c, t = claims.strength_claim(
            "fig5.slow_points_on_a_line", "slow points reached from stimulus-period task states lie on an approximate "
            f"line attractor (share of their variance on the first principal axis; example {lf[e]:.3f}; {n_out} of "
            f"{lf.size} networks with fewer than {min_pts} such points left out)", lf[ok], strength["line_fraction"],
            "line_fraction", words="results in an approximate line attractor", paper="fig5.line_attractor",
            quantity="first-axis variance fraction", chance=even[ok],
            chance_label="an even spread over the dimensions the slow points span (1 / min(units, points - 1))")
        out["slow_points_line_fraction"] = {
            **st.describe(lf), "ttest": t, "example": float(lf[e]),
            "rule": "slow points reached from stimulus-period task states: end points of the search's starts drawn "
                    f"from a stimulus-period step with q below speed_tol (no fallback); per network the first-axis "
                    f"variance fraction, networks with fewer than {min_pts} such points left out (docs/methods_fig5.md)",
            "n_points_per_network": st.describe(n_task), "n_networks_left_out": n_out}
        out["slow_points_line_fraction_all_starts"] = {
            **st.describe(lf_all), "example": float(lf_all[e]),
            "note": "secondary, not tested: every kept slow point, from starts in any task period (the old measure; "
                    "it depends on the search's length and number of starts)"}
        out["claims"].append(c)
        for m in range(2):
            own, other = d[e, m, -1, m], d[e, m, -1, 1 - m]
            out["claims"].append(claims.claim(
                f"fig5.example_module{m + 1}_lesions_own_stimulus_closer",
                f"example network: after {K} lesions of module {m + 1}, the stimulus-{m + 1} perturbation ends "
                "closer to the boundary than the other stimulus's", test="single network (no test; the number only)",
                statistic=other - own, p=None, n=1, direction="greater",
                detail=f"network {out['example']['network']}: distance own {own:.3g} vs other {other:.3g}",
                paper=f"fig5.mod{m + 1}_example"))
    return out


def _decision_line(ax, res: dict, xlim, ylim) -> None:
    """Decision boundary (out[choice 1] = out[choice 2]) in the PC1-PC2 plane through the mean activity."""
    g = res["pc_components"] @ res["readout_diff"]
    a = float(res["readout_diff"] @ res["pc_mean"] + res["readout_bias"])
    # drawn over three times the limits: the shading still fills the axes when a legend raises their top
    (x0, x1), (y0, y1) = xlim, ylim
    xs, ys = np.meshgrid(np.linspace(2 * x0 - x1, 2 * x1 - x0, 600), np.linspace(2 * y0 - y1, 2 * y1 - y0, 600))
    z = a + g[0] * xs + g[1] * ys
    ax.contourf(xs, ys, np.sign(z), levels=[-2, 0, 2], colors=[plotting.STIMULUS_COLORS[1], plotting.STIMULUS_COLORS[0]],
                alpha=0.08, zorder=0)
    ax.contour(xs, ys, z, levels=[0.0], colors="k", linewidths=1.0, linestyles="--", zorder=1)


def _activity(ax, res: dict, alpha: float = 0.35) -> tuple:
    """Task trajectories of the example network in PC space, coloured by the correct choice."""
    scores = project(res["example_activity"], res["pc_mean"], res["pc_components"])
    trial, truth = res["example_trial"], res["example_ground_truth"]
    c1 = int(res["choice_units"][0])
    for t in np.unique(trial):
        sel = trial == t
        ax.plot(*scores[sel].T, lw=0.5, alpha=alpha, color=plotting.STIMULUS_COLORS[0 if truth[t] == c1 else 1])
    var = res["pc_explained"]
    ax.set_xlabel(f"PC1 ({100 * var[0]:.0f}%)")
    ax.set_ylabel(f"PC2 ({100 * var[1]:.0f}%)")
    return scores


def _limits(*point_sets, pad: float = 0.08):
    pts = np.concatenate([np.asarray(p).reshape(-1, 2) for p in point_sets if np.size(p)])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    return (lo[0] - pad * span[0], hi[0] + pad * span[0]), (lo[1] - pad * span[1], hi[1] + pad * span[1])


def _schematic_inputs(ax, amplitude: float) -> None:
    ax.axis("off")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    names = ["fixation", "stim 1", "stim 2"]
    for i, (name, y) in enumerate(zip(names, (0.78, 0.5, 0.22))):
        ax.text(0.02, y, name, va="center", fontsize=6)
        t = np.linspace(0.3, 0.95, 50)
        base = np.where(t > 0.38, 1.0, 0.0) if i == 0 else np.zeros_like(t)
        ax.plot(t, y - 0.07 + 0.06 * base, color="0.3", lw=0.8)
        if i > 0:
            pert = np.where(t > 0.38, 1.0, 0.0)
            ax.plot(t, y - 0.07 + 0.14 * pert, color=plotting.STIMULUS_COLORS[i - 1], lw=1.2, ls="--")
    ax.text(0.62, 0.02, f"perturbation: one stimulus held at {amplitude:g}\n(green: stim 1, purple: stim 2)",
            ha="center", va="bottom", fontsize=5.5)


def _lesion_matrix(ax, res: dict, k: int, K: int, e: int) -> None:
    """Example network's W_rec ordered by its input modules (``e``: its position); the K lesioned weights of each
    module marked."""
    from modbound.analyses.dynamics import within_module_rank

    members = res["members"][e, k]  # [2, H], the example network's modules
    W = res["example_W_rec"]
    part = np.where(members[0], 0, 1)
    order = plotting.ordered_matrix(ax, W, part, vmax=float(np.quantile(np.abs(W), 0.99)), label="W_rec")
    pos = np.empty_like(order)
    pos[order] = np.arange(order.size)
    for m in range(2):
        rank, _ = within_module_rank(W[None], members[m][None])
        i, j = np.nonzero(rank[0] < K)
        ax.scatter(pos[j], pos[i], s=1.5, marker="s", color="k", linewidths=0)
    ax.set_title(f"W_rec by input module; the {K}\nlesioned weights of each in black")


def _endpoints(ax, res: dict, k: int, module: int, fixed_pc=None) -> None:
    """End points of both perturbations after 0..K lesions of one module (colour: number of lesions)."""
    mean, comps = res["pc_mean"], res["pc_components"]
    scores = _activity(ax, res, alpha=0.12)
    ends = project(res["example_end"][k, module], mean, comps)  # [L, 2, 2]
    levels = res["levels"]
    traj = project(res["example_trajectories"][k, module], mean, comps)  # [E, 2, T, 2]
    xlim, ylim = _limits(scores, ends, traj)
    _decision_line(ax, res, xlim, ylim)
    for s in range(2):
        ax.plot(*traj[0, s].T, color=plotting.STIMULUS_COLORS[s], lw=0.8)
        ax.plot(*traj[-1, s].T, color=plotting.STIMULUS_COLORS[s], lw=0.8, ls=":")
        sc = ax.scatter(*ends[:, s].T, c=levels, cmap="viridis", s=5, zorder=3, linewidths=0)
    plotting.colorbar(sc, ax, "lesions")
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    n_les = int(res["example_levels"][-1])
    ax.set_title(f"lesion module {module + 1}: end points\n(line: intact; dotted: {n_les} lesions)")


def _curves(ax, res: dict, stats_: dict, kind: str, module: int) -> None:
    d = _conditions(res, kind)[:, module]  # [n, L, 2]
    levels = res["levels"]
    for s in range(2):
        mean = d[:, :, s].mean(axis=0)
        ax.plot(levels, mean, color=plotting.STIMULUS_COLORS[s], label=f"perturb stim {s + 1}")
        if d.shape[0] > 1:
            sem = d[:, :, s].std(axis=0, ddof=1) / np.sqrt(d.shape[0])
            ax.fill_between(levels, mean - sem, mean + sem, color=plotting.STIMULUS_COLORS[s], alpha=0.2, linewidths=0)
    ax.axhline(0, color="k", lw=0.6, ls="--")
    t = stats_[f"ttest_module{module + 1}_stim1_vs_stim2"]
    ax.set_xlabel("within-module lesions")
    ax.set_ylabel("distance to decision boundary")
    ax.set_title(f"lesion module {module + 1} ({stats_['n_networks']} RNNs)\n"
                 f"stim 1 vs 2, {plotting.format_p(t['p'])}")
    ax.legend(loc="best", fontsize=5.5)


def _final_boxes(ax, res: dict, kind: str) -> None:
    d = _conditions(res, kind)[:, :, -1]  # [n, module, stim]
    groups = [d[:, m, s] for m in range(2) for s in range(2)]
    plotting.boxplot(ax, groups, ["mod 1\nstim 1", "mod 1\nstim 2", "mod 2\nstim 1", "mod 2\nstim 2"],
                     colors=[plotting.STIMULUS_COLORS[s] for _ in range(2) for s in range(2)])
    ax.axhline(0, color="k", lw=0.6, ls="--")
    ax.set_ylabel(f"distance after {int(res['levels'][-1])} lesions")
    ax.set_title(f"four conditions after\n{int(res['levels'][-1])} lesions")


def plot(data, stats_: dict):
    res, fp = data["analysis"], data["fixed_points"]
    figure = stats_["figure"]
    kind = stats_["partition"]
    k = PARTITION_KINDS.index(kind)
    K = int(res["levels"][-1])
    net = stats_["example"]["network"]
    if figure == "figS12":
        fig = plotting.figure(180, 68)
        gs = fig.add_gridspec(1, 4)
        ax = fig.add_subplot(gs[0])
        W = res["example_W_in"]
        cols = res["stimulus_columns"]
        one = res["members"][int(stats_["example"]["position"]), k, 0]  # the example network's module 1
        for m, sel in enumerate((one, ~one)):
            ax.scatter(W[sel, cols[0]], W[sel, cols[1]], s=6, color=plotting.module_color(m), label=f"module {m + 1}")
        lim = np.abs(W[:, cols]).max() * 1.05
        ax.plot([-lim, lim], [-lim, lim], color="0.5", lw=0.6, ls="--")
        ax.set_xlabel("W_in from stim 1")
        ax.set_ylabel("W_in from stim 2")
        ax.legend(loc="best", fontsize=5.5)
        ax.set_title(f"difference-based modules\n(network {net})")
        plotting.panel_label(ax, "a")
        for m, letter in ((0, "b"), (1, "c")):
            ax = fig.add_subplot(gs[1 + m])
            _curves(ax, res, stats_, kind, m)
            plotting.panel_label(ax, letter)
        ax = fig.add_subplot(gs[3])
        _final_boxes(ax, res, kind)
        plotting.panel_label(ax, "d")
    else:
        fig = plotting.figure(180, 165)
        rows = fig.add_gridspec(3, 1, height_ratios=[1, 1, 1])
        top, mid, low = rows[0].subgridspec(1, 4), rows[1].subgridspec(1, 3), rows[2].subgridspec(1, 3)
        ax = fig.add_subplot(top[0])
        _schematic_inputs(ax, float(stats_["settings"]["amplitude"]))
        ax.set_title("perturbation trials\n(schematic)")
        plotting.panel_label(ax, "a", dx_in=0.05)

        mean, comps = res["pc_mean"], res["pc_components"]
        fixed, other = np.zeros((0, 2)), np.zeros((0, 2))
        if fp is not None:
            e = int(stats_["example"]["position"])
            tol = float(stats_["settings"]["speed_tol"])
            kept, _ = kept_points(fp["q"][e:e + 1], tol)
            task = task_slow_points({"q": fp["q"][e:e + 1], "init_period": fp["init_period"][e:e + 1]}, 1, tol)
            fixed = project(fp["states"][e][task[0]], mean, comps)  # the measure's points
            other = project(fp["states"][e][kept[0] & ~task[0]], mean, comps)
        ax = fig.add_subplot(top[1])
        scores = _activity(ax, res)
        rest = ax.scatter(*other.T, s=4, color="0.55", marker="x", linewidths=0.5, zorder=3)
        pts = ax.scatter(*fixed.T, s=5, color="#d62728", zorder=4)
        handles = [plotting.plt.Line2D([], [], color=c) for c in plotting.STIMULUS_COLORS]
        legend = ax.legend(handles + [pts, rest], ["stim 1 correct", "stim 2 correct",
                                                   f"slow pts from stimulus period ({len(fixed)})",
                                                   f"other slow pts ({len(other)})"], loc="upper left", fontsize=5)
        clear = [(ax, legend, float(np.concatenate([scores[:, 1], fixed[:, 1], other[:, 1]]).max()))]
        ax.set_title(f"network {net}: stimulus-period\nactivity, slow points")
        plotting.panel_label(ax, "b")

        ax = fig.add_subplot(top[2])
        _activity(ax, res)
        xlim, ylim = _limits(scores)
        _decision_line(ax, res, xlim, ylim)
        ax.set_xlim(xlim)
        ax.set_ylim(ylim)
        ax.set_title("decision boundary\n(dashed): out[1] = out[2]")  # output units of choices 1, 2
        plotting.panel_label(ax, "c")

        ax = fig.add_subplot(top[3])
        _activity(ax, res, alpha=0.12)
        traj = project(res["example_trajectories"][k, 0, 0], mean, comps)  # [2 stim, T, 2] at 0 lesions
        xlim, ylim = _limits(scores, traj)
        _decision_line(ax, res, xlim, ylim)
        for s in range(2):
            ax.plot(*traj[s].T, color=plotting.STIMULUS_COLORS[s], lw=1.2, label=f"perturb stim {s + 1}")
            ax.scatter(*traj[s, -1], marker="*", s=50, color=plotting.STIMULUS_COLORS[s], zorder=4, edgecolors="k",
                       linewidths=0.3)
        ax.scatter(*traj[0, 0], marker="*", s=50, color="k", zorder=4, label="start")
        ax.set_xlim(xlim)
        ax.set_ylim(ylim)
        legend = ax.legend(loc="upper left", fontsize=5, markerscale=0.6)
        clear.append((ax, legend, float(np.concatenate([scores[:, 1], traj[..., 1].ravel()]).max())))
        ax.set_title(f"perturbation trials\n({int(stats_['settings']['n_steps'])} steps, intact network)")
        plotting.panel_label(ax, "d")

        ax = fig.add_subplot(mid[0])
        _lesion_matrix(ax, res, k, K, int(stats_["example"]["position"]))
        plotting.panel_label(ax, "e")
        for m, letter in ((0, "f"), (1, "g")):
            ax = fig.add_subplot(mid[1 + m])
            _endpoints(ax, res, k, m)
            plotting.panel_label(ax, letter)
        for m, letter in ((0, "h"), (1, "i")):
            ax = fig.add_subplot(low[m])
            _curves(ax, res, stats_, kind, m)
            plotting.panel_label(ax, letter)
        ax = fig.add_subplot(low[2])
        _final_boxes(ax, res, kind)
        plotting.panel_label(ax, "j")
    s = stats_["settings"]
    plotting.stamp(fig, plotting.scale_note(stats_["scale"], plotting.ensemble_counts(stats_, "PDM")) + f" Modules: {KIND_LABEL[kind]}. Perturbation: stimulus input held at "
        f"{s['amplitude']:g} for {s['n_steps']} steps from the state after fixation; lesions: largest positive "
        f"within-module W_rec, one at a time, up to {K}; curves: mean +- sem.")
    if figure != "figS12":
        plotting.keep_legends_clear(fig, clear)  # panels b, d: their legends above every trajectory
    return fig
