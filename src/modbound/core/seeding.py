"""Deterministic seed derivation.

Every random choice in the workflow takes its seed from the configuration's master ``seed``.
Sub-seeds are derived from the master seed and a path of names/indices with NumPy's
``SeedSequence`` (stable across platforms and Python versions, unlike ``hash()``).
"""

from __future__ import annotations

import os
import sys
import zlib
from collections.abc import Mapping

import numpy as np

__all__ = ["derive_seed", "derive_seeds", "CPU_CODE_PATHS", "cpu_code_path_env", "with_cpu_code_path",
           "restart_with_cpu_code_path", "runtime_info"]


def _key(part: int | str) -> int:
    if isinstance(part, (bool, np.bool_)):
        raise TypeError("seed path parts must be int or str, not bool")
    if isinstance(part, (int, np.integer)):
        if part < 0:
            raise ValueError(f"seed path parts must be non-negative, got {part}")
        return int(part)
    if isinstance(part, str):
        return zlib.crc32(part.encode("utf-8"))
    raise TypeError(f"seed path parts must be int or str, got {type(part).__name__}")


def derive_seed(master: int, *path: int | str) -> int:
    """A 31-bit integer seed derived from ``master`` and a path such as ``("pdm", "init", 3)``."""
    ss = np.random.SeedSequence([_key(master), *(_key(p) for p in path)])
    return int(ss.generate_state(1, dtype=np.uint32)[0] >> 1)


def derive_seeds(master: int, n: int, *path: int | str) -> list[int]:
    """``n`` distinct-stream seeds: ``derive_seed(master, *path, i)`` for i in range(n)."""
    return [derive_seed(master, *path, i) for i in range(n)]


# Code paths chosen by the CPU. torch picks its vectorised ATen kernels (ATEN_CPU_CAPABILITY) and MKL its
# BLAS branch (MKL_CBWR) from the CPU it runs on: on an AVX512 machine the trained networks differ from those of an
# AVX2 machine from the first rounding difference on. Config ``cpu_code_path`` fixes both for every job of the
# workflow (rules/common.smk sets them in the environment before any job starts): 'avx2' (default) is the same on
# every x86 CPU with AVX2 (x86 CPUs since 2013-2015); 'default' the scalar/SSE paths of any x86 CPU; 'native' leaves
# the CPU's own choice. numpy's OpenBLAS picks its kernels by CPU too (OPENBLAS_CORETYPE, left as the machine has it).
CPU_CODE_PATHS = {
    "avx2": {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "AVX2"},
    "default": {"ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE"},
    "native": {},
}


def cpu_code_path_env(name: str) -> dict[str, str]:
    """Environment variables that fix the CPU code path ``name`` (:data:`CPU_CODE_PATHS`)."""
    if name not in CPU_CODE_PATHS:
        raise ValueError(f"config cpu_code_path: {name!r} is not one of {sorted(CPU_CODE_PATHS)}")
    return dict(CPU_CODE_PATHS[name])


_CODE_PATH_VARIABLES = frozenset(k for path in CPU_CODE_PATHS.values() for k in path)


def with_cpu_code_path(name: str, environ: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``environ`` that fixes the CPU code path ``name``: its variables set, and for 'native' the
    variables of the other paths removed (so a value left in the shell cannot choose the path instead)."""
    wanted = cpu_code_path_env(name)
    env = {k: v for k, v in environ.items() if k not in _CODE_PATH_VARIABLES or k in wanted}
    env.update(wanted)
    return env


def restart_with_cpu_code_path(name: str) -> None:
    """For a command-line tool (the benchmarks): if this process's environment does not fix the CPU code path
    ``name``, start the same command again in one that does (torch and MKL read it when they load, so setting it
    later has no effect); otherwise return."""
    env = with_cpu_code_path(name, os.environ)
    if env != dict(os.environ):
        os.execve(sys.executable, [sys.executable, *sys.argv], env)


def runtime_info() -> dict[str, str | int | None]:
    """What the numbers of a run may depend on besides its config and seed: torch's CPU capability (the vectorised
    kernels it uses), the code-path variables, torch's and numpy's versions, the machine's architecture.
    Recorded in each ensemble's manifest and in results/claims.json (key ``run``)."""
    import platform

    import torch

    return {"torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "ATEN_CPU_CAPABILITY": os.environ.get("ATEN_CPU_CAPABILITY"), "MKL_CBWR": os.environ.get("MKL_CBWR"),
            "torch": torch.__version__, "numpy": np.__version__, "machine": platform.machine()}
