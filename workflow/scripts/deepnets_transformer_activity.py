"""Fig S5: hidden states of the first transformer layers for the nine sentences (rule transformer_activity).

The model loads from local files only (HF_HUB_OFFLINE=1, TRANSFORMERS_OFFLINE=1)."""
import torch

from modbound.analyses import deepnets_analysis
from modbound.core import io

log = io.setup_logging(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
cfg = snakemake.params.cfg
arrays, info = deepnets_analysis.record_sentences(cfg["model_path"], n_layers=cfg["n_layers"],
                                                  drop_special_tokens=cfg["drop_special_tokens"])
log.info("model: %s", info["description"])
io.save_npz(snakemake.output.activity, **arrays)
io.write_json(snakemake.output.info, info)
