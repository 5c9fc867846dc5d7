"""Fig S11 compute: similarity of partitions and recurrent weights across networks per init mode (rule init_analysis)."""
from modbound.models import ensembles
from modbound.analyses import input_weights
from modbound.core import io

io.setup_logging(snakemake.log[0])
p = snakemake.params
acts, initial = {}, {}
for mode, name in p.ensembles.items():
    act = ensembles.load_activity(snakemake.input[f"activity_{mode}"])
    manifest = io.read_json(snakemake.input[f"manifest_{mode}"])
    acts[name] = act
    initial[name] = ensembles.initial_weights(manifest, act.weights["W_in"].shape[2], act.weights["W_out"].shape[1])
io.save_npz(snakemake.output[0], **input_weights.init_comparison(acts, gamma=p.gamma, louvain_runs=p.louvain_runs,
                                                                 master_seed=p.seed, initial=initial,
                                                                 drop_first_trial=p.drop_first_trial))
