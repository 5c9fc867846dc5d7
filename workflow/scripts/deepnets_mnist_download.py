"""Download one MNIST file and check its size and SHA-256 (rule mnist_download); no partial file on failure."""
from pathlib import Path

from modbound.models import deepnets
from modbound.datasets import download
from modbound.core import io

log = io.setup_logging(snakemake.log[0])
name = Path(snakemake.output[0]).name
if name not in deepnets.MNIST_FILES:
    raise ValueError(f"{snakemake.output[0]}: not an MNIST file (have {sorted(deepnets.MNIST_FILES)})")
size, sha = deepnets.MNIST_FILES[name]
url = snakemake.params.url.rstrip("/") + "/" + name
log.info("downloading %s", url)
download.fetch(url, snakemake.output[0], sha, size=size, timeout=120.0)
log.info("%s: %d bytes, SHA-256 %s", snakemake.output[0], size, sha)
