"""The reproduction report: modbound.reporting.report on small hand-made inputs, the rule's target in a dry-run,
and, slow, the report of the tiny end-to-end run (fixture tiny_run, tests/conftest.py) checked against its
claims.json."""
import copy
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, run_snakemake

from modbound.reporting import claims, registry, report
from modbound.core.io import to_jsonable

PAPER = [
    {"id": "fig1.a", "figure": "Fig 1", "words": "module 1 tracks | the input", "compared": "r", "direction": "> 0",
     "strength": '"highly correlated"'},
    {"id": "fig1.b", "figure": "Fig 1", "words": "lesions destroy accuracy", "compared": "acc", "direction": "<"},
    {"id": "fig4.c", "figure": "Fig 4", "words": "in-weights shape FC", "compared": "Q", "direction": ">"},
    {"id": "figS5.d", "figure": "Fig S5", "words": "same subject, similar partitions", "compared": "ARI",
     "direction": ">"},
    {"id": "figS5.e", "figure": "Fig S5", "words": "layer 3 differs", "compared": "ARI", "direction": "qual"},
    {"id": "figS9.f", "figure": "Fig S9", "words": "no row names me", "compared": "-", "direction": "-"},
]
FIGURES = {"fig1": {"panels": "Fig 1", "title": "PDM modules", "inputs": {"a": "x"}, "params": {}},
           "fig4_human": {"panels": "Fig 4k-o", "title": "Human brain", "inputs": {"a": "x"}, "params": {}},
           "figS5": {"panels": "Fig S5", "title": "Transformer", "inputs": {"a": "x"}, "params": {}}}
META = {"commit": "abc123", "configs": ["config.yaml", "configs/test.yaml"], "config_sha256": "f00",
        "scale": "test", "run_time": {"seconds": 3725.0, "jobs": 3, "runs": {"main": {"seconds": 3725.0, "jobs": 3}}}}


def _stats():
    return {
        "fig1": {"figure": "fig1", "scale": "test", "claims": [
            claims.claim("fig1.track", "module tracks input", test="t", statistic=2.5, p=0.01, n=10,
                         direction="greater", paper="fig1.a"),
            claims.claim("fig1.lesion", "lesion drops accuracy", test="t", statistic=-3.0, p=0.001, n=10,
                         direction="less", paper="fig1.b"),
            claims.claim("fig1.lesion2", "other lesion", test="t", statistic=-0.5, p=0.4, n=10, direction="less",
                         paper="fig1.b")]},
        "fig4_human": {"figure": "fig4_human", "scale": "test", "synthetic": True, "data": "synthetic human",
                       "claims": [claims.claim("fig4.q", "in-weight modules on FC", test="null", statistic=-0.2,
                                               p=0.01, n=50, direction="greater", paper="fig4.c")]},
        "figS5": {"figure": "figS5", "scale": "test", "substitute": claims.substitute("GPT-2", "MiniLM"),
                  "claims": [claims.claim("figS5.subj", "subject pairs more similar", test="t", statistic=1.0,
                                          p=float("nan"), n=9, direction="greater", paper="figS5.d"),
                             claims.untested("figS5.layer3", "layer 3 differs", "qualitative reading of a plot",
                                             paper="figS5.e")]},
    }


def _doc(stats, runs=None):
    """results/claims.json as workflow/scripts/claims.py writes it (through JSON, as the rule reads it)."""
    rows = claims.collect(stats, seed=0)
    doc = {"seeds": [0], "coverage": claims.coverage(rows, PAPER), "claims": rows, "spread": [], "runs": ["main"],
           "robustness": []}
    if runs:
        rows_by_run = {"main": rows, **{name: claims.collect(st, seed=0) for name, st in runs.items()}}
        doc["runs"] = list(rows_by_run)
        doc["robustness"] = claims.robustness(rows_by_run, {"main": list(stats), **{n: list(st) for n, st in runs.items()}})
    return json.loads(json.dumps(to_jsonable(doc)))


def _build(doc=None, stats=None, meta=META, **kw):
    stats = _stats() if stats is None else stats
    st = json.loads(json.dumps(to_jsonable(stats)))
    return report.build(_doc(stats) if doc is None else doc, st, PAPER, FIGURES, meta, **kw)


def _table_rows(text):
    """Cells of each markdown table row in ``text`` (separator lines left out; escaped pipes kept in cells)."""
    return [[c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]] for line in text.splitlines()
            if line.startswith("| ") and not line.startswith("|---")]


def _assert_rows_and_coverage(md, doc, *, paper_words):
    """Every claim row of ``doc`` (a claims.json) in its figure's section of ``md``, in order, with its verdict,
    statistic, p and n (and, with ``paper_words``, its paper claim id and the paper's words as in
    workflow/paper_claims.yaml now); the summary's coverage counts as in ``doc``."""
    sections = {m.group(1): m.group(2) for m in re.finditer(r"^## ([^\n:]*): [^\n]*\n(.*?)(?=^## |\Z)", md,
                                                                flags=re.M | re.S)}
    first = 1 if paper_words else 3
    for fig, entry in registry.load().items():
        rows = [r for r in doc["claims"] if r["figure"] == fig]
        got = [c for c in _table_rows(sections[entry["panels"]]) if c[0] != "our claim"]
        want = [([r.get("paper_claim") or "", _paper_words(r)] if paper_words else [])
                + [r["verdict"], claims.fmt_number(r["statistic"]), claims.fmt_number(r["p"]), str(r["n"])]
                for r in rows]
        assert [c[first:7] for c in got] == want, fig
    c = doc["coverage"]["counts"]
    for s in ("tested", "partly", "untested"):
        assert f"| {s} | {c[s]['real']} | {c[s]['substitute']} | {c[s]['total']} |" in md, s


_PAPER_WORDS = {p["id"]: p["words"] for p in claims.load_paper_claims(ROOT / "workflow/paper_claims.yaml")}


def _paper_words(row):
    pid = row.get("paper_claim")
    return f'"{claims.md_cell(_PAPER_WORDS[pid])}"' if pid else ""


def _row_line(md, statement):
    return next(line for line in md.splitlines() if line.startswith(f"| {statement}"))


def test_summary_counts_each_paper_claim_once_by_outcome_and_inputs():
    summ = report.summary(_doc(_stats())["claims"], PAPER)
    assert summ["claims"] == {"fig1.a": ("supported", "real"), "fig1.b": ("mixed", "real"),
                              "fig4.c": ("opposite", "substitute"), "figS5.d": ("untestable", "substitute"),
                              "figS5.e": ("untested", "substitute"), "figS9.f": ("untested", "none")}
    c = summ["counts"]
    assert c["supported"] == {"real": 1, "substitute": 0, "none": 0, "total": 1}
    assert c["untested"] == {"real": 0, "substitute": 1, "none": 1, "total": 2}
    assert sum(v["total"] for v in c.values()) == summ["n_paper_claims"] == len(PAPER)
    md = _build()
    assert "| supported | 1 | 0 | 0 | 1 |" in md and "| mixed | 1 | 0 | 0 | 1 |" in md
    assert "| opposite | 0 | 1 | 0 | 1 |" in md and "| untested | 0 | 1 | 1 | 2 |" in md
    assert "| **all** | 2 | 3 | 1 | 6 |" in md
    # the coverage table is claims.json's coverage, as written
    assert "| tested | 2 | 1 | 3 |" in md and "| partly | 0 | 0 | 0 |" in md and "| untested | 0 | 0 | 3 |" in md
    stats = _stats()   # a paper claim with a tested and an untested row is partly tested
    stats["fig1"]["claims"].append(claims.untested("fig1.more", "more", "needs real data", paper="fig1.a"))
    assert "| tested | 1 | 1 | 2 |" in _build(stats=stats) and "| partly | 1 | 0 | 1 |" in _build(stats=stats)


def test_outcome_rules():
    sup = {"verdict": "supported", "data": ""}
    ns = {"verdict": "not significant", "data": ""}
    opp = {"verdict": "opposite", "data": ""}
    syn_sup = {"verdict": "supported", "data": "SYNTHETIC"}
    assert report.paper_outcome([sup, sup]) == ("supported", "real")
    assert report.paper_outcome([ns, opp]) == ("opposite", "real")
    assert report.paper_outcome([ns]) == ("not significant", "real")
    assert report.paper_outcome([opp, sup]) == ("mixed", "real")
    # rows on the paper's kind of inputs decide; substitute rows only when there is none
    assert report.paper_outcome([ns, syn_sup]) == ("not significant", "real")
    assert report.paper_outcome([syn_sup, {"verdict": "untested", "data": ""}]) == ("supported", "substitute")
    assert report.paper_outcome([]) == ("untested", "none")
    # a strength row short of our reading, beside rows in the paper's direction
    weak = {"verdict": "weaker than stated", "data": ""}
    desc = {"verdict": "descriptive", "data": ""}
    assert report.paper_outcome([sup, weak]) == ("weaker than stated", "real")
    assert report.paper_outcome([weak]) == ("weaker than stated", "real")
    assert report.paper_outcome([weak, ns]) == ("mixed", "real")
    assert report.paper_outcome([weak, opp]) == ("mixed", "real")
    # descriptive p-values never support: judged on the other rows, else the claim is descriptive
    assert report.paper_outcome([desc, ns]) == ("not significant", "real")
    assert report.paper_outcome([desc]) == ("descriptive", "real")
    assert report.paper_outcome([desc, {"verdict": "untested", "data": ""}]) == ("descriptive", "real")


def test_summary_opens_with_prose_from_the_claims_and_one_sentence_per_outcome():
    stats = _stats()
    weak, _ = claims.strength_claim("fig1.high", "module tracks input highly", [0.4, 0.5, 0.45, 0.42], 0.8, "high_r",
                                    words="highly correlated", paper="fig1.a", quantity="r")
    stats["fig1"]["claims"].append(weak)
    md = _build(stats=stats)
    summary = md.split("## Summary")[1].split("## Fig 1")[0]
    assert ("**What reproduces.** Of the paper's 6 claims, 0 are supported on the paper's kind of inputs, and 1 more"
            " reproduce in direction but weaker than the paper states (`fig1.a`).") in summary
    assert "**What does not.** Of the 2 claims judged on the paper's kind of inputs, 1 mixed." in summary
    assert ("**What cannot be tested here.** 2 untested, 1 untestable (listed at the end); 1 more are judged only on"
            " SUBSTITUTE/SYNTHETIC inputs") in summary
    for o in report.OUTCOMES:
        assert f"- *{o}*: {report.OUTCOME_MEANING[o]}" in summary
        assert f"\n| {o} | " in summary
    assert summary.index("**What reproduces.**") < summary.index("- *supported*") < summary.index("| outcome |")
    # REAL, SYNTHETIC and SUBSTITUTE rows counted apart (and the rows on the networks trained here)
    kinds = {k: sum(claims.data_kind(claims.data_mark(st)) == k for st in stats.values() for _ in st["claims"])
             for k in claims.DATA_KINDS}
    assert kinds["SYNTHETIC"] and kinds["SUBSTITUTE"] and kinds["networks trained here"]
    assert "Claim rows by kind of data: " + ", ".join(f"{k} {n}" for k, n in kinds.items()) in summary
    # the row: its effect, its test, our reading and the thresholds at which the verdict would change
    cells = [c.strip() for c in re.split(r"(?<!\\)\|", _row_line(md, "module tracks input highly"))[1:-1]]
    assert cells[3] == "weaker than stated" and cells[7] == "mean r 0.443 (median 0.435; judged: mean)"
    assert cells[8] == "one-sample t-test vs 0.8"
    assert cells[9].startswith("our reading of 'highly correlated': mean r > 0.8 (paper_strength.high_r); supported"
                               " if the threshold were < 0.3")


def test_rows_carry_the_papers_words_strength_verdict_and_data_marks():
    md = _build()
    line = _row_line(md, "module tracks input")
    cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
    assert cells[:12] == ["module tracks input", "fig1.a", '"module 1 tracks \\| the input"', "supported", "2.5",
                          "0.01", "10", "", "t", "", '"highly correlated"', ""]
    assert "SYNTHETIC" in _row_line(md, "in-weight modules on FC")
    assert "SUBSTITUTE (MiniLM for GPT-2)" in _row_line(md, "subject pairs more similar")
    assert "untestable" in _row_line(md, "subject pairs more similar")
    assert "not tested: qualitative reading of a plot" in _row_line(md, "layer 3 differs")
    # figure sections: registry order, each with its image, scale and data label
    heads = [m.group(0) for m in re.finditer(r"^## Fig .*$", md, flags=re.M)]
    assert heads == ["## Fig 1: PDM modules", "## Fig 4k-o: Human brain", "## Fig S5: Transformer"]
    assert "![Fig 4k-o](docs/reproduction/fig4_human.png)" in md
    assert "data: SYNTHETIC: synthetic human." in md and "data: SUBSTITUTE (MiniLM for GPT-2)." in md
    # untested paper claims, with their reasons
    untested = md.split("## The paper's claims this run does not test")[1]
    assert "| figS9.f |" in untested and "no claim row names it in this run" in untested
    assert "| figS5.e |" in untested and "qualitative reading of a plot" in untested
    assert "| figS5.d |" in untested and "untestable" in untested and "| fig1.a |" not in untested


def test_header_names_commit_config_scale_and_run_time():
    md = _build()
    assert "| commit | `abc123` |" in md and "`config.yaml`, `configs/test.yaml`" in md and "| scale | test |" in md
    assert "1 h 02 min 05 s" in md and "3 Snakemake `benchmark:` files" in md
    assert "not the elapsed time" in md
    assert "| run time | not measured" in _build(meta={**META, "run_time": None})


def test_robustness_cells_per_run_and_the_seed_spread():
    stats = _stats()
    variant = copy.deepcopy({"fig1": stats["fig1"]})
    variant["fig1"]["claims"][0] = claims.claim("fig1.track", "module tracks input", test="t", statistic=0.3,
                                                p=0.6, n=10, direction="greater", paper="fig1.a")
    del variant["fig1"]["claims"][2]
    doc = _doc(stats, runs={"dt20": variant})
    md = _build(doc=doc)
    line = _row_line(md, "module tracks input")
    assert "| test 1/2 runs supported (not: dt20 n.s. (0.3)) |" in line
    assert "| test 0/2 runs supported (not: main n.s. (-0.5); dt20 no claim) |" in _row_line(md, "other lesion")
    # dt20 did not build fig4_human: only the main run counts
    assert "| test 0/1 runs supported (not: main OPPOSITE (-0.2)) |" in _row_line(md, "in-weight modules on FC")
    assert "| test single run |" in _row_line(_build(), "module tracks input")
    doc["spread"] = [{"figure": "fig1", "id": "fig1.track", "n_seeds": 3, "statistic_mean": 2.0,
                      "statistic_sd": 0.5, "n_supported": 2}]
    assert "test 1/2 runs supported (not: dt20 n.s. (0.3)), seeds 2/3 (statistic 2 +- 0.5)" in _row_line(
        _build(doc=doc), "module tracks input")


def test_same_inputs_give_the_same_bytes_whatever_the_order_of_the_stats():
    a = _build()
    stats = _stats()
    b = report.build(_doc(stats), json.loads(json.dumps(to_jsonable(dict(reversed(list(stats.items())))))), PAPER,
                     FIGURES, dict(reversed(list(META.items()))))
    assert a.encode() == b.encode()
    assert a != _build(meta={**META, "commit": "abc124"})


@pytest.mark.parametrize("mutate,needles", [
    (lambda d, s: d.pop("coverage"), ["claims.json", "'coverage'"]),
    (lambda d, s: d.pop("robustness"), ["claims.json", "'robustness'"]),
    (lambda d, s: d["claims"][1].pop("verdict"), ["claims.json", "claims[1]", "verdict"]),
    (lambda d, s: d["coverage"]["claims"].pop("fig1.a"), ["claims.json", "coverage.claims", "stale"]),
    (lambda d, s: d["claims"][0].__setitem__("figure", "fig9"), ["claims.json", "'figure'", "fig9"]),
    (lambda d, s: s.__setitem__("fig7", {"figure": "fig7", "scale": "test", "claims": []}),
     ["stats/fig7.json", "fig7", "not in the figure registry"]),
    (lambda d, s: s["fig1"].pop("scale"), ["stats/fig1.json", "'scale'"]),
    (lambda d, s: s["fig1"].__setitem__("scale", "paper"), ["stats/fig1.json", "'scale'", "paper"]),
    (lambda d, s: s["fig1"]["claims"].pop(), ["claims.json", "fig1", "stale"]),
    (lambda d, s: s.pop("figS5"), ["claims.json", "figS5"]),
])
def test_bad_inputs_stop_naming_the_file_and_key(mutate, needles):
    stats = json.loads(json.dumps(to_jsonable(_stats())))
    doc = _doc(_stats())
    mutate(doc, stats)
    paths = {fig: f"results/stats/{fig}.json" for fig in stats}
    with pytest.raises(ValueError) as err:
        report.build(doc, stats, PAPER, FIGURES, META, claims_path="results/claims.json", stats_paths=paths)
    assert all(n in str(err.value) for n in needles), str(err.value)


def test_benchmark_time_sums_every_benchmark_file(tmp_path):
    assert report.benchmark_time({"main": tmp_path / "results"}) is None
    header = "s\th:m:s\tmax_rss\n"
    (tmp_path / "results/benchmarks/a").mkdir(parents=True)
    (tmp_path / "results/benchmarks/a/x.tsv").write_text(header + "10.5\t0:00:10\t3\n")
    (tmp_path / "results/benchmarks/y.tsv").write_text(header + "1.0\t0:00:01\t3\n2.0\t0:00:02\t3\n")
    (tmp_path / "results/variants/dt20/benchmarks").mkdir(parents=True)
    (tmp_path / "results/variants/dt20/benchmarks/z.tsv").write_text(header + "100\t0:01:40\t3\n")
    got = report.benchmark_time({"main": tmp_path / "results", "dt20": tmp_path / "results/variants/dt20",
                                 "seed1": tmp_path / "results/replicates/seed1"})
    assert got == {"seconds": 113.5, "jobs": 3, "runs": {"main": {"seconds": 13.5, "jobs": 2},
                                                       "dt20": {"seconds": 100.0, "jobs": 1}}}
    (tmp_path / "results/benchmarks/y.tsv").write_text("oops\n")
    with pytest.raises(ValueError, match="y.tsv"):
        report.benchmark_time({"main": tmp_path / "results"})


def test_git_commit_marks_changes_to_tracked_files_but_not_the_reports_own(tmp_path):
    assert report.git_commit(tmp_path) == "unknown"
    def git(*a):
        subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t", *a], check=True,
                       capture_output=True)
    git("init", "-q")
    (tmp_path / "a.txt").write_text("1")
    (tmp_path / "REPRODUCTION.md").write_text("old")
    git("add", "a.txt", "REPRODUCTION.md")
    git("commit", "-q", "-m", "x")
    head = subprocess.run(["git", "-C", str(tmp_path), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert report.git_commit(tmp_path) == head
    (tmp_path / "REPRODUCTION.md").write_text("regenerated")
    (tmp_path / "untracked.txt").write_text("x")
    assert report.git_commit(tmp_path) == head
    (tmp_path / "a.txt").write_text("2")
    assert report.git_commit(tmp_path) == head + "-dirty"


def test_config_sources_name_no_machine_path(tmp_path):
    got = report.config_sources(ROOT, [ROOT / "config.yaml", ROOT / "configs/paper.yaml", tmp_path / "mine.yaml"],
                                {"seed": 3})
    assert got == ["config.yaml", "configs/paper.yaml", "mine.yaml (outside the checkout)", "--config seed=3"]
    assert report.config_digest({"a": 1, "b": [2]}) == report.config_digest({"b": [2], "a": 1})


def test_report_is_a_target_of_its_own_not_of_rule_all(tmp_path):
    args = ["-n", "--quiet", "rules", "--snakefile", str(ROOT / "Snakefile"), "--directory", str(tmp_path),
            "--configfile", str(ROOT / "configs/test.yaml")]
    out = run_snakemake(*args[:-2], "REPRODUCTION.md", *args[-2:]).stdout
    assert re.search(r"^report\s+1$", out, flags=re.M) and re.search(r"^claims\s+1$", out, flags=re.M), out
    assert not re.search(r"^report\s", run_snakemake(*args).stdout, flags=re.M)
    # the PNGs it shows are outputs too, one per registry figure
    out = run_snakemake(*args[:-2], "docs/reproduction/figS14.png", *args[-2:]).stdout
    assert re.search(r"^report\s+1$", out, flags=re.M), out


@pytest.mark.slow
def test_tiny_run_report_matches_its_claims_json(tiny_run):
    """The report of the tiny end-to-end run, made by the rule: every claim row with its verdict, the coverage
    counts equal to claims.json's, the commit of this checkout, every image copied."""
    stats_before = {p.name: p.read_bytes() for p in (tiny_run / "results/stats").glob("*.json")}
    run_snakemake("--snakefile", str(ROOT / "Snakefile"), "--directory", str(tiny_run), "--configfile",
                  str(ROOT / "configs/test.yaml"), "--cores", "2", "REPRODUCTION.md")
    md = (tiny_run / "REPRODUCTION.md").read_text()
    doc = json.loads((tiny_run / "results/claims.json").read_text())
    assert {p.name: p.read_bytes() for p in (tiny_run / "results/stats").glob("*.json")} == stats_before
    # every claim row, in its figure's section, in order, with its paper claim id, the paper's words, verdict,
    # statistic, p and n; the summary's coverage counts as in claims.json
    _assert_rows_and_coverage(md, doc, paper_words=True)
    # outcomes adding up to the paper's claims
    c = doc["coverage"]["counts"]
    n = doc["coverage"]["n_paper_claims"]
    assert re.search(rf"^\| \*\*all\*\* \| \d+ \| \d+ \| \d+ \| {n} \|$", md, flags=re.M)
    summ = report.summary(doc["claims"], claims.load_paper_claims(ROOT / "workflow/paper_claims.yaml"))
    tested_real = sum(summ["counts"][o]["real"] for o in ("supported", "weaker than stated", "mixed",
                                                          "not significant", "opposite"))
    assert tested_real == c["tested"]["real"] + c["partly"]["real"]
    # metadata: this checkout's commit, the configs, the scale, the benchmarks' time
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert re.search(rf"^\| commit \| `{head}(-dirty)?` \|$", md, flags=re.M)
    assert "| configuration (merged in this order) | `config.yaml`, `configs/test.yaml` |" in md
    assert "| scale | test |" in md
    files = sorted((tiny_run / "results/benchmarks").rglob("*.tsv"))
    assert files and f"{len(files)} Snakemake `benchmark:` files" in md
    # the images, 256-colour copies of the same pixel size and close to the originals, linked relatively
    from PIL import Image
    import numpy as np
    for fig in registry.load():
        with Image.open(tiny_run / f"docs/reproduction/{fig}.png") as a, \
                Image.open(tiny_run / f"results/figures/{fig}.png") as b:
            assert a.mode == "P" and a.size == b.size, fig
            diff = np.abs(np.asarray(a.convert("RGB"), float) - np.asarray(b.convert("RGB"), float))
            assert diff.mean() < 3, (fig, diff.mean())
        assert f"](docs/reproduction/{fig}.png)" in md
    assert str(tiny_run) not in md and str(ROOT) not in md
    # the claims it was made from, beside it
    assert (tiny_run / "docs/reproduction/claims.json").read_bytes() == (tiny_run / "results/claims.json").read_bytes()
    assert not (tiny_run / "docs/reproduction/companion_claims.json").exists()
    # rebuilt from the same inputs: the same bytes
    (tiny_run / "REPRODUCTION.md").unlink()
    run_snakemake("--snakefile", str(ROOT / "Snakefile"), "--directory", str(tiny_run), "--configfile",
                  str(ROOT / "configs/test.yaml"), "--cores", "2", "REPRODUCTION.md")
    assert (tiny_run / "REPRODUCTION.md").read_text() == md


@pytest.mark.slow
def test_tiny_run_report_with_a_bad_claims_json_stops_and_writes_nothing(tiny_run, tmp_path):
    work = tmp_path / "w"
    shutil.copytree(tiny_run, work, ignore=shutil.ignore_patterns("REPRODUCTION.md", "docs", "report.html"))
    path = work / "results/claims.json"
    doc = json.loads(path.read_text())
    del doc["claims"][1]["verdict"]
    path.write_text(json.dumps(doc))
    proc = run_snakemake("--snakefile", str(ROOT / "Snakefile"), "--directory", str(work), "--configfile",
                         str(ROOT / "configs/test.yaml"), "--cores", "1", "REPRODUCTION.md", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "results/claims.json: claims[1]" in out and "['verdict']" in out, out[-3000:]
    assert not (work / "REPRODUCTION.md").exists() and not list(work.glob("docs/reproduction/*"))
    assert "claims[1]" in (work / "logs/report.log").read_text()


@pytest.mark.slow
def test_tiny_run_report_with_a_companion_run_and_the_measured_run_time(tiny_run, tmp_path):
    """`make paper`'s two extras at tiny scale: results/run_time.json written by `python -m modbound.reporting.report
    run-time` shown in the header, and config report.companion (here a copy of the run's own claims.json, as a
    second checkout's would be) shown beside each row with its scale."""
    work = tmp_path / "w"
    shutil.copytree(tiny_run, work, ignore=shutil.ignore_patterns("REPRODUCTION.md", "docs", "report.html"))
    (work / "other").mkdir()
    shutil.copyfile(work / "results/claims.json", work / "other/claims.json")
    subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "modbound.reporting.report", "run-time", "--start", "0", "--end",
                    "61", "--cores", "2", "--out", str(work / "results/run_time.json"), "--configfile",
                    "configs/test.yaml", "--", "snakemake", "--cores", "2"], check=True)
    run_snakemake("--snakefile", str(ROOT / "Snakefile"), "--directory", str(work), "--cores", "2", "REPRODUCTION.md",
                  "--config", "report={companion: other/claims.json}", "--configfile", str(ROOT / "configs/test.yaml"))
    md = (work / "REPRODUCTION.md").read_text()
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert re.search(r"\| run time \| 1 min 01 s elapsed for the whole run at commit `(unknown|[0-9a-f]{40}(-dirty)?)`", md)
    assert head  # the tiny run's checkout is a git work tree in CI too
    assert "| companion run | `claims.json` (sha256 `" in md and "at scale **test**, master seeds 0" in md
    doc = json.loads((work / "results/claims.json").read_text())
    r = next(r for r in doc["claims"] if r["verdict"] in claims.TESTED_VERDICTS)
    assert "; test (companion): " in _row_line(md, claims.md_cell(r["statement"]))
    assert "### The same count in the companion run (test scale, its master seed)" in md
    assert (work / "docs/reproduction/companion_claims.json").read_bytes() == (work / "other/claims.json").read_bytes()
    # the run time of a run with other config files is refused, and nothing is written
    (work / "REPRODUCTION.md").unlink()
    (work / "mine.yaml").write_text("seed: 0\n")     # another config file, same settings
    proc = run_snakemake("--snakefile", str(ROOT / "Snakefile"), "--directory", str(work), "--cores", "1",
                         "REPRODUCTION.md", "--configfile", str(ROOT / "configs/test.yaml"), str(work / "mine.yaml"),
                         check=False)
    assert proc.returncode != 0 and "run_time.json: key 'configfiles'" in proc.stdout + proc.stderr
    assert not (work / "REPRODUCTION.md").exists()
    # the same config files with another --config value: the merged config differs, refused
    proc = run_snakemake("--snakefile", str(ROOT / "Snakefile"), "--directory", str(work), "--cores", "1",
                         "REPRODUCTION.md", "--config", "threads=3", "--configfile",
                         str(ROOT / "configs/test.yaml"), "--allowed-rules", "report", check=False)
    assert proc.returncode != 0 and "run_time.json: key 'config_sha256'" in proc.stdout + proc.stderr
    assert not (work / "REPRODUCTION.md").exists()
    # a report without a companion leaves no companion_claims.json of an earlier report beside it
    (work / "results/run_time.json").unlink()
    run_snakemake("--snakefile", str(ROOT / "Snakefile"), "--directory", str(work), "--cores", "1", "REPRODUCTION.md",
                  "--configfile", str(ROOT / "configs/test.yaml"))
    assert (work / "REPRODUCTION.md").exists() and not (work / "docs/reproduction/companion_claims.json").exists()


def test_rule_times_lists_jobs_slowest_first_with_cpu(tmp_path):
    head = "s\th:m:s\tmax_rss\tcpu_time\n"
    for rel, rows in {"train_ensemble/pdm.tsv": ["10.5\t0:00:10\t1\t9.0"],
                      "dynamics/flow_gng.tsv": ["2.0\t0:00:02\t1\t1.5", "3.0\t0:00:03\t1\t2.5"]}.items():
        f = tmp_path / "benchmarks" / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(head + "\n".join(rows) + "\n")
    rows = report.rule_times(tmp_path)
    assert [r["job"] for r in rows] == ["train_ensemble/pdm", "dynamics/flow_gng"]
    assert rows[1]["wall_s"] == pytest.approx(5.0) and rows[1]["cpu_s"] == pytest.approx(4.0)
    (tmp_path / "benchmarks/dynamics/flow_gng.tsv").write_text("s\th:m:s\n1\t0\n")
    with pytest.raises(ValueError, match="flow_gng.tsv.*cpu_time"):
        report.rule_times(tmp_path)
    import runpy
    table = runpy.run_path(str(ROOT / "benchmarks/rule_times.py"))["table"]
    (tmp_path / "benchmarks/dynamics/flow_gng.tsv").unlink()
    assert "| train_ensemble/pdm | 10.5 | 9.0 |" in table([str(tmp_path)])


def test_palette_png_keeps_the_pixels_close_in_fewer_bytes(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from PIL import Image
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.imshow(np.random.default_rng(0).standard_normal((40, 40)).cumsum(0), cmap="RdBu_r")
    ax.plot([0, 39], [0, 39], "k-")
    fig.savefig(tmp_path / "a.png", dpi=150)
    plt.close(fig)
    report.palette_png(tmp_path / "a.png", tmp_path / "b.png")
    report.palette_png(tmp_path / "a.png", tmp_path / "c.png")
    assert (tmp_path / "b.png").read_bytes() == (tmp_path / "c.png").read_bytes()
    assert (tmp_path / "b.png").stat().st_size < (tmp_path / "a.png").stat().st_size
    with Image.open(tmp_path / "a.png") as a, Image.open(tmp_path / "b.png") as b:
        assert b.mode == "P" and a.size == b.size
        assert np.abs(np.asarray(a.convert("RGB"), float) - np.asarray(b.convert("RGB"), float)).mean() < 3


def test_compare_rule_times_job_by_job_before_and_after(tmp_path):
    head = "s\th:m:s\tmax_rss\tcpu_time\n"
    for run, files in {"a": {"train_ensemble/pdm.tsv": "10\t0\t1\t20", "brain/analysis_human.tsv": "5\t0\t1\t5"},
                       "b": {"train_ensemble/pdm.tsv": "8\t0\t1\t8", "dynamics/flow.tsv": "1\t0\t1\t1"}}.items():
        for rel, row in files.items():
            f = tmp_path / run / "benchmarks" / rel
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(head + row + "\n")
    rows = report.compare_rule_times(tmp_path / "a", tmp_path / "b")
    assert rows == [{"job": "train_ensemble/pdm", "before": {"wall_s": 10.0, "cpu_s": 20.0},
                     "after": {"wall_s": 8.0, "cpu_s": 8.0}},
                    {"job": "dynamics/flow", "before": None, "after": {"wall_s": 1.0, "cpu_s": 1.0}},
                    {"job": "brain/analysis_human", "before": {"wall_s": 5.0, "cpu_s": 5.0}, "after": None}]
    import runpy
    compare = runpy.run_path(str(ROOT / "benchmarks/rule_times.py"))["compare"]
    md = compare(str(tmp_path / "a"), str(tmp_path / "b"))
    assert "| train_ensemble/pdm | 10.0 | 20.0 | 8.0 | 8.0 |" in md and "| dynamics/flow | — | — | 1.0 | 1.0 |" in md
    assert "| **all** (2 / 2 jobs) | 15.0 | 25.0 | 9.0 | 9.0 |" in md
    with pytest.raises(ValueError, match="no benchmark files"):
        report.compare_rule_times(tmp_path / "x", tmp_path / "y")


def _companion_doc(rename=None):
    """A companion run's claims.json: the same figures at another scale, two seeds and a variant (``rename``: claim
    ids that its run named otherwise)."""
    stats = json.loads(json.dumps(to_jsonable(_stats())))
    for st in stats.values():
        st["scale"] = "default"
        for c in st["claims"]:
            c["id"] = (rename or {}).get(c["id"], c["id"])
    doc = _doc(stats, runs={"dt20": {"fig1": stats["fig1"]}})
    doc["seeds"] = [0, 1]
    doc["spread"] = [{"figure": "fig1", "id": (rename or {}).get("fig1.track", "fig1.track"), "n_seeds": 2, "statistic_mean": 2.25,
                      "statistic_sd": 0.25, "n_supported": 2}]
    return doc


def test_companion_run_beside_each_row_marked_with_its_scale_and_counted_apart():
    comp = _companion_doc()
    assert report.companion_meta(comp, "/x/reduced/results/claims.json", "beef") == {
        "name": "claims.json", "sha256": "beef", "scale": "default", "seeds": [0, 1], "runs": ["main", "dt20"]}
    meta = {**META, "companion_sha256": "beef"}
    # in the companion run the other lesion is supported (as if at its scale the effect were significant)
    cell = next(e for e in comp["robustness"] if e["id"] == "fig1.lesion2")["cells"]["main"]
    cell.update(verdict="supported", statistic=-3.5)
    md = _build(meta=meta, companion=comp, companion_path="reduced/claims.json")
    line = _row_line(md, "module tracks input")
    assert "| test single run; default (companion): 2/2 runs supported, seeds 2/2 (statistic 2.25 +- 0.25) |" in line
    # a verdict that changes with scale is flagged
    assert "**Changes with scale**" not in line
    flagged = _row_line(md, "other lesion")
    assert ("**Changes with scale**: not significant at test scale, supported at default scale" in flagged), flagged
    assert "at scale **default**, master seeds 0, 1, runs main, dt20" in md and "sha256 `beef`" in md
    # its own outcome table, after this run's summary; this run's counts unchanged
    assert "### The same count in the companion run (default scale, its master seed)" in md
    base = _build()
    assert md.index("## Summary") < md.index("### The same count") < md.index("## Fig 1")
    assert md.split("## Summary")[1].split("### The same count")[0] == base.split("## Summary")[1].split("## Fig 1")[0]
    # a companion made before claim ids lost their spaces still matches (its fig1.track was "fig1.tr ack")
    old = _companion_doc(rename={"fig1.track": "fig1.tr ack"})
    assert "; default (companion): 2/2 runs supported, seeds 2/2" in _row_line(
        _build(meta=meta, companion=old), "module tracks input")
    # a claim the companion lacks (its run named the row otherwise); rows dropped from its claims.json are refused
    assert "; default (companion): no such claim row" in _row_line(
        _build(meta=meta, companion=_companion_doc(rename={"fig1.track": "fig1.track_v0"})), "module tracks input")
    dropped = _companion_doc()
    del dropped["robustness"][0], dropped["spread"][0]
    with pytest.raises(ValueError, match=r"reduced/claims.json: key 'robustness' has no entry for the claim row"):
        _build(meta=meta, companion=dropped, companion_path="reduced/claims.json")
    # a bad companion stops, naming its file
    bad = _companion_doc()
    bad.pop("spread")
    with pytest.raises(ValueError, match=r"reduced/claims.json: missing key\(s\) \['spread'\]"):
        _build(meta=meta, companion=bad, companion_path="reduced/claims.json")


def test_run_time_written_read_and_checked_against_the_reports_config_files(tmp_path):
    out = tmp_path / "results/run_time.json"
    assert report.read_run_time(out) is None
    args = ["run-time", "--start", "1000", "--end", "4725.4", "--cores", "2", "--out", str(out), "--configfile",
            "configs/paper.yaml", "configs/master_only.yaml", "--commit", "abc100", "--", "snakemake", "--cores", "2"]
    with pytest.raises(SystemExit, match=r"results/claims.json: cannot read the run's merged config sha256"):
        report.main(args)     # the run's claims.json (beside --out) says which settings made it
    assert not out.exists()
    out.parent.mkdir(parents=True)
    (tmp_path / "results/claims.json").write_text(json.dumps({"run": {"config_sha256": "5e77"}}))
    assert report.main(args) == 0
    got = report.read_run_time(out, ["configs/paper.yaml", "configs/master_only.yaml"], "5e77")
    assert got == {"seconds": 3725.4, "started": "1970-01-01 00:16 UTC", "cores": 2,
                   "configfiles": ["configs/paper.yaml", "configs/master_only.yaml"], "command": "snakemake --cores 2",
                   "commit": "abc100", "config_sha256": "5e77"}
    # the same config files with other --config values: another merged config, refused
    with pytest.raises(ValueError, match=r"run_time.json: key 'config_sha256' = '5e77' but the report's run has "
                                         r"merged config sha256 'other'"):
        report.read_run_time(out, ["configs/paper.yaml", "configs/master_only.yaml"], "other")
    cfg = {"seed": 0, "analysis": {"n_perm": 10}, "report": {"companion": None}}
    assert report.run_config_digest(cfg) == report.run_config_digest({**cfg, "report": {"companion": "x.json"}})
    assert report.run_config_digest(cfg) != report.run_config_digest({**cfg, "analysis": {"n_perm": 11}})
    md = _build(meta={**META, "elapsed": got})
    assert ("| run time | 1 h 02 min 05 s elapsed for the whole run at commit `abc100` (the report was written at"
            " the commit above; `git diff` of the two commits") in md
    md = _build(meta={**META, "elapsed": {**got, "commit": META["commit"]}})
    assert "| run time | 1 h 02 min 05 s elapsed for the whole run at commit `abc123` (started 1970-01-01 00:16 UTC, `--cores 2`" in md
    assert "last part of a run made in parts" not in md
    # a run finished by a later command (Snakemake resumed it): its time is that of the last part, and says so
    assert report.main([*args[:-4], "--resumed", *args[-4:]]) == 0
    part = report.read_run_time(out)
    assert part == {**got, "resumed": True}
    md = _build(meta={**META, "elapsed": part})
    assert ("| run time | 1 h 02 min 05 s elapsed for the last part of a run made in parts (it resumed from the outputs"
            " of earlier parts, whose time is not counted here") in md and "for the whole run" not in md
    out.write_text(json.dumps({**got, "resumed": "yes"}))
    with pytest.raises(ValueError, match="run_time.json: key 'resumed' = 'yes'"):
        report.read_run_time(out)
    out.write_text(json.dumps(got))
    with pytest.raises(ValueError, match="run_time.json: key 'configfiles'.*another run"):
        report.read_run_time(out, ["configs/paper.yaml"])
    out.write_text(json.dumps({**got, "seconds": -1}))
    with pytest.raises(ValueError, match="run_time.json: key 'seconds'"):
        report.read_run_time(out)
    out.write_text("{")
    with pytest.raises(ValueError, match="run_time.json: not JSON"):
        report.read_run_time(out)
    with pytest.raises(ValueError, match="before start"):
        report.write_run_time(tmp_path / "x.json", 10, 5, 2, [], "x")
    assert not (tmp_path / "x.json").exists()


def test_make_paper_puts_targets_before_config_and_records_the_run_time():
    out = subprocess.run(["make", "-n", "-C", str(ROOT), "paper", "PAPER_CONFIGS=configs/paper.yaml configs/master_only.yaml",
                          "COMPANION=../reduced/results/claims.json"], capture_output=True, text=True, check=True).stdout
    lines = [" ".join(ln.split()) for ln in out.replace("\\\n", " ").splitlines() if "snakemake" in ln or "run-time" in ln]
    assert any("REPRODUCTION.md --config 'report={companion: ../reduced/results/claims.json}' --configfile "
               "configs/paper.yaml configs/master_only.yaml" in ln for ln in lines), lines
    assert any("modbound.reporting.report run-time --start" in ln and "--configfile configs/paper.yaml configs/master_only.yaml"
               in ln for ln in lines), lines


@pytest.mark.skipif(not (ROOT / "REPRODUCTION.md").exists(), reason="no committed report")
def test_committed_report_matches_the_claims_it_was_made_from():
    """The committed REPRODUCTION.md: every claim row as in docs/reproduction/claims.json (the run's
    results/claims.json, copied by the rule), a paper-scale run, every image present."""
    md = (ROOT / "REPRODUCTION.md").read_text()
    doc = json.loads((ROOT / "docs/reproduction/claims.json").read_text())
    assert "| scale | paper |" in md and {r["scale"] for r in doc["claims"]} == {"paper"}
    _assert_rows_and_coverage(md, doc, paper_words=False)
    for fig in registry.load():
        assert (ROOT / f"docs/reproduction/{fig}.png").is_file() and f"](docs/reproduction/{fig}.png)" in md
    commit = re.search(r"^\| commit \| `([0-9a-f]{40})` \|$", md, flags=re.M)
    assert commit, "the committed report names a clean commit"
    companion = ROOT / "docs/reproduction/companion_claims.json"
    if "| companion run |" in md:
        digest = hashlib.sha256(companion.read_bytes()).hexdigest()
        assert f"sha256 `{digest}`" in md
