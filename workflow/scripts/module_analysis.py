"""Per-network module analysis of one ensemble (rule module_analysis)."""
from modbound.models import ensembles
from modbound.core import io
from modbound.analyses import selectivity

io.setup_logging(snakemake.log[0])
p = snakemake.params
io.save_npz(snakemake.output[0], **selectivity.analyse_ensemble(
    ensembles.load_activity(snakemake.input.activity), gamma=p.gamma, louvain_runs=p.louvain_runs, master_seed=p.seed,
    ensemble=snakemake.wildcards.ensemble, min_module_size=p.matching["min_module_size"],
    min_selectivity_r=p.matching["min_selectivity_r"]))
