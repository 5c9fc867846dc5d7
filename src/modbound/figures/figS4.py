"""Fig S4: partitions of a digit classifier's hidden layer identify the digit it sees.

For each digit, its (training) images are split into sets; each set gives one Louvain partition of
the hidden units (correlation across the set's images, :func:`modbound.core.partitions.partition_sets`).
Partitions are compared by ARI: within a digit vs between digits (two-sample t-tests, per digit and
overall), and the most similar pair of different digits (the paper: 4 and 9).
"""

from __future__ import annotations

import numpy as np

from modbound.reporting import claims, plotting
from modbound.core import partitions, stats as st, settings

PAPER_PAIR = (4, 9)
PAPER_SET_SIZE = 100    # images per set in the paper (MNIST)


def _digit_matrix(S: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Mean ARI between the sets of digit a and digit b (diagonal: distinct sets of the same digit)."""
    digits = np.unique(labels)
    M = np.zeros((len(digits), len(digits)))
    for i, a in enumerate(digits):
        for j, b in enumerate(digits):
            block = S[np.ix_(labels == a, labels == b)]
            M[i, j] = block[~np.eye(len(block), dtype=bool)].mean() if a == b else block.mean()
    return M


def _per_digit(S: np.ndarray, labels: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray]:
    """ARI of pairs of sets within digit d, and of pairs (set of d, set of another digit)."""
    iu = np.triu_indices(len(labels), k=1)
    vals = S[iu]
    a, b = labels[iu[0]], labels[iu[1]]
    return vals[(a == d) & (b == d)], vals[(a == d) != (b == d)]


def _pair_values(S, labels, x, y):
    """ARI of (set of x, set of y) pairs, and of every other pair of sets of different digits."""
    iu = np.triu_indices(len(labels), k=1)
    vals = S[iu]
    a, b = labels[iu[0]], labels[iu[1]]
    pair = ((a == x) & (b == y)) | ((a == y) & (b == x))
    return vals[pair], vals[(a != b) & ~pair]


def stats(data, *, scale: str) -> dict:
    res, training = data["analysis"], data["summary"]
    used = settings.read(res, "gamma", "louvain_runs", source="digits analysis")
    S, labels = res["ari"], res["set_digit"]
    digits = [int(d) for d in res["digits"]]
    M = _digit_matrix(S, labels)
    off = M.copy()
    np.fill_diagonal(off, -np.inf)
    i, j = np.unravel_index(np.argmax(off), off.shape)
    iu = np.triu_indices(len(digits), k=1)
    order = np.argsort(-M[iu], kind="stable")
    ranked = [(digits[iu[0][k]], digits[iu[1][k]]) for k in order]
    wb = partitions.within_between(S, labels)
    size, n_sets = int(res["set_size"]), int(res["n_sets"])
    out = {
        "figure": "figS4", "scale": scale, "dataset": training["dataset"], "dataset_description":
        training["dataset_description"], "image_shape": training["image_shape"],
        "classifier": {k: training[k] for k in ("n_hidden", "n_epochs", "batch_size", "lr", "init_seed",
                                                "train_accuracy", "test_accuracy", "n_train", "n_test",
                                                "epoch_loss")},
        "chance_accuracy": 0.1,
        "n_sets_per_digit": n_sets, "samples_per_set_requested": int(res["samples_per_set"]),
        "samples_per_set": size, "samples_per_set_reduced": bool(res["reduced"]),
        "train_samples_per_digit": {str(d): int(c) for d, c in zip(digits, res["train_counts"])},
        "correlation": "Pearson correlation of hidden units across the images of one set",
        "n_hidden_units": int(len(res["live_units"])), "n_dead_units": int((~res["live_units"]).sum()),
        "dead_units_note": "units silent for every analysed image (dead ReLUs) are left out of the partitions; "
                           "units silent only within a set stay (zero correlation, their own module)",
        "gamma": used["gamma"], "louvain_runs": used["louvain_runs"], "louvain_seed": int(res["louvain_seed"]),
        "n_modules_per_set": st.describe(res["n_modules"]), "silent_units_per_set": st.describe(res["n_silent"]),
        "ari_matrix": S, "digit_mean_ari": M,
        "within_digit_ari": wb["within"], "between_digit_ari": wb["between"],
        "ttest_within_vs_between": wb["ttest_within_vs_between"],
        "digit_classification_accuracy": partitions.classify_by_similarity(S, labels),
        "digit_classification_chance": 1.0 / len(digits),
        "per_digit": {},
        "most_similar_pair": {"digits": [digits[i], digits[j]], "mean_ari": float(M[i, j])},
        "pairs_ranked_by_mean_ari": [list(p) for p in ranked],
        "claims": [],
    }
    if training["dataset"] != "mnist":
        out["substitute"] = claims.substitute("MNIST", "scikit-learn digits (8x8)")
    if res["reduced"]:
        out["note"] = (f"every digit has fewer than {n_sets} x {int(res['samples_per_set'])} training samples "
                       f"(rarest: {int(res['train_counts'].min())}); sets of {size} samples used")
    if size < PAPER_SET_SIZE:
        out["set_size_note"] = _set_size_note(size, out)
    tt = wb["ttest_within_vs_between"]
    out["claims"].append(claims.t_claim("figS4.within_gt_between", "partitions are more similar within a digit than "
                                  "between digits (all sets)", tt, len(S), "greater",
                                  detail=f"{tt['n_a']} within vs {tt['n_b']} between pairs of sets", paper="s4.same_digit"))
    for d in digits:
        w, b = _per_digit(S, labels, d)
        t = st.ttest_ind(w, b)
        out["per_digit"][str(d)] = {"within": st.describe(w), "between": st.describe(b), "ttest": t}
        out["claims"].append(claims.t_claim(f"figS4.digit{d}_within_gt_between",
                                      f"digit {d}: partitions more similar within than between digits", t,
                                      len(S), "greater", detail=f"{len(w)} within vs {len(b)} between pairs",
                                      paper="s4.same_digit"))
    x, y = PAPER_PAIR
    if x in digits and y in digits:
        pv, other = _pair_values(S, labels, x, y)
        t = st.ttest_ind(pv, other)
        rank = ranked.index((x, y)) + 1
        out["paper_pair"] = {"digits": [x, y], "mean_ari": float(M[digits.index(x), digits.index(y)]),
                             "rank_among_digit_pairs": rank, "n_digit_pairs": len(ranked), "ttest_vs_other_pairs": t}
        out["claims"].append(claims.t_claim(
            "figS4.pair_4_9_most_similar", "sets of 4s and 9s are the most similar pair of different digits",
            t, len(S), "greater", detail=f"4-9 ranks {rank} of {len(ranked)} digit pairs; most similar pair "
            f"{digits[i]}-{digits[j]} (mean ARI {M[i, j]:.3f})", paper="s4.four_nine"))
    return out


def _set_size_note(size: int, out: dict) -> str:
    """What sets of ``size`` images (paper: 100) do to the partitions and to the 4-9 claim."""
    se, se_paper = (1 / np.sqrt(n - 3) if n > 3 else float("inf") for n in (size, PAPER_SET_SIZE))
    w, b = out["within_digit_ari"], out["between_digit_ari"]
    return (f"Sets of {size} images (paper {PAPER_SET_SIZE}): each unit-pair correlation rests on {size} samples "
            f"(standard error {se:.2f} in Fisher z vs {se_paper:.2f} at {PAPER_SET_SIZE}), so partitions are noisy: "
            f"within-digit ARI {w['mean']:.2f}, between {b['mean']:.2f}; the digit-pair ranking (4-9 is "
            "tested against the other pairs' between-set ARIs) is at this noise level and may differ at 100 images "
            "(MNIST, configs/paper.yaml).")


def plot(data, stats_: dict):
    res = data["analysis"]
    fig = plotting.figure(180, 125)
    gs = fig.add_gridspec(2, 3, width_ratios=[1, 1.15, 1.15], height_ratios=[1, 1.05])
    digits = [int(d) for d in res["digits"]]
    labels = res["set_digit"]

    # a: the data and the classifier
    ax = fig.add_subplot(gs[0, 0])
    ex = res["examples"]
    h, w = ex.shape[1:]
    pad = max(1, h // 8)
    montage = np.ones((2 * h + pad, 5 * w + 4 * pad))
    for k, img in enumerate(ex[:10]):
        r, c = divmod(k, 5)
        montage[r * (h + pad): r * (h + pad) + h, c * (w + pad): c * (w + pad) + w] = 1 - img / max(img.max(), 1e-9)
    ax.imshow(montage, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_adjustable("datalim")  # keep the full cell, so title and panel letter sit as in the other panels
    ax.set_axis_off()
    c = stats_["classifier"]
    ds = "scikit-learn 8x8 digits" if stats_["dataset"] == "sklearn_digits" else "MNIST"
    ax.set_title(f"{ds}\nMLP {int(np.prod(stats_['image_shape']))}-{c['n_hidden']}-10, ReLU")
    plotting.panel_label(ax, "a", dx_in=0.3)

    ax = fig.add_subplot(gs[1, 0])
    ax.plot(np.arange(1, len(c["epoch_loss"]) + 1), c["epoch_loss"], color="k")
    ax.xaxis.set_major_locator(plotting.plt.MaxNLocator(integer=True))   # whole epochs
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss (cross-entropy)")
    ax.set_title(f"accuracy: train {c['train_accuracy']:.3f}\n"
                 f"test {c['test_accuracy']:.3f} ({c['n_test']} images)")
    plotting.panel_label(ax, "b")

    # c: ARI between all sets
    ax = fig.add_subplot(gs[0, 1])
    A = np.array(res["ari"], dtype=float)
    np.fill_diagonal(A, np.nan)          # self-ARI = 1 would set the scale and hide the within-digit blocks
    offd = A[np.isfinite(A)]
    cmap = plotting.plt.get_cmap("viridis").copy()
    cmap.set_bad("0.85")
    im = ax.imshow(A, cmap=cmap, vmin=float(offd.min()), vmax=float(offd.max()), interpolation="nearest")
    ticks = [np.flatnonzero(labels == d).mean() for d in digits]
    ax.set_xticks(ticks, digits)
    ax.set_yticks(ticks, digits)
    ax.tick_params(length=0)
    for b in np.flatnonzero(np.diff(labels)) + 0.5:
        ax.axhline(b, color="w", lw=0.4)
        ax.axvline(b, color="w", lw=0.4)
    ax.set_xlabel("digit (sets)")
    ax.set_ylabel("digit (sets)")
    plotting.colorbar(im, ax, "ARI of partitions (diagonal masked)")
    ax.set_title(f"partition similarity between sets\n({stats_['n_sets_per_digit']} sets x "
                 f"{stats_['samples_per_set']} images per digit;\n"
                 f"{stats_['n_hidden_units'] - stats_['n_dead_units']} hidden units, {stats_['n_dead_units']} dead left out)")
    plotting.panel_label(ax, "c")

    # d: digit x digit mean ARI, most similar pair outlined
    ax = fig.add_subplot(gs[0, 2])
    M = np.asarray(stats_["digit_mean_ari"])
    off = M[~np.eye(len(M), dtype=bool)]
    im = ax.imshow(M, cmap="viridis", interpolation="nearest", vmin=off.min(), vmax=M.max())
    ax.set_xticks(range(len(digits)), digits)
    ax.set_yticks(range(len(digits)), digits)
    ax.tick_params(length=0)
    a, b = stats_["most_similar_pair"]["digits"]
    for (r, cc) in ((digits.index(a), digits.index(b)), (digits.index(b), digits.index(a))):
        ax.add_patch(plotting.plt.Rectangle((cc - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="#D55E00", lw=1.2))
    if "paper_pair" in stats_ and [a, b] != stats_["paper_pair"]["digits"]:
        x, y = stats_["paper_pair"]["digits"]
        for (r, cc) in ((digits.index(x), digits.index(y)), (digits.index(y), digits.index(x))):
            ax.add_patch(plotting.plt.Rectangle((cc - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="w", lw=1.0,
                                                ls="--"))
    plotting.colorbar(im, ax, "mean ARI", shrink=0.8)
    title = f"mean ARI per pair of digits\nmost similar: {a} and {b} (orange)"
    if "paper_pair" in stats_ and [a, b] != stats_["paper_pair"]["digits"]:
        title += f"\npaper's 4-9 (dashed): rank {stats_['paper_pair']['rank_among_digit_pairs']}/" \
                 f"{stats_['paper_pair']['n_digit_pairs']}"
    ax.set_title(title)
    ax.set_xlabel("digit")
    ax.set_ylabel("digit")
    plotting.panel_label(ax, "d")

    # e: within vs between, per digit
    ax = fig.add_subplot(gs[1, 1:])
    S = res["ari"]
    rng = np.random.default_rng(0)
    for k, d in enumerate(digits):
        w, bt = _per_digit(S, labels, d)
        for off_x, vals, col in ((-0.2, w, plotting.MODULE_COLORS[0]), (0.2, bt, plotting.MODULE_COLORS[1])):
            bp = ax.boxplot([vals], positions=[k + off_x], widths=0.32, showfliers=False, patch_artist=True)
            bp["boxes"][0].set(facecolor=col, alpha=0.35, edgecolor=col)
            bp["medians"][0].set(color="black")
            sub = vals if vals.size <= 60 else rng.choice(vals, 60, replace=False)
            ax.scatter(k + off_x + rng.uniform(-0.1, 0.1, sub.size), sub, s=2, color=col, alpha=0.6, linewidths=0)
        p = stats_["per_digit"][str(d)]["ttest"]["p"]
        star = "n/a" if p is None else ("***" if p < 1e-3 else "**" if p < 1e-2 else "*" if p < 0.05 else "n.s.")
        ax.text(k, 1.0, star, ha="center", va="bottom", fontsize=6, transform=ax.get_xaxis_transform())
    ax.set_xticks(range(len(digits)), digits)
    ax.set_xlim(-0.6, len(digits) - 0.4)
    ax.set_xlabel("digit")
    ax.set_ylabel("ARI between partitions")
    ax.scatter([], [], color=plotting.MODULE_COLORS[0], s=8, label="pairs of sets within the digit")
    ax.scatter([], [], color=plotting.MODULE_COLORS[1], s=8, label="pairs (set of the digit, set of another digit)")
    ax.set_ylim(top=min(1.3, float(S[np.triu_indices(len(S), k=1)].max()) * 1.25 + 0.05))
    ax.legend(loc="upper left", ncols=2, handletextpad=0.2)
    tt = stats_["ttest_within_vs_between"]
    t_txt = "n/a" if tt["t"] is None else f"{tt['t']:.1f}"
    ax.set_title(f"within vs between digits (stars: two-sample t-test per digit; all sets: t = {t_txt}, "
                 f"{plotting.format_p(tt['p'])})\ndigit identified from partitions (leave-one-out): "
                 f"{stats_['digit_classification_accuracy']:.2f} (chance {stats_['digit_classification_chance']:.2f})",
                 pad=10)
    plotting.panel_label(ax, "e")

    note = f"{stats_['n_sets_per_digit']} sets x {stats_['samples_per_set']} training images per digit"
    if stats_["samples_per_set_reduced"]:
        note += f"; paper: 10 x 100; rarest digit has {min(stats_['train_samples_per_digit'].values())}"
    plotting.stamp(fig, plotting.substitute_note(stats_) + f"Data: {stats_['dataset_description']}. " + plotting.scale_note(stats_["scale"], note)
                   + ("\n" + stats_["set_size_note"] if "set_size_note" in stats_ else ""))
    return fig
