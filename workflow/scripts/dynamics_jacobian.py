"""Fig 3 compute: Jacobian-row similarity vs activity correlation for one ensemble (rule dynamics_jacobian)."""
import torch

from modbound.analyses import dynamics_analysis
from modbound.models import ensembles
from modbound.core import io

io.setup_logging(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
p = snakemake.params
act = ensembles.load_activity(snakemake.input.activity)
manifest = io.read_json(snakemake.input.manifest)
io.save_npz(snakemake.output[0], **dynamics_analysis.jacobian_analysis(
    act, io.load_npz(snakemake.input.fixed_points), ensemble=snakemake.wildcards.ensemble,
    n_networks=p.cfg["n_networks"], alpha=ensembles.manifest_alpha(manifest),
    speed_tol=p.speed_tol, trajectory_trials=p.cfg["trajectory_trials"], gamma=p.gamma,
    louvain_runs=p.louvain_runs, n_perm=p.n_perm, null=p.null_model, seed=p.seed, drop_first_trial=p.drop_first_trial))
