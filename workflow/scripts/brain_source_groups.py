"""Fig S10 compute: r(similarity of each subcortical group's in-weights, FC) per subject (rule brain_source_groups)."""
from pathlib import Path

from modbound.analyses import brain
from modbound.core import io
from modbound.datasets import brain_dataset

io.setup_logging(snakemake.log[0])
folder = Path(snakemake.input.dataset).parent
data = brain_dataset.load_dataset(folder, mmap=True)
for key in ("source_groups", "fc_subjects"):
    if key not in data:
        raise ValueError(f"{folder}: data set {data.get('name', '?')} ({data.get('source', '?')}) has no {key}; Fig S10 "
                         f"needs several subcortical source groups and per-subject FC")
res = brain.source_group_r(data["W"], data["source_groups"], list(data["group_names"]), data["fc_subjects"],
                           data["fc"])
io.save_npz(snakemake.output[0], **res)
