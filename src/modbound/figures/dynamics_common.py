"""Helpers shared by the dynamics figures (Figs 3, 5, 6, S12, S13, S14)."""

from __future__ import annotations

import numpy as np

from .. import claims, plotting
from .. import stats as st
from ..dynamics import upper

JACOBIAN_COLORS = {"fixed_point": "#E69F00", "trajectory": "#009E73"}  # paper Fig 3: orange, green
STIMULUS_COLORS = ("#009E73", "#CC79A7")  # paper Fig 5d: stimulus 1 green, stimulus 2 purple


def ensemble_info(model_index, evaluation: dict, manifest: dict, ensemble: str) -> dict:
    """Which networks a figure used, out of how many trained, and their seeds."""
    idx = [int(m) for m in np.asarray(model_index)]
    return {"ensemble": ensemble, "task": manifest["task"], "n_networks": len(idx),
            "n_trained": int(manifest["n_models"]), "excluded_models": evaluation["excluded_models"],
            "min_accuracy": evaluation["min_accuracy"], "model_index": idx,
            "init_seeds": [manifest["seeds"]["init"][m] for m in idx],
            "test_accuracy": st.describe(np.asarray(evaluation["accuracy"])[idx])}


def t_claim(cid: str, statement: str, test: dict, n: int, direction: str, detail: str = "") -> dict:
    """:func:`modbound.claims.claim` from a :mod:`modbound.stats` t-test dict (untestable if t is None)."""
    t = test.get("t")
    return claims.claim(cid, statement, test=test["test"], statistic=float("nan") if t is None else t,
                        p=test.get("p"), n=n, direction=direction, detail=detail)


def null_summary(res: dict, n_perm: int) -> dict:
    """Across networks: induced Q, permutation-null means, their paired t-test, fraction with p < 0.05,
    and the example network (the first)."""
    q, qn, p = res["q_induced"], res["q_null"], res["p"]
    null_mean = qn.mean(axis=1)
    return {"q_induced": st.describe(q), "q_null_mean": st.describe(null_mean), "z": st.describe(res["z"]),
            "n_modules": st.describe(res["n_modules"]), "p_per_network": p,
            "fraction_p_below_0.05": float(np.mean(p < 0.05)), "n_perm": int(n_perm),
            "ttest_q_induced_vs_null_mean": st.ttest_ind(q, null_mean),
            "example": {"q_induced": float(q[0]), "q_null_mean": float(null_mean[0]),
                        "q_null_sd": float(qn[0].std(ddof=1)) if qn.shape[1] > 1 else None, "p": float(p[0]),
                        "z": float(res["z"][0]) if np.isfinite(res["z"][0]) else None,
                        "n_modules": int(res["n_modules"][0]), "r": float(res["r"][0]) if "r" in res else None}}


def violins(ax, groups, positions, colors, jitter_seed: int = 0) -> None:
    """Violin plots with every value overlaid (deterministic jitter); empty groups are skipped."""
    rng = np.random.default_rng(jitter_seed)
    for g, x, c in zip(groups, positions, colors):
        g = np.asarray(g, dtype=float)
        g = g[np.isfinite(g)]
        if g.size == 0:
            continue
        if g.size > 1 and np.ptp(g) > 0:
            vp = ax.violinplot([g], positions=[x], widths=0.7, showextrema=False)
            for body in vp["bodies"]:
                body.set(facecolor=c, edgecolor=c, alpha=0.35)
        ax.scatter(x + rng.uniform(-0.1, 0.1, g.size), g, s=5, color=c, linewidths=0, zorder=3)
        ax.plot([x - 0.2, x + 0.2], [np.median(g)] * 2, color="black", lw=1.0, zorder=4)


def null_panel(ax, q_null: np.ndarray, q_obs: float, p: float, label: str = "observed") -> None:
    """Histogram of a permutation null with the observed value."""
    ax.hist(q_null, bins=30, color=plotting.CONDITION_COLORS["null"], edgecolor="white", linewidth=0.3)
    ax.axvline(q_obs, color=plotting.CONDITION_COLORS["observed"], lw=1.5, label=label)
    ax.set_xlabel("induced Q")
    ax.set_ylabel("permutations")
    ax.legend(loc="upper right", fontsize=5.5)
    ax.set_title(f"{q_null.size} label permutations\n{plotting.format_p(p)}")


def pair_scatter(ax, S: np.ndarray, C: np.ndarray, xlabel: str, r: float) -> None:
    """Upper-triangle entries of a similarity matrix against the activity correlation, with the LS line."""
    x, y = upper(S), upper(C)
    ax.scatter(x, y, s=2, color="0.35", alpha=0.35, linewidths=0, rasterized=True)
    if np.ptp(x) > 0:
        slope, icept = np.polyfit(x, y, 1)
        xs = np.array([x.min(), x.max()])
        ax.plot(xs, icept + slope * xs, color=plotting.CONDITION_COLORS["observed"], lw=1.0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("activity correlation")
    ax.set_title(f"unit pairs ({x.size}): r = {r:.2f}")


def paired_q(ax, res: dict, title: str) -> None:
    """Induced Q against the permutation-null mean, one line per network."""
    null_mean = res["q_null"].mean(axis=1)
    plotting.boxplot(ax, [null_mean, res["q_induced"]], ["null mean", "observed"],
                     colors=[plotting.CONDITION_COLORS["null"], plotting.CONDITION_COLORS["observed"]])
    for a, b in zip(null_mean, res["q_induced"]):
        ax.plot([1, 2], [a, b], color="0.8", lw=0.4, zorder=0)
    ax.set_ylabel("induced Q")
    ax.set_title(title)
