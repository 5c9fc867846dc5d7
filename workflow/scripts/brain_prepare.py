"""Write a brain dataset folder (rules brain_prepare_human / brain_prepare_mouse): real or generated."""
from pathlib import Path

from modbound.datasets import allen, brain_synthetic, download, hcp
from modbound.analyses import brain
from modbound.core import io, seeding

log = io.setup_logging(snakemake.log[0])
cfg = snakemake.params.cfg
species = "human" if snakemake.rule == "brain_prepare_human" else "mouse"
folder = Path(snakemake.output.dataset).parent
inp = snakemake.input

if species == "human" and cfg["source"] == "hcp":
    for key in ("dconn", "sc"):
        if cfg["hcp"][f"{key}_sha256"]:
            download.verify_sha256(inp[key], cfg["hcp"][f"{key}_sha256"])
            log.info("%s: sha256 verified", inp[key])
    keep = None
    if cfg["n_vertices"] < hcp.HCP_N_LEFT:
        keep = brain_synthetic.farthest_point_sample(hcp.hcp_geometry()["coords"], cfg["n_vertices"])
    data = hcp.prepare_human_hcp(inp.dconn, inp.sc, vertices_keep=keep, dlabel=inp.get("dlabel"))
elif species == "human":
    s = cfg["synthetic"]
    data = brain_synthetic.synthetic_human(cfg["n_vertices"], s["n_sources"], s["n_timepoints"],
                                           seeding.derive_seed(snakemake.params.seed, "brain", "human", "data"))
elif cfg["source"] == "allen":
    data = allen.prepare_mouse_allen(inp.weights, inp.nodes, inp.voxel_groups, list(inp.fmri),
                                     inp.get("fmri_labels"), min_timepoints=cfg["allen"]["min_timepoints"])
else:
    s = cfg["synthetic"]
    data = brain_synthetic.synthetic_mouse(s["n_nodes"], s["n_sources_per_group"], s["n_subjects"],
                                           s["n_timepoints"],
                                           seeding.derive_seed(snakemake.params.seed, "brain", "mouse", "data"))
log.info("%s: %s", species, data["description"])
brain.save_dataset(folder, **data)
