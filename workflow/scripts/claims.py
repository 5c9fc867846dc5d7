"""Gather the claims of every figure's stats JSON into results/claims.{md,json}: each row beside the paper's
claim it tests (workflow/paper_claims.yaml), the coverage of the paper's claims, and with replicate seeds each
claim's spread across seeds."""
from pathlib import Path

from modbound.reporting import claims
from modbound.core import io, seeding

io.setup_logging(snakemake.log[0])
figures, seeds = snakemake.params.figures, [snakemake.params.seed, *snakemake.params.replicate_seeds]
files = [list(snakemake.input.stats)]
rep = list(snakemake.input.replicate_stats)
files += [rep[i * len(figures):(i + 1) * len(figures)] for i in range(len(snakemake.params.replicate_seeds))]
paper = claims.load_paper_claims(snakemake.input.paper_claims)
variants = snakemake.params.variants
var_paths = list(snakemake.input.variant_stats)
# A malformed stats file, or one without a row for a paper claim its figure is registered to test, stops the rule
# naming it: in the main run, each replicate seed and each variant (no claim is lost silently).
for path in [*(p for paths in files for p in paths), *var_paths]:
    stats = claims.validate_stats(Path(path).stem, io.read_json(path), path)
    claims.check_figure_rows(Path(path).stem, stats, paper, path)
rows_by_seed = {seed: claims.collect({Path(p).stem: io.read_json(p) for p in paths}, seed=seed)
                for seed, paths in zip(seeds, files)}
rows = rows_by_seed[snakemake.params.seed]
claims.check_paper_ids(rows, paper)
spread = claims.spread(rows_by_seed) if len(seeds) > 1 else []

# The robustness matrix: the main run, each variant (config variants), each replicate seed.
var_files = iter(var_paths)
rows_by_run = {"main": rows}
figures_by_run = {"main": figures}
for name, figs in variants.items():
    rows_by_run[name] = claims.collect({fig: io.read_json(next(var_files)) for fig in figs}, seed=seeds[0])
    figures_by_run[name] = figs
for seed in seeds[1:]:
    rows_by_run[f"seed{seed}"], figures_by_run[f"seed{seed}"] = rows_by_seed[seed], figures
matrix = claims.robustness(rows_by_run, figures_by_run) if len(rows_by_run) > 1 else []
descriptions = {"main": f"config as given (seed {seeds[0]})", **snakemake.params.variant_descriptions,
                **{f"seed{s}": f"master seed {s}" for s in seeds[1:]}}

# which settings made this run, and the CPU code path and versions its numbers depend on (docs/faults.md)
run = {"config_sha256": snakemake.params.config_sha256, **seeding.runtime_info()}
io.write_json(snakemake.output.json, {"run": run, "seeds": seeds, "coverage": claims.coverage(rows, paper), "claims": rows,
                                      "spread": spread, "runs": list(rows_by_run), "robustness": matrix})
with io.atomic_path(snakemake.output.md) as tmp:
    tmp.write_text(claims.to_markdown(rows, spread, seeds, paper_claims=paper)
                   + ("\n" + claims.robustness_markdown(matrix, rows_by_run, descriptions) if matrix else ""))
