"""Shared by the workflow-level tests: running Snakemake, and the tiny end-to-end run (configs/test.yaml) made
once per test session and reused by tests/test_workflow.py and tests/test_report.py."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def run_snakemake(*args, cwd=ROOT, check=True):
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run([*SNAKEMAKE, *args], cwd=cwd, capture_output=True, text=True, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def run_tiny(workdir: Path, *targets: str):
    return run_snakemake("--snakefile", str(ROOT / "Snakefile"), "--directory", str(workdir),
                         "--configfile", str(ROOT / "configs/test.yaml"), "--cores", "2", *targets)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """The whole workflow at test scale, once per test session."""
    workdir = tmp_path_factory.mktemp("tiny")
    run_tiny(workdir)
    return workdir


@pytest.fixture
def one_torch_thread():
    """One torch thread for the test (restored after): small problems are as fast on one, and immune to OpenMP
    stalls on a busy machine. A module uses it for every test with ``pytestmark = pytest.mark.usefixtures(...)``."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
