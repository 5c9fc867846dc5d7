"""Download one Allen voxel-model file into resources/allen/ (rule brain_fetch_allen): atomic, sha256-checked."""
from modbound.datasets import download
from modbound.core import io

log = io.setup_logging(snakemake.log[0])
entry = snakemake.params.entry
digest = download.fetch(entry["url"], snakemake.output[0], entry["sha256"], local=entry["local"])
log.info("%s: sha256 %s (%s)", snakemake.output[0], digest, "verified" if entry["sha256"] else "not pinned")
