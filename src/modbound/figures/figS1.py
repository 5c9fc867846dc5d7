"""Fig S1: modules as dimensionality reduction (PDM top row, GNG bottom row)."""

from __future__ import annotations

import numpy as np

from modbound.core import activity as act_mod, stats as st
from modbound.reporting import claims, plotting
from modbound.analyses import selectivity
from modbound.figures.fig1 import CHOICE_LABELS

TASKS = ("pdm", "gng")


def stats(data, *, scale: str, strength: dict) -> dict:
    analyses = {task: data[f"{task}_analysis"] for task in TASKS}
    high = strength["high_r"]
    out = {"figure": "figS1", "scale": scale, "paper_strength": strength, "claims": []}
    for task in TASKS:
        a = analyses[task]
        c_rec, t_rec = claims.strength_claim(
            f"figS1.{task}_module_reconstruction_high", f"{task.upper()}: activity reconstructed from module means "
            "correlates highly with the original activity (r over time points, per network)", a["reconstruction_r"],
            high, "high_r", words="is reasonably high", paper="s1.reconstruction", quantity="r")
        c_pc, t_pc = claims.strength_claim(
            f"figS1.{task}_modules_match_leading_pcs", f"{task.upper()}: module mean activity is highly correlated with "
            "the leading principal components (matched module-PC pairs, per network)", a["module_pc_r"], high,
            "high_r", words="highly correlated to the first set of principal components", paper="s1.module_vs_pcs",
            quantity="|r|")
        out[task] = {
            "n_networks": int(len(a["model_index"])),
            "reconstruction_r": st.describe(a["reconstruction_r"]),
            "module_pc_abs_r": st.describe(a["module_pc_r"]),
            "n_modules": st.describe(a["n_modules"]),
            "reconstruction_r_vs_threshold": t_rec, "module_pc_abs_r_vs_threshold": t_pc,
        }
        out["claims"] += [c_rec, c_pc]
    out["claims"].append(claims.untested(
        "figS1.trajectories_look_alike", "module-space and PC-space trajectories look highly similar",
        "the paper judges this by eye (S1c,d,g,h) and names no measure; the trajectories are drawn, not scored",
        paper="s1.trajectories"))
    return out


def _trajectories(ax_pc, ax_mod, act, analysis, task):
    m = int(analysis["model_index"][0])
    part = analysis["partition"][0]
    live = part >= 0  # silent units are left out of modules
    trials = act.trials
    stim = trials.period == 1  # the stimulus period: fixation onsets and offsets would dominate the PCs
    X = act.hidden[m].astype(np.float64)[:, live]
    means = act_mod.module_activity(X, part[live])
    pcs = np.full((X.shape[0], 2), np.nan)
    pcs[stim], var = selectivity.pca_scores(X[stim], 2)
    labels = CHOICE_LABELS[task]
    mods = analysis["choice_module"][0]
    choices = [int(c) for c in analysis["choices"]]
    for tr in range(min(trials.n_trials, 20)):
        steps = (trials.trial == tr) & stim
        gt = int(trials.ground_truth[tr])
        color = plotting.module_color(choices.index(gt)) if gt in choices else "0.5"
        ax_pc.plot(pcs[steps, 0], pcs[steps, 1], color=color, lw=0.6, alpha=0.7)
        if mods.min() >= 0 and len(mods) >= 2:
            ax_mod.plot(means[steps, mods[0]], means[steps, mods[1]], color=color, lw=0.6, alpha=0.7)
    ax_pc.set_xlabel(f"PC1 ({100 * var[0]:.0f}% var.)")
    ax_pc.set_ylabel(f"PC2 ({100 * var[1]:.0f}% var.)")
    ax_pc.set_title(f"{task.upper()} stimulus period,\nPC space (PCA of that period)")
    ax_mod.set_xlabel(f"mod. {labels[choices[0]]} activity")
    ax_mod.set_ylabel(f"mod. {labels[choices[1]]} activity")
    ax_mod.set_title("same trials and steps,\nmodule space")
    for i, c in enumerate(choices):
        ax_mod.plot([], [], color=plotting.module_color(i), label=f"{labels[c]} correct")
    ax_mod.legend()


def plot(data, stats_: dict):
    acts = {task: data[f"{task}_activity"] for task in TASKS}
    analyses = {task: data[f"{task}_analysis"] for task in TASKS}
    fig = plotting.figure(180, 95)
    gs = fig.add_gridspec(2, 4)
    letters = iter("abcdefgh")
    for row, task in enumerate(TASKS):
        a = analyses[task]
        for col, (key, stat, ylabel, title) in enumerate((
                ("reconstruction_r", "reconstruction_r", "reconstruction r\n(mean over time points)", "mean r"),
                ("module_pc_r", "module_pc_abs_r", "|r| module vs matched PC", "mean |r|"))):
            ax = fig.add_subplot(gs[row, col])
            plotting.boxplot(ax, [a[key]], [task.upper()])
            ax.set_ylim(0, 1.02)
            ax.set_ylabel(ylabel)
            ax.set_title(f"{title} = {stats_[task][stat]['mean']:.2f}")
            plotting.panel_label(ax, next(letters))
        ax_pc, ax_mod = fig.add_subplot(gs[row, 2]), fig.add_subplot(gs[row, 3])
        _trajectories(ax_pc, ax_mod, acts[task], a, task)
        plotting.panel_label(ax_pc, next(letters))
        plotting.panel_label(ax_mod, next(letters))
    plotting.stamp(fig, plotting.scale_note(stats_["scale"], f"PDM n = {stats_['pdm']['n_networks']}, "
                                            f"GNG n = {stats_['gng']['n_networks']} networks; "
                                            "trajectories: stimulus period of the first 20 trials of the first network"))
    return fig
