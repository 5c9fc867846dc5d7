"""Fig 2: quadrants, octants and sectors of the in-weights set module boundaries in small
feed-forward networks (:mod:`modbound.models.ffnn`)."""

from __future__ import annotations

import numpy as np

from modbound.core import activity as act_mod, modularity, stats as st, settings
from modbound.reporting import claims, plotting
from modbound.models import ffnn
from modbound import nulls
from modbound.core.seeding import derive_seed

KINDS = {"sector": "sector (sign pattern)\npartitions", "hamming": "Louvain on Hamming\nsimilarity of signs",
         "cosine": "Louvain on cosine\nsimilarity of weights"}
KIND_COLORS = {"sector": "#D55E00", "hamming": "#009E73", "cosine": "#CC79A7", "louvain": "#0072B2"}


def stats(data, *, scale: str, strength: dict) -> dict:
    res = data["ffnn"]
    used = settings.read(res, "gamma", "louvain_runs", source="ffnn analysis")
    n_inputs = [int(n) for n in res["n_inputs"]]
    n_seeds = int(res["q_louvain"].shape[1])
    out = {
        "figure": "fig2", "scale": scale, "n_outputs": int(res["n_outputs"]), "n_samples": int(res["n_samples"]),
        "n_inputs": n_inputs, "n_seeds_per_n_in": n_seeds, "network_seeds": res["seeds"],
        "gamma": used["gamma"], "louvain_runs": used["louvain_runs"], "paper_strength": strength,
        "by_n_in": {}, "examples": {}, "claims": [],
    }
    for i, n_in in enumerate(n_inputs):
        entry = {"q_louvain": st.describe(res["q_louvain"][i]), "n_modules_louvain": st.describe(res["k_louvain"][i]),
                 "r_cosine_vs_correlation": st.describe(res["r_cos_corr"][i])}
        for kind in KINDS:
            entry[kind] = {"q_induced": st.describe(res[f"q_{kind}"][i]), "n_modules": st.describe(res[f"k_{kind}"][i]),
                           "ari_with_louvain": st.describe(res[f"ari_{kind}"][i]),
                           "q_ratio_to_louvain": st.describe(res[f"q_{kind}"][i] / res["q_louvain"][i])}
        out["by_n_in"][str(n_in)] = entry
    for n_in in res["example_inputs"]:
        pre = f"example{int(n_in)}_"
        codes = res[pre + "codes"]
        present = np.unique(codes)
        qn = res[pre + "q_null"]
        out["examples"][str(int(n_in))] = {
            "seed": int(res[pre + "seed"]), "n_sectors_occupied": int(present.size),
            "sector_sizes": {int(c): int((codes == c).sum()) for c in present},
            "q_sector": float(res[pre + "q_sector"]), "q_louvain": float(res[pre + "q_louvain"]),
            "n_modules_louvain": int(res[pre + "louvain"].max() + 1),
            "ari_sector_vs_louvain": modularity.ari(codes, res[pre + "louvain"]),
            "permutation_null": {"n_perm": int(qn.size), "mean": float(qn.mean()), "sd": float(qn.std(ddof=1)),
                                 "p": float(res[pre + "p"])},
            "block_mean_correlation": ffnn.block_means(res[pre + "C"], codes),
        }
    ex = out["examples"][str(int(res["example_inputs"][0]))]
    out["claims"].append(claims.claim(
        "fig2.quadrants_are_modules",
        f"the quadrant partition (N_in = {int(res['example_inputs'][0])}) induces more Q on the output correlation "
        "than permuted partitions", test="label-permutation null (1-sided)",
        statistic=ex["q_sector"] - ex["permutation_null"]["mean"], p=ex["permutation_null"]["p"],
        n=ex["permutation_null"]["n_perm"], direction="greater",
        detail=f"Q sector {ex['q_sector']:.3f} vs Louvain {ex['q_louvain']:.3f}; ARI {ex['ari_sector_vs_louvain']:.2f}",
        paper="fig2.quadrants"))
    # "the boundaries between modules are the same as the boundaries between quadrants" (and octants, N_in = 3):
    # the Louvain modules of each network against its sign sectors, ARI above the configured 'same' threshold
    same = strength["same_partition_ari"]
    for n_in, paper_id, name in ((2, "fig2.quadrants", "quadrants"), (3, "fig2.octants", "octants")):
        if n_in not in n_inputs:
            continue
        c, out["by_n_in"][str(n_in)]["sector_is_louvain_test"] = claims.strength_claim(
            f"fig2.{name}_are_the_louvain_modules",
            f"N_in = {n_in}: the Louvain modules of the output correlation are the sign {name}",
            res["ari_sector"][n_inputs.index(n_in)], same, "same_partition_ari", paper=paper_id, quantity="ARI",
            words="boundaries between modules are the same as these boundaries between quadrants"
            + ("" if n_in == 2 else " (also demonstrated for three input neurons)"))
        out["claims"].append(c)
    if 3 in [int(n) for n in res["example_inputs"]]:
        ex3 = out["examples"]["3"]
        out["claims"].append(claims.claim(
            "fig2.octants_are_modules", "the octant partition (N_in = 3) induces more Q on the output correlation "
            "than permuted partitions", test="label-permutation null (1-sided)",
            statistic=ex3["q_sector"] - ex3["permutation_null"]["mean"], p=ex3["permutation_null"]["p"],
            n=ex3["permutation_null"]["n_perm"], direction="greater",
            detail=f"{ex3['n_sectors_occupied']} octants occupied; Q sector {ex3['q_sector']:.3f} vs Louvain "
                   f"{ex3['q_louvain']:.3f}; ARI {ex3['ari_sector_vs_louvain']:.2f}", paper="fig2.octants"))
    lo, hi = 0, len(n_inputs) - 1
    if hi > lo:
        t = st.ttest_ind(res["q_sector"][lo], res["q_sector"][hi])
        out["claims"].append(claims.t_claim(
            "fig2.sector_quality_falls_with_n_in",
            f"sector-partition Q is higher at N_in = {n_inputs[lo]} than at N_in = {n_inputs[hi]}", t, 2 * n_seeds,
            "greater", f"mean Q {t['mean_a']:.3f} vs {t['mean_b']:.3f}", paper="fig2.sector_Q"))
        t = st.ttest_ind(res["q_hamming"][hi], res["q_sector"][hi])
        out["claims"].append(claims.t_claim(
            "fig2.hamming_partitions_survive_large_n_in",
            f"at N_in = {n_inputs[hi]}, Hamming-similarity partitions induce more Q than sector partitions",
            t, 2 * n_seeds, "greater", f"mean Q {t['mean_a']:.3f} vs {t['mean_b']:.3f}", paper="fig2.hamming_Q"))
    # "medium to high-quality modular partitions across a broad range of N_in": Q of the Hamming partition as a
    # fraction of the Louvain-optimised Q of the same correlation, every network of every N_in
    c, out["hamming_q_fraction_test"] = claims.strength_claim(
        "fig2.hamming_partitions_medium_to_high_quality",
        "Hamming-similarity partitions reach medium-to-high quality at every N_in", res["q_hamming"] / res["q_louvain"],
        strength["medium_q_fraction"], "medium_q_fraction", paper="fig2.hamming_Q",
        quantity="Q / Louvain-optimised Q", words="medium to high-quality modular partitions",
        chance_label="0 (no modular structure)")
    out["claims"].append(c)
    r = st.ttest_1samp_r(res["r_cos_corr"].ravel())
    ratio = res["q_cosine"] / res["q_louvain"]
    out["claims"].append(claims.t_claim(
        "fig2.cosine_similarity_tracks_correlation",
        "cosine similarity of the in-weights correlates with the output correlation (all N_in)", r, None,
        "greater", detail=f"mean r {np.nanmean(res['r_cos_corr']):.4f}; Q cosine / Q Louvain "
                                    f"{np.nanmean(ratio):.3f} +- {np.nanstd(ratio, ddof=1):.3f}", paper="fig2.cosine"))
    out["claims"].append(claims.strength_claim(
        "fig2.cosine_similarity_very_accurate", "cosine similarity of the in-weights very accurately approximates the "
        "output correlation (all N_in)", res["r_cos_corr"], strength["very_high_r"], "very_high_r",
        words="very accurately approximate the covariance structure", paper="fig2.cosine", quantity="r",
        fisher_z=True)[0])
    return out


# --------------------------------------------------------------------------------- plotting

def _sector_color(code: int) -> str:
    return plotting.module_color(int(code))


def _cube_faces(fig, cell, W, cols, letter):
    """The six faces of the in-weight cube (Fig 2e): for each pair of inputs (a, b) and each sign of the
    third weight c, the outputs with that sign of c seen on the (w_a, w_b) face; axes at 0 are the octant
    boundaries."""
    sub = cell.subgridspec(3, 2)
    lim = 1.05 * float(np.abs(W).max())
    sub_ = "₁₂₃"
    for r, (a, b, c) in enumerate(((0, 1, 2), (0, 2, 1), (1, 2, 0))):
        for k, sign in enumerate((-1, 1)):
            ax = fig.add_subplot(sub[r, k])
            m = np.sign(W[:, c]) == sign
            ax.scatter(W[m, a], W[m, b], c=[cl for cl, mm in zip(cols, m) if mm], s=1.5, linewidths=0)
            ax.axhline(0, color="0.5", lw=0.4)
            ax.axvline(0, color="0.5", lw=0.4)
            ax.set_xlim(-lim, lim)
            ax.set_ylim(-lim, lim)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"w{sub_[c]} {'<' if sign < 0 else '>'} 0", fontsize=5, pad=1)
            ax.set_aspect("equal")
            ax.set_xlabel(f"w{sub_[a]}", fontsize=5, labelpad=0)
            if k == 0:
                ax.set_ylabel(f"w{sub_[b]}", fontsize=5, labelpad=0)
            if r == 0 and k == 0:
                plotting.panel_label(ax, letter, dx_in=0.2, dy_in=0.12)



def _schematic(ax):
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.3, 1.05)
    ax.axis("off")
    ins = [(0.18, 0.65), (0.18, 0.35)]
    outs = [(0.78, y) for y in np.linspace(0.1, 0.9, 7)]
    plotting.weight_fan(ax, ins, outs, np.random.default_rng(3), lw=(0.4, 0.6), alpha=0.7)
    for x, y in ins:
        ax.add_patch(plotting.plt.Circle((x, y), 0.05, color="0.3", zorder=2))
    for x, y in outs:
        ax.add_patch(plotting.plt.Circle((x, y), 0.035, color="0.6", zorder=2))
    ax.text(0.18, 0.86, "inputs\nx ~ N(0, 1)", ha="center", va="bottom", fontsize=6)
    ax.text(0.78, 0.97, "100 outputs", ha="center", va="bottom", fontsize=6)
    ax.text(0.5, -0.28, "y = W x (linear)\nblue w > 0, orange w < 0", ha="center", va="bottom", fontsize=5.5)
    ax.set_aspect("equal")


def _block_matrix(ax, B, codes_present, n_in, title):
    im = ax.imshow(B, cmap="RdBu_r", vmin=-1.0, vmax=1.0)
    k = len(codes_present)
    if k <= 4:
        for i in range(k):
            for j in range(k):
                ax.text(j, i, f"{B[i, j]:.2f}", ha="center", va="center", fontsize=5.5,
                        color="w" if abs(B[i, j]) > 0.6 else "k")
    names = [_sign_label(c, n_in) for c in codes_present]
    ax.set_xticks(range(k), names if k <= 4 else [""] * k, fontsize=5)
    ax.set_yticks(range(k), names, fontsize=5)
    for ticks in (ax.get_xticklabels(), ax.get_yticklabels()):
        for lab, c in zip(ticks, codes_present):
            lab.set_color(_sector_color(c))
            lab.set_fontweight("bold")
    ax.tick_params(length=0)
    ax.set_title(title)
    plotting.colorbar(im, ax, "mean r")


def _sign_label(code: int, n_in: int) -> str:
    return "".join("+" if (code >> j) & 1 else "−" for j in range(n_in))


def plot(data, stats_: dict):
    res = data["ffnn"]
    fig = plotting.figure(180, 170)
    outer = fig.add_gridspec(3, 1, height_ratios=[1, 1, 1.05])
    rows = [outer[r].subgridspec(1, 4, width_ratios=[1.6, 1, 1, 1] if r == 1 else None) for r in range(3)]
    n2, n3 = (int(n) for n in res["example_inputs"])

    ax = fig.add_subplot(rows[0][0])
    _schematic(ax)
    ax.set_title("network")
    plotting.panel_label(ax, "a", dx_in=0.05)

    for row, n_in, letters in ((0, n2, "bcd"), (1, n3, "feg")):
        pre = f"example{n_in}_"
        W, C, codes = res[pre + "W"], res[pre + "C"], res[pre + "codes"]
        ex = stats_["examples"][str(n_in)]
        ax = fig.add_subplot(rows[row][1])
        plotting.ordered_matrix(ax, C, codes, vmax=1.0, label="r")
        ax.set_title(f"r by {'quadrant' if n_in == 2 else 'octant'} (N_in = {n_in})\n"
                     f"Q {ex['q_sector']:.2f} (Louvain {ex['q_louvain']:.2f})")
        plotting.panel_label(ax, letters[0])

        cols = [_sector_color(c) for c in codes]
        if n_in == 3:
            _cube_faces(fig, rows[row][0], W, cols, letters[1])
        else:
            ax = fig.add_subplot(rows[row][2])
            ax.scatter(W[:, 0], W[:, 1], c=cols, s=6)
            ax.axhline(0, color="0.5", lw=0.6)
            ax.axvline(0, color="0.5", lw=0.6)
            ax.set_xlabel("weight from input 1 (w₁)")
            ax.set_ylabel("weight from input 2 (w₂)")
            ax.set_title("in-weights per output:\nquadrants")
            lim = 1.05 * np.abs(W).max()
            ax.set_xlim(-lim, lim)
            ax.set_ylim(-lim, lim)
            ax.set_aspect("equal")
            plotting.panel_label(ax, letters[1])

        ax = fig.add_subplot(rows[row][3 if row == 0 else 2])
        present = np.unique(codes)
        _block_matrix(ax, np.asarray(ex["block_mean_correlation"], dtype=float), present, n_in,
                      f"block-mean correlation\n({present.size} sectors)")
        plotting.panel_label(ax, letters[2])

    x = res["n_inputs"]
    ax = fig.add_subplot(rows[1][3])
    plotting.band(ax, x, res["k_louvain"], color=KIND_COLORS["louvain"], label="Louvain on r")
    for kind in KINDS:
        plotting.band(ax, x, res[f"k_{kind}"], color=KIND_COLORS[kind], label=kind)
    ax.plot(x, np.minimum(2.0 ** x, stats_["n_outputs"]), color="0.4", ls=":", lw=0.8, label="2^N_in (max N_out)")
    ax.set_yscale("log")
    ax.set_ylim(top=10 * float(stats_["n_outputs"]))   # headroom above the curves for the legend
    ax.xaxis.set_major_locator(plotting.plt.MaxNLocator(integer=True))
    ax.set_xlabel("number of inputs N_in")
    ax.set_ylabel("number of modules")
    ax.legend(loc="upper left", ncols=2, fontsize=5)
    ax.set_title("number of modules")
    plotting.panel_label(ax, "k")

    for col, (kind, letter) in enumerate(zip(KINDS, "hij")):
        ax = fig.add_subplot(rows[2][col])
        plotting.band(ax, x, res["q_louvain"], color=KIND_COLORS["louvain"], label="Louvain on r")
        plotting.band(ax, x, res[f"q_{kind}"], color=KIND_COLORS[kind], label=f"{kind} (induced)")
        ax.set_ylim(0, max(0.8, float(np.nanmax(res["q_louvain"])) + 0.05))
        ax.set_xlabel("number of inputs N_in")
        ax.set_ylabel("Q on output correlation")
        ax.set_title(KINDS[kind])
        ax.legend(loc="upper right", fontsize=5)
        plotting.panel_label(ax, letter)

    ax = fig.add_subplot(rows[2][3])
    for kind in KINDS:
        plotting.band(ax, x, res[f"ari_{kind}"], color=KIND_COLORS[kind], label=kind)
    ax.set_ylim(-0.05, 1.3)   # headroom above the bands for the legend
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_xlabel("number of inputs N_in")
    ax.set_ylabel("ARI with Louvain partition")
    ax.set_title("agreement with\ncorrelation modules")
    plotting.panel_label(ax, "l")
    ax.legend(loc="upper center", ncols=3, fontsize=5)

    plotting.stamp(fig, plotting.scale_note(
        stats_["scale"], f"{stats_['n_seeds_per_n_in']} random networks per N_in (bands: mean ± sd), "
        f"{stats_['n_outputs']} outputs, {stats_['n_samples']} Gaussian input samples; synthetic data")
        + f" Louvain: best of {stats_['louvain_runs']} runs, gamma {stats_['gamma']}.")
    return fig
