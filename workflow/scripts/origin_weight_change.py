"""Fig S6 compute: stimulus input weights before (rebuilt from init seeds) and after training (rule input_weight_change)."""
import numpy as np

from modbound.models import ensembles, tasks
from modbound.analyses import input_weights
from modbound.core import io

io.setup_logging(snakemake.log[0])
act = ensembles.load_activity(snakemake.input.activity)
manifest = io.read_json(snakemake.input.manifest)
index = np.flatnonzero(act.included)
initial = ensembles.initial_weights(manifest, act.weights["W_in"].shape[2], act.weights["W_out"].shape[1])
columns = input_weights.stimulus_columns(tasks.make_task(manifest["task"], seed=0).input_names)
result = input_weights.weight_change(initial["W_in"][index], act.weights["W_in"][index], columns)
io.save_npz(snakemake.output[0], **result, model_index=index, columns=columns)
