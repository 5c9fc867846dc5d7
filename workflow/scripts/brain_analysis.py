"""Thalamocortical similarity modules induced on cortical FC, spatial null, r (rule brain_analysis)."""
from pathlib import Path

import numpy as np

from modbound.analyses import brain
from modbound.core import io, seeding
from modbound.datasets import brain_dataset

log = io.setup_logging(snakemake.log[0])
p = snakemake.params
name = snakemake.wildcards.dataset
data = brain_dataset.load_dataset(Path(snakemake.input.dataset).parent)
W = brain_dataset.analysis_weights(data, "thalamus")   # thalamic sources only (other groups are for Fig S10)
brain.require_in_weight_sources(W, f"data set {name} ({data['resolution']}; config brain.datasets.{name})")
res = brain.thalamocortical_analysis(
    W, data["fc"], snakemake.input.distmat, snakemake.input.index, gamma=p.gamma, louvain_runs=p.louvain_runs,
    n_surrogates=p.n_surrogates, null=p.null_model, seed=seeding.derive_seed(p.seed, "brain", name, "analysis"),
    hist_bins=p.hist_bins, surrogate_kw=p.surrogates, labels=data.get("labels"), max_plot=p.max_plot_nodes,
    concentration_kw={"n_bins": p.systems["distance_bins"], "reference": p.systems["reference"]},
    threads=snakemake.threads)
res["distance"] = np.array(p.distance)
res["spatial_null_claim"] = np.array(p.spatial_null_claim)
io.save_npz(snakemake.output[0], **res)
