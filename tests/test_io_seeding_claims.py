import json
import re
from pathlib import Path

import numpy as np
import pytest

from modbound.reporting import claims
from modbound.core import io, seeding, stats as stats_mod


def test_derive_seed_is_deterministic_and_path_sensitive():
    a = seeding.derive_seed(0, "pdm", "init", 3)
    assert a == seeding.derive_seed(0, "pdm", "init", 3)
    assert a != seeding.derive_seed(0, "pdm", "init", 4)
    assert a != seeding.derive_seed(1, "pdm", "init", 3)
    assert a != seeding.derive_seed(0, "gng", "init", 3)
    assert 0 <= a < 2**31
    seeds = seeding.derive_seeds(0, 50, "pdm")
    assert len(set(seeds)) == 50


@pytest.mark.parametrize("bad", [-1, True, 1.5, None])
def test_derive_seed_rejects_bad_parts(bad):
    with pytest.raises((TypeError, ValueError)):
        seeding.derive_seed(0, bad)


def test_write_json_is_byte_stable_and_converts_numpy(tmp_path):
    obj = {"b": np.float32(0.5), "a": np.arange(3), "c": [np.int64(2), np.nan], "d": np.bool_(True)}
    io.write_json(tmp_path / "x.json", obj)
    first = (tmp_path / "x.json").read_bytes()
    io.write_json(tmp_path / "x.json", dict(reversed(list(obj.items()))))
    assert (tmp_path / "x.json").read_bytes() == first
    assert json.loads(first) == {"a": [0, 1, 2], "b": 0.5, "c": [2, None], "d": True}


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError):
        with io.atomic_path(target) as tmp:
            tmp.write_text("partial")
            raise RuntimeError("boom")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_npz_round_trip_and_errors(tmp_path):
    p = tmp_path / "a.npz"
    io.save_npz(p, x=np.arange(4.0))
    assert np.array_equal(io.load_npz(p, required=("x",))["x"], np.arange(4.0))
    with pytest.raises(ValueError, match=r"a\.npz: missing arrays \['y'\]"):
        io.load_npz(p, required=("x", "y"))
    with pytest.raises(TypeError, match="object"):
        io.save_npz(tmp_path / "b.npz", x=np.array([{}], dtype=object))
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="bad.npz: cannot read"):
        io.load_npz(bad)
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        io.load_npz(tmp_path / "missing.npz")


def test_read_json_names_file_on_error(tmp_path):
    p = tmp_path / "broken.json"
    p.write_text("{")
    with pytest.raises(ValueError, match="broken.json: not valid JSON"):
        io.read_json(p)


@pytest.mark.parametrize(
    "stat,p,direction,verdict",
    [
        (2.0, 0.01, "greater", "supported"),
        (-2.0, 0.01, "greater", "opposite"),
        (-2.0, 0.01, "less", "supported"),
        (2.0, 0.2, "greater", "not significant"),
        (2.0, None, "greater", "untestable"),
        (-1.0, 0.001, "two-sided", "supported"),
    ],
)
def test_claim_verdicts(stat, p, direction, verdict):
    c = claims.claim("x", "s", test="t", statistic=stat, p=p, n=5, direction=direction)
    assert c["verdict"] == verdict


def test_claims_markdown_lists_every_row():
    rows = claims.collect({
        "fig1": {"scale": "test", "claims": [claims.claim("a", "A holds", test="t", statistic=1, p=0.01, n=3,
                                                          direction="greater")]},
        "figS2": {"scale": "test", "claims": [claims.claim("b", "B holds", test="t", statistic=1, p=0.5, n=3,
                                                           direction="greater")]},
    })
    md = claims.to_markdown(rows)
    assert "| fig1 | A holds |" in md and "| figS2 | B holds |" in md
    assert "not significant: 1" in md and "supported: 1" in md
    with pytest.raises(ValueError, match="direction"):
        claims.claim("c", "s", test="t", statistic=1, p=0.1, n=1, direction="up")


def _stats(stat_a, p_a, with_b=True, data=None):
    st = {"scale": "test", "claims": [claims.claim("a", "A holds", test="t", statistic=stat_a, p=p_a, n=3,
                                                   direction="greater")]}
    if with_b:
        st["claims"].append(claims.claim("b", "B holds", test="t", statistic=-1.0, p=0.01, n=3, direction="greater"))
    if data:
        st["data"], st["synthetic"] = data, data.startswith("synthetic")
    return st


def test_claims_spread_across_seeds():
    by_seed = {0: claims.collect({"fig1": _stats(2.0, 0.01)}, seed=0),
               1: claims.collect({"fig1": _stats(4.0, 0.04)}, seed=1),
               2: claims.collect({"fig1": _stats(3.0, 0.20, with_b=False)}, seed=2)}
    rows = {r["id"]: r for r in claims.spread(by_seed)}
    a, b = rows["a"], rows["b"]
    assert a["seeds"] == [0, 1, 2] and a["missing_seeds"] == []
    assert a["statistic_mean"] == pytest.approx(3.0) and a["statistic_sd"] == pytest.approx(1.0)
    assert (a["statistic_min"], a["statistic_max"]) == (2.0, 4.0)
    assert a["p_median"] == pytest.approx(0.04) and a["p_max"] == pytest.approx(0.20)
    assert a["n_supported"] == 2 and a["verdicts"] == {"not significant": 1, "supported": 2}
    assert b["seeds"] == [0, 1] and b["missing_seeds"] == [2] and b["verdicts"] == {"opposite": 2}
    assert b["statistic_sd"] == pytest.approx(0.0)
    md = claims.to_markdown(by_seed[0], claims.spread(by_seed), [0, 1, 2])
    assert "## Spread across 3 master seeds (0, 1, 2)" in md
    assert "| fig1 | A holds | 3 +- 1 [2, 4] | 0.04 (0.2) | 2/3 |" in md
    assert "0/3 (no claim under seed 2)" in md
    # without replicates there is no spread section
    assert "Spread across" not in claims.to_markdown(by_seed[0])
    # an untestable claim (NaN statistic; None once read back from the stats JSON) is left out of the numbers
    untestable = json.loads(json.dumps(io.to_jsonable(claims.collect({"fig1": _stats(float("nan"), None)}, seed=3))))
    assert untestable[0]["statistic"] is None and untestable[0]["verdict"] == "untestable"
    row = next(r for r in claims.spread({**by_seed, 3: untestable}) if r["id"] == "a")
    assert row["n_seeds"] == 4 and row["statistic_mean"] == pytest.approx(3.0) and row["verdicts"]["untestable"] == 1


def test_claims_mark_synthetic_data():
    rows = claims.collect({"fig4_human": _stats(1.0, 0.01, data="synthetic: generated ..."),
                           "fig1": _stats(1.0, 0.01)}, seed=0)
    assert {r["figure"]: r["data"] for r in rows} == {"fig4_human": "SYNTHETIC", "fig1": ""}
    md = claims.to_markdown(rows)
    assert "| default |" not in md and md.count("| SYNTHETIC |") == 2


def test_ttest_1samp_against_threshold_and_paired():
    from modbound.core import stats as st
    up = st.ttest_1samp([0.9, 0.95, 0.85, 0.92], 0.8)
    assert up["t"] > 0 and up["p"] < 0.05 and up["test"] == "one-sample t-test vs 0.8"
    assert st.ttest_1samp([0.5, 0.6, 0.55], 0.8)["t"] < 0
    tie = st.ttest_1samp([1.0, 1.0, 1.0, 1.0, 1.0, 1.0], 0.8)  # no variance: exact sign test, all 6 above
    assert tie["test"].startswith("sign test") and tie["t"] == 6 and tie["p"] == pytest.approx(2 / 64)
    assert st.ttest_1samp([0.9], 0.8)["p"] is None
    paired = st.ttest_rel([1.0, 2.0, 3.0, 4.5], [0.0, 1.2, 2.1, 3.0])
    assert paired["t"] > 0 and paired["p"] < 0.05 and paired["n"] == 4
    with pytest.raises(ValueError, match="differ in size"):
        st.ttest_rel([1.0, 2.0], [1.0])


def test_compare_correlations():
    from modbound.core import stats as st
    d = st.compare_correlations(0.3, 200, 0.6, 200)
    assert d["z"] < 0 and d["p"] < 0.001
    assert st.compare_correlations(0.5, 50, 0.5, 80)["z"] == pytest.approx(0.0)


def _paper(tmp_path, entries):
    import yaml
    path = tmp_path / "paper_claims.yaml"
    path.write_text(yaml.safe_dump(entries))
    return path


PAPER = [{"id": "fig1.a", "figure": "Fig 1", "words": "A holds", "compared": "x", "direction": ">",
          "strength": '"nearly 0%"'},
         {"id": "fig1.b", "figure": "Fig 1", "words": "B holds", "compared": "y", "direction": "<"},
         {"id": "s4.c", "figure": "S4", "words": "C holds", "compared": "z", "direction": "qual"},
         {"id": "s5.d", "figure": "S5", "words": "D holds", "compared": "w", "direction": "mag"}]


def test_load_paper_claims_validates(tmp_path):
    assert [p["id"] for p in claims.load_paper_claims(_paper(tmp_path, PAPER))] == ["fig1.a", "fig1.b", "s4.c", "s5.d"]
    for bad, msg in ((PAPER + [PAPER[0]], "listed twice"), ([{**PAPER[0], "words": ""}], r"missing key\(s\) \['words'\]"),
                     ([{**PAPER[0], "colour": "red"}], "unknown key"), ([{**PAPER[0], "direction": "up"}], "direction"),
                     ([{**PAPER[0], "id": "no id"}], "is not <figure>.<name>"), ({"a": 1}, "non-empty list")):
        with pytest.raises(ValueError, match=msg) as e:
            claims.load_paper_claims(_paper(tmp_path, bad))
        assert "paper_claims.yaml" in str(e.value)
    # the project's own list is valid and lists every claim of the paper once
    listed = claims.load_paper_claims(Path(__file__).parents[1] / "workflow/paper_claims.yaml")
    assert len(listed) == 81 and len({p["id"] for p in listed}) == 81


def test_coverage_counts_real_and_substitute_inputs():
    def row(cid, p, paper):
        return claims.claim(cid, cid, test="t", statistic=1.0, p=p, n=3, direction="greater", paper=paper)
    stats = {
        "fig1": {"scale": "test", "claims": [row("a1", 0.01, "fig1.a"), row("a2", 0.5, "fig1.a"),
                                             row("b1", 0.01, "fig1.b"),
                                             claims.untested("b2", "B's strength", "value lost", paper="fig1.b")]},
        "figS4": {"scale": "test", "substitute": claims.substitute("MNIST", "scikit-learn digits"),
                  "claims": [row("c1", 0.01, "s4.c")]},
    }
    rows = claims.collect(stats, seed=0)
    assert rows[-1]["data"] == "SUBSTITUTE (scikit-learn digits for MNIST)"
    cov = claims.coverage(rows, PAPER)
    assert {k: (v["status"], v["inputs"]) for k, v in cov["claims"].items()} == {
        "fig1.a": ("tested", "real"), "fig1.b": ("partly", "real"), "s4.c": ("tested", "substitute"),
        "s5.d": ("untested", "none")}
    assert cov["absent"] == ["s5.d"] and cov["n_paper_claims"] == 4
    assert cov["counts"]["tested"] == {"real": 1, "substitute": 1, "total": 2}
    # a REAL brain data set is marked with its resolution and counts as the paper's kind of inputs
    real = {"figS4": {"scale": "test", "data_mark": "REAL", "synthetic": False,
                      "resolution": "REAL, region level: 25 cortical parcels; the paper used voxels",
                      "claims": [row("c1", 0.01, "s4.c")]}}
    rrows = claims.collect(real, seed=0)
    assert rrows[0]["data"] == "REAL, region level: 25 cortical parcels; the paper used voxels"
    assert claims.coverage(rrows, PAPER)["claims"]["s4.c"]["inputs"] == "real"
    assert claims.is_real("") and claims.is_real(rrows[0]["data"]) and not claims.is_real("SYNTHETIC")
    md = claims.to_markdown(rows, paper_claims=PAPER)
    lines = md.splitlines()
    assert lines[0].startswith("# Claims") and lines[2].startswith("Coverage of the paper's 4 claims")
    assert "tested 2 (real inputs 1, substitute/synthetic only 1); partly 1" in lines[2]
    assert "untested 1 (1 with no row in this run)" in lines[2]
    assert '| a1 | fig1.a | t |' in md and '| "nearly 0%" |' in md  # the paper's stated strength beside ours
    assert "not tested: value lost" in md and "| s5.d | \"D holds\" |" in md and "no row in this run" in md
    claims.check_paper_ids(rows, PAPER)
    with pytest.raises(ValueError, match="figS4: c1 -> 's4.x'"):
        claims.check_paper_ids(claims.collect({"figS4": {"claims": [row("c1", 0.01, "s4.x")]}}), PAPER)
    with pytest.raises(ValueError, match="reason"):
        claims.untested("x", "s", "")


def test_strength_claim_tests_our_reading_of_the_papers_words():
    c, t = claims.strength_claim("x", "modules are the sectors", [[0.9, 0.95], [0.85, 0.92]], 0.8, "same_partition_ari",
                                 words="the same", paper="fig2.quadrants", quantity="ARI")
    assert c["verdict"] == "supported" and c["paper_claim"] == "fig2.quadrants" and t["n"] == 4
    assert ("our reading of 'the same': mean ARI > 0.8, config paper_strength.same_partition_ari" in c["statement"]
            and "lowest group mean 0.885" in c["detail"])
    assert c["strength"]["key"] == "same_partition_ari" and c["strength"]["words"] == "the same"
    # the effect itself, which summary is judged, and the other beside it
    assert c["effect"]["text"] == "mean ARI 0.905 (median 0.91; judged: mean)" and c["effect"]["median"] == 0.91


def test_effect_in_the_papers_direction_below_our_reading_is_weaker_than_stated_not_opposite():
    """mean ARI 0.45, far above chance (0) but significantly below our reading of 'the same' (0.8): the
    old rule (one test against the threshold) called it 'opposite'; it is 'weaker than stated'."""
    vals = [0.4, 0.5, 0.45, 0.42]
    old = claims.t_claim("x", "s", stats_mod.ttest_1samp(vals, 0.8), None, "greater")
    assert old["verdict"] == "opposite"
    low, _ = claims.strength_claim("x", "s", vals, 0.8, "k", words="the same", quantity="ARI")
    assert low["verdict"] == "weaker than stated" and low["statistic"] == old["statistic"] and low["p"] == old["p"]
    assert low["strength"]["effect_test"]["t"] > 0 and low["strength"]["effect_test"]["p"] < 0.05
    # the effect itself the other way (below chance): opposite
    neg, _ = claims.strength_claim("x", "s", [-0.4, -0.5, -0.45, -0.42], 0.8, "k", words="w")
    assert neg["verdict"] == "opposite"
    # neither beyond nor short of the reading: not significant (S6 six rules, 0.506 vs 0.5)
    near, _ = claims.strength_claim("x", "s", [0.45, 0.55, 0.52, 0.49], 0.5, "k", words="w")
    assert near["verdict"] == "not significant"
    # short of the reading but no effect against chance either: not significant
    none_, _ = claims.strength_claim("x", "s", [0.1, -0.1, 0.05, -0.04], 0.8, "k", words="w")
    assert none_["verdict"] == "not significant"


def test_strength_claim_less_with_a_paired_control_and_flip_thresholds():
    """'nearly 0%': lesioned accuracy below 0.1; the effect is the drop from each network's control accuracy."""
    acc = np.array([0.3, 0.25, 0.35, 0.28, 0.32])
    ctrl = np.array([0.9, 0.85, 0.92, 0.88, 0.9])
    c, _ = claims.strength_claim("x", "s", acc, 0.1, "near_zero_accuracy", words="nearly 0%", direction="less",
                                 chance=ctrl, quantity="accuracy")
    assert c["verdict"] == "weaker than stated" and "mean accuracy < 0.1" in c["statement"]
    flip = c["strength"]["flip"]
    # supported for a reading above the upper confidence bound of the mean, weaker below the lower one
    half = stats_mod.sps.t.ppf(0.975, 4) * acc.std(ddof=1) / np.sqrt(5)
    assert flip["high"] == pytest.approx(acc.mean() + half) and flip["low"] == pytest.approx(acc.mean() - half)
    assert flip["supported_if_threshold"] == f"> {acc.mean() + half:.3g}"
    again, _ = claims.strength_claim("x", "s", acc, flip["high"] + 1e-6, "k", words="w", direction="less", chance=ctrl)
    assert again["verdict"] == "supported"
    just, _ = claims.strength_claim("x", "s", acc, flip["low"] - 1e-6, "k", words="w", direction="less", chance=ctrl)
    assert just["verdict"] == "weaker than stated"
    mid, _ = claims.strength_claim("x", "s", acc, acc.mean(), "k", words="w", direction="less", chance=ctrl)
    assert mid["verdict"] == "not significant"
    with pytest.raises(ValueError, match="chance has 2 values for 5"):
        claims.strength_claim("x", "s", acc, 0.1, "k", words="w", chance=ctrl[:2])
    with pytest.raises(ValueError, match="words"):
        claims.strength_claim("x", "s", acc, 0.1, "k", words="")


def test_descriptive_rows_are_never_supported_and_not_counted_as_tested():
    c = claims.claim("x", "s", test="Pearson r over node pairs", statistic=5.0, p=1e-9, n=100, direction="greater",
                     descriptive="node pairs are not independent", paper="fig1.a")
    assert c["verdict"] == "descriptive" and "node pairs are not independent" in c["detail"] and c["p"] == 1e-9
    assert "descriptive" not in claims.TESTED_VERDICTS
    cov = claims.coverage([{**c, "figure": "f", "data": ""}], [{"id": "fig1.a"}])
    assert cov["claims"]["fig1.a"]["status"] == "untested"
    # without a p-value it stays untestable
    assert claims.claim("x", "s", test="t", statistic=1.0, p=None, n=3, direction="greater",
                        descriptive="pairs")["verdict"] == "untestable"


def test_claim_ids_have_no_spaces_and_rows_show_their_effect():
    with pytest.raises(ValueError, match="'fig1.lesion_stim 1_module'.*no spaces"):
        claims.claim("fig1.lesion_stim 1_module", "s", test="t", statistic=1.0, p=0.01, n=3, direction="greater")
    t = stats_mod.ttest_ind([0.3, 0.31, 0.29], [0.9, 0.91, 0.92])
    c = claims.t_claim("fig1.lesion_stim1_module", "s", t, None, "less")
    assert c["effect"]["text"] == "mean 0.3 vs 0.91"
    rows = claims.collect({"fig1": {"scale": "test", "claims": [c]}})
    md = claims.to_markdown(rows)
    assert "| mean 0.3 vs 0.91 | supported |" in md
    assert "*weaker than stated* = " in md and "*descriptive* = " in md
    s, _ = claims.strength_claim("fig1.y", "s", [0.4, 0.5, 0.45, 0.42], 0.8, "high_r", words="highly", quantity="r")
    md = claims.to_markdown(claims.collect({"fig1": {"scale": "test", "claims": [s]}}))
    assert "| weaker than stated | our reading of 'highly': mean r > 0.8 (paper_strength.high_r); supported if the threshold were < " in md
    # old rows (no effect key) show their detail
    old = {k: v for k, v in c.items() if k != "effect"}
    assert claims.effect_cell({**old, "detail": "mean accuracy 0.3"}) == "mean accuracy 0.3"


_ROOT = Path(__file__).resolve().parents[1]
_STRENGTH_WORDS = re.compile(r"\b(highly|strong|strongly|nearly|very|the same|all|high|neatly|reasonably|four|"
                             r"not effected|approximate|greatest|roughly|often|increasingly|peaks|even more|small|64)\b",
                             re.I)


def _strength_config():
    import yaml
    values = yaml.safe_load((_ROOT / "config.yaml").read_text())["paper_strength"]
    props = yaml.safe_load((_ROOT / "workflow/schemas/config.schema.yaml").read_text())["properties"][
        "paper_strength"]["properties"]
    return values, props


def test_docs_claims_page_shows_every_reading_as_in_config_and_schema():
    """docs/claims.md's readings table is generated from config.yaml + the schema: one home, shown as it is."""
    values, props = _strength_config()
    page = (_ROOT / "docs/claims.md").read_text()
    assert claims.strength_readings_markdown(values, props) in page, \
        "docs/claims.md is stale: paste claims.strength_readings_markdown(config, schema) into it"
    for v in claims.VERDICT_MEANING:
        assert f"- *{v}*:" in page
    with pytest.raises(ValueError, match=r"\['extra'\]"):
        claims.strength_readings_markdown({**values, "extra": 1}, props)


def test_every_stated_strength_of_the_paper_is_read_in_config_or_listed_with_a_reason():
    """The systematic pass over workflow/paper_claims.yaml: each claim whose words state a strength is served by a
    config paper_strength key (named in its schema description) or listed in docs/claims.md with the reason."""
    _, props = _strength_config()
    served = {pid for p in props.values() for pid in re.findall(r"\b[a-z0-9]+\.[A-Za-z0-9_]+\b", p["description"])}
    paper = claims.load_paper_claims(_ROOT / "workflow/paper_claims.yaml")
    assert served <= {p["id"] for p in paper}, served - {p["id"] for p in paper}
    listed = set(re.findall(r"^\| ([a-z0-9]+\.[A-Za-z0-9_]+) \|", (_ROOT / "docs/claims.md").read_text(), flags=re.M))
    worded = {p["id"] for p in paper if _STRENGTH_WORDS.search(p["words"] + " " + p.get("strength", ""))}
    assert worded - served - listed == set()
    assert not served & listed - {"fig1.lesion_mod2"}


def test_strength_readings_live_in_config_only():
    """No figure module holds a reading of its own: every strength row's key is a config paper_strength key, its
    threshold comes from the strength parameter, and no row calls a threshold 'stated' (the paper states none)."""
    import ast
    values, _ = _strength_config()
    for path in sorted((_ROOT / "src/modbound/figures").glob("*.py")):
        text = path.read_text()
        assert "stated threshold" not in text, path.name
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "strength_claim":
                thr, key = node.args[3], node.args[4]
                assert not isinstance(thr, ast.Constant), f"{path.name}:{node.lineno}: a literal threshold"
                if isinstance(key, ast.Constant):
                    assert key.value in values, f"{path.name}:{node.lineno}: {key.value} not in paper_strength"
                src = ast.unparse(thr)
                assert "strength" in src or src.isupper() or src in {"thr", "high", "same", "majority"}, \
                    f"{path.name}:{node.lineno}: threshold {src} not from config paper_strength"


def test_claims_header_counts_rows_by_kind_of_data():
    """REAL, SYNTHETIC and SUBSTITUTE rows (and rows on the networks trained here) are counted apart."""
    assert claims.data_kind("") == claims.data_kind(None) == "networks trained here"
    assert claims.data_kind("REAL, region level: 25 isocortical parcels") == "REAL"
    assert claims.data_kind("SYNTHETIC") == "SYNTHETIC"
    assert claims.data_kind("SUBSTITUTE (MiniLM for GPT-2)") == "SUBSTITUTE"
    with pytest.raises(ValueError, match="unknown data mark 'generated'"):  # never counted as the paper's inputs
        claims.data_kind("generated")
    with pytest.raises(ValueError, match="unknown data mark"):
        claims.is_real("generated")
    rows = [{"verdict": "supported", "data": d} for d in ("", "REAL, parcel level", "REAL, region level", "SYNTHETIC")]
    head = claims.header_section(rows)
    assert "Rows by data: networks trained here: 1, REAL: 2, SYNTHETIC: 1" in head
    assert "SUBSTITUTE:" not in head.split("Rows by data:")[1]


def test_verify_sha256_is_the_one_checksum_test_and_names_the_file(tmp_path):
    f = tmp_path / "HCP_tiny.dconn.nii"
    f.write_bytes(b"abc")
    digest = io.sha256(f)
    assert io.verify_sha256(f, None) == digest and io.verify_sha256(f, "") == digest
    assert io.verify_sha256(f, digest.upper()) == digest  # case-insensitive
    with pytest.raises(ValueError, match=rf"HCP_tiny\.dconn\.nii: checksum mismatch \(sha256 {digest}, "
                                         rf"expected f{{64}}\); restore it$"):
        io.verify_sha256(f, "f" * 64, "restore it")
    with pytest.raises(ValueError, match=r"expected f{64}\)$"):  # no hint: nothing appended
        io.verify_sha256(f, "f" * 64)


def test_ensemble_checkpoint_and_vendored_file_mismatches_say_where_the_checksum_is(tmp_path):
    """Both callers of :func:`io.verify_sha256` name the file, the listing that holds its checksum, and what to do."""
    from modbound.datasets import vendored
    from modbound.models import ensembles

    (tmp_path / "models").mkdir()
    (tmp_path / "models/model_000.safetensors").write_bytes(b"weights")
    manifest = {"ensemble": "pdm", "task": "pdm", "n_models": 1, "seeds": {"init": [1]}, "rnn": {},
                "files": [{"path": "model_000.safetensors", "sha256": "0" * 64}]}
    io.write_json(tmp_path / "manifest.json", manifest)
    with pytest.raises(ValueError, match=r"model_000\.safetensors: checksum mismatch .*; the value of "
                                         r".*manifest\.json: file corrupted or replaced"):
        ensembles.load(tmp_path / "manifest.json")
    root = tmp_path / "data"
    root.mkdir()
    (root / "a.csv").write_text("1,2\n")
    (root / "SHA256SUMS").write_text(f"{'0' * 64}  a.csv\n")
    vendored.clear_cache()
    try:
        with pytest.raises(ValueError, match=r"a\.csv: checksum mismatch .*; the value in .*SHA256SUMS: changed or "
                                             r"truncated, restore it with git checkout"):
            vendored.verified(root, "a.csv")
    finally:
        vendored.clear_cache()
