"""The real data vendored in the repository (``data/``), each file checked against ``data/SHA256SUMS`` on use.

``data/PROVENANCE.md`` says where every file comes from (repository and commit), its format, units and terms;
the licence files lie beside the data. A file that is missing, not listed, or whose SHA-256 differs from the
manifest (changed, truncated) stops the caller with an error naming it: nothing is downloaded.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from modbound.core.io import verify_sha256

MANIFEST = "SHA256SUMS"


@lru_cache(maxsize=8)
def _manifest(root: str) -> dict[str, str]:
    path = Path(root) / MANIFEST
    if not path.is_file():
        raise ValueError(f"{path}: the vendored data's checksum manifest is missing")
    out: dict[str, str] = {}
    for i, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"{path}:{i}: expected '<sha256>  <relative path>', got {line!r}")
        out[name.strip()] = digest
    return out


def manifest(root: str | os.PathLike) -> dict[str, str]:
    """Relative path -> SHA-256 of every vendored file under ``root`` (the ``data/`` folder)."""
    return dict(_manifest(str(Path(root).resolve())))


_VERIFIED: dict[tuple[str, float, int], str] = {}


def clear_cache() -> None:
    """Forget the manifests read and the files verified in this process (after a manifest or file was changed)."""
    _manifest.cache_clear()
    _VERIFIED.clear()


def verified(root: str | os.PathLike, relpath: str) -> Path:
    """``root/relpath`` after checking its SHA-256 against the manifest (checked once per process and file
    state). Raises ``ValueError`` naming the file when it is missing, unlisted or differs."""
    root = Path(root).resolve()
    expected = _manifest(str(root)).get(relpath)
    path = root / relpath
    if expected is None:
        raise ValueError(f"{path}: not listed in {root / MANIFEST}; vendored data must carry a checksum")
    if not path.is_file():
        raise ValueError(f"{path}: vendored data file is missing (listed in {root / MANIFEST})")
    st = path.stat()
    key = (str(path), st.st_mtime, st.st_size)
    if _VERIFIED.get(key) != expected:
        verify_sha256(path, expected, f"the value in {root / MANIFEST}: changed or truncated, restore it with "
                      "git checkout")
        _VERIFIED[key] = expected
    return path
