"""Fig 4k-o: the human version of Fig 4f-j (same analysis and layout, :mod:`.fig4_mouse`)."""

from __future__ import annotations

from modbound.reporting import claims
from modbound.core import stats as st
from modbound.figures import fig4_mouse


def stats(data, *, scale: str, master_seed: int, strength: dict) -> dict:
    out = fig4_mouse.stats(data, scale=scale, master_seed=master_seed, strength=strength, species="human")
    # "this effect appears to be more diminished in the human brain": human similarity-FC r against the mouse r
    # (Fisher r-to-z difference; n = nodes, since node pairs are not independent; the paper names no test)
    mouse = data["mouse_analysis"]
    w = st.compare_correlations(out["r_similarity_fc"], out["n_nodes"], float(mouse["r"]), int(mouse["n_nodes"]))
    out["human_vs_mouse"] = {**w, "mouse_q_induced": float(mouse["q_induced"]),
                             "mouse_q_null_mean": float(mouse["q_null"].mean()), "mouse_p_spatial": float(mouse["p_spatial"])}
    out["claims"].append(claims.claim(
        "fig4_human.weaker_than_mouse", "human: the thalamocortical similarity-FC relationship is weaker than in the "
        "mouse (r human < r mouse)", test=f"{w['test']} (n = nodes, conservative; the paper names no test)",
        statistic=w["z"], p=w["p"], n=w["n_a"] + w["n_b"], direction="less",
        detail=f"r human {w['r_a']:.3f} ({w['n_a']} nodes) vs mouse {w['r_b']:.3f} ({w['n_b']} regions); induced Q "
               f"human {out['q_induced']:.3f} vs mouse {float(mouse['q_induced']):.3f}",
        paper="fig4human.weaker"))
    return out


def plot(data, stats_: dict):
    return fig4_mouse.plot(data, stats_)
