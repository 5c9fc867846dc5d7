"""The project's one table of measured run times (``docs/benchmarks.md``), made from ``benchmarks/runs.yaml``.

``benchmarks/runs.yaml`` records each measured run once: what ran, the command, the date, the commit, the machine,
the elapsed wall-clock seconds and where the number comes from (``source``). :func:`table` writes the markdown
table ``docs/benchmarks.md`` holds between :data:`BEGIN` and :data:`END`; a test checks that the page holds exactly
that table, and that every run time quoted in the README or the docs is one of the table's (:func:`quoted_durations`),
so no number can go stale in one place and not in another. A run of the workflow is recorded from its files with
:func:`record` (``results/run_time.json``, written by ``make paper``, and the rules' benchmark files)::

    python -m modbound.reporting.run_times table                 # the table, from benchmarks/runs.yaml
    python -m modbound.reporting.run_times write docs/benchmarks.md   # replace the table in the page
    python -m modbound.reporting.run_times record results --id paper_full --what "..." --machine dev-2core
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

__all__ = ["BEGIN", "END", "RUN_KEYS", "load", "fmt_duration", "table", "replace_table", "quoted_durations",
           "record"]

BEGIN = "<!-- run-times table: generated from benchmarks/runs.yaml by python -m modbound.reporting.run_times -->"
END = "<!-- end of run-times table -->"
#: keys every run of ``benchmarks/runs.yaml`` has (``seconds`` null: not measured yet)
RUN_KEYS = ("id", "what", "command", "date", "commit", "machine", "seconds", "source")
_OPTIONAL = ("approximate", "jobs", "job_seconds", "job_files", "peak_rss_gb", "note", "resumed", "report")
#: optional keys that are true or false: ``resumed`` (the elapsed time is the last part of a run made in parts,
#: report run-time --resumed) and ``report`` (the run of the committed REPRODUCTION.md: at most one run has it)
_FLAGS = ("approximate", "resumed", "report")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def load(path: str | Path) -> dict[str, Any]:
    """``benchmarks/runs.yaml``, checked: ``{"machines": {name: description}, "runs": [run, ...]}``. A missing or
    unknown key, a machine not described, a duplicate id, a bad date or a negative or non-finite number stops with
    a ``ValueError`` naming the file, the run and the key."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text())
    except yaml.YAMLError as e:
        raise ValueError(f"{path}: not YAML ({e})") from None
    if not isinstance(doc, Mapping) or set(doc) != {"machines", "runs"}:
        raise ValueError(f"{path}: expected exactly the keys 'machines' and 'runs'")
    machines, runs = doc["machines"], doc["runs"]
    if not isinstance(machines, Mapping) or not all(isinstance(v, str) and v for v in machines.values()):
        raise ValueError(f"{path}: 'machines' must map a name to its description")
    if not isinstance(runs, list) or not runs:
        raise ValueError(f"{path}: 'runs' must be a non-empty list")
    seen, reports = set(), []
    for i, run in enumerate(runs):
        where = f"{path}: runs[{i}]"
        if not isinstance(run, Mapping):
            raise ValueError(f"{where}: expected a mapping")
        where = f"{path}: run {run.get('id', i)!r}"
        missing = [k for k in RUN_KEYS if k not in run]
        unknown = [k for k in run if k not in RUN_KEYS + _OPTIONAL]
        if missing or unknown:
            raise ValueError(f"{where}: missing key(s) {missing}, unknown key(s) {unknown}")
        if run["id"] in seen:
            raise ValueError(f"{where}: duplicate id")
        seen.add(run["id"])
        measured = run["seconds"] is not None
        if run["machine"] is not None and run["machine"] not in machines:
            raise ValueError(f"{where}: key 'machine' = {run['machine']!r} is not in 'machines'")
        for key in ("date", "commit", "machine"):
            if measured and not run[key]:
                raise ValueError(f"{where}: key {key!r} is required for a measured run")
        if run["date"] is not None and not _DATE.match(str(run["date"])):
            raise ValueError(f"{where}: key 'date' = {run['date']!r} is not YYYY-MM-DD (quote it in YAML)")
        if run["commit"] is not None and not re.fullmatch(r"[0-9a-f]{7,40}", str(run["commit"])):
            raise ValueError(f"{where}: key 'commit' = {run['commit']!r} is not a git commit")
        for key in _FLAGS:
            if key in run and not isinstance(run[key], bool):
                raise ValueError(f"{where}: key {key!r} = {run[key]!r} is not true or false")
        if run.get("report"):
            reports.append(run["id"])
        for key in ("seconds", "job_seconds", "peak_rss_gb", "jobs", "job_files"):
            v = run.get(key)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)
                                  or v < 0):
                raise ValueError(f"{where}: key {key!r} = {v!r} is not a non-negative number")
    if len(reports) > 1:
        raise ValueError(f"{path}: key 'report' is true for {reports}: one run made the committed report")
    return {"machines": dict(machines), "runs": [dict(r) for r in runs]}


def fmt_duration(seconds: float, approximate: bool = False) -> str:
    """``1 h 30 min 06 s``, ``15 min 02 s`` (``~`` in front when approximate): the one way the docs write a run
    time, so that a quoted time can be found and checked."""
    s = int(round(float(seconds)))
    h, m, sec = s // 3600, s % 3600 // 60, s % 60
    text = f"{h} h {m:02d} min {sec:02d} s" if h else f"{m} min {sec:02d} s"
    return f"~{text}" if approximate else text


def durations(doc: Mapping[str, Any]) -> set[str]:
    """Every run time the table shows (elapsed and job time), as :func:`fmt_duration` writes it."""
    out = set()
    for run in doc["runs"]:
        if run["seconds"] is not None:
            out.add(fmt_duration(run["seconds"], bool(run.get("approximate"))))
        if run.get("job_seconds") is not None:
            out.add(fmt_duration(run["job_seconds"]))
    return out


def table(doc: Mapping[str, Any]) -> str:
    """The markdown table of ``doc`` (:func:`load`), between :data:`BEGIN` and :data:`END`, machines below it."""
    lines = [BEGIN, "", "| run | command | elapsed | date | commit | machine | notes |", "|---|---|---|---|---|---|---|"]
    for r in doc["runs"]:
        if r["seconds"] is None:
            elapsed = "not measured"
        else:
            elapsed = f"**{fmt_duration(r['seconds'], bool(r.get('approximate')))}**"
        notes = []
        if r.get("resumed"):
            notes.append("elapsed: the last part of a run made in parts")
        if r.get("report"):
            notes.append("the run of the committed REPRODUCTION.md")
        if r.get("jobs") is not None:
            notes.append(f"{r['jobs']} jobs")
        if r.get("job_seconds") is not None:
            files = f" in {r['job_files']} benchmark files" if r.get("job_files") is not None else ""
            notes.append(f"job time {fmt_duration(r['job_seconds'])} (sum{files})")
        if r.get("peak_rss_gb") is not None:
            notes.append(f"peak RSS {r['peak_rss_gb']:.1f} GB")
        if r.get("note"):
            notes.append(str(r["note"]))
        notes.append(f"source: {r['source']}")
        commit = f"`{str(r['commit'])[:7]}`" if r["commit"] else "—"
        lines.append(f"| {r['what']} | `{r['command']}` | {elapsed} | {r['date'] or '—'} | {commit} | "
                     f"{r['machine'] or '—'} | {'; '.join(notes)} |")
    lines += ["", "Machines:", ""]
    lines += [f"- `{name}`: {desc}" for name, desc in doc["machines"].items()]
    lines += ["", END]
    return "\n".join(lines)


def replace_table(text: str, doc: Mapping[str, Any], name: str = "page") -> str:
    """``text`` with the part from :data:`BEGIN` to :data:`END` replaced by :func:`table`."""
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise ValueError(f"{name}: expected one run-times table marker pair ({BEGIN!r} ... {END!r})")
    head, rest = text.split(BEGIN)
    return head + table(doc) + rest.split(END, 1)[1]


#: a run time as prose writes it: hours, minutes (also "CPU min") and seconds after them, with ~ or a range
#: (hours need a space before the "h": "Fig 2h" is a panel)
_UNIT = r"(?:\s+h|\s*hours?|\s*min|\s*mins|\s*minutes?)"
DURATION = re.compile(
    r"(?:~\s*)?\d+(?:[.,]\d+)?(?:\s*(?:-|to)\s*\d+(?:[.,]\d+)?)?(?:\s+CPU)?"
    + _UNIT + r"\b(?:\s+\d+(?:[.,]\d+)?(?:" + _UNIT + r"|\s*s)\b)*")


def quoted_durations(text: str) -> list[str]:
    """Every run time quoted in ``text`` in hours or minutes (job times are written in seconds and not matched):
    markdown emphasis and code spans are ignored, whitespace normalised."""
    text = re.sub(r"[*`]", "", text)
    return [" ".join(m.group(0).split()) for m in DURATION.finditer(text)]


def record(results: str | Path, *, run_id: str, what: str, machine: str, command: str | None = None,
           source: str | None = None) -> dict[str, Any]:
    """A ``benchmarks/runs.yaml`` entry made from a finished run's files: the elapsed time, start date, commit and
    command of ``<results>/run_time.json`` (``make paper`` writes it) and the job time summed over the rules'
    benchmark files of the run (main, variants, replicate seeds under ``results/``). ``ValueError`` naming the
    file when there is no run_time.json."""
    from modbound.reporting import report
    results = Path(results)
    rt = report.read_run_time(results / "run_time.json")
    if rt is None:
        raise ValueError(f"{results / 'run_time.json'}: no such file (make paper writes it; or time the run and "
                         "write the entry by hand)")
    folders = {"main": results}
    folders.update({f"{p.parent.name}/{p.name}": p for p in sorted(results.glob("variants/*"))})
    folders.update({f"{p.parent.name}/{p.name}": p for p in sorted(results.glob("replicates/*"))})
    bench = report.benchmark_time(folders)
    entry = {"id": run_id, "what": what, "command": command or rt["command"], "date": rt["started"][:10],
             "commit": str(rt["commit"])[:7], "machine": machine, "seconds": round(float(rt["seconds"])),
             "source": source or f"{results / 'run_time.json'} and the benchmark files"}
    if bench is not None:
        entry.update({"job_seconds": round(bench["seconds"]), "job_files": bench["jobs"]})
    if rt.get("resumed"):
        entry["resumed"] = True
    return entry


def main(argv: Iterable[str] | None = None) -> int:
    import argparse
    ap = argparse.ArgumentParser(prog="python -m modbound.reporting.run_times", description=__doc__.split("\n")[0])
    ap.add_argument("--runs", default="benchmarks/runs.yaml", help="the record of measured runs")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("table", help="print the table")
    w = sub.add_parser("write", help="replace the table in a page (between its markers)")
    w.add_argument("page")
    r = sub.add_parser("record", help="print a runs.yaml entry made from a finished run's files")
    r.add_argument("results")
    r.add_argument("--id", required=True)
    r.add_argument("--what", required=True)
    r.add_argument("--machine", required=True)
    r.add_argument("--command")
    args = ap.parse_args(list(argv) if argv is not None else None)
    if args.cmd == "record":
        print(yaml.safe_dump([record(args.results, run_id=args.id, what=args.what, machine=args.machine,
                                     command=args.command)], sort_keys=False), end="")
        return 0
    doc = load(args.runs)
    if args.cmd == "table":
        print(table(doc))
    else:
        page = Path(args.page)
        page.write_text(replace_table(page.read_text(), doc, str(page)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
