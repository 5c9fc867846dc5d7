"""Thalamocortical similarity modules induced on cortical FC, spatial null, r (rule brain_analysis)."""
from pathlib import Path

import numpy as np

from modbound.analyses import brain
from modbound.core import io, seeding

log = io.setup_logging(snakemake.log[0])
p = snakemake.params
species = snakemake.wildcards.species
data = brain.load_dataset(Path(snakemake.input.dataset).parent)
W = np.asarray(data["W"])
if species == "mouse":   # Fig 4f-j: thalamic sources only (the other groups are for Fig S10)
    W = W[:, data["source_groups"] == list(data["group_names"]).index("thalamus")]
res = brain.thalamocortical_analysis(
    W, data["fc"], snakemake.input.distmat, snakemake.input.index, gamma=p.gamma, louvain_runs=p.louvain_runs,
    n_surrogates=p.n_surrogates, null=p.null_model, seed=seeding.derive_seed(p.seed, "brain", species, "analysis"),
    hist_bins=p.hist_bins, surrogate_kw=p.surrogates, labels=data.get("labels"), max_plot=p.max_plot_nodes,
    concentration_kw={"n_bins": p.systems["distance_bins"], "reference": p.systems["reference"]})
res["distance"] = np.array(p.distance)
io.save_npz(snakemake.output[0], **res)
