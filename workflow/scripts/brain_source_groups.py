"""Fig S10 compute: r(similarity of each subcortical group's in-weights, FC) per mouse (rule brain_source_groups)."""
from pathlib import Path

from modbound.analyses import brain
from modbound.core import io

io.setup_logging(snakemake.log[0])
data = brain.load_dataset(Path(snakemake.input.dataset).parent, mmap=True)
res = brain.source_group_r(data["W"], data["source_groups"], list(data["group_names"]), data["fc_subjects"],
                           data["fc"])
io.save_npz(snakemake.output[0], **res)
