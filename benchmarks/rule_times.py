"""Wall and CPU time of every job of finished runs, from their Snakemake benchmark files (markdown table).

    python benchmarks/rule_times.py results [results/variants/dt20 ...]
    python benchmarks/rule_times.py --compare BEFORE/results AFTER/results   # a speed-up, job by job

Each argument is a run's results folder (main, a variant, a replicate seed); rows are its jobs, slowest
first (``modbound.reporting.report.rule_times``), then the run's total. Wall times overlap when jobs run side by side:
the total is CPU-side work, not the run's elapsed time.
"""
import sys

from modbound.reporting.report import compare_rule_times, rule_times


def table(folders: list[str], top: int | None = None) -> str:
    lines = ["| run | job (benchmark file) | wall s | CPU s |", "|---|---|---|---|"]
    for folder in folders:
        rows = rule_times(folder)
        if not rows:
            raise SystemExit(f"{folder}: no benchmark files under {folder}/benchmarks")
        for r in rows[:top]:
            lines.append(f"| {folder} | {r['job']} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} |")
        lines.append(f"| {folder} | **all {len(rows)} jobs** | {sum(r['wall_s'] for r in rows):.1f} | "
                     f"{sum(r['cpu_s'] for r in rows):.1f} |")
    return "\n".join(lines)


def compare(before: str, after: str) -> str:
    """One row per job: wall and CPU seconds in ``before`` and ``after`` (— where a run lacks the job), totals last."""
    rows = compare_rule_times(before, after)
    f = lambda r, k: "—" if r is None else f"{r[k]:.1f}"  # noqa: E731
    lines = ["| job (benchmark file) | wall s before | CPU s before | wall s after | CPU s after |",
             "|---|---|---|---|---|"]
    lines += [f"| {r['job']} | {f(r['before'], 'wall_s')} | {f(r['before'], 'cpu_s')} | {f(r['after'], 'wall_s')} | "
              f"{f(r['after'], 'cpu_s')} |" for r in rows]
    tot = {w: {k: sum(r[w][k] for r in rows if r[w]) for k in ("wall_s", "cpu_s")} for w in ("before", "after")}
    n = {w: sum(1 for r in rows if r[w]) for w in ("before", "after")}
    lines.append(f"| **all** ({n['before']} / {n['after']} jobs) | {tot['before']['wall_s']:.1f} | "
                 f"{tot['before']['cpu_s']:.1f} | {tot['after']['wall_s']:.1f} | {tot['after']['cpu_s']:.1f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--compare"]:
        if len(args) != 3:
            raise SystemExit("usage: rule_times.py --compare BEFORE/results AFTER/results")
        print(compare(args[1], args[2]))
    else:
        print(table(args or ["results"]))
