"""The library's layers: every import inside ``src/modbound`` points down (or sideways within a layer), and no
module, test, rule script or benchmark imports a private name (``_x``) of another modbound module.

The layers, lowest first: core < nulls < datasets < models < analyses < reporting < figures. Imports are read
with :mod:`ast` from every module, function-level imports included, so a lazy import inside a function counts
the same as one at the top of the file.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "modbound"
LAYERS = ("core", "nulls", "datasets", "models", "analyses", "reporting", "figures")
#: code outside the library that uses it: each file is checked for private-name imports
USERS = ("tests", "workflow/scripts", "benchmarks")


def module_name(path: Path, src: Path = SRC) -> str:
    """``src/modbound/core/io.py`` -> ``modbound.core.io``; a package's ``__init__.py`` -> the package."""
    parts = list(path.relative_to(src.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> int | None:
    """Rank of the layer of a ``modbound.*`` module; -1 for the package root itself; None outside modbound."""
    parts = module.split(".")
    if parts[0] != "modbound":
        return None
    if len(parts) == 1:
        return -1
    if parts[1] not in LAYERS:
        return -1  # a top-level helper module (none today) sits below every layer
    return LAYERS.index(parts[1])


def _resolve(node: ast.ImportFrom, current: str, is_package: bool) -> str:
    """The absolute module an ``ImportFrom`` reads from, relative imports resolved against ``current``."""
    if not node.level:
        return node.module or ""
    base = current.split(".") if is_package else current.split(".")[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(source: str, current: str = "", is_package: bool = False) -> list[tuple[int, str, str | None]]:
    """Every import in ``source`` as ``(line, module, name)``: ``name`` is the imported name of a
    ``from module import name`` (also a submodule, e.g. ``from modbound.core import io``), None for
    ``import module``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(node, current, is_package)
            found.extend((node.lineno, module, alias.name) for alias in node.names)
    return found


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def upward_imports(source: str, current: str, is_package: bool = False) -> list[str]:
    """Imports of ``current`` (a modbound module) that point to a higher layer than its own."""
    own = layer_of(current)
    bad = []
    for line, module, name in imports(source, current, is_package):
        targets = [module] if name is None or name == "*" else [module, f"{module}.{name}"]
        # ``from modbound import figures`` imports the figures layer: judge by the deepest target that is a layer
        ranks = [layer_of(t) for t in targets if layer_of(t) is not None]
        if ranks and max(ranks) > own:
            what = module if name is None else f"{module}.{name}"
            bad.append(f"line {line}: {current} ({LAYERS[own] if own >= 0 else 'root'}) imports {what} "
                       f"({LAYERS[max(ranks)]})")
    return bad


def private_imports(source: str, current: str = "", is_package: bool = False) -> list[str]:
    """Private names (``_x``) this file takes from another modbound module: ``from modbound.m import _x``,
    ``import modbound.m._private``, or ``m._x`` where ``m`` is a modbound module bound by an import."""
    tree = ast.parse(source)
    bad = []
    bound: dict[str, str] = {}  # local name -> modbound module it is bound to
    for line, module, name in imports(source, current, is_package):
        if not module.startswith("modbound"):
            continue
        if name is None:
            if any(_is_private(part) for part in module.split(".")):
                bad.append(f"line {line}: import {module}")
            continue
        if module == current:
            continue
        if _is_private(name) or any(_is_private(part) for part in module.split(".")):
            bad.append(f"line {line}: from {module} import {name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("modbound"):
                    bound[alias.asname or alias.name.split(".")[0]] = alias.asname and alias.name or "modbound"
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(node, current, is_package)
            if module.startswith("modbound"):
                for alias in node.names:
                    bound[alias.asname or alias.name] = f"{module}.{alias.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            chain = _dotted(node.value)
            if chain and chain[0] in bound:
                owner = ".".join([bound[chain[0]], *chain[1:]])
                if owner != current:
                    bad.append(f"line {node.lineno}: {'.'.join(chain)}.{node.attr} ({owner})")
    return bad


def _dotted(node: ast.expr) -> list[str] | None:
    """``a.b.c`` as ``["a", "b", "c"]``; None for anything but names and attributes."""
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return None if head is None else [*head, node.attr]
    return None


def _library() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _users() -> list[Path]:
    return sorted(p for d in USERS for p in (ROOT / d).rglob("*.py"))


# --- the checker itself: each rule fails on a file that breaks it ------------------------------------------------

def test_checker_finds_upward_imports_at_any_depth():
    src = "import numpy\nfrom modbound.core import io\n\ndef f():\n    from modbound.figures import fig1\n"
    assert upward_imports(src, "modbound.analyses.brain") == [
        "line 5: modbound.analyses.brain (analyses) imports modbound.figures.fig1 (figures)"]
    assert len(upward_imports("from modbound import reporting\n", "modbound.models.rnn")) == 1
    assert len(upward_imports("import modbound.analyses.brain as b\n", "modbound.nulls.spatial")) == 1
    assert len(upward_imports("from ..reporting import claims\n", "modbound.models.rnn")) == 1
    assert len(upward_imports("from . import spatial\n", "modbound.nulls", is_package=True)) == 0
    # downward and same-layer imports are fine
    assert upward_imports("from modbound.core import io\nfrom modbound.figures import fig2\n",
                          "modbound.figures.fig1") == []


def test_checker_finds_private_names():
    assert private_imports("from modbound.models.ensembles import _drop\n") == [
        "line 1: from modbound.models.ensembles import _drop"]
    assert len(private_imports("from modbound.core import modularity as m\nm._best(1)\n")) == 1
    assert len(private_imports("import modbound.core.modularity\nmodbound.core.modularity._x\n")) == 1
    assert len(private_imports("import modbound.core.io as io\nio._tmp()\n")) == 1
    assert len(private_imports("def f():\n    from modbound.core.stats import _p\n")) == 1
    # public names, dunder names, private aliases and a module's own private names are fine
    assert private_imports("from modbound.core import stats as _st\nfrom modbound import __version__\n") == []
    assert private_imports("from modbound.core.io import _tmp\n", current="modbound.core.io") == []
    assert private_imports("import numpy as np\nnp._NoValue\n") == []


# --- the tree ----------------------------------------------------------------------------------------------------

def test_every_layer_is_a_package():
    for layer in LAYERS:
        assert (SRC / layer / "__init__.py").is_file(), layer
    stray = [p.name for p in SRC.glob("*.py") if p.name != "__init__.py"]
    assert not stray, f"modules outside the layers: {stray}"


@pytest.mark.parametrize("path", _library(), ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_down_the_layers(path):
    name = module_name(path)
    assert upward_imports(path.read_text(), name, path.name == "__init__.py") == []


@pytest.mark.parametrize("path", _library() + _users(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_name_from_another_module(path):
    name = module_name(path) if SRC in path.parents else f"<{path.relative_to(ROOT)}>"
    assert private_imports(path.read_text(), name, path.name == "__init__.py") == []


# --- code that points to things that exist ---------------------------------------------------------------------

def _code_files() -> list[Path]:
    """Every file of code: the library, tests, scripts, benchmarks, rules and the Snakefile."""
    return (_library() + _users() + sorted((ROOT / "rules").glob("*.smk")) + [ROOT / "Snakefile"]
            + [ROOT / "config.yaml"] + sorted((ROOT / "configs").glob("*.yaml")))


def issue_references(text: str) -> list[str]:
    """Mentions of a tracker issue by number (the word, then a number): code says what it does, not its history."""
    import re

    return re.findall(r"\bissues? #?\d+", text, flags=re.IGNORECASE)


def test_issue_reference_checker():
    # the examples are split in two literals so that this file does not match itself
    assert issue_references("# the robustness matrix (iss" "ue 12)\n") == ["iss" "ue 12"]
    assert issue_references('"""Iss' 'ue #16: bad input"""') == ["Iss" "ue #16"]
    assert issue_references("warnings are issued 3 times; an issue with 2 seeds") == []


@pytest.mark.parametrize("path", _code_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_issue_numbers_in_code_or_test_names(path):
    assert issue_references(path.name) == []
    assert issue_references(path.read_text()) == []


@pytest.mark.parametrize("path", sorted((ROOT / "rules").glob("*.smk")) + [ROOT / "Snakefile"],
                         ids=lambda p: p.name)
def test_rule_files_named_in_rules_exist(path):
    import re

    named = set(re.findall(r"rules/([\w.-]+\.smk)", path.read_text()))
    assert not [n for n in named if not (ROOT / "rules" / n).is_file()], path
