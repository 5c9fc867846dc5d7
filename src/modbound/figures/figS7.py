"""Fig S7: the cosine similarity of the in-weights approximates the covariance (and correlation)
of feed-forward outputs, and its Louvain partition approximates the correlation modules."""

from __future__ import annotations

import numpy as np

from modbound.reporting import claims, plotting
from modbound.core import similarity, stats as st
from modbound.figures.fig2 import KIND_COLORS
from modbound.figures.figS6 import MODELS, PARAM_LABEL, TITLES


def _r(a, b) -> float:
    a, b = similarity.upper(a), similarity.upper(b)
    return float(np.corrcoef(a, b)[0, 1]) if np.ptp(a) > 0 and np.ptp(b) > 0 else float("nan")


def stats(data, *, scale: str, strength: dict) -> dict:
    ff, gen = data["ffnn"], data["generative"]
    n_inputs = [int(n) for n in ff["n_inputs"]]
    n2 = int(ff["example_inputs"][0])
    W = ff[f"example{n2}_W"]
    cos = similarity.cosine_similarity(W)
    out = {
        "figure": "figS7", "scale": scale, "n_inputs": n_inputs, "n_seeds_per_n_in": int(ff["r_cos_cov"].shape[1]),
        "network_seeds": ff["seeds"],
        "r_cosine_vs_covariance": {str(n): st.describe(ff["r_cos_cov"][i]) for i, n in enumerate(n_inputs)},
        "r_cosine_vs_correlation": {str(n): st.describe(ff["r_cos_corr"][i]) for i, n in enumerate(n_inputs)},
        "ari_cosine_partition_vs_louvain": {str(n): st.describe(ff["ari_cosine"][i]) for i, n in enumerate(n_inputs)},
        "example": {"n_inputs": n2, "seed": int(ff[f"example{n2}_seed"]),
                    "r_cosine_vs_covariance": _r(cos, ff[f"example{n2}_cov"]),
                    "r_cosine_vs_correlation": _r(cos, ff[f"example{n2}_C"]),
                    "n_modules_cosine": int(ff[f"example{n2}_cosine"].max() + 1)},
        "generative": {}, "claims": [],
    }
    for model in MODELS:
        Wg = gen[f"{model}__example_W"]
        cg = similarity.cosine_similarity(Wg)
        out["generative"][model] = {
            "parameter": gen[f"{model}__param"],
            "r_cosine_vs_covariance": [st.describe(r) for r in gen[f"{model}__r_cos_cov"]],
            "r_cosine_vs_correlation": [st.describe(r) for r in gen[f"{model}__r_cos_corr"]],
            "example": {"parameter": float(gen[f"{model}__example_param"]),
                        "r_cosine_vs_covariance": _r(cg, gen[f"{model}__example_cov"]),
                        "r_cosine_vs_correlation": _r(cg, gen[f"{model}__example_C"])},
        }
    r = st.ttest_1samp_r(ff["r_cos_cov"].ravel())
    out["claims"].append(claims.t_claim(
        "figS7.cosine_similarity_approximates_covariance",
        "cosine similarity of in-weights correlates with output covariance (random Gaussian networks, all N_in)", r,
        None, "greater", detail=f"mean r {np.nanmean(ff['r_cos_cov']):.3f} (vs correlation: "
                                    f"{np.nanmean(ff['r_cos_corr']):.4f})", paper="fig2.cosine"))
    hi = len(n_inputs) - 1
    t = st.ttest_ind(ff["ari_cosine"][hi], ff["ari_sector"][hi])
    out["claims"].append(claims.claim(
        "figS7.cosine_partitions_match_correlation_modules",
        f"Louvain partitions of the weights' cosine similarity agree with the correlation modules better than "
        f"sector partitions (ARI, N_in = {n_inputs[hi]})", test=t["test"],
        statistic=t["t"] if t["t"] is not None else float("nan"), p=t["p"], n=t["n_a"] + t["n_b"],
        direction="greater", detail=f"mean ARI {t['mean_a']:.3f} vs {t['mean_b']:.3f}", paper="s7.cosine_partition"))
    # "approximate the partitions produced in the correlation matrix": ARI of the cosine partition with the
    # correlation's Louvain modules, every network of every N_in, above the configured 'approximate' threshold
    c, out["ari_cosine_vs_threshold"] = claims.strength_claim(
        "figS7.cosine_partitions_approximate_correlation_modules",
        "Louvain partitions of the weights' cosine similarity approximate the correlation modules at every N_in",
        ff["ari_cosine"], strength["approximate_ari"], "approximate_ari", paper="s7.cosine_partition", quantity="ARI",
        words="approximate the partitions produced in the correlation matrix")
    out["claims"].append(c)
    return out


def _hist_scatter(ax, x, y, *, bins=30, xlabel="", ylabel=""):
    """Binned scatter: one dot per occupied bin, colour and size = count (as the paper's Fig 4e)."""
    H, xe, ye = np.histogram2d(x, y, bins=bins)
    xc, yc = np.meshgrid((xe[:-1] + xe[1:]) / 2, (ye[:-1] + ye[1:]) / 2, indexing="ij")
    sel = H > 0
    sc = ax.scatter(xc[sel], yc[sel], c=H[sel], s=2 + 18 * H[sel] / H.max(), cmap="viridis", linewidths=0)
    plotting.colorbar(sc, ax, "pairs per bin")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)


def plot(data, stats_: dict):
    ff, gen = data["ffnn"], data["generative"]
    fig = plotting.figure(180, 118)
    outer = fig.add_gridspec(2, 1)
    top, bottom = outer[0].subgridspec(1, 4), outer[1].subgridspec(1, 4)
    n2 = stats_["example"]["n_inputs"]
    W, cov = ff[f"example{n2}_W"], ff[f"example{n2}_cov"]
    part = ff[f"example{n2}_cosine"]
    cos = similarity.cosine_similarity(W)

    ax = fig.add_subplot(top[0])
    plotting.ordered_matrix(ax, cos, part, vmax=1.0, label="cosine")
    ax.set_title(f"cosine of in-weights\n(N_in = {n2}), its modules")
    plotting.panel_label(ax, "a")
    ax = fig.add_subplot(top[1])
    plotting.ordered_matrix(ax, cov, part, label="covariance")
    ax.set_title("output covariance,\nsame order")
    plotting.panel_label(ax, "b")
    ax = fig.add_subplot(top[2])
    _hist_scatter(ax, similarity.upper(cos), similarity.upper(cov), xlabel="cosine similarity of in-weights",
                  ylabel="output covariance")
    ax.set_title(f"r = {stats_['example']['r_cosine_vs_covariance']:.3f}\n"
                 f"(with correlation: {stats_['example']['r_cosine_vs_correlation']:.4f})")
    plotting.panel_label(ax, "c")
    ax = fig.add_subplot(top[3])
    x = ff["n_inputs"]
    plotting.band(ax, x, ff["r_cos_cov"], color=KIND_COLORS["louvain"], label="r(cosine, covariance)")
    plotting.band(ax, x, ff["r_cos_corr"], color=KIND_COLORS["cosine"], label="r(cosine, correlation)")
    plotting.band(ax, x, ff["ari_cosine"], color="0.4", ls="--", label="ARI cosine vs\ncorrelation modules")
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("number of inputs N_in")
    ax.set_ylabel("r or ARI")
    ax.legend(loc="lower right", fontsize=5)
    ax.set_title("random Gaussian\nnetworks")
    plotting.panel_label(ax, "d")

    for col, (model, letter) in enumerate(zip(MODELS, "efg")):
        ax = fig.add_subplot(bottom[col])
        cg = similarity.cosine_similarity(gen[f"{model}__example_W"])
        ex = stats_["generative"][model]["example"]
        _hist_scatter(ax, similarity.upper(cg), similarity.upper(gen[f"{model}__example_cov"]), bins=25,
                      xlabel="cosine similarity", ylabel="output covariance")
        name = f"{100 * ex['parameter']:.0f}% neg." if model == "sign" else f"δ = {ex['parameter']:g}"
        ax.set_title(f"{TITLES[model]} ({name})\nr = {ex['r_cosine_vs_covariance']:.3f}")
        plotting.panel_label(ax, letter)
    ax = fig.add_subplot(bottom[3])
    for model, color in zip(("difference", "sign_difference"), ("#D55E00", "#009E73")):
        plotting.band(ax, gen[f"{model}__param"], gen[f"{model}__r_cos_cov"], color=color, label=TITLES[model])
    ax.set_xlabel(PARAM_LABEL["difference"])
    ax.set_ylabel("r(cosine, covariance)")
    ax.set_ylim(-0.1, 1.05)
    ax.axhline(0, color="0.7", lw=0.6)
    ax.legend(loc="lower right", fontsize=5)
    ax.set_title("models vs δ")
    plotting.panel_label(ax, "h")
    plotting.stamp(fig, plotting.scale_note(
        stats_["scale"], f"{stats_['n_seeds_per_n_in']} random networks per N_in and per parameter value (bands: "
        "mean ± sd); synthetic feed-forward networks, Gaussian input")
        + " Sign model: covariance is exactly ± cosine (r = 1) once both signs occur.")
    return fig
