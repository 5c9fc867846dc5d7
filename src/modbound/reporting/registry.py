"""The figure registry (``workflow/figures.yaml``): which figures exist, what each reads and what it is passed.

The workflow derives from it ``rule all``, one plot rule per figure, the claims rule's inputs, the report
captions and the README figure table; :func:`readme_table` writes that table so a test can check the README.
A figure ``<id>`` is drawn by the module ``modbound.figures.<id>`` (``stats(data, **params)``,
``plot(data, stats)``), captioned by ``report/captions/<id>.rst``.
"""

from __future__ import annotations

import os
import re
import string
from pathlib import Path
from typing import Any, Mapping

import yaml

__all__ = ["REGISTRY_PATH", "load", "module_name", "caption_path", "outputs", "figure_inputs",
           "figure_params", "readme_table"]

REGISTRY_PATH = Path(__file__).resolve().parents[3] / "workflow" / "figures.yaml"
_ID = re.compile(r"^fig(S?\d+)(_[a-z]+)?$")
_KEYS = {"panels", "title", "inputs", "params"}


def load(path: str | os.PathLike = REGISTRY_PATH) -> dict[str, dict[str, Any]]:
    """The registry as ``{id: entry}`` in file order; ``ValueError`` naming the file and entry if malformed."""
    path = Path(path)
    try:
        reg = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise ValueError(f"{path}: not valid YAML ({err})") from None
    if not isinstance(reg, dict) or not reg:
        raise ValueError(f"{path}: expected a mapping of figure ids to entries")
    for fid, entry in reg.items():
        where = f"{path}: figure {fid!r}"
        if not isinstance(fid, str) or not _ID.match(fid):
            raise ValueError(f"{where}: id must look like fig1, figS12 or fig4_rnn")
        if not isinstance(entry, dict) or not {"panels", "title", "inputs"} <= set(entry) or set(entry) - _KEYS:
            raise ValueError(f"{where}: needs panels, title, inputs (and optional params), nothing else")
        if not isinstance(entry["inputs"], dict) or not entry["inputs"]:
            raise ValueError(f"{where}: inputs must be a non-empty mapping of names to files")
        entry.setdefault("params", {})
        if not isinstance(entry["params"], dict):
            raise ValueError(f"{where}: params must be a mapping")
    return reg


def module_name(fid: str) -> str:
    return f"modbound.figures.{fid}"


def caption_path(fid: str) -> str:
    return f"report/captions/{fid}.rst"


def outputs(fid: str, prefix: str = "results") -> dict[str, str]:
    return {"pdf": f"{prefix}/figures/{fid}.pdf", "png": f"{prefix}/figures/{fid}.png",
            "stats": f"{prefix}/stats/{fid}.json"}


def _ensembles(fid: str, config: Mapping[str, Any]) -> Any:
    return config.get("figure_ensembles", {}).get(fid)


def _fill(template: str, fid: str, config: Mapping[str, Any]) -> str:
    fields = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    if not fields:
        return template
    ens = _ensembles(fid, config)
    if ens is None:
        raise ValueError(f"config figure_ensembles.{fid} is not set, but the figure's registry entry uses {{ens}}")
    try:
        return template.format(ens=ens)
    except (KeyError, IndexError, AttributeError, TypeError) as err:
        raise ValueError(f"config figure_ensembles.{fid} = {ens!r} does not fit {template!r} ({err})") from None


def figure_inputs(fid: str, entry: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, str]:
    """The figure's input files, ``{ens}`` filled from config ``figure_ensembles``."""
    return {name: _fill(path, fid, config) for name, path in entry["inputs"].items()}


def _lookup(config: Mapping[str, Any], dotted: str, fid: str) -> Any:
    node: Any = config
    for key in dotted.split("."):
        if not isinstance(node, Mapping) or key not in node:
            raise ValueError(f"workflow/figures.yaml: figure {fid!r} asks for config.{dotted}, which is not set")
        node = node[key]
    return node


def figure_params(fid: str, entry: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments of the figure's ``stats()``: ``config.a.b`` looked up, ``{ens}`` filled, scale added."""
    out: dict[str, Any] = {"scale": config["scale"]}
    for name, value in entry["params"].items():
        if isinstance(value, str) and value.startswith("config."):
            value = _lookup(config, value[len("config."):], fid)
        elif isinstance(value, str):
            value = _fill(value, fid, config)
        out[name] = value
    return out


def readme_table(reg: Mapping[str, Mapping[str, Any]]) -> str:
    """The README's figure table (checked by a test, so it cannot drift from the registry)."""
    lines = ["| figure | target | what it shows | module |", "|---|---|---|---|"]
    for fid, entry in reg.items():
        lines.append(f"| {entry['panels']} | `results/figures/{fid}.pdf` | {entry['title']} "
                     f"| `src/modbound/figures/{fid}.py` |")
    return "\n".join(lines)
