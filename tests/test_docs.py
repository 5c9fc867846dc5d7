"""The documentation a newcomer reads: every page linked and every link resolving, the README's headline
counted from the committed report's claims, one table of run times that the README and the docs cannot contradict,
the worked example of docs/own_data.md run as written, and how to cite."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from modbound.reporting import claims as claims_mod, report, run_times

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
RUNS = ROOT / "benchmarks" / "runs.yaml"
#: the docs pages the README must link (some written on other branches: the lead merges them before CI)
PAGES = ("methods", "methods_figures", "claims", "variants", "data", "own_data", "benchmarks", "faults",
         "troubleshooting")


def doc_pages() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


def markdown_files() -> list[Path]:
    return [README, ROOT / "CONTRIBUTING.md", *doc_pages()]


# ---- links --------------------------------------------------------------------------------------------------

def slug(heading: str) -> str:
    """GitHub's anchor of a markdown heading."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def links(text: str) -> list[str]:
    """Targets of the markdown links and images of ``text`` (code blocks and code spans left out)."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    text = re.sub(r"`[^`\n]*`", "", text)
    return re.findall(r"\]\(([^)\s]+)\)", text)


def anchors(path: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", path.read_text(), flags=re.S | re.M)
    return {slug(h) for h in re.findall(r"^#+ (.+)$", text, flags=re.M)}


def all_links():
    for page in markdown_files():
        for target in dict.fromkeys(links(page.read_text())):
            yield pytest.param(page, target, id=f"{page.relative_to(ROOT)}->{target}")


def test_link_parser_and_slugs():
    text = "see [a](docs/a.md#x-y) and ![img](b.png), `[not](c.md)`\n```\n[no](d.md)\n```\n"
    assert links(text) == ["docs/a.md#x-y", "b.png"]
    assert slug("Brain data") == "brain-data"
    assert slug("How the committed report is made") == "how-the-committed-report-is-made"
    assert slug("Fig 1 / S2") == "fig-1--s2"


@pytest.mark.parametrize("page,target", list(all_links()))
def test_every_link_resolves(page, target):
    """Every relative link of the README, CONTRIBUTING and docs/*.md names a file that exists (and a heading of it,
    for #anchors). No exceptions: a page linked before it is written fails here until it is merged."""
    if re.match(r"^(https?|mailto):", target):
        return
    path, _, anchor = target.partition("#")
    dest = (page.parent / path).resolve() if path else page
    assert dest.exists(), f"{page.relative_to(ROOT)}: link to {target!r}, but {dest} does not exist"
    if anchor:
        assert dest.suffix == ".md", f"{page.relative_to(ROOT)}: anchor on a non-markdown file {target!r}"
        assert anchor in anchors(dest), f"{page.relative_to(ROOT)}: no heading #{anchor} in {path or page.name}"


def test_readme_links_every_docs_page():
    linked = {(README.parent / t.partition("#")[0]).resolve() for t in links(README.read_text())}
    wanted = {(DOCS / f"{p}.md").resolve() for p in PAGES} | {p.resolve() for p in doc_pages()}
    assert not wanted - linked, f"docs pages not linked from the README: {sorted(map(str, wanted - linked))}"
    for name in ("REPRODUCTION.md", "CITATION.cff", "LICENSE", "CONTRIBUTING.md"):
        assert (ROOT / name).resolve() in linked, f"README does not link {name}"


def test_readme_is_short():
    n = len(README.read_text().splitlines())
    assert n <= 150, f"README.md has {n} lines: move detail to a docs page"


# ---- the headline -------------------------------------------------------------------------------------------

def test_readme_headline_is_the_committed_reports_count():
    """The README's counts are those of docs/reproduction/claims.json (the committed paper-scale run), judged as
    REPRODUCTION.md judges them (report.summary): regenerate the report, and this fails until the README follows."""
    doc = json.loads((DOCS / "reproduction" / "claims.json").read_text())
    paper = claims_mod.load_paper_claims(ROOT / "workflow" / "paper_claims.yaml")
    summ = report.summary(doc["claims"], paper)
    text = README.read_text()
    head = text[text.index("## Does the paper reproduce?"):]
    head = head[:head.index("\n## ", 5)]
    assert f"the paper's {summ['n_paper_claims']} claims" in head
    for outcome in report.OUTCOMES:
        m = re.search(rf"\*\*(\d+) {outcome}\*\*", head)
        assert m, f"README headline: no '**N {outcome}**'"
        assert int(m.group(1)) == summ["counts"][outcome]["total"], outcome
    sup = summ["counts"]["supported"]
    assert f"({sup['real']} on the paper's kind of inputs, {sup['substitute']} only on stand-in" in head
    n_sub = sum(c["substitute"] for c in summ["counts"].values())
    assert f"{n_sub} claims rest only on stand-ins" in head
    opposite_line = head[head.index("opposite**"):].split("\n- ")[0]
    named = set(re.findall(r"`([a-z0-9_]+\.[a-z0-9_]+)`", opposite_line))
    assert named == {cid for cid, (o, _) in summ["claims"].items() if o == "opposite"}


# ---- run times ----------------------------------------------------------------------------------------------

def test_benchmarks_page_holds_the_generated_table():
    doc = run_times.load(RUNS)
    text = (DOCS / "benchmarks.md").read_text()
    assert run_times.replace_table(text, doc, "docs/benchmarks.md") == text, \
        "docs/benchmarks.md's table differs from benchmarks/runs.yaml: python -m modbound.reporting.run_times write docs/benchmarks.md"
    ids = {r["id"] for r in doc["runs"]}
    assert {"test_fast", "test_all", "default", "paper_master", "paper_full"} <= ids
    for r in doc["runs"]:
        if r["seconds"] is not None:
            assert r["date"] and r["commit"] and r["machine"], r["id"]


def _reproduction_run_time() -> dict:
    """What REPRODUCTION.md's header records of its run (from results/run_time.json and the benchmark files)."""
    row = next(line for line in (ROOT / "REPRODUCTION.md").read_text().splitlines() if line.startswith("| run time |"))
    m = re.search(r"\| run time \| ((?:\d+ h )?\d+ min \d+ s) elapsed (for the whole run|for the last part of a run "
                  r"made in parts \(.*?\)) at commit `([0-9a-f]{40})`", row)
    started = re.search(r"started (\d{4}-\d{2}-\d{2}) ", row)
    jobs = re.search(r"Job time: ((?:\d+ h )?\d+ min \d+ s), measured as the sum of the wall-clock seconds in the (\d+) ",
                     row)
    assert m and started and jobs, row
    # reports made before 2026-12-05 wrote "0 h 43 min 32 s" where the table writes "43 min 32 s"
    return {"elapsed": re.sub(r"^0 h ", "", m.group(1)), "resumed": m.group(2) != "for the whole run",
            "commit": m.group(3), "date": started.group(1), "job_time": jobs.group(1), "job_files": int(jobs.group(2))}


def test_paper_scale_entry_is_what_the_committed_report_records():
    rec = _reproduction_run_time()
    run = next(r for r in run_times.load(RUNS)["runs"] if r.get("report"))  # the run marked as the report's
    assert run_times.fmt_duration(run["seconds"]) == rec["elapsed"]
    assert bool(run.get("resumed")) == rec["resumed"]
    assert rec["commit"].startswith(str(run["commit"]))
    assert str(run["date"]) == rec["date"]
    assert run_times.fmt_duration(run["job_seconds"]) == rec["job_time"] and run["job_files"] == rec["job_files"]


def places_that_quote_run_times() -> list[Path]:
    return [*markdown_files(), ROOT / "config.yaml", *sorted((ROOT / "configs").glob("*.yaml")), ROOT / "Makefile",
            ROOT / "Snakefile"]


@pytest.mark.parametrize("path", places_that_quote_run_times(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_run_time_differs_from_the_table(path):
    """A run time in minutes or hours quoted anywhere in the README, the docs, CONTRIBUTING, the configs or the
    Makefile is one of the table's (docs/benchmarks.md), written as the table writes it; anything else links."""
    table = run_times.durations(run_times.load(RUNS))
    stale = [q for q in run_times.quoted_durations(path.read_text()) if q not in table]
    assert not stale, f"{path.relative_to(ROOT)} quotes run time(s) {stale} not in docs/benchmarks.md's table {sorted(table)}"


def test_quoted_durations_finds_what_prose_writes():
    text = ("within ~30 minutes, within 20 min, took 15 min 2 s, **1 h 30 min 06 s**, ~4-5 CPU min, 2 h, "
            "132 CPU min, ~49\nmin; not: 100 ms, 2,622 s, h0 = 0, 5 x 50 steps, Fig 2h-j")
    assert run_times.quoted_durations(text) == ["~30 minutes", "20 min", "15 min 2 s",
                                                "1 h 30 min 06 s", "~4-5 CPU min", "2 h", "132 CPU min", "~49 min"]
    assert run_times.fmt_duration(902) == "15 min 02 s" and run_times.fmt_duration(5406) == "1 h 30 min 06 s"
    assert run_times.fmt_duration(150, approximate=True) == "~2 min 30 s"


def _runs_doc(**run):
    base = {"id": "x", "what": "w", "command": "make test", "date": "2026-12-03", "commit": "abcdef1",
            "machine": "m", "seconds": 10, "source": "s"}
    return {"machines": {"m": "a machine"}, "runs": [{**base, **run}]}


@pytest.mark.parametrize("change,message", [
    ({"machine": "other"}, "key 'machine' = 'other' is not in 'machines'"),
    ({"date": "3 Dec"}, "key 'date'"),
    ({"seconds": -1}, "key 'seconds'"),
    ({"commit": "zzz"}, "key 'commit'"),
    ({"colour": "red"}, "unknown key"),
    ({"date": None}, "key 'date' is required"),
    ({"resumed": "yes"}, "key 'resumed' = 'yes' is not true or false"),
])
def test_runs_yaml_errors_name_the_file_the_run_and_the_key(tmp_path, change, message):
    path = tmp_path / "runs.yaml"
    path.write_text(yaml.safe_dump(_runs_doc(**change)))
    with pytest.raises(ValueError, match=re.escape(str(path))) as e:
        run_times.load(path)
    assert message in str(e.value) and "'x'" in str(e.value)


def test_record_makes_an_entry_from_a_runs_files(tmp_path):
    results = tmp_path / "results"
    for sub, s in (("benchmarks/a.tsv", 100.0), ("benchmarks/b/c.tsv", 50.5),
                   ("variants/dt20/benchmarks/a.tsv", 20.0), ("replicates/seed1/benchmarks/a.tsv", 9.5)):
        (results / sub).parent.mkdir(parents=True, exist_ok=True)
        (results / sub).write_text(f"s\th:m:s\n{s}\t0:00:00\n")
    report.write_run_time(results / "run_time.json", 1_700_000_000.0, 1_700_000_902.0, 2, ["configs/paper.yaml"],
                          "snakemake --cores 2 --configfile configs/paper.yaml", commit="0123456789abcdef")
    entry = run_times.record(results, run_id="r", what="a run", machine="m")
    assert entry["seconds"] == 902 and entry["commit"] == "0123456" and entry["date"] == "2023-11-14"
    assert entry["job_seconds"] == 180 and entry["job_files"] == 4
    assert entry["command"] == "snakemake --cores 2 --configfile configs/paper.yaml"
    doc = {"machines": {"m": "a machine"}, "runs": [entry]}
    path = tmp_path / "runs.yaml"
    path.write_text(yaml.safe_dump(doc))
    assert "**15 min 02 s**" in run_times.table(run_times.load(path))
    assert "resumed" not in entry
    # the last part of a run made in parts (report run-time --resumed): the entry and its table row say so
    report.write_run_time(results / "run_time.json", 1_700_000_000.0, 1_700_000_902.0, 2, ["configs/paper.yaml"],
                          "snakemake --cores 2 --configfile configs/paper.yaml", commit="0123456789abcdef", resumed=True)
    part = run_times.record(results, run_id="r", what="a run", machine="m")
    assert part == {**entry, "resumed": True}
    path.write_text(yaml.safe_dump({"machines": {"m": "a machine"}, "runs": [{**part, "report": True}]}))
    assert "the last part of a run made in parts; the run of the committed REPRODUCTION.md" in run_times.table(
        run_times.load(path))
    two = {"machines": {"m": "a machine"}, "runs": [{**part, "report": True}, {**entry, "id": "s", "report": True}]}
    path.write_text(yaml.safe_dump(two))
    with pytest.raises(ValueError, match=r"key 'report' is true for \['r', 's'\]"):
        run_times.load(path)
    with pytest.raises(ValueError, match="run_time.json"):
        run_times.record(tmp_path / "nothing", run_id="r", what="w", machine="m")


# ---- make report --------------------------------------------------------------------------------------------

def test_make_report_never_writes_the_committed_report(tmp_path):
    """`make report` asks for results/report/REPRODUCTION.md; the rule that makes it writes its images beside it,
    and nothing at the root's REPRODUCTION.md or docs/reproduction/ (which only `make paper` writes)."""
    out = subprocess.run(["make", "-n", "report"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    line = next(l for l in out.splitlines() if "snakemake" in l)
    assert "results/report/REPRODUCTION.md" in line and " REPRODUCTION.md" not in line
    paper = subprocess.run(["make", "-n", "paper"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert re.search(r"snakemake .* REPRODUCTION.md ", paper)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run([sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"), "--directory",
                           str(tmp_path), "-n", "--cores", "1", "--configfile", str(ROOT / "configs/test.yaml"),
                           "--list-target-rules"], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rules = proc.stdout.split()
    assert "report" in rules and "report_results" in rules
    proc = subprocess.run([sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"), "--directory",
                           str(tmp_path), "-n", "--cores", "1", "--configfile", str(ROOT / "configs/test.yaml"),
                           "--", "results/report/REPRODUCTION.md"], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    plan = proc.stdout + proc.stderr
    assert "rule report_results:" in plan and "rule report:" not in plan
    assert "results/report/docs/reproduction/fig1.png" in plan


# ---- the worked example -------------------------------------------------------------------------------------

def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_own_data_example_runs_as_written(tmp_path, monkeypatch):
    """docs/own_data.md's code blocks, run in order as one script in an empty folder: the user's files through
    modules, the input-weight null and a figure."""
    blocks = python_blocks((DOCS / "own_data.md").read_text())
    assert len(blocks) >= 4
    script = tmp_path / "example.py"
    script.write_text("\n".join(blocks))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "modules; induced Q on the correlation" in proc.stdout
    png = tmp_path / "my_network" / "modules.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and (tmp_path / "my_network" / "modules.pdf").stat().st_size


# ---- citation, licence, wording -----------------------------------------------------------------------------

def test_citation_names_the_paper_and_this_software():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software" and cff["license"] == "MIT"
    assert cff["authors"] and cff["title"]
    paper = cff["preferred-citation"]
    assert paper["title"] == "Modular boundaries in recurrent neural networks"
    assert [a["family-names"] for a in paper["authors"]] == ["Tanner", "Mansour L.", "Coletta", "Gozzi", "Betzel"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def test_replicate_seeds_are_never_called_the_papers():
    """The paper reports one run (of 100 networks); the replicate seeds are ours."""
    for path in [*markdown_files(), ROOT / "Makefile", ROOT / "config.yaml", *(ROOT / "configs").glob("*.yaml")]:
        text = " ".join(path.read_text().split()).replace("# ", "")
        assert not re.search(r"the paper's (five|5) (master )?seeds", text), path
