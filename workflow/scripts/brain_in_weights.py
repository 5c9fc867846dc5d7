"""What a brain data set's thalamic in-weights can express (rule brain_in_weights): the geometry of their cosine
similarity (modbound.analyses.brain.in_weight_geometry) with the data set's provenance, as JSON."""
from pathlib import Path

from modbound.analyses import brain
from modbound.core import io
from modbound.datasets import brain_dataset

log = io.setup_logging(snakemake.log[0])
ds = brain_dataset.load_dataset(Path(snakemake.input.dataset).parent)
W = brain_dataset.analysis_weights(ds)
geo = brain.in_weight_geometry(W)
n = W.shape[1]
names = [str(s) for s in ds["source_names"]] if "source_names" in ds else [f"source {j + 1}" for j in range(n)]
log.info("%s: %d nodes x %d sources, testable: %s %s", snakemake.wildcards.dataset, W.shape[0], n, geo["testable"],
         geo["reason"])
io.write_json(snakemake.output[0], {**brain_dataset.provenance(ds), "dataset": snakemake.wildcards.dataset,
                                    "source_names": names, "in_weights": geo})
