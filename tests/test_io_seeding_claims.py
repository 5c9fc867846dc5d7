import json
from pathlib import Path

import numpy as np
import pytest

from modbound.reporting import claims
from modbound.core import io, seeding


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


def test_strength_claim_tests_the_stated_threshold():
    c, t = claims.strength_claim("x", "modules are the sectors", [[0.9, 0.95], [0.85, 0.92]], 0.8, "same_partition_ari",
                                 paper="fig2.quadrants", quantity="ARI")
    assert c["verdict"] == "supported" and c["paper_claim"] == "fig2.quadrants" and t["n"] == 4
    assert "ARI > 0.8, config paper_strength.same_partition_ari" in c["statement"] and "lowest group mean 0.885" in c["detail"]
    low, _ = claims.strength_claim("x", "s", [0.4, 0.5, 0.45, 0.42], 0.8, "k")
    assert low["verdict"] == "opposite"
