"""Node distances as brainsmash sorted memory-mapped matrices (rule brain_distances): Euclidean between the
coordinates, or geodesic: the data set's own matrix where it has one (parcel centroids), else along the HCP mesh."""
from pathlib import Path

from modbound.datasets import hcp, brain_dataset
import numpy as np

from modbound.core import io
from modbound.nulls import spatial as spatial_nulls

log = io.setup_logging(snakemake.log[0])
ds = brain_dataset.load_dataset(Path(snakemake.input.dataset).parent, mmap=True)
coords = ds["coords"]
if snakemake.params.distance == "geodesic" and "geodesic" in ds:   # a data set with its own (parcel centroids)
    rows = spatial_nulls.matrix_rows(ds["geodesic"], f"{snakemake.input.dataset}: geodesic")
elif snakemake.params.distance == "geodesic":
    if coords.shape[0] != hcp.HCP_N_LEFT:
        raise ValueError(f"config brain.datasets.{snakemake.wildcards.dataset}.distance: geodesic needs the full surface "
                         f"(n_vertices: {hcp.HCP_N_LEFT}); got {coords.shape[0]} nodes -- use euclidean")
    rows = spatial_nulls.geodesic_rows(coords, hcp.hcp_geometry()["faces"])
else:
    rows = spatial_nulls.euclidean_rows(coords)
paths = spatial_nulls.write_distance_memmap(rows, coords.shape[0], Path(snakemake.output.distmat).parent)
log.info("%s distances for %d nodes written: %s", snakemake.params.distance, coords.shape[0], paths)
