"""Workflow-level tests: schema validation, lint, dry-runs, and a tiny end-to-end run."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def run_snakemake(*args, cwd=ROOT, check=True):
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run([*SNAKEMAKE, *args], cwd=cwd, capture_output=True, text=True, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.mark.parametrize("configfile", ["config.yaml", "configs/test.yaml", "configs/paper.yaml"])
def test_dry_run_plans_every_figure(configfile, tmp_path):
    proc = run_snakemake("-n", "--quiet", "rules", "--configfile", configfile, "--directory", str(ROOT))
    out = proc.stdout + proc.stderr
    for rule in ("train_ensemble", "claims"):
        assert rule in out, out


def test_lint_is_clean():
    proc = run_snakemake("--lint", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _bad_config(tmp_path, mutate):
    cfg = yaml.safe_load((ROOT / "configs/test.yaml").read_text())
    mutate(cfg)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.mark.parametrize(
    "mutate,needle",
    [
        (lambda c: c["rnn"].__setitem__("lr", -1), "lr"),
        (lambda c: c["ensembles"]["pdm"].__setitem__("task", "foo"), "task"),
        (lambda c: c["analysis"].__setitem__("n_perm", "many"), "n_perm"),
        (lambda c: c.__setitem__("typo_key", 1), "typo_key"),
    ],
)
def test_bad_config_value_fails_naming_the_key(tmp_path, mutate, needle):
    path = _bad_config(tmp_path, mutate)
    proc = run_snakemake("-n", "--configfile", str(path), check=False)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "validating config" in out.lower() or "ValidationError" in out, out
    assert needle in out, out
