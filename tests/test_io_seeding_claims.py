import json

import numpy as np
import pytest

from modbound import claims, io, seeding


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
