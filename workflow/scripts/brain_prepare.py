"""Write a brain data set folder by name (rule brain_prepare): real or generated, through one interface."""
from pathlib import Path

from modbound.core import io
from modbound.datasets import brain_dataset

log = io.setup_logging(snakemake.log[0])
entry = snakemake.params.entry
name = snakemake.wildcards.dataset
inputs = {k: v for k, v in snakemake.input.items()}
data = brain_dataset.build(name, entry["source"], entry["settings"], inputs, snakemake.params.seed)
log.info("%s (%s, %s): %s", name, entry["source"], data["resolution"], data["description"])
brain_dataset.save_dataset(Path(snakemake.output.dataset).parent, **data)
