"""Fig S5: transformer partitions for nine sentences reflect subject matter and form.

Sentences: {car, house, cat} x {"What is a x?", "Where is the x?", "This is a x."}
(:func:`modbound.models.deepnets.sentences`). For each of the first layers and each sentence, one Louvain
partition of the layer's hidden dimensions (units), from their Pearson correlation across the
sentence's tokens (samples; special tokens left out). Partition similarity (ARI) is compared for
pairs of sentences with the same subject (different form), the same form (different subject), and
neither (two-sample t-tests per layer).
"""

from __future__ import annotations

import textwrap

import numpy as np

from modbound.reporting import claims, plotting
from modbound.models import deepnets
from modbound.analyses.deepnets_analysis import PAIR_KINDS, sentence_pair_values as pair_values
from modbound.core import settings, stats as st

PAIR_LABELS = {"same_subject": "same\nsubject", "same_form": "same\nform", "unrelated": "neither"}
PAIR_COLORS = {"same_subject": "#0072B2", "same_form": "#D55E00", "unrelated": "#7f7f7f"}


def stats(data, *, scale: str) -> dict:
    res, info = data["analysis"], data["info"]
    used = settings.read(res, "gamma", "louvain_runs", source="transformer analysis")
    subject, form = res["subject"], res["form"]
    sents = [str(s) for s in res["sentences"]]
    n_layers = res["ari"].shape[0]
    out = {
        "figure": "figS5", "scale": scale, "model": info["description"], "model_type": info["model_type"],
        "model_path": info["path"], "packaged_model": info["packaged"], "hidden_size": info["hidden_size"],
        "sentences": sents, "subjects": list(deepnets.SUBJECTS), "forms": list(deepnets.FORMS),
        "tokens": {s: [str(t) for t, k in zip(res["tokens"], res["token_sentence"]) if k == i]
                   for i, s in enumerate(sents)},
        "n_tokens": {s: int(n) for s, n in zip(sents, res["n_tokens"])},
        "layers": list(range(1, n_layers + 1)),
        "units": "hidden dimensions of the layer's output (hidden_states[l], l = 1..n_layers)",
        "samples": "the sentence's tokens" + (" (special tokens left out)" if info["drop_special_tokens"] else ""),
        "gamma": used["gamma"], "louvain_runs": used["louvain_runs"], "louvain_seeds": res["louvain_seeds"],
        "by_layer": {}, "claims": [],
    }
    toks = np.asarray(res["n_tokens"], dtype=int)
    lo, hi = int(toks.min()), int(toks.max())
    out["samples_per_partition"] = {"min": lo, "max": hi, "per_sentence": out["n_tokens"]}
    out["samples_note"] = (
        f"each partition is built from a correlation across only {lo}-{hi} tokens: the {out['hidden_size']} x "
        f"{out['hidden_size']} correlation matrix has rank <= {hi - 1} (units' centred profiles live in a "
        f"{hi - 1}-dimensional space) and a single correlation has standard error "
        f"{(1 / np.sqrt(lo - 3)) if lo > 3 else float('inf'):.2f} in Fisher z, so partitions of one sentence are "
        "very noisy and subject-vs-form differences between them are weak evidence either way")
    if info["model_type"] != "gpt2":
        out["substitute"] = claims.substitute("GPT-2", info["description"].split(" (")[0])
    n = len(sents)
    for li in range(n_layers):
        layer = li + 1
        S = res["ari"][li]
        pv = pair_values(S, subject, form)
        t_s = st.ttest_ind(pv["same_subject"], pv["unrelated"])
        t_f = st.ttest_ind(pv["same_form"], pv["unrelated"])
        t_sf = st.ttest_ind(pv["same_subject"], pv["same_form"])
        out["by_layer"][str(layer)] = {
            "ari_matrix": S, "n_modules": (res["partitions"][li].max(axis=1) + 1).tolist(),
            **{k: st.describe(v) for k, v in pv.items()},
            "ttest_same_subject_vs_unrelated": t_s, "ttest_same_form_vs_unrelated": t_f,
            "ttest_same_subject_vs_same_form": t_sf,
        }
        out["claims"].append(claims.t_claim(f"figS5.layer{layer}_subject", f"layer {layer}: partitions more similar for "
                                      "sentences with the same subject", t_s, n, "greater",
                                      paper="s5.layer1" if layer == 1 else "s5.layers23"))
        if layer == 1:
            out["claims"].append(claims.t_claim("figS5.layer1_form", "layer 1: partitions more similar for sentences "
                                          "with the same form", t_f, n, "greater", paper="s5.layer1"))
        else:
            out["claims"].append(claims.t_claim(
                f"figS5.layer{layer}_subject_over_form", f"layer {layer}: partitions reflect subject rather than "
                "form (same-subject ARI > same-form ARI)", t_sf, n, "greater",
                detail=f"same form vs unrelated: t = {'n/a' if t_f['t'] is None else format(t_f['t'], '.3g')}, "
                       f"{plotting.format_p(t_f['p'])}", paper="s5.layers23"))
    return out


def _token_range(n_tokens: dict) -> str:
    lo, hi = min(n_tokens.values()), max(n_tokens.values())
    return str(lo) if lo == hi else f"{lo}-{hi}"


def plot(data, stats_: dict):
    res = data["analysis"]
    n_layers = res["ari"].shape[0]
    fig = plotting.figure(180, 118)
    gs = fig.add_gridspec(2, n_layers + 1, width_ratios=[1.05] + [1] * n_layers, height_ratios=[1.1, 1])
    sents = stats_["sentences"]

    ax = fig.add_subplot(gs[0, 0])
    ax.set_axis_off()
    subj_cols = [plotting.MODULE_COLORS[k] for k in (0, 2, 4)]
    for k, s in enumerate(sents):
        ax.text(0.0, 1 - (k + 0.5) / len(sents), f"{k + 1}. {s}", transform=ax.transAxes, va="center",
                fontsize=6.5, color=subj_cols[int(res["subject"][k])]).set_in_layout(False)
    ax.set_title("nine sentences\n(colour: subject)", loc="left")
    plotting.panel_label(ax, "a", dx_in=0.12)

    letters = "bcdefghij"
    vmax = max(0.05, float(np.max([S[~np.eye(len(S), dtype=bool)].max() for S in res["ari"]])))
    for li in range(n_layers):
        ax = fig.add_subplot(gs[0, li + 1])
        S = res["ari"][li].copy()
        np.fill_diagonal(S, np.nan)
        im = ax.imshow(S, cmap="viridis", vmin=0, vmax=vmax, interpolation="nearest")
        ax.set_xticks(range(len(sents)), [str(k + 1) for k in range(len(sents))])
        ax.set_yticks(range(len(sents)), [str(k + 1) for k in range(len(sents))])
        ax.tick_params(length=0)
        for b in (2.5, 5.5):
            ax.axhline(b, color="w", lw=0.8)
            ax.axvline(b, color="w", lw=0.8)
        ax.set_xlabel("sentence")
        if li == 0:
            ax.set_ylabel("sentence")
        ax.set_title(f"layer {li + 1}: ARI of partitions")
        plotting.panel_label(ax, letters[li])
    fig.colorbar(im, ax=fig.axes[-n_layers:], shrink=0.8, label="ARI (diagonal omitted)")

    ax = fig.add_subplot(gs[1, 0])
    ax.set_axis_off()
    info = [f"model: {stats_['model']}", f"units: {stats_['units']}",
            f"samples: {stats_['samples']}; {_token_range(stats_['n_tokens'])} tokens per sentence", "one Louvain partition per sentence and layer; pairs of sentences compared by "
            "ARI (9 same subject, 9 same form, 18 neither); two-sample t-tests"]
    ax.text(0, 1, "\n\n".join(textwrap.fill(t, 34) for t in info), transform=ax.transAxes, va="top",
            fontsize=5.5).set_in_layout(False)

    ymax = max(float(np.nanmax(res["ari"][li][~np.eye(len(sents), dtype=bool)])) for li in range(n_layers))
    for li in range(n_layers):
        ax = fig.add_subplot(gs[1, li + 1])
        pv = pair_values(res["ari"][li], res["subject"], res["form"])
        plotting.boxplot(ax, [pv[k] for k in PAIR_KINDS], [PAIR_LABELS[k] for k in PAIR_KINDS],
                         colors=[PAIR_COLORS[k] for k in PAIR_KINDS], jitter_seed=li)
        ax.set_xlabel("sentence pairs sharing")
        ax.set_ylim(min(0, ax.get_ylim()[0]), ymax * 1.25 + 0.02)
        if li == 0:
            ax.set_ylabel("ARI of partitions")
        L = stats_["by_layer"][str(li + 1)]
        ax.set_title(f"layer {li + 1}\nsubject vs neither: {plotting.format_p(L['ttest_same_subject_vs_unrelated']['p'])}"
                     f"\nform vs neither: {plotting.format_p(L['ttest_same_form_vs_unrelated']['p'])}", fontsize=6)
        plotting.panel_label(ax, letters[n_layers + li])

    fig.get_layout_engine().set(rect=(0, 0.04, 1, 0.96))
    plotting.stamp(fig, plotting.substitute_note(stats_) + f"Model: {stats_['model']}. " + plotting.scale_note(
        stats_["scale"], f"{len(sents)} sentences, first {n_layers} layers, {stats_['louvain_runs']} Louvain runs")
        + ("\n" + stats_["samples_note"].capitalize() + "." if "samples_note" in stats_ else ""))
    return fig
