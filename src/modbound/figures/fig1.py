"""Fig 1 (PDM; Fig S2 is its GNG version, :mod:`.figS2`): module selectivity and output lesions.

Inputs: the ensemble's recorded activity (:class:`modbound.ensembles.Activity`) and the
per-network analysis of :func:`modbound.selectivity.analyse_ensemble`.
"""

from __future__ import annotations

import numpy as np

from .. import activity as act_mod
from .. import claims, plotting
from .. import stats as st
from ..tasks import cumulative_delta_input, make_task

CHOICE_LABELS = {"pdm": {1: "stim 1", 2: "stim 2"}, "gng": {0: "no-go", 1: "go"}}
# Choices whose module the paper makes claims about (Fig 1: both; Fig S2: the go module).
CLAIMED = {"pdm": (1, 2), "gng": (1,)}


def stats(data, *, scale: str, figure: str = "fig1") -> dict:
    """Every number Fig 1 / S2 shows, and the paper's claims tested on them."""
    analysis, evaluation, manifest = data["analysis"], data["evaluation"], data["manifest"]
    task = manifest["task"]
    choices = [int(c) for c in analysis["choices"]]
    labels = CHOICE_LABELS[task]
    n = int(len(analysis["model_index"]))
    out = {
        "figure": figure, "task": task, "scale": scale,
        "n_networks": n, "n_trained": int(manifest["n_models"]),
        "excluded_models": evaluation["excluded_models"], "min_accuracy": evaluation["min_accuracy"],
        "test_accuracy": st.describe(np.asarray(evaluation["accuracy"])[analysis["model_index"]]),
        "init_seeds": [manifest["seeds"]["init"][m] for m in analysis["model_index"]],
        "louvain_seeds": analysis["louvain_seeds"],
        "Q": st.describe(analysis["q"]), "n_modules": st.describe(analysis["n_modules"]),
        "n_modules_counts": {int(k): int(v) for k, v in zip(*np.unique(analysis["n_modules"], return_counts=True))},
        "silent_units": st.describe(analysis["n_silent"]),
        "choices": {labels[c]: c for c in choices},
        "per_choice": {},
        "claims": [],
    }
    for i, c in enumerate(choices):
        lab = labels[c]
        other = [j for j in range(len(choices)) if j != i]
        acc_same = analysis["lesion_accuracy"][:, i, i]
        acc_other = analysis["lesion_accuracy"][:, i, other].mean(axis=1)
        entry = {
            "r_module_output": {**st.describe(analysis["r_module_output"][:, i]),
                                **st.ttest_1samp_r(analysis["r_module_output"][:, i])},
            "lesion": {
                f"accuracy_{lab}_trials": st.describe(acc_same),
                "accuracy_other_trials": st.describe(acc_other),
                "ttest_same_vs_other": st.ttest_ind(acc_same, acc_other),
            },
            "control_accuracy": st.describe(analysis["control_accuracy"][:, i]),
        }
        if task == "pdm":
            entry["r_module_cumdelta"] = {**st.describe(analysis["r_module_cumdelta"][:, i]),
                                          **st.ttest_1samp_r(analysis["r_module_cumdelta"][:, i])}
        out["per_choice"][lab] = entry
        if c not in CLAIMED[task]:
            continue
        r = entry["r_module_output"]
        out["claims"].append(claims.claim(
            f"{figure}.module_{lab}_tracks_output", f"{lab} module mean activity correlates with its output unit",
            test=r["test"], statistic=r["t"] if r["t"] is not None else float("nan"), p=r["p"], n=r["n"],
            direction="greater", detail=f"mean r = {r['mean']}"))
        t = entry["lesion"]["ttest_same_vs_other"]
        out["claims"].append(claims.claim(
            f"{figure}.lesion_{lab}_module", f"lesioning the {lab} module's readout lowers accuracy on {lab} trials"
            " more than on the other trials", test=t["test"], statistic=t["t"] if t["t"] is not None else float("nan"),
            p=t["p"], n=n, direction="less", detail=f"mean accuracy {t['mean_a']} vs {t['mean_b']}"))
        if task == "pdm":
            rc = entry["r_module_cumdelta"]
            out["claims"].append(claims.claim(
                f"{figure}.module_{lab}_tracks_cumulative_input",
                f"{lab} module mean activity {'rises' if c == 1 else 'falls'} with cumulative (stim1 - stim2) input",
                test=rc["test"], statistic=rc["t"] if rc["t"] is not None else float("nan"), p=rc["p"], n=rc["n"],
                direction="greater" if c == 1 else "less", detail=f"mean r = {rc['mean']}"))
    reconstruction = st.describe(analysis["reconstruction_r"])
    out["reconstruction_r"] = reconstruction
    out["module_pc_r"] = st.describe(analysis["module_pc_r"])
    return out


def _example_trials(trials, n: int = 4):
    """Step mask of the first ``n`` odd (test-half) trials."""
    test_trials = np.unique(trials.trial[trials.trial % 2 == 1])[:n]
    return np.isin(trials.trial, test_trials)


def plot(data, stats_: dict):
    """Fig 1 / S2 layout: example network (a-e), then all networks (f-h)."""
    act, analysis, task = data["activity"], data["analysis"], stats_["task"]
    labels = CHOICE_LABELS[task]
    choices = [int(c) for c in analysis["choices"]]
    m = int(analysis["model_index"][0])
    part = analysis["partition"][0]
    mods = analysis["choice_module"][0]
    live = part >= 0
    X = act.hidden[m].astype(np.float64)
    means = act_mod.module_activity(X[:, live], part[live])
    trials = act.trials
    ex = _example_trials(trials)
    t = np.arange(ex.sum())

    fig = plotting.figure(180, 115)
    gs = fig.add_gridspec(2, 4)
    ax = fig.add_subplot(gs[0, 0])
    inputs = trials.x[ex]
    names = make_task(task, seed=0).input_names
    for j in range(inputs.shape[1]):
        ax.plot(t, inputs[:, j] + 1.6 * j, lw=0.8, color="0.3")
    ax.set_yticks([1.6 * j for j in range(inputs.shape[1])], names)
    ax.set_xlabel("time step (dt = 100 ms)")
    ax.set_title("inputs, 4 test trials")
    plotting.panel_label(ax, "a")

    ax = fig.add_subplot(gs[0, 1])
    plotting.ordered_matrix(ax, act_mod.correlation(X[:, live]), part[live], vmax=1.0, label="r")
    ax.set_title(f"{means.shape[1]} modules\nQ = {analysis['q'][0]:.2f}")
    n_silent = int((~live).sum())
    plotting.panel_label(ax, "b")

    ax = fig.add_subplot(gs[0, 2:])
    for k in range(means.shape[1]):
        name = next((f"mod. {labels[c]}" for c, mk in zip(choices, mods) if mk == k), f"mod. {k}")
        ax.plot(t, means[ex, k], color=plotting.module_color(k), label=name, lw=1.4 if k in mods else 0.7)
    ax.set_xlabel("time step")
    ax.set_ylabel("module mean activity")
    if task == "pdm":
        ax2 = ax.twinx()
        ax2.plot(t, cumulative_delta_input(trials.x, trials.trial)[ex], color="k", ls="--", lw=0.8,
                 label="cumulative Δ input")
        ax2.set_ylabel("cumulative Δ input")
        ax2.spines["right"].set_visible(True)
    for s in np.flatnonzero(np.diff(trials.trial[ex])) + 0.5:
        ax.axvline(s, color="0.85", lw=0.6, zorder=0)
    handles, names_ = ax.get_legend_handles_labels()
    if task == "pdm":
        h2, n2 = ax2.get_legend_handles_labels()
        handles, names_ = handles + h2, names_ + n2
    ax.legend(handles, names_, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=min(3, len(handles)),
              borderaxespad=0.2)
    plotting.panel_label(ax, "c")

    ax = fig.add_subplot(gs[1, 0])
    test = trials.trial % 2 == 1
    for c, k in zip(choices, mods):
        if k >= 0:
            ax.scatter(means[test, k], act.outputs[m][test, c], s=2, alpha=0.4, color=plotting.module_color(k),
                       label=f"mod. {labels[c]} vs out {labels[c]}")
    ax.set_xlabel("module mean activity")
    ax.set_ylabel("output unit activity")
    ax.legend(markerscale=3, loc="best", fontsize=5.5, handletextpad=0.1)
    ax.set_title(f"module vs output, net {m}")
    plotting.panel_label(ax, "d")

    ax = fig.add_subplot(gs[1, 1])
    groups = [analysis["r_module_output"][:, i] for i in range(len(choices))]
    names = [f"out {labels[c]}" for c in choices]
    if task == "pdm":
        groups += [analysis["r_module_cumdelta"][:, i] for i in range(len(choices))]
        names += [f"cumΔ ({labels[c]})" for c in choices]
    colors = [plotting.module_color(i % len(choices)) for i in range(len(groups))]
    plotting.boxplot(ax, [g[np.isfinite(g)] for g in groups], names, colors=colors)
    ax.axhline(0, color="0.6", lw=0.6)
    ax.set_ylabel("r with choice module (test trials)")
    ax.tick_params(axis="x", rotation=40)
    ax.set_title(f"all nets (n = {stats_['n_networks']})")
    plotting.panel_label(ax, "e")

    for i, (c, letter) in enumerate(zip(choices, "fg")):
        ax = fig.add_subplot(gs[1, 2 + i])
        accs = [analysis["lesion_accuracy"][:, i, j] for j in range(len(choices))]
        plotting.boxplot(ax, accs, [labels[cc] for cc in choices],
                         colors=[plotting.module_color(j) for j in range(len(choices))])
        tt = stats_["per_choice"][labels[c]]["lesion"]["ttest_same_vs_other"]
        ax.set_ylim(-0.05, 1.12)
        ax.set_ylabel("accuracy after lesion")
        ax.set_xlabel("correct choice")
        ax.set_title(f"lesion mod. {labels[c]}")
        ax.text(0.5, 1.0, plotting.format_p(tt["p"]), transform=ax.transAxes, ha="center", va="top")
        plotting.panel_label(ax, letter)

    plotting.stamp(fig, plotting.scale_note(stats_["scale"], f"{stats_['n_networks']} of {stats_['n_trained']} "
                                            f"trained RNNs pass accuracy >= {stats_['min_accuracy']}; "
                                            f"{trials.n_trials} test trials; modules matched on even, "
                                            f"statistics on odd trials; example net {m}: {n_silent} silent "
                                            "units left out of modules"))
    return fig
