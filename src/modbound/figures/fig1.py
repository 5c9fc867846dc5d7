"""Fig 1 (PDM; Fig S2 is its GNG version, :mod:`.figS2`): module selectivity and output lesions.

Inputs: the ensemble's recorded activity (:class:`modbound.models.ensembles.Activity`) and the
per-network analysis of :func:`modbound.analyses.selectivity.analyse_ensemble`.
"""

from __future__ import annotations

import numpy as np

from modbound.core import activity as act_mod, stats as st
from modbound.analyses import lesions
from modbound.reporting import claims, plotting
from modbound.models.tasks import cumulative_delta_input, make_task

CHOICE_LABELS = {"pdm": {1: "stim 1", 2: "stim 2"}, "gng": {0: "no-go", 1: "go"}}
# Choices whose module the paper makes claims about (Fig 1: both; Fig S2: the go module).
CLAIMED = {"pdm": (1, 2), "gng": (1,)}


# "We found four modules": the paper's number. Our readings of the paper's words ("nearly 0%", "not effected",
# "highly correlated", the margin around four modules) are in config paper_strength (the one home of every reading).
N_MODULES = 4


def _nan_t(t):
    return float("nan") if t.get("t") is None else t["t"]


def stats(data, *, scale: str, strength: dict, figure: str = "fig1") -> dict:
    """Every number Fig 1 / S2 shows, and the paper's claims tested on them (``strength``: config paper_strength,
    our readings of the paper's words)."""
    NEAR_ZERO, SPARED_MARGIN = strength["near_zero_accuracy"], strength["spared_margin"]
    HIGH_R, N_MODULES_MARGIN = strength["high_r"], strength["module_count_margin"]
    analysis, evaluation, manifest = data["analysis"], data["evaluation"], data["manifest"]
    task = manifest["task"]
    pre = "fig1" if figure == "fig1" else "s2"
    choices = [int(c) for c in analysis["choices"]]
    labels = CHOICE_LABELS[task]
    index = np.asarray(analysis["model_index"])
    n = int(index.size)
    matched = np.asarray(analysis["choice_module"]) >= 0
    claimed = [i for i, c in enumerate(choices) if c in CLAIMED[task]]
    lesion, control = analysis["lesion_accuracy"], analysis["control_accuracy"]
    key = lesions.own_minus_other_drop(lesion, control, claimed)
    n_mod = np.asarray(analysis["n_modules"], dtype=np.float64)
    typical = st.typical_count(n_mod)
    rule = (f"among the networks with the typical number of modules ({typical}: the ensemble median, rounded), the one "
            "whose lesion crossover (drop on own trials minus drop on other trials, mean over the claimed modules) is "
            "closest to the ensemble median")
    if not np.isfinite(key).any():  # no network has its claimed modules matched: fall back to Q, and say so
        key = np.asarray(analysis["q"], dtype=np.float64)
        rule = (f"no network has its claimed choice modules matched, so: among the networks with the typical number of "
                f"modules ({typical}), the one whose Q is closest to the median Q")
    ex = st.representative_among(key, n_mod, typical)
    out = {
        "figure": figure, "task": task, "scale": scale,
        "n_networks": n, "n_trained": int(manifest["n_models"]),
        "excluded_models": evaluation["excluded_models"], "min_accuracy": evaluation["min_accuracy"],
        "test_accuracy": st.describe(np.asarray(evaluation["accuracy"])[index]),
        "init_seeds": [manifest["seeds"]["init"][m] for m in index],
        "louvain_seeds": analysis["louvain_seeds"],
        "Q": st.describe(analysis["q"]), "n_modules": st.describe(analysis["n_modules"]),
        "n_modules_counts": {int(k): int(v) for k, v in zip(*np.unique(analysis["n_modules"], return_counts=True))},
        "silent_units": st.describe(analysis["n_silent"]),
        "module_matching": {
            "rule": "even trials: module of >= min_module_size units with r(module mean, choice output minus the "
                    "other choices' outputs) >= min_selectivity_r; one module per choice (Hungarian); statistics "
                    "on odd trials",
            "min_module_size": int(analysis["min_module_size"]),
            "min_selectivity_r": float(analysis["min_selectivity_r"]),
            "unmatched_networks": {labels[c]: [int(m) for m in index[~matched[:, i]]] for i, c in enumerate(choices)}},
        "example": {"network": int(index[ex]), "position": ex,
                    "rule": rule,
                    "key_statistic": float(key[ex]), "n_modules": int(analysis["n_modules"][ex]),
                    "n_silent": int(analysis["n_silent"][ex])},
        "thresholds": {"near_zero_accuracy": NEAR_ZERO, "spared_margin": SPARED_MARGIN, "high_r": HIGH_R,
                       "n_modules": N_MODULES, "n_modules_margin": N_MODULES_MARGIN},
        "choices": {labels[c]: c for c in choices},
        "per_choice": {},
        "claims": [],
    }
    cl = out["claims"]
    t = st.equivalence(analysis["n_modules"], N_MODULES, N_MODULES_MARGIN)
    out["n_modules_vs_four"] = t
    c4 = claims.t_claim(f"{figure}.four_modules", f"{N_MODULES} modules per network", t, None, "greater",
                        f"mean {t['mean']:.2f} modules (example: {out['example']['n_modules']}); TOST within "
                        f"{N_MODULES} +- {N_MODULES_MARGIN:g}", paper=f"{pre}.four_modules",
                        effect=f"mean {out['n_modules']['mean']:.3g} modules (median {out['n_modules']['median']:.3g};"
                               " judged: mean)")
    c4["strength"] = {"key": "module_count_margin", "words": "four modules", "threshold": float(N_MODULES_MARGIN),
                      "reading": f"our reading of 'four modules': mean count within {N_MODULES} +- "
                                 f"{N_MODULES_MARGIN:g} (TOST)", "flip": None}
    cl.append(c4)
    for i, c in enumerate(choices):
        lab = labels[c]
        cid = lab.replace(" ", "")   # claim ids have no spaces ("stim 1" -> "stim1")
        other = [j for j in range(len(choices)) if j != i]
        acc_same = lesion[:, i, i]
        acc_other = lesion[:, i, other].mean(axis=1)
        ctrl_other = control[:, other].mean(axis=1)
        entry = {
            "n_matched": int(matched[:, i].sum()),
            "module_size": st.describe(analysis["choice_module_size"][matched[:, i], i]),
            "selection_r": st.describe(analysis["selection_r"][:, i]),
            "r_module_output": {**st.describe(analysis["r_module_output"][:, i]),
                                **st.ttest_1samp_r(analysis["r_module_output"][:, i])},
            "r_module_output_vs_high": st.ttest_1samp(analysis["r_module_output"][:, i], HIGH_R, fisher_z=True),
            "lesion": {
                f"accuracy_{lab}_trials": st.describe(acc_same),
                f"control_accuracy_{lab}_trials": st.describe(np.where(matched[:, i], control[:, i], np.nan)),
                "accuracy_other_trials": st.describe(acc_other),
                "control_accuracy_other_trials": st.describe(np.where(matched[:, i], ctrl_other, np.nan)),
                "ttest_same_vs_other": st.ttest_ind(acc_same, acc_other),
                "ttest_same_vs_near_zero": st.ttest_1samp(acc_same, NEAR_ZERO),
                "other_trials_change_vs_control": st.equivalence(acc_other - ctrl_other, 0.0, SPARED_MARGIN),
            },
            "control_accuracy": st.describe(control[:, i]),
        }
        if task == "pdm":
            entry["r_module_cumdelta"] = {**st.describe(analysis["r_module_cumdelta"][:, i]),
                                          **st.ttest_1samp_r(analysis["r_module_cumdelta"][:, i])}
            sd = np.asarray(analysis["sign_dprime"])[:, i]
            entry["sign_dprime"] = {**st.describe(sd), "ttest": st.ttest_1samp(sd, 0.0)}
        out["per_choice"][lab] = entry
        if c not in CLAIMED[task]:
            continue
        mod = "mod1" if c == choices[0] or task == "gng" else "mod2"
        r = entry["r_module_output"]
        cl.append(claims.claim(
            f"{figure}.module_{cid}_tracks_output", f"{lab} module mean activity correlates with its output unit",
            test=r["test"], statistic=_nan_t(r), p=r["p"], n=r["n"],
            direction="greater", detail=f"mean r = {r['mean']:.3f}; {entry['n_matched']} of {n} networks matched",
            paper="fig1.output_corr" if task == "pdm" else "s2.output_corr"))
        le = entry["lesion"]
        t = le["ttest_same_vs_other"]
        paper_lesion = {"pdm": {1: "fig1.lesion_mod1", 2: "fig1.lesion_mod2"}, "gng": {1: "s2.lesion_go"}}[task][c]
        same_d, other_d = le[f"accuracy_{lab}_trials"], le["accuracy_other_trials"]
        cl.append(claims.claim(
            f"{figure}.lesion_{cid}_module", f"lesioning the {lab} module's readout lowers accuracy on {lab} trials"
            " more than on the other trials", test=t["test"], statistic=_nan_t(t),
            p=t["p"], n=n, direction="less", detail=f"mean accuracy {t['mean_a']} vs {t['mean_b']}",
            paper=paper_lesion,
            effect=None if same_d["mean"] is None or other_d["mean"] is None else
            f"mean accuracy {same_d['mean']:.3g} on {lab} trials vs {other_d['mean']:.3g} on the others (median "
            f"{same_d['median']:.3g} vs {other_d['median']:.3g}; judged: mean)"))
        if task == "pdm":
            c0, _ = claims.strength_claim(
                f"{figure}.lesion_{cid}_module_near_zero", f"lesioning the {lab} module's readout drops accuracy on "
                f"{lab} trials to nearly 0%", acc_same, NEAR_ZERO, "near_zero_accuracy", words="dropped to nearly 0%",
                paper=paper_lesion, quantity=f"accuracy on {lab} trials", direction="less", chance=control[:, i],
                chance_label=f"each network's intact accuracy on {lab} trials")
            cl.append(c0)
            t = le["other_trials_change_vs_control"]
            change = st.describe(acc_other - ctrl_other)
            cs = claims.t_claim(
                f"{figure}.lesion_{cid}_module_spares_other_trials", f"lesioning the {lab} module's readout leaves "
                "accuracy on the other trials as it was (lesioned vs intact)", t, None, "greater",
                f"mean change {t['mean']}; TOST margin +-{SPARED_MARGIN:.0%}",
                paper="fig1.lesion_mod1_spared" if mod == "mod1" else "fig1.lesion_mod2",
                effect=None if change["mean"] is None else
                f"mean accuracy change {change['mean']:.3g} (median {change['median']:.3g}; judged: mean)")
            cs["strength"] = {"key": "spared_margin", "words": "were not effected", "threshold": float(SPARED_MARGIN),
                              "reading": f"our reading of 'were not effected': mean change within +-{SPARED_MARGIN:g} "
                                         "(TOST)", "flip": None}
            cl.append(cs)
            rc = entry["r_module_cumdelta"]
            cl.append(claims.claim(
                f"{figure}.module_{cid}_tracks_cumulative_input",
                f"{lab} module mean activity {'rises' if c == 1 else 'falls'} with cumulative (stim1 - stim2) input",
                test=rc["test"], statistic=_nan_t(rc), p=rc["p"], n=rc["n"],
                direction="greater" if c == 1 else "less", detail=f"mean r = {rc['mean']:.3f}",
                paper="fig1.track_input"))
            toward = 1.0 if c == 1 else -1.0   # r with the cumulative input toward this module's stimulus
            ch, _ = claims.strength_claim(
                f"{figure}.module_{cid}_tracks_cumulative_input_highly",
                f"{lab} module mean activity is highly correlated with the cumulative input toward stimulus {c}",
                toward * np.asarray(analysis["r_module_cumdelta"][:, i], dtype=np.float64), HIGH_R, "high_r",
                words="highly correlated with the cumulative inputs variable", paper="fig1.track_input",
                quantity="r", fisher_z=True)
            cl.append(ch)
            t = entry["sign_dprime"]["ttest"]
            cl.append(claims.t_claim(
                f"{figure}.module_{cid}_sign_selective",
                f"{lab} module is more active when the cumulative input favours stimulus {1 if c == 1 else 2}: d' of "
                "its mean activity at cumulative (stim1 - stim2) > 0 vs < 0 is "
                f"{'above' if c == 1 else 'below'} 0 (stimulus period, test trials)", t, None,
                "greater" if c == 1 else "less", f"mean d' = {entry['sign_dprime']['mean']}",
                paper="fig1.sign_selective"))
    # two choice modules: anti-correlation, output correlation strength and the lesion crossover
    if len(choices) >= 2:
        rb = analysis["r_between_choice_modules"]
        t = st.ttest_1samp_r(rb)
        out["r_between_choice_modules"] = {**st.describe(rb), **t}
        if task == "pdm":
            cl.append(claims.claim(
                f"{figure}.choice_modules_anticorrelated", "the two choice modules' mean activities are "
                "anti-correlated", test=t["test"], statistic=_nan_t(t), p=t["p"], n=t["n"], direction="less",
                detail=f"mean r = {out['r_between_choice_modules']['mean']:.3f}", paper="fig1.anticorrelated"))
        inter = lesions.lesion_crossover(lesion, control)
        t = st.ttest_1samp(inter, 0.0)
        out["lesion_crossover"] = {**st.describe(inter), "ttest": t}
        cl.append(claims.t_claim(
            f"{figure}.lesion_crossover", "module x trial-type interaction: each choice module's lesion hurts its own "
            "trials more than the other module's lesion does (unique, isolated effects)", t, None, "greater",
            f"interaction of accuracy drops, mean {out['lesion_crossover']['mean']}",
            paper="fig1.disc"))
        if task == "gng":
            for i, c in enumerate(choices):
                ch, _ = claims.strength_claim(
                    f"{figure}.module_{labels[c].replace(' ', '')}_output_r_high", f"{labels[c]} module is highly "
                    "correlated with its output unit", analysis["r_module_output"][:, i], HIGH_R, "high_r",
                    words="highly correlated to the activity of output neurons", paper="s2.output_corr",
                    quantity="r", fisher_z=True)
                cl.append(ch)
    bd = analysis["boundary_dprime"]
    t = st.ttest_1samp(bd, 0.0)
    out["boundary_module_dprime"] = {**st.describe(bd), "ttest": t}
    if task == "pdm":
        cl.append(claims.t_claim(
            f"{figure}.fixation_boundary_module", "a non-choice module is active at trial boundaries (start of "
            "fixation, end of fixation): its d' at boundary steps vs other steps is above 0", t, None, "greater",
            f"largest d' among non-choice modules (>= min_module_size units), mean {out['boundary_module_dprime']['mean']}",
            paper="fig1.fixation_modules"))
    out["reconstruction_r"] = st.describe(analysis["reconstruction_r"])
    out["module_pc_r"] = st.describe(analysis["module_pc_r"])
    return out


def _sign_split(ax, trials, means, choices, mods, labels, task: str, color) -> None:
    """Panel e: each choice module's mean activity (test trials, stimulus period) split by the sign of the cumulative
    (stim 1 - stim 2) input (PDM, the paper's Fig 1e), or by the trial's correct choice (GNG: no stimulus evidence)."""
    stim = (trials.trial % 2 == 1) & (trials.period == 1)
    if task == "pdm":
        cum = cumulative_delta_input(trials.x, trials.trial)
        splits = [("cumΔ>0", stim & (cum > 0)), ("cumΔ<0", stim & (cum < 0))]
        title = "by sign of cumulative Δ\n(stimulus period)"
    else:
        truth = np.asarray(trials.ground_truth)[trials.trial]
        splits = [(labels[c], stim & (truth == c)) for c in choices]
        title = "by correct choice\n(stimulus period)"
    groups, names, cols, pos = [], [], [], []
    for c, k in zip(choices, mods):
        if k < 0:
            continue
        for name, sel in splits:
            groups.append(means[sel, k])
            names.append(name)
            cols.append(color(k))
            pos.append(len(pos) + 1 + 0.5 * (len(pos) // len(splits)))
    plotting.violins(ax, groups, pos, cols)
    ax.set_xticks(pos, names, fontsize=5, rotation=40)
    ax.set_ylabel("choice module mean activity\n(colours as in c)")
    ax.set_title(title if groups else "no choice module matched")


def _example_trials(trials, n: int = 4):
    """Step mask of the first ``n`` odd (test-half) trials."""
    test_trials = np.unique(trials.trial[trials.trial % 2 == 1])[:n]
    return np.isin(trials.trial, test_trials)


def plot(data, stats_: dict):
    """Fig 1 / S2 layout: example network (a-e), then all networks (f-h)."""
    act, analysis, task = data["activity"], data["analysis"], stats_["task"]
    labels = CHOICE_LABELS[task]
    choices = [int(c) for c in analysis["choices"]]
    e = int(stats_["example"]["position"])
    m = int(analysis["model_index"][e])
    part = analysis["partition"][e]
    mods = analysis["choice_module"][e]
    live = part >= 0
    X = act.hidden[m].astype(np.float64)
    means = act_mod.module_activity(X[:, live], part[live])
    trials = act.trials
    ex = _example_trials(trials)
    t = np.arange(ex.sum())

    fig = plotting.figure(180, 125)
    outer = fig.add_gridspec(2, 1)
    top = outer[0].subgridspec(1, 4, width_ratios=[1, 1, 2, 1])
    bottom = outer[1].subgridspec(1, 4, width_ratios=[1, 1.3, 1.3, 1])
    ax = fig.add_subplot(top[0])
    inputs = trials.x[ex]
    names = make_task(task, seed=0).input_names
    for j in range(inputs.shape[1]):
        ax.plot(t, inputs[:, j] + 1.6 * j, lw=0.8, color="0.3")
    ax.set_yticks([1.6 * j for j in range(inputs.shape[1])], names)
    ax.set_xlabel(f"time step (dt = {float(trials.dt):g} ms)")
    ax.set_title("inputs, 4 test trials")
    plotting.panel_label(ax, "a")

    ax = fig.add_subplot(top[1])
    plotting.ordered_matrix(ax, act_mod.correlation(X[:, live]), part[live], vmax=1.0, label="r")
    ax.set_title(f"net {m}: {means.shape[1]} modules\nQ = {analysis['q'][e]:.2f}")
    n_silent = int((~live).sum())
    plotting.panel_label(ax, "b")

    ax = fig.add_subplot(top[2])
    def color(k):  # choice modules in their choice's colour (as in panels d-g), the others in greys
        hit = [i for i, mk in enumerate(mods) if mk == k]
        return plotting.module_color(hit[0]) if hit else str(0.45 + 0.1 * (k % 4))

    for k in range(means.shape[1]):
        name = next((f"mod. {labels[c]}" for c, mk in zip(choices, mods) if mk == k), f"mod. {k}")
        ax.plot(t, means[ex, k], color=color(k), label=name, lw=1.4 if k in mods else 0.7)
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
    ax.legend(handles, names_, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=min(2, len(handles)),
              borderaxespad=0.2, fontsize=5)
    plotting.panel_label(ax, "c")

    ax = fig.add_subplot(top[3])
    test = trials.trial % 2 == 1
    for c, k in zip(choices, mods):
        if k >= 0:
            ax.scatter(means[test, k], act.outputs[m][test, c], s=2, alpha=0.4, color=color(k))
    ax.set_xlabel("module mean activity")
    ax.set_ylabel("its output unit (colour as in c)")
    ax.set_title("module vs output")
    plotting.panel_label(ax, "d")

    ax = fig.add_subplot(bottom[0])
    _sign_split(ax, trials, means, choices, mods, labels, task, color)
    plotting.panel_label(ax, "e")

    for i, (c, letter) in enumerate(zip(choices, "fg")):
        ax = fig.add_subplot(bottom[1 + i])
        accs, names_, cols = [], [], []
        for j, cc in enumerate(choices):
            accs += [analysis["control_accuracy"][:, j], analysis["lesion_accuracy"][:, i, j]]
            names_ += [f"{labels[cc]}\nintact", f"{labels[cc]}\nlesion"]
            cols += [plotting.CONDITION_COLORS["control"], plotting.module_color(j)]
        if task == "gng":  # accuracies on few trials of a type are mostly 0 or 1: strips and proportions, not boxes
            plotting.strips(ax, [a[np.isfinite(a)] for a in accs], names_, colors=cols)
        else:
            plotting.boxplot(ax, [a[np.isfinite(a)] for a in accs], names_, colors=cols)
        ax.axhline(stats_["thresholds"]["near_zero_accuracy"], color="0.6", lw=0.6, ls=":")
        ax.tick_params(axis="x", labelsize=5)
        tt = stats_["per_choice"][labels[c]]["lesion"]["ttest_same_vs_other"]
        ax.set_ylim(-0.05, 1.12)
        ax.set_ylabel("accuracy")
        ax.set_xlabel("trials by correct choice")
        ax.set_title(f"lesion mod. {labels[c]} "
                     f"({stats_['per_choice'][labels[c]]['n_matched']} nets)")
        ax.text(0.5, 1.0, plotting.format_p(tt["p"]), transform=ax.transAxes, ha="center", va="top")
        plotting.panel_label(ax, letter)

    ax = fig.add_subplot(bottom[3])
    groups = [analysis["r_module_output"][:, i] for i in range(len(choices))]
    names = [f"out {labels[c]}" for c in choices]
    if task == "pdm":
        groups += [analysis["r_module_cumdelta"][:, i] for i in range(len(choices))]
        names += [f"cumΔ ({labels[c]})" for c in choices]
    colors = [plotting.module_color(i % len(choices)) for i in range(len(groups))]
    plotting.boxplot(ax, [g[np.isfinite(g)] for g in groups], names, colors=colors)
    ax.axhline(0, color="0.6", lw=0.6)
    ax.set_ylabel("r with choice module")
    ax.tick_params(axis="x", rotation=40)
    ax.set_title(f"all nets (n = {stats_['n_networks']})")
    plotting.panel_label(ax, "h")

    plotting.stamp(fig, plotting.scale_note(stats_["scale"], f"{stats_['n_networks']} of {stats_['n_trained']} "
                                            f"trained RNNs pass accuracy >= {stats_['min_accuracy']}; "
                                            f"{trials.n_trials} test trials; modules matched on even, "
                                            f"statistics on odd trials (rule in stats); example net {m} ("
                                            f"{stats_['example']['rule']}): {n_silent} silent units left out of "
                                            f"modules; dotted line: {stats_['thresholds']['near_zero_accuracy']:.0%} ('nearly 0%')"))
    return fig
