"""Write REPRODUCTION.md and the figure PNGs it shows (256-colour copies) into docs/reproduction/ (rule report): read
results/claims.json, the figures' stats, the paper's claims and the registry, add the run's metadata (git commit,
config, run time from the benchmark files and results/run_time.json; the companion run's claims.json when config
report.companion names one), build the page with modbound.reporting.report and write everything atomically.
The page is built (and its inputs checked) before anything is written: bad inputs leave no output."""
import hashlib
import os
import shutil
from pathlib import Path

from modbound.reporting import claims, registry, report
from modbound.core import io

io.setup_logging(snakemake.log[0])
figures = registry.load(snakemake.input.registry)
stats_paths = dict(zip(snakemake.params.figures, snakemake.input.stats))
repo = Path(snakemake.input.registry).resolve().parents[1]   # the checkout: <repo>/workflow/figures.yaml
meta = {"commit": report.git_commit(repo), "configs": snakemake.params.configs,
        "config_sha256": snakemake.params.config_sha256, "scale": snakemake.params.scale,
        "run_time": report.benchmark_time(snakemake.params.run_dirs),
        "elapsed": report.read_run_time(snakemake.params.run_time, snakemake.params.configfiles,
                                        snakemake.params.run_config_sha256)}
companion = None
if snakemake.input.companion:   # checked by report.build, which names the file on error
    path = snakemake.input.companion[0]
    companion = io.read_json(path)
    meta["companion_sha256"] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
md = Path(snakemake.output.md)
images = {fig: os.path.relpath(png, md.parent or ".") for fig, png in zip(snakemake.params.figures, snakemake.output.png)}
text = report.build(io.read_json(snakemake.input.claims), {fig: io.read_json(p) for fig, p in stats_paths.items()},
                    claims.load_paper_claims(snakemake.input.paper_claims), figures, meta, images=images,
                    claims_path=snakemake.input.claims, stats_paths=stats_paths, companion=companion,
                    companion_path=snakemake.input.companion[0] if companion is not None else None)
for src, dst in zip(snakemake.input.png, snakemake.output.png):
    with io.atomic_path(dst) as tmp:
        report.palette_png(src, tmp)
for src, dst in [(snakemake.input.claims, snakemake.output.claims),
                 *([(snakemake.input.companion[0], snakemake.output.companion)] if companion is not None else [])]:
    with io.atomic_path(dst) as tmp:
        shutil.copyfile(src, tmp)
with io.atomic_path(md) as tmp:
    tmp.write_text(text)
if companion is None:   # a companion file of an earlier report would sit beside a page that does not show it
    (Path(snakemake.output.claims).parent / "companion_claims.json").unlink(missing_ok=True)
