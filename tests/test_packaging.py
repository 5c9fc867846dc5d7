"""The lock file, the conda env and the package metadata agree."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        name, _, version = line.partition("==")
        assert version, f"requirements.lock: '{line}' is not an exact pin"
        pins[name.lower().replace("_", "-")] = version
    return pins


def test_every_lock_line_is_an_exact_pin_and_torch_is_the_cpu_release():
    pins = _lock()
    assert pins["torch"] == "2.13.0"
    assert pins["neurogym"] == "2.3.1"
    assert pins["numpy"].startswith("2.2.")
    assert re.fullmatch(r"9\.\d+\.\d+", pins["snakemake"])


def test_conda_env_has_the_same_pins_as_the_lock():
    env = yaml.safe_load((ROOT / "envs/modbound.yaml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    env_pins = {}
    for item in pip:
        if item.startswith("-"):
            continue
        name, _, version = item.partition("==")
        env_pins[name.lower().replace("_", "-")] = version
    assert env_pins == _lock()


def test_declared_dependencies_are_locked():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    pins = _lock()
    for dep in deps:
        name = re.split(r"[<>=!~ \[;]", dep, maxsplit=1)[0].lower().replace("_", "-")
        assert name in pins, f"pyproject dependency {dep!r} missing from requirements.lock"
