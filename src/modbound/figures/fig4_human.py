"""Fig 4k-o: the human version of Fig 4f-j (same analysis and layout, :mod:`.fig4_mouse`).

Besides the rows of the data set the figure runs on, each human claim gets a row for the real parcel-level data
set (input ``real_check``: rule ``brain_in_weights``' JSON of that data set): whether its thalamic in-weights can
carry the claim (:func:`modbound.analyses.brain.in_weight_geometry`), and if not, why
(:func:`modbound.reporting.real_data.rows`).
"""

from __future__ import annotations

from modbound.reporting import claims, real_data
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
    if "real_check" in data:
        out["real_data"], rows = real_data.rows(data["real_check"], REAL_CLAIMS)
        out["claims"] += rows
    return out


#: the human claims of Fig 4k-o: (row id, statement, paper claim id)
REAL_CLAIMS = (
    ("fig4_human.real_induced_q_beats_spatial_null", "human: the partition of thalamocortical in-weight similarity "
     "induces more Q on cortical FC than spatially autocorrelated null partitions", "fig4human.spatial_null"),
    ("fig4_human.real_similarity_tracks_fc", "human: thalamocortical in-weight cosine similarity correlates "
     "positively with cortical FC", "fig4human.scatter"),
    ("fig4_human.real_weaker_than_mouse", "human: the thalamocortical similarity-FC relationship is weaker than in "
     "the mouse (r human < r mouse)", "fig4human.weaker"),
)


def plot(data, stats_: dict):
    return fig4_mouse.plot(data, stats_)
