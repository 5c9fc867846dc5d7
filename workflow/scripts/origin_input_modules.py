"""Fig 4a-e compute: input-weight similarity modules induced on recurrent correlation (rule input_modules_analysis)."""
from modbound.models import ensembles, tasks
from modbound.analyses import input_weights
from modbound.core import io

io.setup_logging(snakemake.log[0])
p = snakemake.params
act = ensembles.load_activity(snakemake.input.activity)
manifest = io.read_json(snakemake.input.manifest)
io.save_npz(snakemake.output[0], **input_weights.analyse_ensemble(
    act, input_names=tasks.make_task(manifest["task"], seed=0).input_names, gamma=p.gamma,
    louvain_runs=p.louvain_runs, n_perm=p.n_perm, null=p.null_model, master_seed=p.seed, ensemble=p.ensemble, hist_bins=p.hist_bins,
    drop_first_trial=p.drop_first_trial))
