"""Fig S14: higher-order nullclines sampled by gradient descent; their similarity against the activity
correlation and its modules.

Input: :func:`modbound.analyses.dynamics_analysis.nullcline_analysis` (PDM ensemble).
"""

from __future__ import annotations

import numpy as np

from modbound.reporting import claims, plotting
from modbound.models import ensembles
from modbound import nulls
from modbound.core import stats as st
from modbound.analyses.dynamics_analysis import figure_settings, similarity_summary

TASK_LABELS = {"pdm": "PDM", "gng": "GNG"}
# Toy 2-unit ReLU network of the schematic (panel a): F(h) = relu(W h + b), fixed point (I - W)^-1 b.
_TOY_W = np.array([[0.5, 0.3], [0.2, 0.4]])
_TOY_B = np.array([0.5, 0.6])
SIMILARITY_DEFINITION = (
    "nullcline i: states where every unit but i is stationary (gradient descent on 1/2 sum_{j != i} "
    "(F_j(h) - h_j)^2, the same initial states for every i); similarity of nullclines i and j (tested): "
    "correlation of their sampled point clouds, paired by initial state, each centred on its own mean state "
    "(sum over samples and units of the product of the deviations over the product of their norms; "
    "modbound.analyses.dynamics.nullcline_similarity): 1 for identical clouds, ~0 for clouds that vary independently; "
    "chosen before the results were seen. Secondary (not tested): cosine of the nullcline directions")


def stats(data, *, scale: str, dynamics: dict, seed: int, ensemble: str, strength: dict) -> dict:
    res, evaluation, manifest = data["analysis"], data["evaluation"], data["manifest"]
    settings = figure_settings("nullclines", dynamics, [res], seed=seed, ensemble=ensemble)
    n = int(res["model_index"].size)
    info, r, mods = similarity_summary(res, evaluation, manifest, settings["ensemble"])
    label = TASK_LABELS.get(info["task"], info["task"])
    out = {"figure": "figS14", "scale": scale, **info, "settings": settings,
           "similarity_definition": SIMILARITY_DEFINITION,
           "initial_states": ("the same n_samples initial states for every unit's nullcline: one recorded state drawn "
                              "at random in each of n_samples equal consecutive strata of the analysed steps (all "
                              "trials and task periods), plus Gaussian noise of sd init_noise x the network's "
                              "activity sd; initial_state_spread = total sd of the initial states over the total sd of "
                              "the recorded activity (live units; > 1 from the noise)"),
           "r_nullcline_similarity_vs_correlation": r,
           "r_direction_cosine_vs_correlation": {
               **st.describe(res["r_directions"]), **st.ttest_1samp_r(res["r_directions"]),
               "note": "secondary, not tested: cosine of the nullcline directions (least-squares slope of every "
                       "unit's state on unit i's across the samples), the previous similarity; it collapses when "
                       "the directions share one axis"},
           "modules_of_nullcline_similarity_on_correlation": mods,
           **{name: st.describe(res[key]) for name, key in (
               ("q_nullcline_similarity", "q_similarity"), ("residual_q_median", "q_median"),
               ("fraction_samples_below_speed_tol", "frac_converged"), ("silent_units_excluded", "n_silent"),
               ("initial_state_spread", "init_spread"), ("ari_nullcline_vs_correlation_modules", "ari_vs_correlation"),
               ("n_modules_correlation", "n_modules_correlation"))},
           "n_time_steps": int(res["n_steps_used"]), "input": res["x"], "claims": []}
    ex = mods["example"]
    e = int(res["example_index"])
    ex.update({"network": int(res["model_index"][e]), "position": e,
               "rule": "network whose r (nullcline similarity vs activity correlation) is closest to the ensemble "
                       "median",
               "r_direction_cosine": float(res["r_directions"][e]),
               "ari_vs_correlation_modules": float(res["ari_vs_correlation"][e]),
               "n_live_units": int(res["example_live"].sum()),
               "n_fixed_points_shown": int(res["example_fixed_points_pc"].shape[0])})
    q_ex = np.asarray(res["example_q"])  # [H nullclines, samples]
    ex["n_nullclines"] = int(q_ex.shape[0])
    ex["n_nullclines_with_a_sample_below_speed_tol"] = int((q_ex < float(res["speed_tol"])).any(axis=1).sum())
    out["example"] = ex
    t = mods["ttest_q_induced_vs_null_mean"]
    out["claims"] += [
        claims.t_claim("figS14.nullcline_similarity_tracks_correlation",
                   f"{label}: similarity of higher-order nullclines (correlation of their sampled clouds) correlates "
                   "with activity correlation",
                   r, n, "greater", f"mean r = {r['mean']:.3f}; example r = {ex['r']:.3f} (network {ex['network']}); "
                   f"secondary direction cosine: mean r = {out['r_direction_cosine_vs_correlation']['mean']:.3f}",
                   paper="s14.sim_vs_fc"),
        claims.claim("figS14.example_nullcline_modules_on_correlation",
                     f"example {label} RNN: modules of nullcline similarity induce more Q on the activity correlation "
                     "than permuted partitions", test="label-permutation null (1-sided)",
                     statistic=ex["q_induced"] - ex["q_null_mean"], p=ex["p"], n=mods["n_perm"], direction="greater",
                     detail=f"network {ex['network']}: Q {ex['q_induced']:.3f} vs null {ex['q_null_mean']:.3f}; "
                            f"{ex['n_modules']} modules; ARI with correlation modules {ex['ari_vs_correlation_modules']:.2f}",
                     paper="s14.modules"),
        claims.t_claim("figS14.nullcline_modules_on_correlation_across_networks",
                       f"across {label} RNNs, modules of nullcline similarity induce more Q on the activity correlation "
                       "than the permutation-null mean", t, n, "greater",
                       f"{mods['fraction_p_below_0.05']:.2f} of networks have p < 0.05; mean ARI with the correlation's "
                       f"modules {out['ari_nullcline_vs_correlation_modules']['mean']:.2f}",
                       paper="s14.modules"),
        claims.strength_claim("figS14.nullcline_modules_highly_similar_to_correlation_modules",
                              f"{label}: the modules of nullcline similarity are highly similar to the correlation's "
                              "modules", res["ari_vs_correlation"], strength["high_ari"], "high_ari",
                              words="also form clusters that are highly similar to the clusters found in the "
                                    "correlation matrix (Disc.)", paper="s14.modules", quantity="ARI")[0],
        claims.untested("figS14.one_nullcline_per_unit",
                        "there is one higher-order nullcline per recurrent unit (the paper: 64 for 64 units)",
                        f"a definition, not a finding: we sample one per unit ({ex['n_nullclines']} units in the "
                        f"example network, of which {ex['n_live_units']} live units' nullclines are shown and "
                        f"analysed, silent units left out); {ex['n_nullclines_with_a_sample_below_speed_tol']} of the "
                        f"{ex['n_nullclines']} have a sample below the speed tolerance", paper="s14.count"),
    ]
    return out


def _schematic(ax) -> None:
    h = np.linspace(0, 3.2, 300)
    H1, H2 = np.meshgrid(h, h)
    pre1 = _TOY_W[0, 0] * H1 + _TOY_W[0, 1] * H2 + _TOY_B[0]
    pre2 = _TOY_W[1, 0] * H1 + _TOY_W[1, 1] * H2 + _TOY_B[1]
    c1 = ax.contour(H1, H2, np.maximum(pre1, 0) - H1, levels=[0], colors=[plotting.module_color(0)])
    c2 = ax.contour(H1, H2, np.maximum(pre2, 0) - H2, levels=[0], colors=[plotting.module_color(1)])
    fp = np.linalg.solve(np.eye(2) - _TOY_W, _TOY_B)
    ax.scatter(*fp, s=25, color="k", zorder=3)
    ax.annotate("fixed point", fp, xytext=(fp[0] - 1.6, fp[1] + 0.9), fontsize=5.5,
                arrowprops={"arrowstyle": "->", "lw": 0.5})
    handles = [c1.legend_elements()[0][0], c2.legend_elements()[0][0]]
    ax.legend(handles, ["dh1/dt = 0", "dh2/dt = 0"], loc="lower right", fontsize=5.5)
    ax.set_xlabel("h1")
    ax.set_ylabel("h2")
    ax.set_title("schematic, 2-unit net:\nnullclines, fixed point")


def plot(data, stats_: dict):
    res = data["analysis"]
    label = TASK_LABELS.get(stats_["task"], stats_["task"])
    ex = stats_["example"]
    part = res["example_partition"]
    fig = plotting.figure(180, 112)
    outer = fig.add_gridspec(2, 1)
    top, bottom = outer[0].subgridspec(1, 4), outer[1].subgridspec(1, 4)

    ax = fig.add_subplot(top[0])
    _schematic(ax)
    plotting.panel_label(ax, "a")

    ax = fig.add_subplot(top[1])
    ax.scatter(*res["activity_pc"].T, s=1, color="0.85", linewidths=0, rasterized=True)
    samples = res["example_samples_pc"]  # [H, S, 2]
    live = res["example_live"]
    for unit, k in zip(np.flatnonzero(live), part):
        ax.scatter(*samples[unit].T, s=0.6, color=plotting.module_color(k), alpha=0.5, linewidths=0,
                   rasterized=True)
    fpc = res["example_fixed_points_pc"]
    ax.scatter(*fpc.T, s=6, color="k", zorder=3)
    var = res["pc_explained"]
    ax.set_xlabel(f"PC1 ({100 * var[0]:.0f}%)")
    ax.set_ylabel(f"PC2 ({100 * var[1]:.0f}%)")
    ax.set_title(f"{label} network {ex['network']}: {live.sum()} of {live.size}\nnullclines (live units), "
                 f"{fpc.shape[0]} slow pts")
    plotting.panel_label(ax, "b")

    ax = fig.add_subplot(top[2])
    plotting.pair_scatter(ax, res["example_N"], res["example_C"], "nullcline similarity (cloud corr.)", ex["r"])
    plotting.panel_label(ax, "c")

    plotting.induced_panels([fig.add_subplot(top[3]), fig.add_subplot(bottom[0]), fig.add_subplot(bottom[1])],
                            res["example_N"], res["example_C"], part, ex, res["q_null"][ex["position"]], source_label="r",
                            source_name="nullcline similarity", target_label="r", target_name="activity correlation",
                            null_label="nullcline modules", letters="def")

    ax = fig.add_subplot(bottom[2])
    r = stats_["r_nullcline_similarity_vs_correlation"]
    plotting.boxplot(ax, [res["r"], res["r_directions"]], ["cloud corr.\n(tested)", "direction cos.\n(secondary)"],
                     colors=[plotting.CONDITION_COLORS["observed"], plotting.CONDITION_COLORS["null"]])
    ax.axhline(0, color="0.6", lw=0.6)
    ax.set_ylabel("r (nullcline sim. vs correlation)")
    ax.set_title(f"{stats_['n_networks']} RNNs: mean r = {r['mean']:.2f}\n{plotting.format_p(r['p'])} (t on Fisher z)")
    plotting.panel_label(ax, "g")

    ax = fig.add_subplot(bottom[3])
    mods = stats_["modules_of_nullcline_similarity_on_correlation"]
    plotting.paired_q(ax, res, f"all: {plotting.format_p(mods['ttest_q_induced_vs_null_mean']['p'])}\n"
                f"{100 * mods['fraction_p_below_0.05']:.0f}% perm. p < 0.05")
    plotting.panel_label(ax, "h")

    s = stats_["settings"]
    plotting.stamp(fig, plotting.scale_note(stats_["scale"], plotting.ensemble_counts(stats_, label)) +
        f" Nullcline similarity: correlation of two nullclines' sampled clouds (paired by initial state, centred);"
        f" {s['n_samples']} samples per nullcline from states spread over the analysed steps, {s['n_steps']} Adam "
        f"steps ({s['dtype']}, lr {s['lr']:g}); example: r closest to the median; constant input "
        f"{[float(v) for v in res['x']]}; {mods['n_perm']} permutations; silent units left out.")
    return fig
