"""Claims about real data that a run judges beside a figure's own data set (Figs 4k-o and S9).

The human figures run on the data set config ``brain.datasets.human`` names; the real parcel-level data set
(``human_parcels``) is checked by rule ``brain_in_weights`` (:func:`modbound.analyses.brain.in_weight_geometry` of
its thalamic in-weights, with its provenance). :func:`rows` turns that check into one claim row per paper claim,
marked with the real data set's resolution (``data``, kept by :func:`modbound.reporting.claims.collect`), and
:func:`note` into the sentence the figure's stamp carries.
"""

from __future__ import annotations

from modbound.reporting import claims

__all__ = ["rows", "note"]


def rows(check, specs) -> tuple[dict, list[dict]]:
    """The real parcel-level data set's summary for the stats and one row per ``(id, statement, paper id)`` of
    ``specs``, marked with that data set's resolution: 'untested' with the computed reason when its in-weights
    cannot carry a cosine-similarity claim, or (in-weights that could) pointing to the config key that runs the
    figure on it."""
    geo = check["in_weights"]
    lo, hi = geo["similarity_range"]
    summary = {"dataset": check["dataset"], "source": check["source"], "data": check["data"],
               "resolution": check["resolution"], "source_names": check["source_names"],
               **{k: geo[k] for k in ("n_nodes", "n_sources", "rank", "n_zero_rows", "n_directions",
                                     "largest_direction", "similarity_range", "testable", "reason")}}
    where = f"real data set {check['dataset']!r} ({check['resolution']})"
    if geo["testable"]:
        reason = (f"{where}: its in-weights could carry the claim ({geo['n_sources']} sources); this run's human "
                  "figures use another data set -- name it in config brain.datasets.human to judge it")
    else:
        shape = (f"{geo['n_nodes']} parcels x {geo['n_sources']} thalamic regions "
                 f"({', '.join(map(str, check['source_names']))})")
        reason = (f"{where} cannot judge it: in-weights {shape}; {geo['reason']}; "
                  f"{geo['largest_direction']} parcels share one direction (similarity exactly 1), pairwise "
                  f"similarity {_fmt(lo)} to {_fmt(hi)}. Thalamocortical SC and FC both have these "
                  f"{geo['n_sources']} dimensions, and FC in-weights come from the same fMRI as the cortical FC "
                  "(circular); other subcortical regions are not thalamus. The claim is about the topography of thalamic projections, which "
                  "needs many thalamic sources (the paper: every thalamic voxel)")
    out = []
    for cid, statement, paper in specs:
        row = claims.untested(cid, statement, reason, paper=paper)
        row["data"] = str(check["resolution"])     # the row's own mark, whatever data set its figure runs on
        out.append(row)
    return summary, out


def _fmt(x) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def note(stats_: dict) -> str:
    """The stamp's sentence on the real data set's check (empty without one)."""
    r = stats_.get("real_data")
    if not r:
        return ""
    if r["testable"]:
        return f"Real data set {r['dataset']} ({r['resolution']}) could judge these claims; this figure does not use it."
    zero = f", {r['n_zero_rows']} of {r['n_nodes']} parcels have no thalamic in-weight" if r["n_zero_rows"] else ""
    return (f"Real data ({r['resolution']}) cannot judge these claims: {r['n_sources']} thalamic regions make "
            f"in-weight similarity a function of one number per parcel{zero} (rows 'untested' in the claims).")
