"""Variants: the whole analysis again under another reading of the paper's unstated modelling choices.

config ``variants`` maps a name to ``{figures: [...], config: {...}}``: ``config`` is an overlay deep-merged
over the main config (:func:`modbound.core.io.merge_config`: mappings key by key, lists and values replaced whole),
``figures`` the figure ids it is run for (``[]``: defined but not run). The workflow loads itself again as a
Snakemake module per variant, with results/ moved to ``results/variants/<name>/`` (rules/variants.smk).

:func:`resolve` builds each variant's config and validates it against the same schema as the main config,
so a bad overlay stops the run at start-up with an error naming the variant and the key.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterable, Mapping

from modbound.core.io import merge_config

__all__ = ["FORBIDDEN_OVERLAY_KEYS", "variant_config", "resolve", "rerun_config", "check_relations", "validator",
           "check_schema", "check_run_name"]

# A variant changes modelling choices of one run; replicates and variants are not nested.
FORBIDDEN_OVERLAY_KEYS = ("variants", "replicates")


def rerun_config(config: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    """``config`` with ``changes`` and no nested reruns (no replicate seeds, no variants run)."""
    return {**config, **changes, "replicates": {"seeds": []}, "variants": {}}


def _schema(schema: Mapping[str, Any] | str | os.PathLike) -> Mapping[str, Any]:
    if isinstance(schema, Mapping):
        return schema
    import yaml

    return yaml.safe_load(Path(schema).read_text())


def _key(path: Iterable[Any]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def validator(schema: Mapping[str, Any] | str | os.PathLike):
    """A JSON-schema (2020-12) validator of ``schema`` whose ``pattern`` must match the whole string: Python's
    ``re.search`` lets ``^name$`` match ``"name\\n"`` (``$`` matches before a final newline), and such a name
    would become a path (``results/variants/vv\\n/``)."""
    import jsonschema

    base = jsonschema.Draft202012Validator

    def full_pattern(v, pattern, instance, schema_):
        if v.is_type(instance, "string") and not re.fullmatch(pattern, instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r} (as a whole)")

    return jsonschema.validators.extend(base, {"pattern": full_pattern})(_schema(schema))


def check_schema(config: Mapping[str, Any], schema: Mapping[str, Any] | str | os.PathLike,
                 where: str = "config") -> None:
    """``config`` against ``schema`` with :func:`validator` (patterns matched in full); ``ValueError`` listing
    each error as ``<where>.<key>: <problem>``."""
    errors = sorted(validator(schema).iter_errors(config), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if errors:
        lines = [f"{where}.{_key(e.absolute_path)}: {e.message}".replace(f"{where}.:", f"{where}:")
                 for e in errors]
        raise ValueError("invalid config (checked against the config schema):\n  " + "\n  ".join(lines))


# Names of runs in the robustness matrix besides the variants: the main run and each replicate seed (seed<k>).
_RESERVED_RUN_NAME = re.compile(r"main|seed\d+")


def check_run_name(name: str) -> None:
    """A variant's name must not be a name the robustness matrix gives another run ('main', 'seed<k>'): the
    variant's verdicts would overwrite that run's."""
    if _RESERVED_RUN_NAME.fullmatch(str(name)):
        raise ValueError(f"config variants.{name}: the name {name!r} is reserved for the main run ('main') and the "
                         "replicate seeds ('seed<k>'); choose another name")


def variant_config(name: str, overlay: Mapping[str, Any], config: Mapping[str, Any],
                   schema: Mapping[str, Any] | str | os.PathLike) -> dict[str, Any]:
    """The config of variant ``name``: ``overlay`` merged over ``config``, validated against ``schema``.

    Raises ValueError naming ``config variants.<name>.config.<key>`` and the problem when the overlay
    sets a forbidden key (:data:`FORBIDDEN_OVERLAY_KEYS`), an unknown key or a bad value.
    """
    where = f"config variants.{name}.config"
    if not isinstance(overlay, Mapping):
        raise ValueError(f"{where}: must be a mapping of config keys to values, got {overlay!r}")
    if "cpu_code_path" in overlay:
        raise ValueError(f"{where}.cpu_code_path: a variant cannot set it (one setting of the environment for every "
                         "job of the run)")
    for key in FORBIDDEN_OVERLAY_KEYS:
        if key in overlay:
            raise ValueError(f"{where}.{key}: a variant cannot set '{key}' (replicate seeds and variants "
                             f"are set in the main config only)")
    merged = rerun_config(merge_config(config, overlay))
    errors = sorted(validator(schema).iter_errors(merged), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if errors:
        lines = [f"{where}.{_key(e.absolute_path)}: {e.message}".replace(f"{where}.:", f"{where}:")
                 for e in errors]
        raise ValueError("invalid variant overlay (checked against the config schema):\n  " + "\n  ".join(lines))
    check_relations(merged, where)
    return merged


def check_relations(config: Mapping[str, Any], where: str = "config") -> None:
    """Relations between config keys that the schema cannot express; ValueError naming ``where``.``key``."""
    analysis = config.get("analysis") or {}
    acc = analysis.get("accuracy_trials")
    if acc is not None and acc < analysis["n_trials"]:
        raise ValueError(f"{where}.analysis.accuracy_trials: {acc} is fewer than analysis.n_trials "
                         f"({analysis['n_trials']}); the accuracy is judged on the recorded trials and more")


def resolve(config: Mapping[str, Any], schema: Mapping[str, Any] | str | os.PathLike,
            figures: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The variants to run: ``{name: {"figures": [...], "config": merged}}`` for every entry of config
    ``variants`` whose ``figures`` is not empty, each config checked by :func:`variant_config`. Every
    entry, run or not, is checked, and its figures must be ids of the figure registry (``figures``)."""
    known = list(figures)
    out = {}
    for name, spec in (config.get("variants") or {}).items():
        check_run_name(name)
        unknown = [f for f in spec["figures"] if f not in known]
        if unknown:
            raise ValueError(f"config variants.{name}.figures: unknown figure(s) {unknown} "
                             f"(the figure registry has {known})")
        merged = variant_config(name, spec.get("config") or {}, config, schema)
        if spec["figures"]:
            out[name] = {"figures": list(spec["figures"]), "config": merged}
    return out
