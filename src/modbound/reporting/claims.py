"""Claims the paper makes, checked against what the workflow computed.

Every figure's stats JSON carries a ``claims`` list built with :func:`claim`; the ``claims``
rule gathers them into ``results/claims.md`` and ``results/claims.json`` with :func:`collect`
and :func:`to_markdown`. With replicate seeds (config ``replicates.seeds``), :func:`spread`
summarises each claim across the seeds.

The paper's own claims are listed in ``workflow/paper_claims.yaml`` (:func:`load_paper_claims`); each
claim row names the paper claim it tests (``paper=``), a claim that cannot be tested here is a row built
with :func:`untested`, and :func:`coverage` counts the paper's claims tested, partly tested and untested,
on the paper's kind of inputs and on substitutes (generated data, stand-in models).
With replicate seeds or variants (config ``variants``), :func:`robustness` lays out each claim's verdict
in every run (the robustness matrix) and :func:`robustness_markdown` writes it as a section of
``results/claims.md``.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import yaml

from modbound.core import stats as _st

__all__ = ["claim", "t_claim", "untested", "collect", "spread", "to_markdown", "load_paper_claims",
           "check_paper_ids", "coverage", "substitute", "is_real", "data_kind", "DATA_KINDS", "strength_claim", "validate_stats", "ALPHA", "TESTED_VERDICTS",
           "CLAIM_KEYS", "check_row", "registered_figure", "check_figure_rows", "robustness", "robustness_markdown", "fmt_number", "md_cell", "data_mark",
           "VERDICT_SHORT", "VERDICTS", "strength_cell", "effect_cell", "strength_readings_markdown", "VERDICT_MEANING", "strength_verdict", "flip_thresholds", "effect_text"]

ALPHA = 0.05
_DIRECTIONS = {"greater", "less", "two-sided"}
WEAKER = "weaker than stated"
#: verdicts of a row whose test was run and gave a p-value that can judge the claim
TESTED_VERDICTS = ("supported", WEAKER, "opposite", "not significant")
#: every verdict a row can have, and what it means (claims.md, the report, docs/claims.md)
VERDICT_MEANING = {
    "supported": "significant (alpha shown) in the paper's direction; for a strength row: beyond our reading of the "
                 "paper's words",
    WEAKER: "a strength row whose effect is significant in the paper's direction (against chance or the null) but "
            "significantly short of our reading of the paper's words: the effect is there, weaker than stated",
    "not significant": "no significant effect; for a strength row: the effect is not significantly beyond or short of "
                       "our reading, or not significant against chance",
    "opposite": "significant in the reverse direction: the effect itself (against chance or the null) goes the other "
                "way",
    "descriptive": "a p-value over non-independent observations (e.g. node pairs of one brain) with no null that "
                   "respects the dependence: shown, never counted as support",
    "untestable": "no p-value could be computed",
    "untested": "this run cannot test the claim (the reason is given)",
}
VERDICTS = tuple(VERDICT_MEANING)
_ID_SPACE = re.compile(r"\s")
_PAPER_KEYS_REQUIRED = ("id", "figure", "words", "compared", "direction")
_PAPER_KEYS = set(_PAPER_KEYS_REQUIRED) | {"strength", "test", "n"}
_PAPER_DIRECTION = re.compile(r"^(>|<|=|mag|qual|-)")
_PAPER_ID = re.compile(r"^[a-z0-9]+\.[A-Za-z0-9_]+$")
CLAIM_KEYS = ("id", "statement", "test", "statistic", "p", "n", "direction", "verdict")   # every claim has them


def check_row(path, i: int, row, keys: Iterable[str]) -> None:
    """Row ``claims[i]`` of the file ``path`` must be an object holding every key in ``keys``
    (ValueError naming the file, the row and the missing keys)."""
    if not isinstance(row, Mapping):
        raise ValueError(f"{path}: claims[{i}] must be an object, got {type(row).__name__}")
    missing = [k for k in keys if k not in row]
    if missing:
        raise ValueError(f"{path}: claims[{i}] ({row.get('id', 'no id')!r}) lacks {missing}")


def validate_stats(figure: str, stats: Any, path: Any) -> Mapping[str, Any]:
    """``stats`` (figure ``figure``'s stats JSON, read from ``path``) if it can feed the claims table;
    else ``ValueError`` naming the file and what is wrong: not an object, ``figure`` not the figure's id,
    no ``claims`` list (a figure that makes no claim writes ``"claims": []``), a claim that is not an
    object or lacks one of :data:`CLAIM_KEYS`, two claims with one id."""
    if not isinstance(stats, Mapping):
        raise ValueError(f"{path}: stats of {figure} must be a JSON object, got {type(stats).__name__}")
    if stats.get("figure") != figure:
        raise ValueError(f"{path}: 'figure' is {stats.get('figure')!r}, expected {figure!r} (stats of another "
                         "figure, or not written by the figure rule)")
    if not isinstance(stats.get("claims"), list):
        got = "missing" if "claims" not in stats else f"a {type(stats['claims']).__name__}"
        raise ValueError(f"{path}: 'claims' must be a list of the figure's claims, but it is {got}")
    seen = set()
    for i, c in enumerate(stats["claims"]):
        check_row(path, i, c, CLAIM_KEYS)
        if c["id"] in seen:
            raise ValueError(f"{path}: claims[{i}]: claim id {c['id']!r} appears twice")
        seen.add(c["id"])
    return stats


def registered_figure(paper_id: str) -> str:
    """The registry figure (``workflow/figures.yaml``) registered to test the paper claim ``paper_id``, from the
    id's prefix: ``fig1.x`` -> ``fig1``, ``s14.x`` -> ``figS14``, ``fig4rnn.x`` -> ``fig4_rnn``."""
    m = re.match(r"^(fig|s)(\d+)([a-z]*)\.", paper_id)
    if not m:
        raise ValueError(f"paper claim {paper_id!r}: its id does not name a figure (fig<k>.<name> or s<k>.<name>)")
    kind, number, part = m.groups()
    return ("fig" if kind == "fig" else "figS") + number + (f"_{part}" if part else "")


def check_figure_rows(figure: str, stats: Mapping[str, Any], paper_claims: Iterable[Mapping[str, Any]],
                      path: Any) -> None:
    """Every paper claim that ``figure`` is registered to test (:func:`registered_figure`) must have at least one
    row in its stats (a row :func:`untested` says why it is not tested); else ``ValueError`` naming the stats file
    and the paper claims without rows (a figure's rows lost silently would change coverage and the robustness
    counts). ``stats`` must have passed :func:`validate_stats`."""
    have = {c.get("paper_claim") for c in stats["claims"]}
    lost = [p["id"] for p in paper_claims if registered_figure(p["id"]) == figure and p["id"] not in have]
    if lost:
        raise ValueError(f"{path}: no claim row for the paper claim(s) {lost} that {figure} is registered to test "
                         f"({len(stats['claims'])} rows); a claim it cannot test needs an 'untested' row")


def _check_id(cid: str) -> None:
    if not cid or _ID_SPACE.search(cid):
        raise ValueError(f"claim id {cid!r}: ids must be non-empty and contain no spaces (they are keys across runs)")


def _verdict(statistic: float, p: float | None, direction: str, alpha: float) -> str:
    if p is None or not math.isfinite(p) or not math.isfinite(statistic):
        return "untestable"
    if p >= alpha:
        return "not significant"
    if direction == "two-sided" or (statistic > 0) == (direction == "greater"):
        return "supported"
    return "opposite"


def effect_text(effect: Mapping[str, Any] | str | None) -> str:
    """The effect a row shows (``effect`` key of a row; old rows have none: '')."""
    if not effect:
        return ""
    if isinstance(effect, str):
        return effect
    return str(effect.get("text", ""))


def claim(cid: str, statement: str, *, test: str, statistic: float, p: float | None, n: int,
          direction: str, alpha: float = ALPHA, detail: str = "", paper: str | None = None,
          effect: Mapping[str, Any] | str | None = None, descriptive: str | None = None) -> dict[str, Any]:
    """One claim with a verdict; ``paper`` is the id of the paper's claim it tests (the project's list of the
    paper's claims, e.g. 'fig1.lesion_mod1'), stored as ``paper_claim``.

    ``direction`` is what the paper reports: 'greater' (statistic > 0 and significant),
    'less' (statistic < 0 and significant) or 'two-sided' (any significant difference).
    Verdict: 'supported' when significant in the paper's direction, 'opposite' when significant
    the other way, 'not significant' otherwise, 'untestable' when p is undefined.

    ``effect``: the effect itself ({"text": "mean ARI 0.54", ...} or a text), shown beside the statistic and p.
    ``descriptive``: why ``p`` cannot judge the claim (e.g. computed over node pairs that are not independent, with
    no null respecting the dependence): the verdict is then 'descriptive' (statistic and p kept, never 'supported').
    An id with a space stops with ``ValueError`` (ids key a claim across runs and files).
    """
    _check_id(cid)
    if direction not in _DIRECTIONS:
        raise ValueError(f"claim {cid}: direction must be one of {sorted(_DIRECTIONS)}, got {direction!r}")
    verdict = _verdict(statistic, p, direction, alpha)
    if descriptive and verdict != "untestable":
        verdict = "descriptive"
        detail = f"{detail}; descriptive: {descriptive}" if detail else f"descriptive: {descriptive}"
    out = {"id": cid, "statement": statement, "test": test, "statistic": float(statistic),
           "p": None if p is None or not math.isfinite(p) else float(p), "n": int(n),
           "direction": direction, "alpha": alpha, "verdict": verdict, "detail": detail}
    if effect:
        out["effect"] = {"text": effect} if isinstance(effect, str) else dict(effect)
    if paper is not None:
        out["paper_claim"] = paper
    return out


def t_claim(cid: str, statement: str, test: Mapping[str, Any], n: int | None, direction: str,
            detail: str = "", paper: str | None = None, effect: Mapping[str, Any] | str | None = None,
            descriptive: str | None = None) -> dict[str, Any]:
    """:func:`claim` from a :mod:`modbound.core.stats` t-test dict (untestable when its t is None). ``n`` defaults
    to the test's own sample size (``n_a + n_b`` of a two-sample test, ``n`` of a one-sample test); ``effect``
    defaults to the test's means ('mean 0.31 vs 0.91', 'mean 0.54')."""
    if n is None:
        n = test["n_a"] + test["n_b"] if "n_a" in test else test["n"]
    t = test.get("t")
    if effect is None:
        if test.get("mean_a") is not None and test.get("mean_b") is not None:
            effect = f"mean {test['mean_a']:.3g} vs {test['mean_b']:.3g}"
        elif test.get("mean") is not None:
            effect = f"mean {test['mean']:.3g}"
    return claim(cid, statement, test=test["test"], statistic=float("nan") if t is None else t, p=test.get("p"),
                 n=n, direction=direction, detail=detail, paper=paper, effect=effect, descriptive=descriptive)


def strength_verdict(reading: Mapping[str, Any], effect: Mapping[str, Any], direction: str,
                     alpha: float = ALPHA) -> str:
    """Verdict of a strength row from two tests (:mod:`modbound.core.stats` dicts, two-sided p, ``t > 0`` when the mean
    lies above the value tested): ``reading``, the values against our reading of the paper's words (the threshold),
    and ``effect``, the same values against chance or the null (no effect). ``direction``: 'greater' when the paper's
    words say the values are large (above the threshold, above chance), 'less' when small.

    'opposite' when the effect is significant in the reverse direction; 'supported' when the values lie
    significantly beyond the threshold; 'weaker than stated' when they lie significantly short of it while the
    effect is significant in the paper's direction; 'untestable' without a p-value; else 'not significant'."""
    if direction not in ("greater", "less"):
        raise ValueError(f"strength_verdict: direction must be 'greater' or 'less', got {direction!r}")
    sign = 1.0 if direction == "greater" else -1.0

    def side(t: Mapping[str, Any]) -> int:   # +1 significant in the paper's direction, -1 reverse, 0 neither
        if t.get("t") is None or t.get("p") is None or not math.isfinite(t["t"]) or not math.isfinite(t["p"]):
            return 0
        return 0 if t["p"] >= alpha or t["t"] == 0 else (1 if sign * t["t"] > 0 else -1)

    if reading.get("t") is None or reading.get("p") is None:
        return "untestable"
    eff, rd = side(effect), side(reading)
    if eff < 0:
        return "opposite"
    if rd > 0:
        return "supported"
    if rd < 0 and eff > 0:
        return WEAKER
    return "not significant"


def flip_thresholds(values, direction: str, alpha: float = ALPHA, fisher_z: bool = False) -> dict[str, Any] | None:
    """The readings at which a strength row's verdict changes (one-sample t-test, two-sided ``alpha``): with
    direction 'greater' it is *supported* for any threshold below ``supported_if_threshold`` and short of it for
    any threshold above ``weaker_if_threshold`` (the confidence bounds of the mean; on the Fisher-z scale for
    correlations); 'less' mirrors them. None with fewer than two values."""
    from scipy import stats as sps
    x = np.asarray(values, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    if x.size < 2:
        return None
    if fisher_z:
        x = np.arctanh(np.clip(x, -0.999999, 0.999999))
    half = float(sps.t.ppf(1 - alpha / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    lo, hi = float(x.mean()) - half, float(x.mean()) + half
    if fisher_z:
        lo, hi = math.tanh(lo), math.tanh(hi)
    if direction == "greater":
        return {"supported_if_threshold": f"< {lo:.3g}", "weaker_if_threshold": f"> {hi:.3g}", "low": lo,
                "high": hi}
    return {"supported_if_threshold": f"> {hi:.3g}", "weaker_if_threshold": f"< {lo:.3g}", "low": lo, "high": hi}


def strength_claim(cid: str, statement: str, values, threshold: float, key: str, *, words: str,
                   paper: str | None = None, quantity: str = "value", direction: str = "greater", chance=0.0,
                   chance_label: str | None = None, fisher_z: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """A strength row: the paper states a strength in ``words`` ("highly similar"), which we read as ``quantity``
    above (``direction`` 'greater') or below ('less') ``threshold`` (config ``paper_strength.<key>``, the one home
    of every reading). ``values``: one per network (rows of a 2-D array are groups, e.g. N_in).

    Two one-sample t-tests (:func:`modbound.core.stats.ttest_1samp`, on Fisher z with ``fisher_z``): the values against
    the threshold (the row's statistic and p) and against ``chance`` (no effect: a number, or one control value
    per network, paired); the verdict is :func:`strength_verdict`, so an effect in the paper's direction that falls
    short of our reading is *weaker than stated*, not *opposite*. The row names the words and our reading, judges
    the mean and shows the median beside it (``effect``), and the thresholds at which its verdict would change
    (``strength.flip``, :func:`flip_thresholds`). Returns ``(claim, reading test)``."""
    if direction not in ("greater", "less"):
        raise ValueError(f"claim {cid}: a strength row's direction must be 'greater' or 'less', got {direction!r}")
    if not words:
        raise ValueError(f"claim {cid}: a strength row names the paper's words")
    values = np.asarray(values, dtype=np.float64)
    flat = values.ravel()
    t = _st.ttest_1samp(flat, threshold, fisher_z=fisher_z)
    if np.ndim(chance) == 0:
        eff = _st.ttest_1samp(flat, float(chance), fisher_z=fisher_z)
        ref = f"{float(chance):g}" if chance_label is None else chance_label
    else:
        ctrl = np.asarray(chance, dtype=np.float64).ravel()
        if ctrl.shape != flat.shape:
            raise ValueError(f"claim {cid}: chance has {ctrl.size} values for {flat.size} values")
        eff = {**_st.ttest_1samp(flat - ctrl, 0.0), "test": "paired t-test vs control"}
        ref = chance_label or "the paired control"
    finite = flat[np.isfinite(flat)]
    mean = float(finite.mean()) if finite.size else float("nan")
    median = float(np.median(finite)) if finite.size else float("nan")
    sym = ">" if direction == "greater" else "<"
    reading = f"our reading of '{words}': mean {quantity} {sym} {threshold:g}"
    text = f"mean {quantity} {mean:.3g} (median {median:.3g}; judged: mean)"
    detail = f"mean {quantity} {mean:.3f} over {t['n']}; median {median:.3f}"
    if values.ndim == 2 and values.shape[0] > 1:
        detail += f"; lowest group mean {np.nanmin(np.nanmean(values, axis=1)):.3f}"
    detail += (f"; against {ref} ({eff['test']}): t = {_fmt_t(eff.get('t'))}, p = {fmt_number(eff.get('p'))}")
    c = t_claim(cid, f"{statement} ({reading}, config paper_strength.{key})", t, None, direction, detail=detail,
                paper=paper, effect={"text": text, "summary": "mean", "quantity": quantity, "mean": mean,
                                     "median": median})
    if c["verdict"] != "untestable":
        c["verdict"] = strength_verdict(t, eff, direction, c["alpha"])
    c["strength"] = {"key": key, "words": words, "threshold": float(threshold), "direction": direction,
                     "reading": reading, "chance": ref, "effect_test": {k: eff.get(k) for k in ("test", "t", "p")},
                     "flip": flip_thresholds(flat, direction, c["alpha"], fisher_z)}
    return c, t


def _fmt_t(t) -> str:
    return "n/a" if t is None else f"{t:.3g}"


def strength_readings_markdown(values: Mapping[str, Any], schema_props: Mapping[str, Any]) -> str:
    """The table of our readings of the paper's words (docs/claims.md): one row per config ``paper_strength`` key
    (``values``: its values, config.yaml; ``schema_props``: the schema's ``paper_strength.properties``, whose
    descriptions name the words, the paper claims and the reading), in the schema's order."""
    missing = sorted(set(schema_props) ^ set(values))
    if missing:
        raise ValueError(f"paper_strength: keys {missing} are in only one of config.yaml and the schema")
    lines = ["| config `paper_strength` key | value | the paper's words (paper claims): our reading |", "|---|---|---|"]
    for key, prop in schema_props.items():
        lines.append(f"| `{key}` | {values[key]:g} | {md_cell(prop['description'])} {values[key]:g} |")
    return "\n".join(lines)


def untested(cid: str, statement: str, reason: str, *, paper: str | None = None) -> dict[str, Any]:
    """A claim row for a paper claim this run cannot test: verdict 'untested', no statistic, and the reason."""
    if not reason:
        raise ValueError(f"claim {cid}: an untested claim needs its reason")
    out = {"id": cid, "statement": statement, "test": "not tested", "statistic": None, "p": None, "n": 0,
           "direction": "n/a", "alpha": ALPHA, "verdict": "untested", "detail": reason}
    if paper is not None:
        out["paper_claim"] = paper
    return out


def substitute(for_: str, used: str) -> dict[str, str]:
    """The stats JSON's ``substitute`` entry of a figure computed on a stand-in for the paper's data or model:
    ``{"for": what the paper used, "used": what this run used}`` (its rows are marked SUBSTITUTE)."""
    if not for_ or not used:
        raise ValueError("substitute: both what was replaced ('for') and its stand-in ('used') are needed")
    return {"for": for_, "used": used}


def data_mark(st: Mapping[str, Any]) -> str:
    """'SYNTHETIC', 'SUBSTITUTE (...)', the data set's resolution when a brain figure states real data
    (``data_mark`` REAL: 'REAL, region level: ...') or '' for a figure's stats (its own flags)."""
    if st.get("synthetic"):
        return "SYNTHETIC"
    if st.get("substitute"):
        sub = st["substitute"]
        return f"SUBSTITUTE ({sub['used']} for {sub['for']})"
    if st.get("data_mark") == "REAL":
        res = str(st.get("resolution") or "REAL")
        return res if res.startswith("REAL") else f"REAL, {res}"
    return ""


DATA_KINDS = ("networks trained here", "REAL", "SYNTHETIC", "SUBSTITUTE")


def data_kind(mark: str | None) -> str:
    """The kind of a row's data mark (:func:`data_mark`), counted apart in claims.md: no mark (networks trained
    here, the paper's kind of inputs), REAL (vendored real data), SYNTHETIC (generated data) or SUBSTITUTE.
    ``ValueError`` for any other mark (a claims row not written by :func:`collect`), rather than count it as one."""
    mark = str(mark or "")
    if not mark:
        return DATA_KINDS[0]
    for kind in DATA_KINDS[1:]:
        if mark.startswith(kind):
            return kind
    raise ValueError(f"unknown data mark {mark!r}: expected none or one starting with {', '.join(DATA_KINDS[1:])}")


def is_real(mark: str | None) -> bool:
    """Whether a row's data mark (:func:`data_mark`) stands for the paper's kind of inputs: no mark, or REAL (a real
    data set, with its resolution): :func:`data_kind` is one of the first two :data:`DATA_KINDS`."""
    return data_kind(mark) in DATA_KINDS[:2]


def collect(stats: Mapping[str, Mapping[str, Any]], seed: int | None = None) -> list[dict[str, Any]]:
    """Flatten ``{figure: stats_json}`` into rows, each tagged with its figure, scale, master seed and
    whether the figure stood in for the paper's inputs: 'SYNTHETIC' (the stats' ``synthetic`` flag: generated
    data) or 'SUBSTITUTE (<used> for <paper's>)' (the stats' ``substitute`` entry, :func:`substitute`)."""
    rows = []
    for fig, st in stats.items():
        for c in st.get("claims", []):
            rows.append({"figure": fig, "scale": st.get("scale", "?"), "seed": seed, "data": data_mark(st), **c})
    return rows


def load_paper_claims(path: str | Path) -> list[dict[str, Any]]:
    """The paper's claims listed in ``path`` (``workflow/paper_claims.yaml``), validated: a list of entries,
    each with id, figure, words, compared and direction (optional strength, test, n), ids unique."""
    path = Path(path)
    try:
        entries = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as e:
        raise ValueError(f"{path}: cannot read the paper's claims: {e}") from e
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path}: expected a non-empty list of the paper's claims")
    seen: set[str] = set()
    for i, e in enumerate(entries):
        where = f"{path}: entry {i + 1}" + (f" ({e.get('id')})" if isinstance(e, dict) and e.get("id") else "")
        if not isinstance(e, dict):
            raise ValueError(f"{where}: expected a mapping, got {type(e).__name__}")
        missing = [k for k in _PAPER_KEYS_REQUIRED if not e.get(k)]
        if missing:
            raise ValueError(f"{where}: missing key(s) {missing}")
        unknown = sorted(set(e) - _PAPER_KEYS)
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(_PAPER_KEYS)}")
        bad = [k for k, v in e.items() if not isinstance(v, str)]
        if bad:
            raise ValueError(f"{where}: key(s) {bad} must be text")
        if not _PAPER_ID.match(e["id"]):
            raise ValueError(f"{where}: id {e['id']!r} is not <figure>.<name>")
        if not _PAPER_DIRECTION.match(e["direction"]):
            raise ValueError(f"{where}: direction {e['direction']!r} must start with >, <, =, mag, qual or -")
        if e["id"] in seen:
            raise ValueError(f"{where}: id {e['id']!r} listed twice")
        seen.add(e["id"])
    return entries


def check_paper_ids(rows: Iterable[Mapping[str, Any]], paper_claims: Iterable[Mapping[str, Any]]) -> None:
    """Every row's ``paper_claim`` must be an id of the paper's claims (a typo would hide a claim from coverage)."""
    known = {p["id"] for p in paper_claims}
    bad = [f"{r['figure']}: {r['id']} -> {r['paper_claim']!r}" for r in rows
           if r.get("paper_claim") is not None and r["paper_claim"] not in known]
    if bad:
        raise ValueError("claim rows name paper claims not in the paper's list: " + "; ".join(bad))


def coverage(rows: Iterable[Mapping[str, Any]], paper_claims: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """How far this run tests each of the paper's claims.

    Per paper claim (by its rows' ``paper_claim``): 'tested' when every row was tested (a p-value in the paper's
    direction: supported, opposite or not significant), 'partly' when some rows were and some were not
    (untested, untestable), 'untested' when none was or no row names it ('absent' then lists it). Its inputs are
    'real' when a tested row comes from the paper's kind of inputs, 'substitute' when every tested row is
    SYNTHETIC or SUBSTITUTE. Returns ``{"claims": {id: {...}}, "counts": {status: {inputs: n}}, "absent": [...]}``.
    """
    rows = list(rows)
    out: dict[str, Any] = {"claims": {}, "absent": []}
    counts = {s: {"real": 0, "substitute": 0, "total": 0} for s in ("tested", "partly", "untested")}
    for pc in paper_claims:
        mine = [r for r in rows if r.get("paper_claim") == pc["id"]]
        tested = [r for r in mine if r["verdict"] in TESTED_VERDICTS]
        status = "untested" if not tested else "tested" if len(tested) == len(mine) else "partly"
        inputs = ("real" if any(is_real(r.get("data")) for r in tested) else "substitute") if tested else "none"
        if not mine:
            out["absent"].append(pc["id"])
        out["claims"][pc["id"]] = {"status": status, "inputs": inputs, "rows": len(mine),
                                   "verdicts": dict(sorted(Counter(r["verdict"] for r in mine).items()))}
        counts[status]["total"] += 1
        if inputs != "none":
            counts[status][inputs] += 1
    out["counts"] = counts
    out["n_paper_claims"] = sum(c["total"] for c in counts.values())
    return out


def spread(rows_by_seed: Mapping[int, Iterable[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """Each claim (figure, id) across master seeds: statistic mean, sd, min and max, median and largest
    p, and how many seeds gave each verdict. A claim missing under some seed lists it in
    ``missing_seeds`` (its figure made no such claim there, e.g. too few networks passed)."""
    seeds = sorted(rows_by_seed)
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for seed in seeds:
        for r in rows_by_seed[seed]:
            entry = table.setdefault((r["figure"], r["id"]), {
                "figure": r["figure"], "id": r["id"], "statement": r["statement"], "test": r["test"],
                "direction": r["direction"], "data": r.get("data", ""), "by_seed": {}})
            entry["by_seed"][seed] = r
    out = []
    for entry in table.values():
        by = entry.pop("by_seed")
        have = [s for s in seeds if s in by]
        # an untestable claim's statistic is NaN, or None once read back from JSON
        stat = [v for v in (by[s]["statistic"] for s in have) if v is not None and math.isfinite(v)]
        ps = [by[s]["p"] for s in have if by[s]["p"] is not None]
        verdicts = Counter(by[s]["verdict"] for s in have)
        out.append({
            **entry, "seeds": have, "missing_seeds": [s for s in seeds if s not in by], "n_seeds": len(have),
            "statistic_mean": statistics.fmean(stat) if stat else None,
            "statistic_sd": statistics.stdev(stat) if len(stat) > 1 else None,
            "statistic_min": min(stat) if stat else None, "statistic_max": max(stat) if stat else None,
            "p_median": statistics.median(ps) if ps else None, "p_max": max(ps) if ps else None,
            "n_supported": verdicts.get("supported", 0), "verdicts": dict(sorted(verdicts.items())),
            "statistic_by_seed": {str(s): by[s]["statistic"] for s in have},
            "p_by_seed": {str(s): by[s]["p"] for s in have},
        })
    return out


def fmt_number(x: Any) -> str:
    """A statistic, p or n as the claims tables print it ('n/a' for None)."""
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return f"{x:.3g}"
    return str(x)


def md_cell(x: Any) -> str:
    """:func:`fmt_number`, safe inside a markdown table cell."""
    return fmt_number(x).replace("|", "\\|").replace("\n", " ")


def header_section(rows: list[Mapping[str, Any]], cov: Mapping[str, Any] | None = None) -> str:
    """Title, with the paper's claims (``cov``, :func:`coverage`) the coverage line, how to read the verdicts and
    data marks, and the count of rows by verdict."""
    counts = Counter(r["verdict"] for r in rows)
    marks = Counter(data_kind(r.get("data")) for r in rows)
    return "\n".join([
        "# Claims of the paper, as reproduced by this run",
        "",
        *([coverage_line(cov), ""] if cov else []),
        "Generated by the `claims` rule from `results/stats/*.json`; do not edit by hand.",
        "Verdict: " + "; ".join(f"*{v}* = {m}" for v, m in VERDICT_MEANING.items()) + ".",
        "Effect: the effect itself (for rows on a typical network: the summary judged, mean or median, and the"
        " other beside it). Our reading: for strength rows, the paper's words, our reading of them (config"
        " `paper_strength`, see docs/claims.md) and the thresholds at which the verdict would change.",
        "",
        "Data: SYNTHETIC marks figures made from generated data (the offline brain data); SUBSTITUTE marks figures"
        " made with a stand-in for the paper's data or model (named in the column). Such rows test the pipeline"
        " and the method on other inputs, not the paper: *opposite* there does not say the paper is wrong.",
        "",
        "Summary of rows: " + (", ".join(f"{v}: {n}" for v, n in sorted(counts.items())) or "no claims"),
        "",
        "Rows by data: " + (", ".join(f"{k}: {marks[k]}" for k in DATA_KINDS if marks[k]) or "no claims"),
    ])


def coverage_line(cov: Mapping[str, Any]) -> str:
    """One line: the paper's claims tested / partly / untested, each split into real inputs and substitutes."""
    c = cov["counts"]

    def part(s: str) -> str:
        return f"{s} {c[s]['total']} (real inputs {c[s]['real']}, substitute/synthetic only {c[s]['substitute']})"

    return (f"Coverage of the paper's {cov['n_paper_claims']} claims (workflow/paper_claims.yaml): "
            + "; ".join(part(s) for s in ("tested", "partly")) + f"; untested {c['untested']['total']}"
            + (f" ({len(cov['absent'])} with no row in this run)" if cov["absent"] else "") + ".")


def strength_cell(row: Mapping[str, Any]) -> str:
    """A strength row's reading and the thresholds at which its verdict would change ('' for other rows)."""
    st = row.get("strength")
    if not st:
        return ""
    flip = st.get("flip")
    text = f"{st['reading']} (paper_strength.{st['key']})"
    if flip:
        text += (f"; supported if the threshold were {flip['supported_if_threshold']}, weaker than stated if "
                 f"{flip['weaker_if_threshold']}")
    return text


def effect_cell(row: Mapping[str, Any]) -> str:
    """The row's effect (:func:`effect_text`); rows made before effects were recorded show their detail."""
    return effect_text(row.get("effect")) or str(row.get("detail") or "")


def claims_section(rows: list[Mapping[str, Any]], paper_claims: Iterable[Mapping[str, Any]] | None = None) -> str:
    """The table of every claim row, with the paper claim it tests, the effect, our reading of a stated strength
    and the strength the paper states."""
    strength = {p["id"]: p.get("strength", "") for p in paper_claims or []}
    lines = ["| figure | claim | paper claim | test | statistic | p | n | effect | verdict | our reading | paper says "
             "| scale | data |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        test = r["test"] if r["verdict"] != "untested" else f"not tested: {r.get('detail', '')}"
        pid = r.get("paper_claim") or ""
        lines.append(
            f"| {r['figure']} | {md_cell(r['statement'])} | {pid} | {md_cell(test)} | {fmt_number(r['statistic'])} "
            f"| {fmt_number(r['p'])} | {r['n']} | {md_cell(effect_cell(r)) if r['verdict'] != 'untested' else ''} "
            f"| {r['verdict']} | {md_cell(strength_cell(r))} | {md_cell(strength.get(pid, ''))} | {r['scale']} "
            f"| {r.get('data', '')} |")
    return "\n".join(lines)


def paper_claims_section(paper_claims: Iterable[Mapping[str, Any]], cov: Mapping[str, Any]) -> str:
    """Each of the paper's claims in its words, the strength it states, and how this run covers it."""
    lines = ["## The paper's claims and their coverage", "",
             "Status: *tested* = every row naming the claim has a p-value; *partly* = some rows do; *untested* ="
             " none does (or no row names it). Inputs: *real* = at least one tested row is on the paper's kind of"
             " inputs; *substitute* = only on generated data or stand-in models.", "",
             "| paper claim | paper's words | direction | paper says | status | inputs | rows: verdicts |",
             "|---|---|---|---|---|---|---|"]
    for p in paper_claims:
        c = cov["claims"][p["id"]]
        verdicts = ", ".join(f"{v}: {n}" for v, n in c["verdicts"].items()) or "no row in this run"
        lines.append(f"| {p['id']} | \"{md_cell(p['words'])}\" | {md_cell(p['direction'])} | {md_cell(p.get('strength', ''))} "
                     f"| {c['status']} | {c['inputs']} | {verdicts} |")
    return "\n".join(lines)


def spread_section(spread_rows: list[Mapping[str, Any]], seeds: list[int]) -> str:
    """Each claim's statistic and verdicts across replicate master seeds."""
    lines = [
        f"## Spread across {len(seeds)} master seeds ({', '.join(map(str, seeds))})",
        "",
        "Our replicates of the whole analysis (the paper reports one run): each master seed reruns everything"
        " (training, Louvain, nulls) on the same data; results/replicates/seed<k>/."
        " Statistic: mean +- sd [min, max] over seeds; supported: seeds whose verdict is *supported*.",
        "",
        "| figure | claim | statistic | p median (max) | supported | verdicts | data |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in spread_rows:
        sd = "" if r["statistic_sd"] is None else f" +- {fmt_number(r['statistic_sd'])}"
        rng = f" [{fmt_number(r['statistic_min'])}, {fmt_number(r['statistic_max'])}]" if r["statistic_min"] is not None else ""
        verdicts = ", ".join(f"{v}: {n}" for v, n in r["verdicts"].items())
        missing = f" (no claim under seed {', '.join(map(str, r['missing_seeds']))})" if r["missing_seeds"] else ""
        lines.append(
            f"| {r['figure']} | {r['statement']} | {fmt_number(r['statistic_mean'])}{sd}{rng} "
            f"| {fmt_number(r['p_median'])} ({fmt_number(r['p_max'])}) | {r['n_supported']}/{len(seeds)}{missing} "
            f"| {verdicts} | {r.get('data', '')} |"
        )
    return "\n".join(lines)


def to_markdown(rows: Iterable[Mapping[str, Any]], spread_rows: Iterable[Mapping[str, Any]] | None = None,
                seeds: Iterable[int] | None = None,
                paper_claims: Iterable[Mapping[str, Any]] | None = None) -> str:
    """results/claims.md, composed of sections: the header, with ``paper_claims`` (:func:`load_paper_claims`)
    the coverage line at the top, the table of this run's claim rows (``rows``, from :func:`collect`), with
    ``paper_claims`` each paper claim's coverage, and with replicate seeds the table of each claim's spread
    across ``seeds`` (``spread_rows``, from :func:`spread`)."""
    rows = list(rows)
    paper_claims = list(paper_claims or [])
    cov = coverage(rows, paper_claims) if paper_claims else None
    sections = [header_section(rows, cov), claims_section(rows, paper_claims)]
    if cov:
        sections.append(paper_claims_section(paper_claims, cov))
    spread_rows = list(spread_rows or [])
    if spread_rows:
        seeds = list(seeds or sorted({s for r in spread_rows for s in r["seeds"]}))
        sections.append(spread_section(spread_rows, seeds))
    return "\n\n".join(s for s in sections if s) + "\n"


NOT_RUN, NO_CLAIM = "not run", "no claim"
VERDICT_SHORT = {"supported": "yes", WEAKER: "weaker", "not significant": "n.s.", "opposite": "OPPOSITE",
                 "descriptive": "descr.", "untestable": "untestable", "untested": "untested", NO_CLAIM: "no claim"}  # verdicts in the robustness cells


def robustness(rows_by_run: Mapping[str, Iterable[Mapping[str, Any]]],
               figures_by_run: Mapping[str, Iterable[str]] | None = None) -> list[dict[str, Any]]:
    """The robustness matrix: one row per claim (figure, id), one cell per run (the main run, each variant,
    each replicate seed; ``rows_by_run`` maps a run's label to its rows from :func:`collect`, in column order).

    A cell holds the run's verdict, statistic and p. A run that did not build the claim's figure (a variant
    runs only some figures; ``figures_by_run`` lists what each run built, default: the figures of its rows)
    has no cell and does not count; a run that built the figure but made no such claim (e.g. too few networks
    passed) has verdict 'no claim' and counts as not supported. ``n_runs``: runs that built the figure;
    ``n_supported``: those whose verdict is 'supported'.
    """
    runs = list(rows_by_run)
    rows_by_run = {run: list(rows) for run, rows in rows_by_run.items()}
    built = {run: set(figures_by_run[run]) if figures_by_run is not None and run in figures_by_run
             else {r["figure"] for r in rows_by_run[run]} for run in runs}
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for run in runs:
        for r in rows_by_run[run]:
            entry = table.setdefault((r["figure"], r["id"]), {
                "figure": r["figure"], "id": r["id"], "statement": r["statement"], "direction": r["direction"],
                "data": r.get("data", ""), "cells": {}})
            entry["cells"][run] = {"verdict": r["verdict"], "statistic": r["statistic"], "p": r["p"]}
    out = []
    for entry in table.values():
        for run in runs:
            if run not in entry["cells"] and entry["figure"] in built[run]:
                entry["cells"][run] = {"verdict": NO_CLAIM, "statistic": None, "p": None}
        cells = {run: entry["cells"][run] for run in runs if run in entry["cells"]}
        n_supported = sum(c["verdict"] == "supported" for c in cells.values())
        out.append({**entry, "cells": cells, "runs": list(cells), "n_runs": len(cells), "n_supported": n_supported,
                    "summary": f"supported in {n_supported} of {len(cells)} runs"})
    return out


def robustness_markdown(matrix: Iterable[Mapping[str, Any]], runs: Iterable[str],
                        descriptions: Mapping[str, str] | None = None) -> str:
    """The robustness matrix (from :func:`robustness`) as a markdown section: a column per run in ``runs``
    (``descriptions``: one line per run saying what it changes), a cell 'verdict (statistic)' per claim."""
    runs, matrix = list(runs), list(matrix)
    lines = [
        "## Robustness: each claim in every run",
        "",
        "Runs: " + "; ".join(f"**{run}**" + (f" = {descriptions[run]}" if descriptions and run in descriptions
                                            else "") for run in runs) + ".",
        "Cell: verdict (statistic); *yes* = supported, *weaker* = weaker than stated, *n.s.* = not significant,"
        " *OPPOSITE* = significant the other way, *descr.* = descriptive, *no claim* = the figure was built but made no such claim; *-* = the run does not build"
        " this figure (not counted).",
        "",
        f"| figure | claim | {' | '.join(runs)} | supported | data |",
        "|---|---|" + "---|" * len(runs) + "---|---|",
    ]
    for r in matrix:
        cells = []
        for run in runs:
            c = r["cells"].get(run)
            cells.append("-" if c is None else VERDICT_SHORT.get(c["verdict"], c["verdict"])
                         + ("" if c["statistic"] is None else f" ({fmt_number(c['statistic'])})"))
        lines.append(f"| {r['figure']} | {r['statement']} | {' | '.join(cells)} | {r['summary']} "
                     f"| {r.get('data', '')} |")
    return "\n".join(lines) + "\n"
