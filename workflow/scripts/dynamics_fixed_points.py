"""Fixed/slow points of an ensemble's networks by gradient descent (rule dynamics_fixed_points)."""
import torch

from modbound.analyses import dynamics_analysis
from modbound.models import ensembles
from modbound.core import io

io.setup_logging(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
p = snakemake.params
act = ensembles.load_activity(snakemake.input.activity)
manifest = io.read_json(snakemake.input.manifest)
cfg = p.cfg
io.save_npz(snakemake.output[0], **dynamics_analysis.fixed_points(
    act, ensemble=snakemake.wildcards.ensemble, n_networks=p.n_networks, x=p.inputs[manifest["task"]],
    alpha=ensembles.manifest_alpha(manifest), n_inits=cfg["n_inits"], init_noise=cfg["init_noise"],
    n_steps=cfg["n_steps"], lr=cfg["lr"], seed=p.seed, drop_first_trial=p.drop_first_trial,
    speed_tol=cfg["speed_tol"], dtype=cfg["dtype"], device=p.device))
