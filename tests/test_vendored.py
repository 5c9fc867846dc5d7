"""The vendored real data: every file listed in data/SHA256SUMS is present and matches; a changed copy is refused."""
import shutil
from pathlib import Path

import pytest

from modbound.datasets import vendored

DATA = Path(__file__).resolve().parents[1] / "data"


def test_every_vendored_file_matches_its_checksum():
    names = vendored.manifest(DATA)
    assert len(names) >= 30
    for rel in names:
        assert vendored.verified(DATA, rel).is_file()


def test_every_data_file_is_listed_with_provenance_and_licences():
    listed = set(vendored.manifest(DATA))
    on_disk = {str(p.relative_to(DATA)) for p in DATA.rglob("*") if p.is_file()}
    assert on_disk - listed == {"SHA256SUMS", "PROVENANCE.md"}
    for folder in ("allen", "enigma", "gozzi", "mnist"):
        assert any("LICENSE" in name for name in listed if name.startswith(folder + "/")), folder


@pytest.mark.parametrize("damage", ["truncate", "change", "remove", "unlisted"])
def test_a_damaged_copy_stops_naming_the_file(tmp_path, damage):
    root = tmp_path / "data"
    shutil.copytree(DATA / "gozzi", root / "gozzi")
    shutil.copy(DATA / "SHA256SUMS", root / "SHA256SUMS")
    rel = "gozzi/parcellation_N53.csv"
    target = root / rel
    if damage == "truncate":
        target.write_bytes(target.read_bytes()[:100])
    elif damage == "change":
        b = bytearray(target.read_bytes()); b[10] ^= 1; target.write_bytes(bytes(b))
    elif damage == "remove":
        target.unlink()
    else:
        rel = "gozzi/extra.csv"; (root / rel).write_text("x")
    with pytest.raises(ValueError, match=rel.split("/")[-1]):
        vendored.verified(root, rel)
