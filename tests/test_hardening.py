"""Issue 16: bad or hostile input stops naming the file (or config key) and the problem, writes nothing outside
the work tree and nothing half-written; outputs get the user's permissions; no orphan temp files."""
import json
import os
import stat
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from modbound import io


# ---- io: permissions, orphan temp files, corrupted archives -----------------------------------

@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_outputs_get_the_umask_permissions_of_a_plain_write(tmp_path, umask):
    old = os.umask(umask)
    try:
        plain = tmp_path / "plain.txt"
        plain.write_text("x")
        io.write_json(tmp_path / "a.json", {"a": 1})
        io.save_npz(tmp_path / "b.npz", x=np.arange(3))
    finally:
        os.umask(old)
    want = stat.S_IMODE(plain.stat().st_mode)
    assert want == 0o666 & ~umask
    for name in ("a.json", "b.npz"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == want, name


def test_killed_writer_leaves_a_temp_file_that_the_next_write_removes(tmp_path):
    target = tmp_path / "fig1.pdf"
    code = ("import os, signal, sys; from modbound import io\n"
            f"with io.atomic_path({str(target)!r}) as tmp:\n"
            "    tmp.write_text('half'); os.kill(os.getpid(), signal.SIGKILL)\n")
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert proc.returncode == -9
    orphans = io.temp_files(target)
    assert len(orphans) == 1 and not target.exists()
    other = tmp_path / "fig10.pdf"           # another target's temp files are not touched
    with io.atomic_path(other) as tmp:
        tmp.write_text("other")
    assert io.temp_files(target) == orphans
    with io.atomic_path(target) as tmp:
        tmp.write_text("whole")
    assert io.temp_files(target) == [] and target.read_text() == "whole"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig1.pdf", "fig10.pdf"]


def _npz(tmp_path):
    p = tmp_path / "activity.npz"
    io.save_npz(p, hidden=np.random.default_rng(0).normal(size=(50, 50)))
    return p


def test_truncated_npz_names_the_file(tmp_path):
    p = _npz(tmp_path)
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    with pytest.raises(ValueError, match=r"activity\.npz: corrupted or truncated"):
        io.load_npz(p)


def test_bit_flipped_npz_names_the_file(tmp_path):
    p = _npz(tmp_path)
    with zipfile.ZipFile(p) as z:
        info = z.infolist()[0]
    raw = bytearray(p.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    raw[start + info.compress_size // 2] ^= 0xFF
    p.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"activity\.npz: corrupted or truncated") as err:
        io.load_npz(p)
    assert "allow_pickle" not in str(err.value)


def test_activity_loader_names_a_corrupted_file(tmp_path):
    from modbound import ensembles

    p = _npz(tmp_path)
    p.write_bytes(p.read_bytes()[:100])
    with pytest.raises(ValueError, match=r"activity\.npz: corrupted or truncated"):
        ensembles.load_activity(p)


@pytest.mark.parametrize("content", ["text", "object", "string", "npz"])
def test_npy_that_is_not_a_numeric_array_is_refused_naming_the_file(tmp_path, content):
    p = tmp_path / "mouse1.npy"
    if content == "text":
        p.write_text("1,2,3\n4,5,6\n")
    elif content == "object":
        np.save(p, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    elif content == "string":
        np.save(p, np.array([["a", "b"], ["c", "d"]]))
    else:
        with open(p, "wb") as fh:
            np.savez(fh, x=np.arange(3))
    with pytest.raises(ValueError, match=r"mouse1\.npy: rs-fMRI is not a numeric") as err:
        io.load_npy(p, "rs-fMRI")
    assert "allow_pickle" not in str(err.value)


def test_object_npz_is_refused_without_suggesting_pickle(tmp_path):
    p = tmp_path / "x.npz"
    np.savez(p, x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match=r"x\.npz: .*numeric") as err:
        io.load_npz(p)
    assert "allow_pickle" not in str(err.value)


def test_config_yaml_syntax_error_and_nan_name_the_file(tmp_path):
    bad = tmp_path / "mine.yaml"
    bad.write_text("analysis: {gamma: [1, \n")
    with pytest.raises(ValueError, match=r"mine\.yaml: not valid YAML"):
        io.load_config(bad)
    bad.write_text("analysis:\n  gamma: .nan\n")
    with pytest.raises(ValueError, match=r"mine\.yaml: analysis\.gamma = nan: not a finite number"):
        io.load_config(bad)
    bad.write_text("dynamics:\n  inputs: {pdm: [1.0, .inf, 0.5]}\n")
    with pytest.raises(ValueError, match=r"dynamics\.inputs\.pdm\[1\] = inf"):
        io.load_config(bad)
