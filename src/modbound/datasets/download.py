"""Checked downloads: one downloader and one checksum test for every fetched or pinned file.

:func:`fetch` serves the Allen voxel-model files (rule ``brain_fetch_allen``). A file already on disk is checked
against its pinned SHA-256 with :func:`modbound.core.io.verify_sha256` (HCP files, vendored data, checkpoints).
"""

from __future__ import annotations

import logging
import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path

from modbound.core import io

__all__ = ["fetch"]

log = logging.getLogger("modbound.datasets.download")

_SCHEMES = ("http://", "https://")
_LOCAL = "file://"   # a local mirror (config brain.mouse.allen.mirror): only with fetch(..., local=True)


def fetch(url: str, dest: str | os.PathLike, sha256: str | None = None, *, size: int | None = None,
          timeout: float = 60.0, local: bool = False) -> str:
    """Download ``url`` to ``dest`` atomically, check its size and SHA-256; return the digest.

    The bytes go to a temporary file next to ``dest`` that is renamed into place only when the
    checks pass, so a failed or corrupted download never leaves a (partial) ``dest``. Raises
    ``OSError`` (download failed) or ``ValueError`` (URL not http(s) -- a ``file://`` URL only with
    ``local=True``, for an explicitly configured local mirror -- wrong size or checksum),
    each naming the URL and the destination. Without ``sha256`` the digest is logged as a warning
    (pin it to make the download verifiable). No credentials are sent.
    """
    if not (url.startswith(_SCHEMES) or (local and url.startswith(_LOCAL))):
        need = "an http, https or (local mirror) file URL" if local else "an http or https URL"
        raise ValueError(f"{dest}: refusing to download from {url!r} (need {need})")
    dest = Path(dest)
    with io.atomic_path(dest, suffix=".part") as tmp:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp, open(tmp, "wb") as fh:
                shutil.copyfileobj(resp, fh, 1 << 20)
        except (urllib.error.URLError, OSError) as err:
            pinned = f" (SHA-256 {sha256})" if sha256 else ""
            raise OSError(f"{dest}: download of {url} failed ({err}); nothing was written. Check the "
                          f"network, or place the file at {dest} yourself{pinned}.") from None
        got_size = tmp.stat().st_size
        if size is not None and got_size != size:
            raise ValueError(f"{dest}: {url} gave {got_size} bytes, expected {size}; nothing was written")
        got = io.sha256(tmp)
        if sha256 and got.lower() != sha256.lower():
            raise ValueError(f"{dest}: checksum mismatch for the file downloaded from {url} "
                             f"(sha256 {got}, expected {sha256}); nothing was written")
        if not sha256:
            log.warning("%s: no sha256 configured; the downloaded file has sha256 %s -- pin it in the "
                        "config to make the download verifiable", dest.name, got)
    return got
