"""Claims the paper makes, checked against what the workflow computed.

Every figure's stats JSON carries a ``claims`` list built with :func:`claim`; the ``claims``
rule gathers them into ``results/claims.md`` and ``results/claims.json`` with :func:`collect`
and :func:`to_markdown`. With replicate seeds (config ``replicates.seeds``), :func:`spread`
summarises each claim across the seeds. With replicate seeds or variants (config ``variants``),
:func:`robustness` lays out each claim's verdict in every run (the robustness matrix) and
:func:`robustness_markdown` writes it as a section of ``results/claims.md``.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from typing import Any, Iterable, Mapping

__all__ = ["claim", "t_claim", "collect", "spread", "to_markdown", "robustness", "robustness_markdown", "ALPHA"]

ALPHA = 0.05
_DIRECTIONS = {"greater", "less", "two-sided"}


def claim(cid: str, statement: str, *, test: str, statistic: float, p: float | None, n: int,
          direction: str, alpha: float = ALPHA, detail: str = "", paper: str | None = None) -> dict[str, Any]:
    """One claim with a verdict; ``paper`` is the id of the paper's claim it tests (the project's list of the
    paper's claims, e.g. 'fig1.lesion_mod1'), stored as ``paper_claim``.

    ``direction`` is what the paper reports: 'greater' (statistic > 0 and significant),
    'less' (statistic < 0 and significant) or 'two-sided' (any significant difference).
    Verdict: 'supported' when significant in the paper's direction, 'opposite' when significant
    the other way, 'not significant' otherwise, 'untestable' when p is undefined.
    """
    if direction not in _DIRECTIONS:
        raise ValueError(f"claim {cid}: direction must be one of {sorted(_DIRECTIONS)}, got {direction!r}")
    if p is None or not math.isfinite(p) or not math.isfinite(statistic):
        verdict = "untestable"
    elif p >= alpha:
        verdict = "not significant"
    elif direction == "two-sided" or (statistic > 0) == (direction == "greater"):
        verdict = "supported"
    else:
        verdict = "opposite"
    out = {"id": cid, "statement": statement, "test": test, "statistic": float(statistic),
           "p": None if p is None or not math.isfinite(p) else float(p), "n": int(n),
           "direction": direction, "alpha": alpha, "verdict": verdict, "detail": detail}
    if paper is not None:
        out["paper_claim"] = paper
    return out


def t_claim(cid: str, statement: str, test: Mapping[str, Any], n: int | None, direction: str,
            detail: str = "", paper: str | None = None) -> dict[str, Any]:
    """:func:`claim` from a :mod:`modbound.stats` t-test dict (untestable when its t is None). ``n`` defaults
    to the test's own sample size (``n_a + n_b`` of a two-sample test, ``n`` of a one-sample test)."""
    if n is None:
        n = test["n_a"] + test["n_b"] if "n_a" in test else test["n"]
    t = test.get("t")
    return claim(cid, statement, test=test["test"], statistic=float("nan") if t is None else t, p=test.get("p"),
                 n=n, direction=direction, detail=detail, paper=paper)


def collect(stats: Mapping[str, Mapping[str, Any]], seed: int | None = None) -> list[dict[str, Any]]:
    """Flatten ``{figure: stats_json}`` into rows, each tagged with its figure, scale, master seed and
    whether the figure was made from generated data (the stats' ``synthetic`` flag)."""
    rows = []
    for fig, st in stats.items():
        for c in st.get("claims", []):
            rows.append({"figure": fig, "scale": st.get("scale", "?"), "seed": seed,
                         "data": "SYNTHETIC" if st.get("synthetic") else "", **c})
    return rows


def spread(rows_by_seed: Mapping[int, Iterable[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """Each claim (figure, id) across master seeds: statistic mean, sd, min and max, median and largest
    p, and how many seeds gave each verdict. A claim missing under some seed lists it in
    ``missing_seeds`` (its figure made no such claim there, e.g. too few networks passed)."""
    seeds = sorted(rows_by_seed)
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for seed in seeds:
        for r in rows_by_seed[seed]:
            entry = table.setdefault((r["figure"], r["id"]), {
                "figure": r["figure"], "id": r["id"], "statement": r["statement"], "test": r["test"],
                "direction": r["direction"], "data": r.get("data", ""), "by_seed": {}})
            entry["by_seed"][seed] = r
    out = []
    for entry in table.values():
        by = entry.pop("by_seed")
        have = [s for s in seeds if s in by]
        # an untestable claim's statistic is NaN, or None once read back from JSON
        stat = [v for v in (by[s]["statistic"] for s in have) if v is not None and math.isfinite(v)]
        ps = [by[s]["p"] for s in have if by[s]["p"] is not None]
        verdicts = Counter(by[s]["verdict"] for s in have)
        out.append({
            **entry, "seeds": have, "missing_seeds": [s for s in seeds if s not in by], "n_seeds": len(have),
            "statistic_mean": statistics.fmean(stat) if stat else None,
            "statistic_sd": statistics.stdev(stat) if len(stat) > 1 else None,
            "statistic_min": min(stat) if stat else None, "statistic_max": max(stat) if stat else None,
            "p_median": statistics.median(ps) if ps else None, "p_max": max(ps) if ps else None,
            "n_supported": verdicts.get("supported", 0), "verdicts": dict(sorted(verdicts.items())),
            "statistic_by_seed": {str(s): by[s]["statistic"] for s in have},
            "p_by_seed": {str(s): by[s]["p"] for s in have},
        })
    return out


def _fmt(x: Any) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return f"{x:.3g}"
    return str(x)


def to_markdown(rows: Iterable[Mapping[str, Any]], spread_rows: Iterable[Mapping[str, Any]] | None = None,
                seeds: Iterable[int] | None = None) -> str:
    """The claims table of one run (``rows``, from :func:`collect`) and, with replicate seeds, the
    table of each claim's spread across ``seeds`` (``spread_rows``, from :func:`spread`)."""
    rows = list(rows)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    lines = [
        "# Claims of the paper, as reproduced by this run",
        "",
        "Generated by the `claims` rule from `results/stats/*.json`; do not edit by hand.",
        "Verdict: *supported* = significant (alpha shown) in the paper's direction; *opposite* ="
        " significant the other way; *not significant*; *untestable* = no p-value could be computed.",
        "",
        "Data: SYNTHETIC marks figures made from generated data (the offline brain data): such rows test the"
        " pipeline, not the paper.",
        "",
        "Summary: " + (", ".join(f"{v}: {n}" for v, n in sorted(counts.items())) or "no claims"),
        "",
        "| figure | claim | test | statistic | p | n | verdict | scale | data |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['figure']} | {r['statement']} | {r['test']} | {_fmt(r['statistic'])} | {_fmt(r['p'])} "
            f"| {r['n']} | {r['verdict']} | {r['scale']} | {r.get('data', '')} |"
        )
    spread_rows = list(spread_rows or [])
    if spread_rows:
        seeds = list(seeds or sorted({s for r in spread_rows for s in r["seeds"]}))
        lines += [
            "",
            f"## Spread across {len(seeds)} master seeds ({', '.join(map(str, seeds))})",
            "",
            "Each seed reruns everything (training, Louvain, nulls) on the same data; results/replicates/seed<k>/."
            " Statistic: mean +- sd [min, max] over seeds; supported: seeds whose verdict is *supported*.",
            "",
            "| figure | claim | statistic | p median (max) | supported | verdicts | data |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in spread_rows:
            sd = "" if r["statistic_sd"] is None else f" +- {_fmt(r['statistic_sd'])}"
            rng = f" [{_fmt(r['statistic_min'])}, {_fmt(r['statistic_max'])}]" if r["statistic_min"] is not None else ""
            verdicts = ", ".join(f"{v}: {n}" for v, n in r["verdicts"].items())
            missing = f" (no claim under seed {', '.join(map(str, r['missing_seeds']))})" if r["missing_seeds"] else ""
            lines.append(
                f"| {r['figure']} | {r['statement']} | {_fmt(r['statistic_mean'])}{sd}{rng} "
                f"| {_fmt(r['p_median'])} ({_fmt(r['p_max'])}) | {r['n_supported']}/{len(seeds)}{missing} "
                f"| {verdicts} | {r.get('data', '')} |"
            )
    return "\n".join(lines) + "\n"


NOT_RUN, NO_CLAIM = "not run", "no claim"
_SHORT = {"supported": "yes", "not significant": "n.s.", "opposite": "OPPOSITE", "untestable": "untestable",
          NO_CLAIM: "no claim"}


def robustness(rows_by_run: Mapping[str, Iterable[Mapping[str, Any]]],
               figures_by_run: Mapping[str, Iterable[str]] | None = None) -> list[dict[str, Any]]:
    """The robustness matrix: one row per claim (figure, id), one cell per run (the main run, each variant,
    each replicate seed; ``rows_by_run`` maps a run's label to its rows from :func:`collect`, in column order).

    A cell holds the run's verdict, statistic and p. A run that did not build the claim's figure (a variant
    runs only some figures; ``figures_by_run`` lists what each run built, default: the figures of its rows)
    has no cell and does not count; a run that built the figure but made no such claim (e.g. too few networks
    passed) has verdict 'no claim' and counts as not supported. ``n_runs``: runs that built the figure;
    ``n_supported``: those whose verdict is 'supported'.
    """
    runs = list(rows_by_run)
    rows_by_run = {run: list(rows) for run, rows in rows_by_run.items()}
    built = {run: set(figures_by_run[run]) if figures_by_run is not None and run in figures_by_run
             else {r["figure"] for r in rows_by_run[run]} for run in runs}
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for run in runs:
        for r in rows_by_run[run]:
            entry = table.setdefault((r["figure"], r["id"]), {
                "figure": r["figure"], "id": r["id"], "statement": r["statement"], "direction": r["direction"],
                "data": r.get("data", ""), "cells": {}})
            entry["cells"][run] = {"verdict": r["verdict"], "statistic": r["statistic"], "p": r["p"]}
    out = []
    for entry in table.values():
        for run in runs:
            if run not in entry["cells"] and entry["figure"] in built[run]:
                entry["cells"][run] = {"verdict": NO_CLAIM, "statistic": None, "p": None}
        cells = {run: entry["cells"][run] for run in runs if run in entry["cells"]}
        n_supported = sum(c["verdict"] == "supported" for c in cells.values())
        out.append({**entry, "cells": cells, "runs": list(cells), "n_runs": len(cells), "n_supported": n_supported,
                    "summary": f"supported in {n_supported} of {len(cells)} runs"})
    return out


def robustness_markdown(matrix: Iterable[Mapping[str, Any]], runs: Iterable[str],
                        descriptions: Mapping[str, str] | None = None) -> str:
    """The robustness matrix (from :func:`robustness`) as a markdown section: a column per run in ``runs``
    (``descriptions``: one line per run saying what it changes), a cell 'verdict (statistic)' per claim."""
    runs, matrix = list(runs), list(matrix)
    lines = [
        "## Robustness: each claim in every run",
        "",
        "Runs: " + "; ".join(f"**{run}**" + (f" = {descriptions[run]}" if descriptions and run in descriptions
                                            else "") for run in runs) + ".",
        "Cell: verdict (statistic); *yes* = supported, *n.s.* = not significant, *OPPOSITE* = significant the"
        " other way, *no claim* = the figure was built but made no such claim; *-* = the run does not build"
        " this figure (not counted).",
        "",
        f"| figure | claim | {' | '.join(runs)} | supported | data |",
        "|---|---|" + "---|" * len(runs) + "---|---|",
    ]
    for r in matrix:
        cells = []
        for run in runs:
            c = r["cells"].get(run)
            cells.append("-" if c is None else _SHORT.get(c["verdict"], c["verdict"])
                         + ("" if c["statistic"] is None else f" ({_fmt(c['statistic'])})"))
        lines.append(f"| {r['figure']} | {r['statement']} | {' | '.join(cells)} | {r['summary']} "
                     f"| {r.get('data', '')} |")
    return "\n".join(lines) + "\n"
