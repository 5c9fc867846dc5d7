"""Fig S14 compute: higher-order nullclines and their similarity (rule dynamics_nullclines)."""
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
io.save_npz(snakemake.output[0], **dynamics_analysis.nullcline_analysis(
    act, io.load_npz(snakemake.input.fixed_points), ensemble=snakemake.wildcards.ensemble, n_networks=cfg["n_networks"],
    alpha=ensembles.manifest_alpha(manifest), x=p.inputs[manifest["task"]],
    n_samples=cfg["n_samples"], init_noise=p.init_noise, n_steps=cfg["n_steps"], lr=cfg["lr"],
    speed_tol=p.speed_tol, gamma=p.gamma, louvain_runs=p.louvain_runs, n_perm=p.n_perm, null=p.null_model, seed=p.seed,
    drop_first_trial=p.drop_first_trial, dtype=cfg["dtype"], stop_converged=cfg["stop_converged"], device=p.device))
