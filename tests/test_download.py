"""Checked downloads (Allen files)."""
import pytest

from modbound.datasets import download
from modbound.core import io


def test_fetch_writes_verified_file(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"hello digits" * 100)
    dest = tmp_path / "out" / "file.gz"
    download.fetch(src.as_uri(), dest, io.sha256(src), size=src.stat().st_size, local=True)
    assert dest.read_bytes() == src.read_bytes()


def test_fetch_wrong_checksum_leaves_no_file(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"not mnist")
    dest = tmp_path / "out" / "train-images-idx3-ubyte.gz"
    with pytest.raises(ValueError, match="checksum mismatch") as err:
        download.fetch(src.as_uri(), dest, "0" * 64, local=True)
    assert str(dest) in str(err.value)
    assert not dest.exists() and list(dest.parent.iterdir()) == []   # no partial or temporary file


def test_fetch_wrong_size_and_failed_download_leave_no_file(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"12345")
    dest = tmp_path / "out" / "f.gz"
    with pytest.raises(ValueError, match="expected 6"):
        download.fetch(src.as_uri(), dest, io.sha256(src), size=6, local=True)
    with pytest.raises(OSError, match="download of .* failed"):
        download.fetch((tmp_path / "missing.gz").as_uri(), dest, io.sha256(src), local=True)
    assert list(dest.parent.iterdir()) == []


def test_fetch_checks_sha256_and_leaves_no_partial_file(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"voxel model" * 1000)
    good = io.verify_sha256(src, None)
    dest = tmp_path / "res" / "weights.csv.gz"
    assert download.fetch(src.as_uri(), dest, good, local=True) == good and dest.read_bytes() == src.read_bytes()
    dest2 = tmp_path / "res" / "nodes.csv.gz"
    with pytest.raises(ValueError, match=r"nodes\.csv\.gz: checksum mismatch"):
        download.fetch(src.as_uri(), dest2, "0" * 64, local=True)
    with pytest.raises(OSError, match=r"nodes\.csv\.gz: download .* failed"):
        download.fetch((tmp_path / "missing.bin").as_uri(), dest2, None, local=True)
    assert not dest2.exists()
    assert sorted(p.name for p in (tmp_path / "res").iterdir()) == ["weights.csv.gz"]   # no .part left
    with pytest.raises(ValueError, match="refusing"):
        download.fetch("ftp://example.org/x", dest2)
    with pytest.raises(ValueError, match="need an http or https URL"):   # a file URL only for a configured mirror
        download.fetch(src.as_uri(), dest2)

