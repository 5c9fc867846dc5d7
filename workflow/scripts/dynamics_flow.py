"""Fig 6 / S13 compute: vector field on a PC grid and single-unit lesion similarity (rule dynamics_flow)."""
import torch

from modbound.analyses import dynamics_analysis
from modbound.models import ensembles
from modbound.core import io

io.setup_logging(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
p = snakemake.params
cfg = p.cfg
act = ensembles.load_activity(snakemake.input.activity)
manifest = io.read_json(snakemake.input.manifest)
io.save_npz(snakemake.output[0], **dynamics_analysis.flow_analysis(
    act, ensemble=snakemake.wildcards.ensemble, n_networks=p.n_networks,
    alpha=ensembles.manifest_alpha(manifest), x=p.inputs[manifest["task"]], grid_size=cfg["grid_size"],
    margin=cfg["margin"], run_steps=cfg["run_steps"], long_steps=cfg["long_steps"], period_steps=cfg["period_steps"],
    fixed_tol=cfg["fixed_tol"], return_tol=cfg["return_tol"], lesion_mode=cfg["lesion"], gamma=p.gamma,
    louvain_runs=p.louvain_runs, n_perm=p.n_perm, null=p.null_model, seed=p.seed, drop_first_trial=p.drop_first_trial))
