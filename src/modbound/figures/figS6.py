"""Fig S6: generative models of module boundaries (sign, difference, sign-difference) and the input
weights of trained PDM RNNs before and after training."""

from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr

from modbound.core import activity as act_mod, stats as st
from modbound.reporting import claims, plotting
from modbound.models import ffnn
from modbound.models.tasks import make_task

MODELS = ("sign", "difference", "sign_difference")
TITLES = {"sign": "sign-based", "difference": "difference-based", "sign_difference": "sign-difference"}
PARAM_LABEL = {"sign": "fraction of negative weights", "difference": "δ = w₂ − w₁",
               "sign_difference": "δ = w₂ − w₁"}
RULE_NAMES = ("+ +, w₁ ≥ w₂", "+ +, w₂ > w₁", "+ −", "− +", "− −, |w₁| ≥ |w₂|", "− −, |w₂| > |w₁|",
              "+ −, |w₂| > |w₁|", "− +, |w₁| ≥ |w₂|")


def stats(data, *, scale: str, ensemble: str, strength: dict) -> dict:
    res, wc, evaluation, manifest = data["generative"], data["weight_change"], data["evaluation"], data["manifest"]
    input_names = make_task(manifest["task"], seed=0).input_names
    out = {"figure": "figS6", "scale": scale, "n_outputs": int(res["n_outputs"]), "n_samples": int(res["n_samples"]),
           "paper_strength": strength, "models": {}, "claims": []}
    for model in MODELS:
        p = res[f"{model}__param"]
        entry = {"parameter": p, "n_seeds": int(res[f"{model}__q_louvain"].shape[1]),
                 "network_seeds": res[f"{model}__seeds"],
                 "example": {"parameter": float(res[f"{model}__example_param"]),
                             "seed": int(res[f"{model}__example_seed"])},
                 "q_louvain": [st.describe(q) for q in res[f"{model}__q_louvain"]],
                 "q_natural_partition": [st.describe(q) for q in res[f"{model}__q_natural"]],
                 "n_modules_natural": [st.describe(k) for k in res[f"{model}__k_natural"]],
                 "ari_natural_vs_louvain": [st.describe(a) for a in res[f"{model}__ari_natural"]]}
        if model == "sign_difference":
            entry["q_rules8"] = [st.describe(q) for q in res[f"{model}__q_rules8"]]
            entry["ari_rules8_vs_louvain"] = [st.describe(a) for a in res[f"{model}__ari_rules8"]]
        out["models"][model] = entry
    # Q = 0 at the null parameter (exactly, up to rounding: recorded, not tested), and Q grows away
    # from it: tested between the largest parameter (50% for sign) and the smallest non-null one.
    paper_ids = {"sign": "s6.sign_Q", "difference": "s6.diff_Q"}
    for model, far in (("sign", 0.5), ("difference", float(res["difference__param"].max()))):
        p = res[f"{model}__param"]
        q = res[f"{model}__q_louvain"]
        j0, j1 = int(np.argmin(np.abs(p))), int(np.argmin(np.abs(p - far)))
        out["models"][model]["q_at_null_parameter"] = {"parameter": float(p[j0]),
                                                       "max_abs_q_louvain": float(np.abs(q[j0]).max()),
                                                       "max_abs_q_natural": float(np.abs(res[f"{model}__q_natural"][j0]).max())}
        rising = (p >= p[j0]) & (p <= far)  # from the null parameter up to ``far``
        x = np.repeat(p[rising], q.shape[1])
        rho, pval = spearmanr(x, q[rising].ravel())
        name = PARAM_LABEL[model].split(" =")[0]
        out["models"][model]["spearman_q_vs_parameter"] = {"rho": float(rho), "p": float(pval), "n": int(x.size),
                                                           "range": [float(p[j0]), float(far)]}
        out["claims"].append(claims.claim(
            f"figS6.{model}_model_q_grows_with_parameter",
            f"{TITLES[model]} model: Q is 0 at {name} = {p[j0]:g} and grows with {name} up to {far:g}",
            test="Spearman rank correlation (parameter vs Q, all seeds)", statistic=float(rho), p=float(pval),
            n=int(x.size), direction="greater",
            detail=f"mean Q {q[j1].mean():.3f} at {p[j1]:g}; max |Q| at {p[j0]:g}: "
                   f"{out['models'][model]['q_at_null_parameter']['max_abs_q_louvain']:.1e}", paper=paper_ids[model]))
    sp = res["sign__param"]
    qs = res["sign__q_louvain"].mean(axis=1)
    out["models"]["sign"]["parameter_of_peak_q"] = float(sp[int(np.argmax(qs))])
    # "peaks when 50% of the weights are negative": Q at 50% against the best other fraction of the sweep
    j50 = int(np.argmin(np.abs(sp - 0.5)))
    if np.isclose(sp[j50], 0.5) and sp.size > 1:
        others = [j for j in range(sp.size) if j != j50]
        best = others[int(np.argmax(qs[others]))]
        t = st.ttest_ind(res["sign__q_louvain"][j50], res["sign__q_louvain"][best])
        out["models"]["sign"]["peak_test"] = {"best_other_fraction": float(sp[best]), **t}
        out["claims"].append(claims.t_claim(
            "figS6.sign_model_q_peaks_at_half", f"sign-based model: Q peaks at 50% negative weights (Q at 50% > Q at "
            f"the best other fraction, {sp[best]:g}; fractions swept {sp.min():g}-{sp.max():g})", t, None, "greater",
            f"mean Q {t['mean_a']:.3f} vs {t['mean_b']:.3f}; sweep's peak at {out['models']['sign']['parameter_of_peak_q']:g}",
            paper="s6.sign_peak"))
    else:
        out["claims"].append(claims.untested("figS6.sign_model_q_peaks_at_half", "sign-based model: Q peaks at 50% "
                                             "negative weights", "config origin.generative.fractions has no 0.5",
                                             paper="s6.sign_peak"))
    # the built-in partitions against the Louvain modules (ARI per network, every non-null parameter):
    # sign split (S6d,e), split by the larger weight (S6i,j), 6 and 8 rules (S6p)
    same, approx = strength["same_partition_ari"], strength["approximate_ari"]
    for model, key, thr, name, cid, paper_id, text, words in (
            ("sign", "ari_natural", same, "same_partition_ari", "figS6.sign_model_splits_by_sign", "s6.sign_split",
             "sign-based model: the Louvain modules are the sign split of the weights",
             "divides the correlation matrix into modules based on the sign"),
            ("difference", "ari_natural", same, "same_partition_ari", "figS6.difference_model_splits_by_larger_weight",
             "s6.diff_split", "difference-based model: the Louvain modules split the units by their larger input weight",
             "they will now belong to separate sub-modules"),
            ("sign_difference", "ari_natural", approx, "approximate_ari", "figS6.six_rules_partition",
             "s6.rules", "sign-difference model: the Louvain modules follow the six rules",
             "can be neatly partitioned using six (or eight) rules"),
            ("sign_difference", "ari_rules8", approx, "approximate_ari", "figS6.eight_rules_partition",
             "s6.rules", "sign-difference model: the Louvain modules follow the eight rules",
             "can be neatly partitioned using six (or eight) rules")):
        p = res[f"{model}__param"]
        q0 = np.abs(res[f"{model}__q_natural"]).max(axis=1) < 1e-9  # null parameter: one module, nothing to split
        ari = res[f"{model}__{key}"][~q0]
        c, t = claims.strength_claim(
            cid, f"{text} (parameters {', '.join(f'{v:g}' for v in p[~q0])})", ari, thr, name, words=words,
            paper=paper_id, quantity="ARI")
        out["models"][model][f"{key}_test"] = t
        out["claims"].append(c)
    qd = res["sign_difference__q_louvain"]
    out["models"]["sign_difference"]["q_min_over_delta"] = float(qd.mean(axis=1).min())
    pd_ = res["sign_difference__param"]
    jmax, jmin = int(np.argmax(pd_)), int(np.argmin(pd_))
    t = st.ttest_ind(qd[jmax], qd[jmin])
    out["claims"].append(claims.t_claim(
        "figS6.sign_difference_q_modulated_by_delta",
        f"sign-difference model: Q changes with δ (δ = {pd_.max():g} vs {pd_.min():g})",
        t, None, "two-sided", f"mean Q {t['mean_a']:.3f} vs {t['mean_b']:.3f}; min over δ of mean Q "
                        f"{out['models']['sign_difference']['q_min_over_delta']:.3f}", paper="s6.signdiff_Q"))
    # "it still maintains a high value": Q at the largest δ as a fraction of the mean Q at the smallest δ
    high = strength["high_q_fraction"]
    frac = qd[jmax] / qd[jmin].mean()
    c, t = claims.strength_claim(
        "figS6.sign_difference_q_stays_high", "sign-difference model: Q stays high as δ grows", frac, high,
        "high_q_fraction", words="it still maintains a high value", paper="s6.signdiff_Q",
        quantity=f"Q at δ = {pd_.max():g} / mean Q at δ = {pd_.min():g}", chance_label="0 (no modular structure left)")
    out["models"]["sign_difference"]["q_fraction_kept_test"] = t
    out["claims"].append(c)
    # trained RNNs
    idx = wc["model_index"]
    trained = {"ensemble": ensemble, "n_networks": int(idx.size), "n_trained": int(manifest["n_models"]),
               "excluded_models": evaluation["excluded_models"], "min_accuracy": evaluation["min_accuracy"],
               "init_seeds": [manifest["seeds"]["init"][m] for m in idx],
               "stimulus_inputs": [str(input_names[c]) for c in wc["columns"]]}
    for key, label in (("pct_negative", "% negative stimulus input weights"),
                       ("difference", "mean |w_stim1 − w_stim2|")):
        t = st.ttest_ind(wc[f"{key}_after"], wc[f"{key}_before"])
        paired = st.ttest_rel(wc[f"{key}_after"], wc[f"{key}_before"])  # the same networks before and after
        trained[key] = {"before": st.describe(wc[f"{key}_before"]), "after": st.describe(wc[f"{key}_after"]),
                        "ttest_after_vs_before": t, "paired_ttest_after_vs_before": paired}
        out["claims"].append(claims.t_claim(
            f"figS6.training_increases_{key}", f"{label} increase(s) with training (trained PDM RNNs)", t, None, "greater",
            f"mean {t['mean_b']:.3f} before vs {t['mean_a']:.3f} after (the paper's two-sample test)",
            paper="s6.training"))
        out["claims"].append(claims.t_claim(
            f"figS6.training_increases_{key}_paired", f"{label} increase(s) with training, the same networks paired "
            "(trained PDM RNNs)", paired, None, "greater",
            f"mean change {paired['mean_difference']:.3f}; paired design, beside the paper's two-sample test",
            paper="s6.training"))
    out["trained_rnns"] = trained
    return out


# The paper's letters (S6a-p) where its text cites the panel we draw: a, b (sign model, Q), d (sign partition of the
# output correlation), f, g (difference model, Q), i (difference partition), k, n (sign-difference model, Q), p (the
# rule partition); c, h, o (trained RNNs) take letters the text does not cite. Per row: weights, Q, trained, output r.
PAPER_LETTERS = {"sign": "abcd", "difference": "fghi", "sign_difference": "knop"}


def _weights_panel(ax, model, W, part):
    if model == "sign":
        order = np.argsort(W[:, 0], kind="stable")
        ax.imshow(W[order].T, aspect="auto", cmap="RdBu_r", vmin=-1.5, vmax=1.5, interpolation="nearest")
        ax.set_yticks([0, 1], ["w₁", "w₂"])
        ax.set_xlabel("output unit (sorted)")
        ax.set_title("W: +1 (red) / −1 (blue)")
        return
    for k in np.unique(part):
        sel = part == k
        ax.scatter(W[sel, 0], W[sel, 1], s=5, color=plotting.module_color(k))
    lim = 1.05 * np.abs(W).max()
    ax.plot([-lim, lim], [-lim, lim], color="0.6", lw=0.6, ls="--")
    ax.axhline(0, color="0.6", lw=0.5)
    ax.axvline(0, color="0.6", lw=0.5)
    ax.set_xlim(-lim if model == "sign_difference" else -0.1, lim)
    ax.set_ylim(-lim if model == "sign_difference" else -0.1, lim)
    ax.set_xlabel("w₁")
    ax.set_ylabel("w₂")
    ax.set_title("in-weights, coloured by\n" + ("larger input" if model == "difference" else "6 rules"))


def plot(data, stats_: dict):
    res, wc = data["generative"], data["weight_change"]
    fig = plotting.figure(180, 150)
    outer = fig.add_gridspec(3, 1)
    for row, model in enumerate(MODELS):
        letters = iter(PAPER_LETTERS[model])
        gs = outer[row].subgridspec(1, 4)
        W = res[f"{model}__example_W"]
        C = res[f"{model}__example_C"]
        part = ffnn.natural_partition(model, W)
        p_ex = float(res[f"{model}__example_param"])

        ax = fig.add_subplot(gs[0])
        _weights_panel(ax, model, W, ffnn.rule_partition(W, 6) if model == "sign_difference" else part)
        ax.text(-0.45, 0.5, TITLES[model], transform=ax.transAxes, rotation=90, ha="center", va="center",
                fontsize=7.5, fontweight="bold")
        plotting.panel_label(ax, next(letters))

        ax = fig.add_subplot(gs[1])
        x = res[f"{model}__param"]
        plotting.band(ax, x, res[f"{model}__q_louvain"], color=plotting.CONDITION_COLORS["observed"], label="Louvain on r")
        plotting.band(ax, x, res[f"{model}__q_natural"], color="#D55E00", ls="--",
             label={"sign": "sign partition", "difference": "larger-input partition",
                    "sign_difference": "6-rule partition"}[model])
        if model == "sign_difference":
            plotting.band(ax, x, res[f"{model}__q_rules8"], color="#009E73", ls=":", label="8-rule partition")
        ax.axvline(p_ex, color="0.7", lw=0.6, zorder=0)
        ax.set_xlabel(PARAM_LABEL[model])
        ax.set_ylabel("Q on output correlation")
        ax.set_ylim(-0.03, 0.85)
        ax.legend(loc="upper right" if model != "sign" else "upper left", fontsize=5)
        ax.set_title("Q vs parameter")
        plotting.panel_label(ax, next(letters))

        ax = fig.add_subplot(gs[2])
        tr = stats_["trained_rnns"]
        if model in ("sign", "difference"):
            key = "pct_negative" if model == "sign" else "difference"
            plotting.boxplot(ax, [wc[f"{key}_before"], wc[f"{key}_after"]], ["before", "after"],
                             colors=["0.55", plotting.CONDITION_COLORS["observed"]])
            ax.set_ylabel("% negative weights" if model == "sign" else "mean |w_stim1 − w_stim2|")
            ax.set_title(f"trained RNNs (n = {tr['n_networks']})\n"
                         f"{plotting.format_p(tr[key]['ttest_after_vs_before']['p'])}, t-test")
            ax.set_xlabel("training")
        else:
            Wt = wc["w_after"][0].astype(np.float64)
            rules = ffnn.rule_partition(Wt, 6)
            for k in np.unique(rules):
                sel = rules == k
                ax.scatter(Wt[sel, 0], Wt[sel, 1], s=5, color=plotting.module_color(k), label=RULE_NAMES[k])
            lim = 1.05 * np.abs(Wt).max()
            ax.plot([-lim, lim], [-lim, lim], color="0.6", lw=0.6, ls="--")
            ax.axhline(0, color="0.6", lw=0.5)
            ax.axvline(0, color="0.6", lw=0.5)
            ax.set_xlim(-lim, lim)
            ax.set_ylim(-lim, lim)
            ax.set_xlabel("w from stim 1")
            ax.set_ylabel("w from stim 2")
            ax.set_title(f"trained RNN {int(wc['model_index'][0])}, stim.\nW_in: 6 rules as in k")
        plotting.panel_label(ax, next(letters))

        ax = fig.add_subplot(gs[3])
        shown = ffnn.rule_partition(W, 6) if model == "sign_difference" else part
        plotting.ordered_matrix(ax, C, shown, vmax=1.0, label="r")
        ax.set_title(f"output r ({100 * p_ex:.0f}% negative)" if model == "sign" else f"output r (δ = {p_ex:g})")
        plotting.panel_label(ax, next(letters))


    tr = stats_["trained_rnns"]
    plotting.stamp(fig, plotting.scale_note(
        stats_["scale"], f"generative models: {stats_['models']['sign']['n_seeds']} seeds per value (bands: "
        f"mean ± sd), {stats_['n_outputs']} outputs, {stats_['n_samples']} Gaussian input samples (synthetic); "
        f"trained: {tr['n_networks']} of {tr['n_trained']} '{tr['ensemble']}' RNNs, initial weights rebuilt from "
        "their init seeds"))
    return fig
