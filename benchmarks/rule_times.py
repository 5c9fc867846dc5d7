"""Wall and CPU time of every job of finished runs, from their Snakemake benchmark files (markdown table).

    python benchmarks/rule_times.py results [results/variants/dt20 ...]

Each argument is a run's results folder (main, a variant, a replicate seed); rows are its jobs, slowest
first (``modbound.report.rule_times``), then the run's total. Wall times overlap when jobs run side by side:
the total is CPU-side work, not the run's elapsed time.
"""
import sys

from modbound.report import rule_times


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


if __name__ == "__main__":
    print(table(sys.argv[1:] or ["results"]))
