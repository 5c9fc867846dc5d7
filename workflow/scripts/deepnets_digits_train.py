"""Fig S4: train the digit classifier (rule digits_train)."""
import torch

from modbound.models import deepnets
from modbound.core import io

log = io.setup_logging(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
p = snakemake.params
cfg = p.cfg
mnist_file = dict(snakemake.input.items()).get("mnist")   # the vendored archive, an input when dataset is mnist
data = deepnets.load_digit_data(cfg["dataset"], mnist_file=mnist_file, test_fraction=cfg["test_fraction"],
                                seed=deepnets.split_seed(p.seed))
init_seed = deepnets.classifier_seed(p.seed)
model, losses = deepnets.train_classifier(data.X_train, data.y_train, n_hidden=cfg["n_hidden"],
                                          n_epochs=cfg["n_epochs"], batch_size=cfg["batch_size"], lr=cfg["lr"],
                                          seed=init_seed)
summary = {
    "dataset": data.name, "dataset_description": data.description, "image_shape": list(data.image_shape),
    "n_train": len(data.y_train), "n_test": len(data.y_test), "n_hidden": cfg["n_hidden"],
    "n_epochs": cfg["n_epochs"], "batch_size": cfg["batch_size"], "lr": cfg["lr"], "init_seed": init_seed,
    "epoch_loss": losses, "train_accuracy": deepnets.accuracy(model, data.X_train, data.y_train),
    "test_accuracy": deepnets.accuracy(model, data.X_test, data.y_test),
    "checkpoint_sha256": deepnets.save_classifier(model, snakemake.output.model),
}
log.info("train accuracy %.4f, test accuracy %.4f", summary["train_accuracy"], summary["test_accuracy"])
io.write_json(snakemake.output.summary, summary)
