"""Record activity of a trained ensemble on fresh test trials (rule record_activity)."""
import torch

from modbound.models import ensembles
from modbound.core import io

log = io.setup_logging(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
act = ensembles.record(
    snakemake.input.manifest,
    snakemake.input.models,
    n_trials=snakemake.params.n_trials,
    accuracy_trials=snakemake.params.accuracy_trials,
    min_accuracy=snakemake.params.min_accuracy,
    task_cfg=snakemake.params.tasks,
)
ensembles.save_activity(snakemake.output.activity, act)
failed = [int(m) for m in (~act.included).nonzero()[0]]
io.write_json(snakemake.output.summary, {
    "accuracy": act.accuracy,
    "min_accuracy": snakemake.params.min_accuracy,
    "included": act.included,
    "excluded_models": failed,
    "seeds": act.seeds,
    "n_trials": act.trials.n_trials,
    "accuracy_trials": snakemake.params.accuracy_trials or act.trials.n_trials,
})
if failed:
    log.warning("%d of %d networks below min_accuracy=%.2f are EXCLUDED from analyses: %s",
                len(failed), act.n_models, snakemake.params.min_accuracy, failed)
