"""Fig S8: random RNNs (paper eq. 1) with and without input: correlations stabilise, and the steady
state carries the imprint of the input weights (:mod:`modbound.models.random_rnn`)."""

from __future__ import annotations

import numpy as np

from modbound.reporting import claims, plotting
from modbound.core import stats as st
from modbound.models import random_rnn

COLORS = {"input": plotting.CONDITION_COLORS["observed"], "none": "#D55E00"}


def stats(data, *, scale: str, cfg: dict, seed: int, strength: dict) -> dict:
    res = data["random_rnn"]
    n = int(res["group"].size)
    out = {"figure": "figS8", "scale": scale, "model": "x_t = sigmoid(W_rec x_(t-1) + W_in u_t)", **cfg,
           "master_seed": seed, "n_networks": n, "seeds_w_in": res["seeds_w_in"], "seeds_w_rec": res["seeds_w_rec"],
           "claims": []}
    j0 = random_rnn.window_start(res["stab_none"].shape[1], float(cfg["stability_from"]))
    out["stability_window"] = {
        "steps": [j0 + 2, res["stab_none"].shape[1] + 1],
        "rule": f"stated before the results: correlations 'become stable' when r(C_t, C_t-1) stays high over the late "
                f"part of the run: per network, its minimum over steps t = {j0 + 2} .. {res['stab_none'].shape[1] + 1} "
                f"(from config origin.random_rnn.stability_from = {cfg['stability_from']:g} of the run to its end), "
                "compared with its value at the first step (t = 2)"}
    for key in ("input", "none"):
        s = res[f"stab_{key}"]
        out[f"stabilisation_{key}"] = {"r_consecutive_mean_by_step": s.mean(axis=0),
                                       "first": st.describe(s[:, 0]), "last": st.describe(s[:, -1]),
                                       "window_min": st.describe(s[:, j0:].min(axis=1)),
                                       "window_start": st.describe(s[:, j0]),
                                       "steps_to_0.95": st.describe(_steps_to(s, 0.95))}
    out["r_steady_with_vs_without_input"] = st.describe(res["r_with_without"])
    out["similarity_same_w_in"] = st.describe(res["same_w_in"])
    out["similarity_different_w_in"] = st.describe(res["diff_w_in"])
    out["similarity_same_pairs_without_input"] = st.describe(res["same_w_in_none"])
    out["ari_same_w_in"] = st.describe(res["ari_same_w_in"])
    out["ari_different_w_in"] = st.describe(res["ari_diff_w_in"])
    out["r_steady_vs_cosine_w_in"] = st.describe(res["r_cos_w_in"])
    out["q_steady_state_input"] = st.describe(res["q_input"])
    t_conv = st.ttest_ind(res["stab_none"][:, j0:].min(axis=1), res["stab_none"][:, 0])
    t_fast = st.ttest_ind(res["stab_input"][:, 0], res["stab_none"][:, 0])
    t_same = st.ttest_ind(res["same_w_in"], res["diff_w_in"])
    t_diff = st.ttest_ind(res["r_with_without"], res["same_w_in"])
    t_ari = st.ttest_ind(res["ari_same_w_in"], res["ari_diff_w_in"])
    out["tests"] = {"stabilises_without_input": t_conv, "faster_with_input": t_fast,
                    "same_w_in_more_similar": t_same, "with_vs_without_less_similar": t_diff,
                    "ari_same_vs_different_w_in": t_ari}
    out["claims"] = [
        claims.t_claim("figS8.correlation_stabilises", "without input, correlation matrices become stable over "
                       f"time (r between consecutive steps: its minimum over steps {j0 + 2}-"
                       f"{res['stab_none'].shape[1] + 1} vs the first step)", t_conv, None, "greater",
                       f"mean minimum r {t_conv['mean_a']:.3f} over the window vs {t_conv['mean_b']:.3f} (first step); "
                       f"mean r at the window's start {out['stabilisation_none']['window_start']['mean']:.3f}, at the "
                       f"last step {out['stabilisation_none']['last']['mean']:.3f}", paper="s8.stabilizes"),
        claims.t_claim("figS8.stabilises_faster_with_input", "correlations stabilise sooner with input "
                       "(r between steps 1 and 2 with vs without input)", t_fast, None, "greater",
                       f"mean r {t_fast['mean_a']:.3f} vs {t_fast['mean_b']:.3f}", paper="s8.faster_with_input"),
        claims.t_claim("figS8.steady_state_differs_with_input", "steady-state correlations with input differ from "
                       "those without input (less similar than two networks sharing W_in)", t_diff, None, "less",
                       f"mean r {t_diff['mean_a']:.3f} vs {t_diff['mean_b']:.3f}", paper="s8.input_changes"),
        claims.t_claim("figS8.same_w_in_similar_steady_states", "networks sharing W_in (different W_rec) reach "
                       "similar steady-state correlations, more than networks with different W_in", t_same, None,
                       "greater", f"mean r {t_same['mean_a']:.3f} vs {t_same['mean_b']:.3f}", paper="s8.same_win"),
        claims.strength_claim("figS8.same_w_in_steady_states_highly_similar", "networks sharing W_in (different W_rec) "
                              "reach highly similar steady-state correlations", res["same_w_in"], strength["high_r"],
                              "high_r", words="were highly similar", paper="s8.same_win", quantity="r",
                              fisher_z=True)[0],
    ]
    return out


def _steps_to(s: np.ndarray, level: float) -> np.ndarray:
    """First step (2 .. T) at which r(C_t, C_{t-1}) reaches ``level``; NaN if never."""
    hit = s >= level
    return np.where(hit.any(axis=1), hit.argmax(axis=1) + 2, np.nan)


def plot(data, stats_: dict):
    res = data["random_rnn"]
    fig = plotting.figure(180, 120)
    outer = fig.add_gridspec(2, 1)
    top, bottom = outer[0].subgridspec(1, 4), outer[1].subgridspec(1, 4)
    steps = np.arange(2, res["stab_input"].shape[1] + 2)

    ax = fig.add_subplot(top[0])
    plotting.band(ax, steps, res["stab_input"].T, color=COLORS["input"], label="with input", marker="")
    plotting.band(ax, steps, res["stab_none"].T, color=COLORS["none"], label="without input", marker="")
    w = stats_["stability_window"]["steps"]
    ax.axvspan(w[0] - 0.5, w[1] + 0.5, color="0.92", zorder=0, lw=0, label="stability window")
    ax.set_xlabel("time step t")
    ax.set_ylabel("r(C_t, C_t−1)")
    lo = float(np.nanmin([np.nanmin(res["stab_input"]), np.nanmin(res["stab_none"])]))
    ax.set_ylim(lo - 0.5 * (1.01 - lo), 1.01)  # room under the curves for the legend
    ax.legend(loc="lower right", fontsize=5.5, handlelength=1.4)
    ax.set_title(f"correlation stabilises\n({stats_['n_networks']} random RNNs)")
    plotting.panel_label(ax, "a")

    part = res["partitions"][0]
    ax = fig.add_subplot(top[1])
    plotting.ordered_matrix(ax, res["steady_input"][0], part, vmax=1.0, label="r")
    ax.set_title(f"steady state, with input\n(network 0, {part.max() + 1} modules)")
    plotting.panel_label(ax, "b")
    ax = fig.add_subplot(top[2])
    plotting.ordered_matrix(ax, res["steady_none"][0], part, vmax=1.0, label="r")
    ax.set_title(f"same W_rec, without input\n(same order), r = {res['r_with_without'][0]:.2f}")
    plotting.panel_label(ax, "c")
    ax = fig.add_subplot(top[3])
    plotting.boxplot(ax, [res["r_with_without"], res["same_w_in"]],
                     ["with vs\nwithout\ninput", "same\nW_in,\nother\nW_rec"], colors=[COLORS["none"], COLORS["input"]])
    ax.set_ylabel("r between steady states")
    ax.axhline(0, color="0.7", lw=0.6)
    ax.set_title("steady states\n" + plotting.format_p(stats_["tests"]["with_vs_without_less_similar"]["p"]) + ", t-test")
    plotting.panel_label(ax, "d")

    n_rec = int((res["group"] == 0).sum())
    ax = fig.add_subplot(bottom[0])
    other = 1 if n_rec > 1 else 0
    plotting.ordered_matrix(ax, res["steady_input"][other], part, vmax=1.0, label="r")
    ax.set_title(f"same W_in, another W_rec\n(order of b), r = {res['sim_input'][0, other]:.2f}")
    plotting.panel_label(ax, "e")
    ax = fig.add_subplot(bottom[1])
    im = ax.imshow(res["sim_input"], cmap="viridis", vmin=-0.1, vmax=1, interpolation="nearest")
    plotting.colorbar(im, ax, "r")
    for b in np.flatnonzero(np.diff(res["group"])) + 0.5:
        ax.axhline(b, color="w", lw=0.5)
        ax.axvline(b, color="w", lw=0.5)
    ax.set_xlabel("network (grouped by W_in)")
    ax.set_ylabel("network")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title("steady-state similarity (r),\nwith input")
    plotting.panel_label(ax, "f")
    ax = fig.add_subplot(bottom[2])
    plotting.boxplot(ax, [res["same_w_in"], res["diff_w_in"], res["same_w_in_none"]],
                     ["same\nW_in", "other\nW_in", "same,\nno input"],
                     colors=[COLORS["input"], "0.5", COLORS["none"]])
    ax.axhline(0, color="0.7", lw=0.6)
    ax.set_ylabel("mean r with other networks")
    ax.set_xlim(0.4, 3.6)
    ax.set_title("same vs other W_in\n" + plotting.format_p(stats_["tests"]["same_w_in_more_similar"]["p"]) + ", t-test")
    plotting.panel_label(ax, "g")
    ax = fig.add_subplot(bottom[3])
    plotting.boxplot(ax, [res["ari_same_w_in"], res["ari_diff_w_in"]], ["same\nW_in", "other\nW_in"],
                     colors=[COLORS["input"], "0.5"])
    ax.axhline(0, color="0.7", lw=0.6)
    ax.set_ylabel("mean ARI of modules")
    ax.set_title("steady-state modules\n" + plotting.format_p(stats_["tests"]["ari_same_vs_different_w_in"]["p"]) + ", t-test")
    plotting.panel_label(ax, "h")

    plotting.stamp(fig, plotting.scale_note(
        stats_["scale"], f"{stats_['n_w_in']} W_in x {stats_['n_w_rec']} W_rec random sigmoid RNNs, "
        f"{stats_['n_units']} units, {stats_['n_inputs']} Gaussian inputs; correlations over {stats_['n_samples']} "
        f"runs per step, steady state = last {stats_['steady_steps']} of {stats_['n_steps']} steps; "
        f"W_rec gain {stats_['rec_gain']}, W_in gain {stats_['input_gain']}; synthetic"))
    return fig
