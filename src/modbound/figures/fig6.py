"""Fig 6 (GNG) and Fig S13 (PDM): units within a module contribute to the dynamics in a similar way.

Vector field on a PC1-PC2 grid; single-unit lesions give one flow-distance array per unit; their correlation
(lesion similarity) is compared with the activity correlation and its modules. Every network's grid states
are also run long under the constant input and classified by where they end (fixed point, periodic orbit,
neither): the paper's "all initial points fell onto a limit cycle" (Fig 6b,c). Each example is chosen by the
statistic of the claim its panels show: the vector field and long run (a, b) show the network whose fraction of
grid states on an orbit is closest to the ensemble median; the lesion panels (c-h) the network whose r(lesion
similarity, activity correlation) is closest to the ensemble median.
Input: :func:`modbound.analyses.dynamics_analysis.flow_analysis`.
"""

from __future__ import annotations

import numpy as np

from modbound.reporting import claims, plotting
from modbound.models import ensembles
from modbound import nulls
from modbound.core import stats as st
from modbound.analyses.dynamics_analysis import figure_settings, long_run_summary, similarity_summary, spread_ratio

TASK_LABELS = {"pdm": "PDM", "gng": "GNG"}
END_MARKERS = {0: ("x", "k", "fixed point"), 1: ("o", "#d62728", "periodic orbit"), 2: ("^", "#E69F00", "neither")}
# "all initial points fell onto a limit cycle": our reading (config paper_strength.limit_cycle_fraction) is "most"
LESION_TEXT = {"in_out": "the unit's recurrent in- and out-weights zeroed",
               "silence": "the unit's recurrent out-weights zeroed and its state held at 0"}


def stats(data, *, scale: str, dynamics: dict, seed: int, ensemble: str, strength: dict,
          figure: str = "fig6") -> dict:
    res, evaluation, manifest = data["analysis"], data["evaluation"], data["manifest"]
    settings = figure_settings("flow", dynamics, [res], seed=seed, ensemble=ensemble)
    n = int(res["model_index"].size)
    info, r, mods = similarity_summary(res, evaluation, manifest, settings["ensemble"])
    label = TASK_LABELS.get(info["task"], info["task"])
    out = {"figure": figure, "scale": scale, **info, "settings": settings,
           "grid": {"size": int(res["grid_size"]), "n_states": int(res["grid"].shape[0]),
                    "pc1_range": [float(res["axis1"][0]), float(res["axis1"][-1])],
                    "pc2_range": [float(res["axis2"][0]), float(res["axis2"][-1])],
                    "pc_explained": res["pc_explained"], "input": res["x"]},
           "example_speed": st.describe(res["speed"]),
           "r_lesion_similarity_vs_correlation": r,
           "modules_of_correlation_on_lesion_similarity": mods,
           "q_correlation": st.describe(res["q_correlation"]),
           "q_lesion_similarity_own_modules": st.describe(res["q_lesion_own"]),
           "ari_lesion_modules_vs_correlation_modules": st.describe(res["ari_own_vs_correlation"]),
           "mean_flow_distance": st.describe(res["mean_flow_distance"]),
           "lesion_similarity_within_minus_between_modules": {
               **st.describe(res["lesion_within_minus_between"]),
               "ttest": st.ttest_1samp(res["lesion_within_minus_between"], 0.0)},
           "silent_units_excluded": st.describe(res["n_silent"]),
           "units_whose_lesion_changes_nothing": st.describe(res["n_no_effect"]),
           "n_time_steps": int(res["n_steps_used"]), "claims": []}
    e = int(res["example_index"])
    ex = mods["example"]
    ex.update({"network": int(res["model_index"][e]), "position": e,
               "rule": "network whose r(lesion similarity, activity correlation) is closest to the ensemble median",
               "r_lesion_similarity_vs_correlation": float(res["r"][e]), "median_r": r["median"],
               "n_live_units": int(res["example_live"].sum())})
    out["example"] = ex
    fx = int(res["flow_example_index"])
    out["vector_field_example"] = {
        "network": int(res["model_index"][fx]), "position": fx,
        "rule": "network whose fraction of grid states on a periodic orbit after the long run is closest to the "
                "ensemble median (the limit-cycle claim's statistic)",
        "frac_orbit": float(res["frac_orbit"][fx]), "median_frac_orbit": float(np.median(res["frac_orbit"]))}
    traj = res["grid_trajectories_pc"]
    out["grid_end_state_spread_ratio"] = spread_ratio(traj[:, 0], traj[:, -1])
    majority = strength["limit_cycle_fraction"]
    out["long_run"] = lr = long_run_summary(res, majority)
    c, _ = claims.strength_claim(
        f"{figure}.grid_states_end_on_limit_cycle",
        f"{label}: after {lr['long_steps']} steps under the constant input, grid states end on a closed periodic "
        f"orbit, not a fixed point ({lr['n_networks_majority_orbit']}/{n} networks mostly on orbits; on fixed points "
        f"{lr['frac_fixed']['mean']:.3f}, neither {lr['frac_neither']['mean']:.3f})",
        lr["per_network"]["frac_orbit"], majority, "limit_cycle_fraction",
        words="all initial points fell onto a limit cycle", paper="fig6.limit_cycle" if figure == "fig6" else None,
        quantity="fraction on an orbit", chance=lr["per_network"]["frac_fixed"],
        chance_label="each network's fraction ending on a fixed point")
    out["claims"].append(c)
    t = mods["ttest_q_induced_vs_null_mean"]
    out["claims"] += [
        claims.t_claim(f"{figure}.lesion_similarity_tracks_correlation",
                   f"{label}: lesion similarity (correlation of flow-distance arrays) correlates with activity "
                   "correlation",
                   r, n, "greater", f"mean r = {r['mean']:.3f}; example r = {ex['r']:.3f}",
                   paper="fig6.lesion_vs_fc" if figure == "fig6" else "s13.lesion_vs_fc"),
        *([claims.strength_claim(f"{figure}.lesion_similarity_highly_related_to_correlation",
                                 f"{label}: lesion similarity and activity correlation are highly related",
                                 res["r"], strength["high_r"], "high_r", words="highly related",
                                 paper="fig6.lesion_vs_fc", quantity="r", fisher_z=True)[0]]
          if figure == "fig6" else []),
        claims.claim(f"{figure}.example_correlation_modules_in_lesion_similarity",
                     f"example {label} RNN: modules of the activity correlation induce more Q on the lesion similarity "
                     "than permuted partitions", test="label-permutation null (1-sided)",
                     statistic=ex["q_induced"] - ex["q_null_mean"], p=ex["p"], n=mods["n_perm"], direction="greater",
                     detail=f"network {ex['network']}: Q {ex['q_induced']:.3f} vs null {ex['q_null_mean']:.3f}",
                     paper="fig6.modules" if figure == "fig6" else "s13.modules"),
        claims.t_claim(f"{figure}.correlation_modules_in_lesion_similarity_across_networks",
                   f"across {label} RNNs, correlation modules induce more Q on lesion similarity than the null mean",
                   t, n, "greater", f"{mods['fraction_p_below_0.05']:.2f} of networks have p < 0.05",
                   paper="fig6.modules" if figure == "fig6" else "s13.modules"),
        claims.t_claim(f"{figure}.lesion_similarity_within_above_between",
                       f"{label}: lesions of units in the same correlation module have more similar effects than "
                       "lesions of units in different modules (mean lesion similarity within minus between)",
                       out["lesion_similarity_within_minus_between_modules"]["ttest"], None, "greater",
                       f"mean difference {out['lesion_similarity_within_minus_between_modules']['mean']}; the paper: "
                       "'highly similar' within vs 'disimilar' between",
                       paper="fig6.within_between" if figure == "fig6" else None),
    ]
    return out


def _pc_labels(ax, res):
    var = res["pc_explained"]
    ax.set_xlabel(f"PC1 ({100 * var[0]:.0f}%)")
    ax.set_ylabel(f"PC2 ({100 * var[1]:.0f}%)")


def plot(data, stats_: dict):
    res = data["analysis"]
    label = TASK_LABELS.get(stats_["task"], stats_["task"])
    ex = stats_["example"]
    vf = stats_["vector_field_example"]
    mods = stats_["modules_of_correlation_on_lesion_similarity"]
    part = res["example_partition"]
    n_grid = int(res["grid_size"])
    grid = res["grid"]
    fig = plotting.figure(180, 112)
    outer = fig.add_gridspec(2, 1)
    top, bottom = outer[0].subgridspec(1, 4), outer[1].subgridspec(1, 4)
    extent = (res["axis1"][0], res["axis1"][-1], res["axis2"][0], res["axis2"][-1])

    ax = fig.add_subplot(top[0])
    ax.scatter(*res["activity_pc"].T, s=1, color="0.8", linewidths=0, rasterized=True, label="task activity")
    flow = res["flow_pc"]
    # arrows: direction of the one-step move in the PC plane, all drawn the same length on screen; colour: size
    span = np.array([extent[1] - extent[0], extent[3] - extent[2]])
    screen = flow / np.where(span > 0, span, 1.0)
    norm = np.linalg.norm(screen, axis=1, keepdims=True)
    scaled = np.divide(screen, norm, out=np.zeros_like(screen), where=norm > 0) * span * 0.9 / (n_grid - 1)
    q = ax.quiver(grid[:, 0], grid[:, 1], scaled[:, 0], scaled[:, 1], res["speed"], cmap="viridis", angles="xy",
                  scale_units="xy", scale=1.0, width=0.005, headwidth=3.5, headlength=3.5, headaxislength=3)
    plotting.colorbar(q, ax, "|F(h) - h|")
    _pc_labels(ax, res)
    ax.set_title(f"{label} network {vf['network']}: one step\nfrom {n_grid} x {n_grid} = {grid.shape[0]} states")
    plotting.panel_label(ax, "a")

    ax = fig.add_subplot(top[1])
    traj = res["grid_trajectories_pc"]  # [G, T + 1, 2]
    pick = np.arange(0, traj.shape[0], max(1, traj.shape[0] // 60))
    for g in pick:
        ax.plot(*traj[g].T, color="0.6", lw=0.4, alpha=0.7)
    tt, tr = res["task_trajectory_pc"], res["task_trajectory_trial"]
    for k, t in enumerate(np.unique(tr)):
        ax.plot(*tt[tr == t].T, color="#0072B2", lw=0.9, label="task trials" if k == 0 else None)
    lr = stats_["long_run"]
    code, end, orbit = res["example_end_class"], res["example_end_pc"], res["example_orbit_pc"]
    for k, g in enumerate(np.flatnonzero(code == 1)[::max(1, int(np.sum(code == 1)) // 20)]):  # a few orbits
        ax.plot(*orbit[g, -1 - int(res["example_end_period"][g]):].T, color=END_MARKERS[1][1], lw=0.6, zorder=3,
                label="orbit: last period" if k == 0 else None)
    for c, (marker, colour, name) in END_MARKERS.items():
        if np.any(code == c):
            ax.scatter(*end[code == c].T, s=12 if c == 0 else 5, marker=marker, color=colour, linewidths=0.8,
                       zorder=4, label=name)
    _pc_labels(ax, res)
    n_end = {c: int(np.sum(code == c)) for c in END_MARKERS}
    ax.set_title(f"net {vf['network']}, end after {lr['long_steps'] + lr['period_steps']} steps:\n"
                 f"fixed (x) {n_end[0]}, orbit (o) {n_end[1]},\nneither (^) {n_end[2]}", fontsize=6.5)
    plotting.panel_label(ax, "b")

    ax = fig.add_subplot(top[2])
    D = res["example_distance"]  # [H, G]
    unit = int(np.argmax(D.mean(axis=1)))
    lesion_extent = (res["lesion_axis1"][0], res["lesion_axis1"][-1], res["lesion_axis2"][0], res["lesion_axis2"][-1])
    im = ax.imshow(D[unit].reshape(n_grid, n_grid), origin="lower", extent=lesion_extent, aspect="auto", cmap="magma")
    plotting.colorbar(im, ax, "flow distance")
    _pc_labels(ax, {"pc_explained": res["lesion_pc_explained"]})
    ax.set_title(f"net {ex['network']}: flow distance, lesion\nof unit {unit} (one of {D.shape[0]} arrays)")
    plotting.panel_label(ax, "c")

    ax = fig.add_subplot(top[3])
    live = res["example_live"]
    order = np.argsort(part, kind="stable")
    Dl = D[live][order]
    ax.imshow(Dl / np.maximum(Dl.max(axis=1, keepdims=True), 1e-12), aspect="auto", cmap="magma",
              interpolation="nearest")
    bounds = np.flatnonzero(np.diff(part[order])) + 0.5
    for b in bounds:
        ax.axhline(b, color="w", lw=0.6)
    ax.set_xlabel("grid state (PC1 fastest)")
    ax.set_ylabel("lesioned unit (by module)")
    ax.set_title("flow-distance arrays\n(row-normalised)")
    plotting.panel_label(ax, "d")

    axes = [fig.add_subplot(bottom[0]), fig.add_subplot(bottom[1]), fig.add_subplot(bottom[2])]
    plotting.induced_panels(axes, res["example_C"], res["example_L"], part, ex, res["q_null"][ex["position"]], source_label="r",
                            source_name="activity correlation", target_label="r of flow distances",
                            target_name="lesion similarity", null_label="correlation modules", letters="efg")
    ax = axes[2]
    ax.set_title(f"{res['q_null'].shape[1]} perm.: {plotting.format_p(ex['p'])}\n"
                 f"{100 * mods['fraction_p_below_0.05']:.0f}% of RNNs p < 0.05")

    ax = fig.add_subplot(bottom[3])
    plotting.pair_scatter(ax, res["example_L"], res["example_C"], "lesion similarity", ex["r"])
    r = stats_["r_lesion_similarity_vs_correlation"]
    ax.set_title(f"example r = {ex['r']:.2f}; mean of\n{stats_['n_networks']} RNNs {r['mean']:.2f} "
                 f"({plotting.format_p(r['p'])})", fontsize=6.5)
    plotting.panel_label(ax, "h")

    s = stats_["settings"]
    plotting.stamp(fig, plotting.scale_note(stats_["scale"], plotting.ensemble_counts(stats_, label, example=True)) +
        f" Constant input {[float(v) for v in res['x']]}; lesion: {LESION_TEXT[s['lesion']]}; grid spans the "
        f"PC1-PC2 range of the activity; {mods['n_perm']} permutations; silent units left out. Examples: a, b: "
        f"{vf['rule']} (network {vf['network']}); c-h: {ex['rule']} (network {ex['network']}). "
        f"b: grid states run {traj.shape[1] - 1} steps (grey), task trials (blue), markers: where each grid state is after "
        f"the long run (red line: last period of up to 20 orbits, where the example has any); per RNN, fraction of grid "
        f"states on a periodic orbit: mean "
        f"{lr['frac_orbit']['mean']:.2f} (fixed points {lr['frac_fixed']['mean']:.2f}, neither "
        f"{lr['frac_neither']['mean']:.2f}).")
    return fig
