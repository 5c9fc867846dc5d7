"""Gather the claims of every figure's stats JSON into results/claims.{md,json}."""
from pathlib import Path

from modbound import claims, io

io.setup_logging(snakemake.log[0])
stats = {Path(p).stem: io.read_json(p) for p in snakemake.input.stats}
rows = claims.collect(stats)
io.write_json(snakemake.output.json, {"claims": rows})
with io.atomic_path(snakemake.output.md) as tmp:
    tmp.write_text(claims.to_markdown(rows))
