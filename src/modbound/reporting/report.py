"""The reproduction report, ``REPRODUCTION.md`` (rule ``report``, ``rules/report.smk``).

One markdown page, generated from the results and never edited by hand: at the top the commit, the
configuration and scale, the measured run time and a summary of the paper's claims by outcome and inputs; then,
for every figure in registry order, its image and each of its claim rows beside the paper's own words, with
verdict, statistic, p, n, the strength the paper states, the SUBSTITUTE/SYNTHETIC mark and the claim's
robustness across variants and seeds; last, the paper's claims this run does not test, with the reasons.

:func:`build` makes the page from (a) ``results/claims.json`` (the ``claims`` rule: rows, coverage, spread,
robustness matrix), (b) the figures' stats JSONs (scale, data marks), (c) the paper's claims
(:func:`modbound.reporting.claims.load_paper_claims`), (d) the figure registry (:func:`modbound.reporting.registry.load`) and
(e) run metadata (:func:`git_commit`, :func:`config_sources`, :func:`benchmark_time`). The same inputs give
the same bytes. Inputs that do not fit stop with ``ValueError`` naming the file and the key.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Mapping

from modbound.reporting import claims as _claims
from modbound.reporting import run_times

__all__ = ["CLAIMS_JSON_KEYS", "OUTCOMES", "OUTCOME_MEANING", "opening", "REPORT_OUTPUTS", "git_commit", "config_sources", "config_digest", "run_config_digest",
           "benchmark_time", "rule_times", "compare_rule_times", "palette_png", "write_run_time", "read_run_time", "validate_claims_json",
           "companion_meta", "paper_outcome", "summary", "build"]

#: keys ``results/claims.json`` must have (written by workflow/scripts/claims.py)
CLAIMS_JSON_KEYS = ("seeds", "coverage", "claims", "spread", "runs", "robustness")
_COVERAGE_KEYS = ("claims", "counts", "absent", "n_paper_claims")
_ROW_KEYS = ("figure", "scale", "data", *_claims.CLAIM_KEYS)
#: one outcome per paper claim (:func:`paper_outcome`), in the summary table's order
OUTCOMES = ("supported", "weaker than stated", "mixed", "not significant", "opposite", "descriptive", "untestable",
            "untested")
#: what each outcome of a paper claim means, one sentence each (the report's summary)
OUTCOME_MEANING = {
    "supported": "every row judging the claim is significant in the paper's direction and, for the strength the"
                 " paper states, beyond our reading of its words.",
    "weaker than stated": "the effect is significant in the paper's direction in every row, but at least one row"
                          " falls significantly short of our reading of the paper's words (\"highly\", \"nearly"
                          " 0%\", ...): the finding reproduces, its stated strength does not.",
    "mixed": "some rows are in the paper's direction (supported or weaker than stated), others are not significant"
             " or go the other way.",
    "not significant": "no row finds a significant effect either way.",
    "opposite": "a row finds the effect itself significant in the reverse direction and none in the paper's"
                " direction: the paper is contradicted here.",
    "descriptive": "the only p-values are over non-independent observations (node pairs) with no null respecting the"
                   " dependence: the numbers are shown, nothing is judged.",
    "untestable": "a test was attempted but no p-value could be computed.",
    "untested": "this run cannot test the claim (the reasons are listed at the end).",
}
#: the report's own outputs, left out of the "-dirty" check (regenerating them must not mark the tree dirty)
REPORT_OUTPUTS = ("REPRODUCTION.md", "docs/reproduction")
_INPUT_COLUMNS = ("real", "substitute", "none")


# ---- run metadata -------------------------------------------------------------------------------------------

def git_commit(repo: str | os.PathLike) -> str:
    """The commit checked out in ``repo`` (``git rev-parse HEAD``), with ``-dirty`` when tracked files differ from
    it (``git status --untracked-files=no``; the report's own outputs :data:`REPORT_OUTPUTS` are not counted);
    ``"unknown"`` when ``repo`` is not a git work tree or git is missing."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True,
                              timeout=60).stdout.strip()
    try:
        commit = git("rev-parse", "HEAD")
        changes = git("status", "--porcelain", "--untracked-files=no", "--", ".",
                      *(f":(exclude){p}" for p in REPORT_OUTPUTS))
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if not commit:
        return "unknown"
    return commit + ("-dirty" if changes else "")


def config_sources(basedir: str | os.PathLike, configfiles: Iterable[str | os.PathLike],
                   overrides: Mapping[str, Any] | None = None) -> list[str]:
    """The config files of the run, in merge order (``config.yaml``, then each ``--configfile``), as paths
    relative to ``basedir`` (the checkout) or, outside it, ``<name> (outside the checkout)``; then each
    ``--config`` override as ``key=value``. Names no machine-specific path, so two checkouts agree."""
    base = Path(basedir).resolve()
    out = []
    for f in configfiles:
        path = Path(f).resolve()
        try:
            out.append(path.relative_to(base).as_posix())
        except ValueError:
            out.append(f"{path.name} (outside the checkout)")
    for key, value in sorted((overrides or {}).items()):
        out.append(f"--config {key}={value!r}")
    return out


def config_digest(config: Mapping[str, Any]) -> str:
    """sha256 of the merged config (canonical JSON): which exact settings the run used."""
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()


def run_config_digest(config: Mapping[str, Any]) -> str:
    """:func:`config_digest` of the settings that make a run's results: the merged config (config files and
    ``--config`` values alike) without ``report`` (which only the report reads). The claims rule writes it to
    ``results/claims.json`` (key ``run``), ``run-time`` copies it to ``results/run_time.json``, and the report
    refuses a run time whose digest is not its own config's."""
    return config_digest({k: v for k, v in config.items() if k != "report"})


def _benchmark_seconds(path: Path, column: str = "s") -> float:
    """Sum over the repeats of a Snakemake benchmark file's ``column`` (``s``: wall seconds, ``cpu_time``)."""
    lines = [ln for ln in path.read_text().splitlines() if ln.strip()]
    header = lines[0].split("\t") if lines else []
    if column not in header or len(lines) < 2:
        raise ValueError(f"{path}: not a Snakemake benchmark file (needs a header with column '{column}' and a row)")
    col = header.index(column)
    total = 0.0
    for i, line in enumerate(lines[1:], start=2):
        try:
            value = float(line.split("\t")[col])
        except (IndexError, ValueError):
            raise ValueError(f"{path}: line {i}: column '{column}' is not a number") from None
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{path}: line {i}: column '{column}' = {value} is not a duration")
        total += value
    return total


def rule_times(folder: str | os.PathLike) -> list[dict[str, Any]]:
    """One row per job of a finished run, from its results folder's ``benchmarks/**/*.tsv`` (one file per job,
    named by rule folder and wildcards): ``{"job": "<rule folder>/<name>", "wall_s", "cpu_s"}`` (sums over the
    file's repeats), slowest first: the jobs to make faster at a larger scale."""
    root = Path(folder, "benchmarks")
    rows = [{"job": f.relative_to(root).with_suffix("").as_posix(), "wall_s": _benchmark_seconds(f),
             "cpu_s": _benchmark_seconds(f, "cpu_time")} for f in sorted(root.rglob("*.tsv"))]
    return sorted(rows, key=lambda r: (-r["wall_s"], r["job"]))


def compare_rule_times(before: str | os.PathLike, after: str | os.PathLike) -> list[dict[str, Any]]:
    """Per-job times of two runs side by side (:func:`rule_times` of each results folder): ``{"job", "before":
    {"wall_s", "cpu_s"} or None, "after": ... or None}``, slowest first by the later run (jobs only in the earlier
    run last): the before/after table of a speed-up."""
    old = {r["job"]: r for r in rule_times(before)}
    new = {r["job"]: r for r in rule_times(after)}
    if not old and not new:
        raise ValueError(f"{before}, {after}: no benchmark files under either's benchmarks/")
    pick = lambda r: None if r is None else {"wall_s": r["wall_s"], "cpu_s": r["cpu_s"]}  # noqa: E731
    order = list(new) + sorted(set(old) - set(new), key=lambda j: (-old[j]["wall_s"], j))
    return [{"job": j, "before": pick(old.get(j)), "after": pick(new.get(j))} for j in order]


def benchmark_time(run_dirs: Mapping[str, str | os.PathLike]) -> dict[str, Any] | None:
    """Seconds recorded by the rules' ``benchmark:`` files, per run: ``run_dirs`` maps a run's label (main, a
    variant, a replicate seed) to its results folder, whose ``benchmarks/**/*.tsv`` are read (column ``s``,
    every repeat). ``None`` when there is no such file. Returns ``{"seconds", "jobs", "runs": {run: {"seconds",
    "jobs"}}}`` (runs without files left out)."""
    runs: dict[str, dict[str, Any]] = {}
    for run, folder in run_dirs.items():
        files = sorted(Path(folder, "benchmarks").rglob("*.tsv"))
        if files:
            runs[run] = {"seconds": sum(_benchmark_seconds(f) for f in files), "jobs": len(files)}
    if not runs:
        return None
    return {"seconds": sum(r["seconds"] for r in runs.values()), "jobs": sum(r["jobs"] for r in runs.values()),
            "runs": runs}


#: what ``results/run_time.json`` holds (written by :func:`write_run_time`, ``make paper``)
RUN_TIME_KEYS = ("seconds", "started", "cores", "configfiles", "command", "config_sha256")


def write_run_time(path: str | os.PathLike, start: float, end: float, cores: int, configfiles: Iterable[str],
                   command: str, commit: str | None = None, config_sha256: str | None = None,
                   resumed: bool = False) -> dict[str, Any]:
    """Write the elapsed time of a whole workflow run (``end - start``, epoch seconds measured around the
    Snakemake command by its caller, e.g. ``make paper``), the commit it ran at (default: the checkout's,
    :func:`git_commit` of the current directory) and the run's :func:`run_config_digest` to ``path`` as JSON,
    atomically; returns it. ``resumed``: the command finished a run that earlier commands had begun (Snakemake
    reused their outputs), so the time is that of its last part only; recorded as ``"resumed": true`` and said so
    in the report (a run made in one go has no such key)."""
    from modbound.core.io import atomic_path
    import datetime
    if not (math.isfinite(start) and math.isfinite(end)) or end < start:
        raise ValueError(f"run time: end {end} is before start {start}")
    doc = {"seconds": round(end - start, 1),
           "started": datetime.datetime.fromtimestamp(start, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "cores": int(cores), "configfiles": [str(c) for c in configfiles], "command": str(command),
           "commit": str(commit) if commit else git_commit("."), "config_sha256": config_sha256}
    if resumed:
        doc["resumed"] = True
    with atomic_path(path) as tmp:
        Path(tmp).write_text(json.dumps(doc, indent=1) + "\n")
    return doc


def read_run_time(path: str | os.PathLike, configfiles: Iterable[str] | None = None,
                  config_sha256: str | None = None) -> dict[str, Any] | None:
    """``results/run_time.json`` (:func:`write_run_time`), or None when there is none. ``ValueError`` naming the
    file and key when it is malformed, or when ``configfiles`` (the report's own ``--configfile`` list, checkout
    relative) or ``config_sha256`` (its :func:`run_config_digest`: ``--config`` values count too) differ from the
    run's: a run time of another run (stale file) is never shown."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_text())
    except ValueError as e:
        raise ValueError(f"{path}: not JSON ({e})") from None
    if not isinstance(doc, Mapping):
        raise ValueError(f"{path}: expected a JSON object")
    missing = [k for k in RUN_TIME_KEYS if k not in doc]
    if missing:
        raise ValueError(f"{path}: missing key(s) {missing}")
    if not isinstance(doc.get("resumed", False), bool):
        raise ValueError(f"{path}: key 'resumed' = {doc['resumed']!r} is not true or false")
    sec = doc["seconds"]
    if not isinstance(sec, (int, float)) or isinstance(sec, bool) or not math.isfinite(sec) or sec < 0:
        raise ValueError(f"{path}: key 'seconds' = {sec!r} is not a duration")
    if configfiles is not None and list(doc["configfiles"]) != list(configfiles):
        raise ValueError(f"{path}: key 'configfiles' = {doc['configfiles']} but the report's run has "
                         f"{list(configfiles)}: the run time of another run (delete the file or rerun)")
    if config_sha256 is not None and doc["config_sha256"] != config_sha256:
        raise ValueError(f"{path}: key 'config_sha256' = {doc['config_sha256']!r} but the report's run has merged "
                         f"config sha256 {config_sha256!r} (other settings, e.g. --config values): the run time of "
                         "another run (delete the file or rerun)")
    return dict(doc)


def palette_png(src: str | os.PathLike, dst: str | os.PathLike) -> None:
    """Write ``src`` (a figure PNG) to ``dst`` as a 256-colour palette PNG of the same pixel size: the report's
    images, about a third of the bytes of the originals (flat-coloured plots lose nothing visible). The same input
    gives the same bytes."""
    from PIL import Image
    with Image.open(src) as im:
        q = im.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    q.save(dst, format="PNG", optimize=True)


# ---- validation ---------------------------------------------------------------------------------------------

def _known_verdicts() -> set[str]:
    """Verdicts a row or a robustness cell may have (read from modbound.reporting.claims when called)."""
    return set(_claims.VERDICT_SHORT) | set(_claims.TESTED_VERDICTS) | {"untested", "untestable"}


def validate_claims_json(doc: Any, paper_claims: Iterable[Mapping[str, Any]], figures: Iterable[str],
                         path: Any = "results/claims.json") -> Mapping[str, Any]:
    """``doc`` (``results/claims.json``) if the report can be built from it; else ``ValueError`` naming ``path``
    and the key: a key of :data:`CLAIMS_JSON_KEYS` or of the coverage missing, a row lacking a key, a row of a
    figure not in the registry, a coverage of another list of paper claims (a stale claims.json), a verdict that
    is none of the claims table's, rows missing (fewer rows naming a paper claim than its coverage counts, a row
    without its robustness entry)."""
    if not isinstance(doc, Mapping):
        raise ValueError(f"{path}: expected a JSON object, got {type(doc).__name__}")
    missing = [k for k in CLAIMS_JSON_KEYS if k not in doc]
    if missing:
        raise ValueError(f"{path}: missing key(s) {missing} (written by the claims rule; rerun it)")
    for key in ("claims", "spread", "runs", "robustness", "seeds"):
        if not isinstance(doc[key], list):
            raise ValueError(f"{path}: key '{key}' must be a list, got {type(doc[key]).__name__}")
    cov = doc["coverage"]
    if not isinstance(cov, Mapping):
        raise ValueError(f"{path}: key 'coverage' must be an object")
    missing = [k for k in _COVERAGE_KEYS if k not in cov]
    if missing:
        raise ValueError(f"{path}: key 'coverage' lacks {missing}")
    ids = [p["id"] for p in paper_claims]
    if sorted(cov["claims"]) != sorted(ids):
        raise ValueError(f"{path}: key 'coverage.claims' lists {len(cov['claims'])} paper claims, the paper's list "
                         f"has {len(ids)} (claims.json is stale: rerun the claims rule)")
    known, verdicts = set(figures), _known_verdicts()
    for i, r in enumerate(doc["claims"]):
        _claims.check_row(path, i, r, _ROW_KEYS)
        if r["figure"] not in known:
            raise ValueError(f"{path}: claims[{i}] key 'figure' = {r['figure']!r} is not in the figure registry")
        if r.get("paper_claim") is not None and r["paper_claim"] not in cov["claims"]:
            raise ValueError(f"{path}: claims[{i}] key 'paper_claim' = {r['paper_claim']!r} is not a paper claim")
        if r["verdict"] not in verdicts:
            raise ValueError(f"{path}: claims[{i}] key 'verdict' = {r['verdict']!r} is not a verdict of the claims "
                             f"table ({sorted(verdicts)})")
    # rows lost after the claims rule counted them: each paper claim has as many rows as its coverage says
    n_rows = Counter(r.get("paper_claim") for r in doc["claims"])
    lost = [f"{pid} ({n_rows[pid]} of {c.get('rows')})" for pid, c in cov["claims"].items()
            if isinstance(c, Mapping) and c.get("rows") != n_rows[pid]]
    if lost:
        raise ValueError(f"{path}: key 'claims' has other numbers of rows than key 'coverage' counts for the paper "
                         f"claim(s) {lost}: rows missing or added after the claims rule (rerun it)")
    for i, r in enumerate(doc["robustness"]):
        lacks = [k for k in ("figure", "id", "cells", "summary") if not isinstance(r, Mapping) or k not in r]
        if lacks:
            raise ValueError(f"{path}: robustness[{i}] lacks key(s) {lacks}")
        bad = {run: c.get("verdict") if isinstance(c, Mapping) else c for run, c in r["cells"].items()
               if not isinstance(c, Mapping) or c.get("verdict") not in verdicts}
        if bad:
            raise ValueError(f"{path}: robustness[{i}] ({r['figure']} {r['id']}) key 'cells' has unknown verdicts {bad}")
    if doc["robustness"]:   # the matrix has an entry for each claim row (workflow/scripts/claims.py)
        entries = {(r["figure"], r["id"]) for r in doc["robustness"]}
        absent = [f"{r['figure']} {r['id']}" for r in doc["claims"] if (r["figure"], r["id"]) not in entries]
        if absent:
            raise ValueError(f"{path}: key 'robustness' has no entry for the claim row(s) {absent[:10]}: rows missing "
                             "from the robustness matrix (rerun the claims rule)")
    for i, r in enumerate(doc["spread"]):
        lacks = [k for k in ("figure", "id", "n_seeds", "statistic_mean", "statistic_sd", "n_supported")
                 if not isinstance(r, Mapping) or k not in r]
        if lacks:
            raise ValueError(f"{path}: spread[{i}] lacks key(s) {lacks}")
    return doc


def companion_meta(doc: Mapping[str, Any], path: Any, digest: str) -> dict[str, Any]:
    """What the report's header says of a companion run's ``claims.json`` (already validated): its file name,
    sha256 (``digest``), scale (of its rows), master seeds and runs."""
    scales = sorted({str(r.get("scale")) for r in doc["claims"]})
    return {"name": Path(str(path)).name, "sha256": digest, "scale": "/".join(scales) or "unknown",
            "seeds": list(doc["seeds"]), "runs": list(doc["runs"])}


def _validate_stats(stats: Mapping[str, Any], figures: Mapping[str, Any], stats_paths: Mapping[str, Any],
                    rows: list[Mapping[str, Any]], claims_path: Any, scale: str | None) -> None:
    for fig, st in stats.items():
        where = stats_paths.get(fig, f"results/stats/{fig}.json")
        if fig not in figures:
            raise ValueError(f"{where}: stats of figure {fig!r}, which is not in the figure registry")
        _claims.validate_stats(fig, st, where)
        if "scale" not in st:
            raise ValueError(f"{where}: key 'scale' is missing")
        if scale is not None and st["scale"] != scale:
            raise ValueError(f"{where}: key 'scale' is {st['scale']!r} but the run's config says {scale!r} "
                             "(stale stats: rerun the figure)")
        own = [c["id"] for c in st["claims"]]
        listed = [r["id"] for r in rows if r["figure"] == fig]
        if own != listed:
            raise ValueError(f"{claims_path}: key 'claims': the rows of {fig} ({len(listed)}) are not the claims in "
                             f"{where} ({len(own)}): claims.json is stale, rerun the claims rule")
    absent = sorted({r["figure"] for r in rows} - set(stats))
    if absent:
        raise ValueError(f"{claims_path}: key 'claims' has rows of {absent}, whose stats were not given")


# ---- summary ------------------------------------------------------------------------------------------------

def paper_outcome(rows: Iterable[Mapping[str, Any]]) -> tuple[str, str]:
    """``(outcome, inputs)`` of one paper claim from the claim rows that test it.

    Inputs: 'real' when a tested row (a p-value that can judge: supported, weaker than stated, not significant,
    opposite) is on the paper's kind of inputs (no SYNTHETIC/SUBSTITUTE mark), 'substitute' when every tested row
    is marked; without a tested row, the same by any row, and 'none' when no row names the claim (as
    :func:`modbound.reporting.claims.coverage`). The outcome is judged on the tested rows of those inputs only: 'supported'
    when all are supported; 'weaker than stated' when all are supported or weaker than stated and some weaker;
    'mixed' when some are in the paper's direction (supported, weaker) and some not; else 'opposite' when some are
    opposite, 'not significant' otherwise; without a tested row 'descriptive' (a row's p-value is descriptive),
    'untestable' (a row had no p-value) or 'untested'. Rows of claims.json files made before 'weaker than stated'
    existed read the same way (their verdicts are a subset)."""
    rows = list(rows)
    if not rows:
        return "untested", "none"
    tested = [r for r in rows if r["verdict"] in _claims.TESTED_VERDICTS]
    pool = tested or rows
    inputs = "real" if any(_claims.is_real(r.get("data")) for r in pool) else "substitute"
    if not tested:
        for outcome in ("descriptive", "untestable"):
            if any(r["verdict"] == outcome for r in rows):
                return outcome, inputs
        return "untested", inputs
    verdicts = Counter(r["verdict"] for r in tested if _claims.is_real(r.get("data")) == (inputs == "real"))
    total, sup, weak = sum(verdicts.values()), verdicts.get("supported", 0), verdicts.get(_claims.WEAKER, 0)
    if sup == total:
        return "supported", inputs
    if sup + weak == total:
        return _claims.WEAKER, inputs
    if sup + weak:
        return "mixed", inputs
    return ("opposite" if verdicts.get("opposite", 0) else "not significant"), inputs


def summary(rows: Iterable[Mapping[str, Any]], paper_claims: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Each paper claim's outcome and inputs (:func:`paper_outcome`) and the counts
    ``{outcome: {"real", "substitute", "none", "total"}}`` over all the paper's claims."""
    rows = list(rows)
    per_claim = {p["id"]: paper_outcome(r for r in rows if r.get("paper_claim") == p["id"]) for p in paper_claims}
    counts = {o: {**{c: 0 for c in _INPUT_COLUMNS}, "total": 0} for o in OUTCOMES}
    for outcome, inputs in per_claim.values():
        counts[outcome][inputs] += 1
        counts[outcome]["total"] += 1
    return {"claims": per_claim, "counts": counts, "n_paper_claims": len(per_claim)}


# ---- markdown -----------------------------------------------------------------------------------------------

fmt_number, md_cell = _claims.fmt_number, _claims.md_cell  # one formatting for claims.md and the report
_INPUT_NAMES = {"real": "the paper's kind of inputs", "substitute": "SUBSTITUTE/SYNTHETIC only",
                "none": "no row in this run"}


def _header(meta: Mapping[str, Any], doc: Mapping[str, Any]) -> list[str]:
    bench = meta.get("run_time")
    if bench:
        per_run = "; ".join(f"{run} {run_times.fmt_duration(r['seconds'])} ({r['jobs']} jobs)" for run, r in bench["runs"].items())
        run_time = (f"{run_times.fmt_duration(bench['seconds'])}, measured as the sum of the wall-clock seconds in the {bench['jobs']}"
                    f" Snakemake `benchmark:` files found when the report was written ({per_run}). Only rules with a"
                    " `benchmark:` directive (training, analyses; not the plot rules) are counted, and jobs that ran"
                    " in parallel are each counted in full: this is job time, not the elapsed time of the run.")
    else:
        run_time = "not measured (no `benchmark:` files under the results folders)."
    elapsed = meta.get("elapsed")
    if elapsed:
        ran_at = elapsed.get("commit")
        other = (f" at commit `{ran_at}`" + (" (the report was written at the commit above; `git diff` of the two"
                                              " commits shows what changed after the run)"
                                              if ran_at != meta.get("commit") else "")) if ran_at else ""
        what = ("for the last part of a run made in parts (it resumed from the outputs of earlier parts, whose time"
                " is not counted here; the job time below counts every job)" if elapsed.get("resumed")
                else "for the whole run")
        run_time = (f"{run_times.fmt_duration(elapsed['seconds'])} elapsed {what}{other} (started {elapsed['started']},"
                    f" `--cores {elapsed['cores']}`, `{md_cell(elapsed['command'])}`; `results/run_time.json`)."
                    f" Job time: {run_time}")
    configs = ", ".join(f"`{c}`" for c in meta.get("configs", [])) or "unknown"
    seeds = ", ".join(str(s) for s in doc["seeds"]) or "unknown"
    runs = ", ".join(doc["runs"]) if doc["runs"] else "main only"
    return [
        "# Reproduction report: *Modular boundaries in recurrent neural networks*",
        "",
        "Generated by the `report` rule (`src/modbound/reporting/report.py`) from `results/claims.json`, `results/stats/*.json`,"
        " `workflow/paper_claims.yaml` and `workflow/figures.yaml`; do not edit by hand. Images are 256-colour copies"
        " of `results/figures/<figure>.png` in `docs/reproduction/` (same pixels; the PDFs are in `results/figures/`);"
        " `docs/reproduction/claims.json` is the run's `results/claims.json` (and `companion_claims.json` the"
        " companion run's, when there is one).",
        "",
        "| run | |",
        "|---|---|",
        f"| commit | `{meta.get('commit', 'unknown')}` |",
        f"| configuration (merged in this order) | {configs} |",
        f"| config sha256 | `{meta.get('config_sha256', 'unknown')}` |",
        f"| scale | {meta.get('scale', 'unknown')} |",
        f"| master seeds | {seeds}" + (" (the replicate seeds are our replicates of the whole analysis: training,"
                                        " Louvain, nulls; the paper reports one run)" if len(doc["seeds"]) > 1 else "")
        + " |",
        f"| runs (robustness matrix) | {runs} |",
        f"| run time | {run_time} |",
    ] + ([f"| companion run | `{comp['name']}` (sha256 `{comp['sha256']}`) at scale **{comp['scale']}**, master seeds"
          f" {', '.join(str(s) for s in comp['seeds']) or 'unknown'}, runs {', '.join(comp['runs']) or 'main only'}:"
          f" another run of this workflow, set by config `report.companion`; its master seeds are our replicates of"
          f" the whole analysis (the paper reports one run). Its verdicts across its runs and seeds"
          f" are in the robustness column, each marked with its scale; they are not counted in the summary of this"
          f" run. |"] if (comp := meta.get("companion")) else [])


def _outcome_table(summ: Mapping[str, Any]) -> list[str]:
    counts = summ["counts"]
    lines = ["| outcome | " + " | ".join(_INPUT_NAMES[k] for k in _INPUT_COLUMNS) + " | total |",
             "|---|---|---|---|---|"]
    for o in OUTCOMES:
        lines.append(f"| {o} | " + " | ".join(str(counts[o][k]) for k in _INPUT_COLUMNS) + f" | {counts[o]['total']} |")
    lines.append("| **all** | " + " | ".join(str(sum(counts[o][k] for o in OUTCOMES)) for k in _INPUT_COLUMNS)
                 + f" | {summ['n_paper_claims']} |")
    return lines


def opening(summ: Mapping[str, Any]) -> list[str]:
    """A few lines of prose that open the summary, generated from the outcomes (:func:`summary`): what reproduces,
    what does not, what cannot be tested here."""
    by = {o: sorted(pid for pid, (out, inp) in summ["claims"].items() if out == o) for o in OUTCOMES}
    real = {o: [pid for pid in by[o] if summ["claims"][pid][1] == "real"] for o in OUTCOMES}
    sub = {o: [pid for pid in by[o] if summ["claims"][pid][1] == "substitute"] for o in OUTCOMES}
    n = summ["n_paper_claims"]

    def ids(xs: list[str], limit: int = 12) -> str:
        shown = ", ".join(f"`{x}`" for x in xs[:limit])
        return shown + (f" and {len(xs) - limit} more" if len(xs) > limit else "")

    judged = [o for o in ("supported", "weaker than stated", "mixed", "not significant", "opposite")]
    n_real = sum(len(real[o]) for o in judged)
    lines = [f"**What reproduces.** Of the paper's {n} claims, {len(real['supported'])} are supported on the"
             f" paper's kind of inputs" + (f", and {len(real['weaker than stated'])} more reproduce in direction but"
                                           f" weaker than the paper states ({ids(real['weaker than stated'])})"
                                           if real["weaker than stated"] else "") + "."]
    not_rep = [f"{len(real[o])} {o}" + (f" ({ids(real[o])})" if o == "opposite" else "")
               for o in ("mixed", "not significant", "opposite") if real[o]]
    lines.append("**What does not.** " + (f"Of the {n_real} claims judged on the paper's kind of inputs, "
                                          + ", ".join(not_rep) + "." if not_rep else
                                          "No claim judged on the paper's kind of inputs is mixed, not significant"
                                          " or opposite."))
    n_sub = sum(len(sub[o]) for o in judged)
    cannot = [f"{len(by[o])} {o}" for o in ("untested", "untestable", "descriptive") if by[o]]
    lines.append("**What cannot be tested here.** " + (", ".join(cannot) + " (listed at the end)" if cannot else
                                                       "Every claim has a row with a p-value")
                 + (f"; {n_sub} more are judged only on SUBSTITUTE/SYNTHETIC inputs (generated brain data, stand-in"
                    f" models), which test the method, not the paper ({sum(len(sub[o]) for o in ('supported',))}"
                    f" of them supported)" if n_sub else "") + ".")
    return lines


def _summary_section(summ: Mapping[str, Any], cov: Mapping[str, Any], rows: list[Mapping[str, Any]]) -> list[str]:
    c = cov["counts"]
    n_rows = len(rows)
    kinds = Counter(_claims.data_kind(r.get("data")) for r in rows)
    lines = [
        "## Summary",
        "",
        *(line for para in opening(summ) for line in (para, "")),
        f"The paper's {summ['n_paper_claims']} claims (`workflow/paper_claims.yaml`), each counted once, by its"
        f" outcome in this run ({n_rows} claim rows in all). A claim's outcome is judged on the rows that test"
        " it on the paper's kind of inputs when there are any, else on its SUBSTITUTE/SYNTHETIC rows (generated"
        " data or a stand-in model: they test the method on other inputs, not the paper). For untestable,"
        " untested and descriptive claims the inputs are those of the rows that name them. What each outcome"
        " means (how rows get their verdicts: docs/claims.md):",
        "",
        *(f"- *{o}*: {OUTCOME_MEANING[o]}" for o in OUTCOMES),
        "",
        *_outcome_table(summ),
        "",
        "Claim rows by kind of data: " + ", ".join(f"{k} {kinds[k]}" for k in _claims.DATA_KINDS) + " (REAL:"
        " vendored real data at the resolution each row states; SYNTHETIC: generated data; SUBSTITUTE: a stand-in"
        " for the paper's data or model).",
    ]
    lines += [
        "",
        "Coverage (`results/claims.json` key `coverage`): *tested* = every row naming the claim has a p-value,"
        " *partly* = some rows do, *untested* = none does or no row names it.",
        "",
        "| coverage | the paper's kind of inputs | SUBSTITUTE/SYNTHETIC only | total |",
        "|---|---|---|---|",
    ]
    for s in ("tested", "partly", "untested"):
        lines.append(f"| {s} | {c[s]['real']} | {c[s]['substitute']} | {c[s]['total']} |")
    return lines


def _data_label(st: Mapping[str, Any]) -> str:
    mark = _claims.data_mark(st)
    desc = st.get("data")
    if isinstance(desc, str) and desc and (mark == "SYNTHETIC" or _claims.is_real(mark)):
        return f"{mark}: {desc}" if mark else desc
    return mark or "the paper's kind of inputs"


def _robustness_cell(entry: Mapping[str, Any] | None, spread: Mapping[str, Any] | None,
                     companion: tuple[str, Mapping[str, Any] | None, Mapping[str, Any] | None] | None = None,
                     scale: str = "", verdict: str | None = None) -> str:
    """Short: '<scale> <k>/<n> runs (not: dt20 n.s.), seeds <k>/<n>'; with a companion run its part, and a flag when
    the companion's main verdict differs from this run's (a verdict that changes with scale)."""
    own = _robustness_parts(entry, spread)
    text = f"{scale + ' ' if scale else ''}{', '.join(own) if own else 'single run'}"
    if companion is not None:
        c_scale, c_entry, c_spread = companion
        theirs = _robustness_parts(c_entry, c_spread)
        text += f"; {c_scale} (companion): " + (", ".join(theirs) if theirs else "no such claim row")
        c_main = ((c_entry or {}).get("cells") or {}).get("main")
        if verdict is not None and c_main is not None and c_main["verdict"] != verdict:
            text += (f". **Changes with scale**: {verdict} at {scale or 'this'} scale, {c_main['verdict']} at"
                     f" {c_scale} scale")
    return md_cell(text)


def _robustness_parts(entry: Mapping[str, Any] | None, spread: Mapping[str, Any] | None) -> list[str]:
    parts = []
    if entry:
        others = [f"{run} {_claims.VERDICT_SHORT.get(c['verdict'], c['verdict'])}"
                  + ("" if c.get("statistic") is None else f" ({fmt_number(c['statistic'])})")
                  for run, c in entry["cells"].items() if c["verdict"] != "supported"]
        n_runs = entry.get("n_runs", len(entry["cells"]))
        n_sup = entry.get("n_supported", sum(c["verdict"] == "supported" for c in entry["cells"].values()))
        parts.append(f"{n_sup}/{n_runs} runs supported" + (f" (not: {'; '.join(others)})" if others else ""))
    if spread and spread["n_seeds"] > 1:
        sd = "" if spread["statistic_sd"] is None else f" +- {fmt_number(spread['statistic_sd'])}"
        parts.append(f"seeds {spread['n_supported']}/{spread['n_seeds']} (statistic {fmt_number(spread['statistic_mean'])}"
                     f"{sd})")
    return parts


def _figure_section(fig: str, entry: Mapping[str, Any], st: Mapping[str, Any], rows: list[Mapping[str, Any]],
                    paper: Mapping[str, Mapping[str, Any]], robust: Mapping[tuple[str, str], Any],
                    spread: Mapping[tuple[str, str], Any], image: str,
                    companion: Mapping[str, Any] | None = None) -> list[str]:
    lines = [f"## {entry['panels']}: {entry['title']}", "",
             f"Figure `{fig}`; scale: {st['scale']}; data: {md_cell(_data_label(st))}.", "",
             f"![{entry['panels']}]({image})", ""]
    if not rows:
        return lines + ["This figure makes no claim."]
    # columns 0-6 (claim, paper claim, words, verdict, statistic, p, n) are those of reports made before effects
    # were shown: tests/test_report.py reads both
    lines += ["| our claim | paper claim | the paper's words | verdict | statistic | p | n | effect | test"
              " | our reading of the paper's strength | paper's strength | data | robustness |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        pid = r.get("paper_claim") or ""
        p = paper.get(pid, {})
        words = f"\"{md_cell(p['words'])}\"" if p else ""
        untested = r["verdict"] == "untested"
        statement = md_cell(r["statement"]) + (f" (not tested: {md_cell(r.get('detail', ''))})" if untested else "")
        lines.append(
            f"| {statement} | {pid} | {words} | {r['verdict']} | {fmt_number(r['statistic'])} | {fmt_number(r['p'])} | {r['n']}"
            f" | {'' if untested else md_cell(_claims.effect_cell(r))} | {'' if untested else md_cell(r['test'])}"
            f" | {md_cell(_claims.strength_cell(r))} | {md_cell(p.get('strength', ''))} | {md_cell(r.get('data', ''))} "
            f"| {_robustness_cell(robust.get((fig, r['id'])), spread.get((fig, r['id'])), _companion_of(companion, fig, r['id']), st.get('scale', ''), r['verdict'])} |")
    return lines


def _id_key(cid: str) -> str:
    return "".join(str(cid).split())


def _companion_of(companion: Mapping[str, Any] | None, fig: str, cid: str):
    if companion is None:
        return None
    key = (fig, _id_key(cid))
    return companion["scale"], companion["robustness"].get(key), companion["spread"].get(key)


def _untested_section(paper_claims: list[Mapping[str, Any]], summ: Mapping[str, Any],
                      rows: list[Mapping[str, Any]]) -> list[str]:
    lines = ["## The paper's claims this run does not test", ""]
    items = []
    for p in paper_claims:
        outcome, _ = summ["claims"][p["id"]]
        if outcome not in ("untested", "untestable"):
            continue
        mine = [r for r in rows if r.get("paper_claim") == p["id"]]
        if not mine:
            reason = "no claim row names it in this run"
        else:
            reason = "; ".join(f"{r['figure']}: " + (md_cell(r.get("detail") or "no reason given")
                                                    if r["verdict"] == "untested" else "no p-value (untestable)")
                               for r in mine)
        items.append(f"| {p['id']} | \"{md_cell(p['words'])}\" | {outcome} | {reason} |")
    if not items:
        return lines + ["None: every paper claim has a tested row."]
    return lines + ["| paper claim | the paper's words | outcome | reason |", "|---|---|---|---|", *items]


def build(doc: Mapping[str, Any], stats: Mapping[str, Mapping[str, Any]],
          paper_claims: Iterable[Mapping[str, Any]], figures: Mapping[str, Mapping[str, Any]],
          meta: Mapping[str, Any], *, images: Mapping[str, str] | None = None,
          claims_path: Any = "results/claims.json", stats_paths: Mapping[str, Any] | None = None,
          companion: Mapping[str, Any] | None = None, companion_path: Any = "companion claims.json") -> str:
    """``REPRODUCTION.md``'s text.

    ``doc``: ``results/claims.json``; ``stats``: ``{figure: stats JSON}`` for the figures shown (``stats_paths``
    names their files in errors); ``paper_claims``: :func:`modbound.reporting.claims.load_paper_claims`; ``figures``: the
    registry (:func:`modbound.reporting.registry.load`; sections follow its order, figures without stats are left out);
    ``meta``: ``commit``, ``configs`` (:func:`config_sources`), ``config_sha256``, ``scale`` and ``run_time``
    (:func:`benchmark_time`, or None), optionally ``elapsed`` (:func:`read_run_time`) and ``companion_sha256``
    (of the companion's file; the header's companion row is :func:`companion_meta`); ``images``: figure -> image path relative to the report (default
    ``docs/reproduction/<figure>.png``); ``companion``: the ``claims.json`` of another run (config
    ``report.companion``, file ``companion_path``), whose robustness and seed spread are shown beside each row,
    marked with its scale, and whose master-seed outcomes get a summary table of their own. ``ValueError`` naming
    the file and key when the inputs do not fit."""
    paper_claims = list(paper_claims)
    validate_claims_json(doc, paper_claims, figures, claims_path)
    rows = list(doc["claims"])
    _validate_stats(stats, figures, stats_paths or {}, rows, claims_path, meta.get("scale"))
    paper = {p["id"]: p for p in paper_claims}
    summ = summary(rows, paper_claims)
    robust = {(r["figure"], r["id"]): r for r in doc["robustness"]}
    spread = {(r["figure"], r["id"]): r for r in doc["spread"]}
    images = images or {}
    comp = None
    if companion is not None:
        validate_claims_json(companion, paper_claims, figures, companion_path)
        meta = {**meta, "companion": companion_meta(companion, companion_path, meta.get("companion_sha256", "unknown"))}
    sections = [_header(meta, doc), _summary_section(summ, doc["coverage"], rows)]
    if companion is not None:
        scale = meta["companion"]["scale"]
        # keyed without spaces: claims.json files made before ids lost their spaces ("fig1.lesion_stim 1_module")
        # still match this run's rows ("fig1.lesion_stim1_module")
        comp = {"scale": scale, "robustness": {(r["figure"], _id_key(r["id"])): r for r in companion["robustness"]},
                "spread": {(r["figure"], _id_key(r["id"])): r for r in companion["spread"]}}
        c_summ = summary(companion["claims"], paper_claims)
        sections.append([f"### The same count in the companion run ({scale} scale, its master seed)", "",
                         f"From `{Path(str(companion_path)).name}` (header): another run of this workflow, shown"
                         " for the effect of scale; not this run's result.", "", *_outcome_table(c_summ)])
    for fig, entry in figures.items():
        if fig in stats:
            sections.append(_figure_section(fig, entry, stats[fig], [r for r in rows if r["figure"] == fig], paper,
                                            robust, spread, images.get(fig, f"docs/reproduction/{fig}.png"), comp))
    sections.append(_untested_section(paper_claims, summ, rows))
    return "\n\n".join("\n".join(s) for s in sections) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m modbound.reporting.report run-time --start EPOCH [--end EPOCH] --cores N --out results/run_time.json
    [--configfile F ...] -- COMMAND...``: record a whole run's elapsed time for the report (``make paper``)."""
    import argparse
    import time
    ap = argparse.ArgumentParser(prog="python -m modbound.reporting.report")
    sub = ap.add_subparsers(dest="cmd", required=True)
    rt = sub.add_parser("run-time", help="write results/run_time.json: a whole run's elapsed time")
    rt.add_argument("--start", type=float, required=True, help="epoch seconds when the run started")
    rt.add_argument("--end", type=float, default=None, help="epoch seconds when it ended (default: now)")
    rt.add_argument("--cores", type=int, required=True)
    rt.add_argument("--out", required=True)
    rt.add_argument("--configfile", nargs="*", default=[])
    rt.add_argument("--commit", default=None, help="the commit the run was made at (default: this checkout's)")
    rt.add_argument("--claims", default=None, help="the run's claims.json, whose key run.config_sha256 is recorded "
                                                    "(default: claims.json beside --out)")
    rt.add_argument("--resumed", action="store_true", help="the command finished a run begun by earlier commands: "
                                                            "its time is that of the last part only")
    rt.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args(argv)
    command = " ".join(a for a in args.command if a != "--")
    claims_path = Path(args.claims) if args.claims else Path(args.out).parent / "claims.json"
    try:
        digest = json.loads(claims_path.read_text())["run"]["config_sha256"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise SystemExit(f"{claims_path}: cannot read the run's merged config sha256 (key run.config_sha256; "
                         f"{type(e).__name__}: {e}): record the run time after the run's claims rule") from None
    write_run_time(args.out, args.start, time.time() if args.end is None else args.end, args.cores, args.configfile,
                   command, args.commit, digest, resumed=args.resumed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
