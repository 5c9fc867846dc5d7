"""The tiny workflow run for real through the SLURM profile (profiles/slurm).

Needs a running SLURM cluster (`.ci/slurm-up.sh` starts a single-node one; `make test-slurm` does both).
Skipped when no cluster answers, unless MODBOUND_REQUIRE_SLURM=1 (set by `make test-slurm`), where a
missing cluster is a failure.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _cluster_up() -> bool:
    if shutil.which("sinfo") is None:
        return False
    proc = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True)
    return proc.returncode == 0 and any(s in proc.stdout for s in ("idle", "mixed", "alloc"))


pytestmark = [pytest.mark.slow, pytest.mark.slurm]


@pytest.fixture(scope="module")
def cluster():
    if not _cluster_up():
        if os.environ.get("MODBOUND_REQUIRE_SLURM") == "1":
            pytest.fail("MODBOUND_REQUIRE_SLURM=1 but no SLURM cluster answers (run .ci/slurm-up.sh)")
        pytest.skip("no SLURM cluster (start one with .ci/slurm-up.sh)")
    partition = subprocess.run(["sinfo", "-h", "-o", "%R"], capture_output=True, text=True).stdout.split()[0]
    return partition


def test_tiny_workflow_through_slurm_profile(cluster, tmp_path):
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"), "--directory", str(tmp_path),
           "--configfile", str(ROOT / "configs/test.yaml"), "--profile", str(ROOT / "profiles/slurm"),
           "--default-resources", f"slurm_partition={cluster}", "mem_mb=1000", "runtime=30",
           "--slurm-no-account", "--slurm-status-command", "squeue",
           "--slurm-init-seconds-before-status-checks", "2", "--jobs", "4"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    # every job went through sbatch (the plugin reports each submission with its SLURM job id)
    out = proc.stdout + proc.stderr
    submitted = out.count("submitted with SLURM jobid")
    stats = sorted((tmp_path / "results/stats").glob("*.json"))
    assert stats and submitted >= len(stats) + 1, out[-3000:]
    for p in stats:
        assert (tmp_path / "results/figures" / f"{p.stem}.png").stat().st_size > 10_000
        assert json.loads(p.read_text())["scale"] == "test"
    assert (tmp_path / "results/claims.md").exists()
