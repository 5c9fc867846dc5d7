"""Small I/O helpers shared by the workflow scripts: atomic writes, JSON, logging.

Writes go to a temporary file in the destination folder and are renamed into place, so a
failing step never leaves a partial output behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import glob
import os
import sys
import zipfile
import zlib
import tempfile
from pathlib import Path
from typing import Any, Iterator, Mapping

import numpy as np

__all__ = [
    "atomic_path",
    "temp_files",
    "load_npy",
    "check_finite_numbers",
    "check_inside",
    "write_json",
    "read_json",
    "save_npz",
    "load_npz",
    "sha256",
    "setup_logging",
    "to_jsonable",
    "merge_config",
    "load_config",
    "missing_configfiles",
]


_TMP_TAG = ".tmp-"   # temporary files are named .<name>.tmp-XXXXXXXX<suffix>, next to <name>


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def temp_files(path: str | os.PathLike) -> list[Path]:
    """Temporary files that :func:`atomic_path` left next to ``path`` (after a SIGKILL, say)."""
    path = Path(path)
    if not path.parent.is_dir():
        return []
    return sorted(path.parent.glob(f".{glob.escape(path.name)}{_TMP_TAG}*"))


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` only on success.

    Temporary files that an earlier, killed writer of the same ``path`` left behind are removed first
    (a later run never leaves orphans). The result gets the permissions a plain write would give it
    (0666 minus the umask), not mkstemp's private 0600.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in temp_files(path):
        stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}{_TMP_TAG}", suffix=suffix if suffix is not None else path.suffix
    )
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def to_jsonable(obj: Any) -> Any:
    """Convert NumPy scalars/arrays (recursively) into plain JSON types; NaN becomes None."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return None if not np.isfinite(value) else value
    if isinstance(obj, Path):
        return str(obj)
    return obj


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write ``obj`` as sorted, indented JSON (byte-identical for identical content)."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(to_jsonable(obj), indent=2, sort_keys=True, allow_nan=False) + "\n")


def read_json(path: str | os.PathLike) -> Any:
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: file not found") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not valid JSON ({err})") from None


def save_npz(path: str | os.PathLike, **arrays: np.ndarray) -> None:
    """Save arrays to a compressed ``.npz`` atomically (no pickled objects allowed)."""
    for name, arr in arrays.items():
        if np.asarray(arr).dtype == object:
            raise TypeError(f"save_npz: array {name!r} has dtype object (would need pickle)")
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez_compressed(tmp, **arrays)


def _numeric(arr: np.ndarray, path, what: str) -> np.ndarray:
    kind = arr.dtype.kind
    if kind not in "iuf":
        raise ValueError(f"{path}: {what} is not a numeric array (dtype {arr.dtype}); store real numbers")
    return arr


def load_npz(path: str | os.PathLike, required: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """Load an ``.npz`` without pickle; check that ``required`` arrays are present.

    A missing, truncated, corrupted (bad CRC) or non-``.npz`` file, or one holding object arrays,
    raises an error that names the file (never a bare ``BadZipFile``)."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            if not isinstance(data, np.lib.npyio.NpzFile):
                raise ValueError("a single array, not an archive")
            out = {k: data[k] for k in data.files}
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: file not found") from None
    except (zipfile.BadZipFile, zlib.error) as err:
        raise ValueError(f"{path}: corrupted or truncated .npz archive ({err}); delete it and rerun the "
                         "rule that makes it") from None
    except (OSError, ValueError, EOFError, KeyError, AttributeError) as err:
        if "pickle" in str(err) or "Object arrays" in str(err):
            err = "it holds objects, not numeric arrays"
        raise ValueError(f"{path}: cannot read as an .npz archive of numeric arrays ({err})") from None
    missing = [k for k in required if k not in out]
    if missing:
        raise ValueError(f"{path}: missing arrays {missing} (has {sorted(out)})")
    return out


def load_npy(path: str | os.PathLike, what: str = "array", mmap_mode: str | None = None) -> np.ndarray:
    """One numeric ``.npy`` array (never unpickled); ``ValueError`` naming the file if it is not one
    (a text file, an object or string array, a truncated file)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: file not found ({what})")
    try:
        arr = np.load(path, mmap_mode=mmap_mode, allow_pickle=False)
    except (OSError, ValueError, EOFError) as err:
        reason = "not a .npy file" if "pickle" in str(err) or "Object arrays" in str(err) else str(err)
        raise ValueError(f"{path}: {what} is not a numeric .npy array ({reason})") from None
    if not isinstance(arr, np.ndarray):
        raise ValueError(f"{path}: {what} is not a numeric .npy array (an .npz archive?)")
    return _numeric(arr, path, what)


def sha256(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def verify_sha256(path: str | os.PathLike, expected: str | None, hint: str = "") -> str:
    """SHA-256 of ``path``; ``ValueError`` naming the file if it differs from ``expected``.

    The one checksum test of the library (vendored data, pinned downloads, checkpoints). ``expected`` is compared
    case-insensitively; ``None`` or ``""`` only computes the digest. ``hint`` (e.g. what to do about it) is appended
    to the error message.
    """
    got = sha256(path)
    if expected and got.lower() != expected.lower():
        raise ValueError(f"{path}: checksum mismatch (sha256 {got}, expected {expected})"
                         + (f"; {hint}" if hint else ""))
    return got


def setup_logging(log_path: str | os.PathLike | None = None, level: int = logging.INFO) -> logging.Logger:
    """Log to ``log_path`` (the rule's ``log:`` file) and stderr; return the 'modbound' logger."""
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_path, mode="w"))
    logging.basicConfig(
        level=level, format="%(asctime)s %(name)s %(levelname)s: %(message)s", handlers=handlers, force=True
    )
    logging.captureWarnings(True)
    for noisy in ("fontTools", "matplotlib", "numba", "PIL"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logger = logging.getLogger("modbound")

    def log_uncaught(exc_type, exc, tb):  # the error, with its message, lands in the rule's log
        logger.error("%s: %s", exc_type.__name__, exc, exc_info=(exc_type, exc, tb))

    sys.excepthook = log_uncaught
    return logger


def merge_config(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` applied over ``base`` key by key, recursively into mappings (lists and values are
    replaced whole), as Snakemake merges ``--configfile`` files over the Snakefile's ``configfile``."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge_config(out[key], value)
        else:
            out[key] = value
    return out


def load_config(*paths: str | os.PathLike) -> dict[str, Any]:
    """Config files merged in order (:func:`merge_config`); an error names the file that is not valid YAML."""
    import yaml

    merged: dict[str, Any] = {}
    for path in paths:
        try:
            data = yaml.safe_load(Path(path).read_text())
        except yaml.YAMLError as err:
            raise ValueError(f"{path}: not valid YAML ({err})") from None
        if not isinstance(data, Mapping):
            raise ValueError(f"{path}: a config file must be a mapping of keys to values")
        check_finite_numbers(data, str(path))
        merged = merge_config(merged, data)
    return merged


def check_inside(path: str | os.PathLike, what: str) -> Path:
    """``path`` if it is relative and stays inside the work tree (checked on the path's text, so a
    ``results/`` that is a symbolic link to scratch space is fine); else ``ValueError`` naming ``what``
    (the config key it was built from)."""
    norm = os.path.normpath(path)
    if os.path.isabs(norm) or norm == os.pardir or norm.startswith(os.pardir + os.sep):
        raise ValueError(f"{what}: the path {str(path)!r} leaves the work tree; use a plain name")
    return Path(path)


def check_finite_numbers(obj: Any, where: str = "config", key: str = "") -> None:
    """``ValueError`` naming ``where`` and the key if any number in a nested config is NaN or infinite
    (JSON schema's ranges let NaN through: every comparison with NaN is false)."""
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            check_finite_numbers(v, where, f"{key}.{k}" if key else str(k))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            check_finite_numbers(v, where, f"{key}[{i}]")
    elif isinstance(obj, float) and not np.isfinite(obj):
        raise ValueError(f"{where}: {key or 'value'} = {obj}: not a finite number")


def missing_configfiles(args: list[str]) -> list[str]:
    """The files named after ``--configfile`` (or ``--configfiles``) in Snakemake arguments ``args`` that are not
    files. Snakemake reads them before the workflow starts and ends in a traceback on a missing one; ``make``
    checks first (``python -m modbound.core.io check-configfiles ARGS``, one line naming each file)."""
    out, in_files = [], False
    for a in args:
        if a.startswith("-"):
            in_files = a in ("--configfile", "--configfiles")
            if "=" in a and a.split("=", 1)[0] in ("--configfile", "--configfiles"):
                out += [f for f in [a.split("=", 1)[1]] if not Path(f).is_file()]
        elif in_files and not Path(a).is_file():
            out.append(a)
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m modbound.core.io check-configfiles ARGS...``: exit 2 with one line per missing ``--configfile``."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] != ["check-configfiles"]:
        print("usage: python -m modbound.core.io check-configfiles SNAKEMAKE_ARGS...", file=sys.stderr)
        return 2
    missing = missing_configfiles(argv[1:])
    for f in missing:
        print(f"--configfile {f}: no such file", file=sys.stderr)
    return 2 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
