"""Fig 5 / S12 compute: perturbation trials after within-module lesions (rule dynamics_perturbation)."""
import torch

from modbound.analyses import dynamics_analysis
from modbound.models import ensembles, tasks
from modbound.core import io

io.setup_logging(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
p = snakemake.params
cfg = p.cfg
act = ensembles.load_activity(snakemake.input.activity)
manifest = io.read_json(snakemake.input.manifest)
task = tasks.make_task(manifest["task"], seed=0)
io.save_npz(snakemake.output[0], **dynamics_analysis.perturbation_analysis(
    act, n_networks=p.n_networks, alpha=ensembles.manifest_alpha(manifest),
    fixation_input=cfg["fixation_input"], base_input=cfg["base_input"], amplitude=cfg["amplitude"],
    stimulus_columns=[task.input_names.index("stim1"), task.input_names.index("stim2")],
    choice_units=[task.output_names.index("choice1"), task.output_names.index("choice2")],
    n_steps=cfg["n_steps"], max_lesions=cfg["max_lesions"], example_levels=cfg["example_levels"],
    drop_first_trial=p.drop_first_trial))
