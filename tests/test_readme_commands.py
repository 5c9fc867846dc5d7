"""Every shell command the README and the docs pages (docs/*.md) show is run here, so the docs cannot rot.

Commands come from ```bash blocks and from inline code that starts with ``snakemake``, ``.venv/bin/snakemake``,
``make`` or ``python``. Snakemake commands run as dry-runs (``-n``) in an empty work directory, against the
checkout's Snakefile; ``make`` targets run as ``make -n`` and the snakemake command each recipe runs is dry-run in
turn; the project's Python tools run for real on stand-in files in an empty work directory. A command this test
does not know how to run fails the test: teach it here.
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOC_FILES = [README, *sorted((ROOT / "docs").glob("*.md"))]
SNAKEMAKE_PROGRAMS = {"snakemake", ".venv/bin/snakemake", "$(BIN)/snakemake"}
PLACEHOLDERS = {"<partition>": "debug", "<account>": "lab",       # SLURM settings the user fills in
                "<id>": "run", "<what ran>": "a run", "<name>": "dev-2core",   # a benchmarks/runs.yaml entry
                "<before>": "before", "<after>": "after"}                        # two runs' folders compared
PYTHON_PROGRAMS = {"python", "python3", ".venv/bin/python"}
USER_FILES = {"my_seeds.yaml": "replicates: {seeds: [1]}\n"}     # example config files the README names
# Commands that need a finished run, covered by a test that makes one (the option -> that test).
COVERED_BY_RUN_TESTS = {"--report": ("tests/test_workflow.py", "test_html_report_holds_every_figure_with_its_caption")}
TESTED_MAKE_TARGETS = {"test", "test-fast", "test-slurm", "bench", "reproduce", "lint", "envs", "setup", "clean",
                       "report", "paper"}


def readme_commands(text: str) -> list[str]:
    """Shell commands of the README: lines of ```bash blocks (continuations joined, comments dropped) and
    inline code spans that start with a known program."""
    cmds = []
    for block in re.findall(r"^```bash\n(.*?)^```", text, flags=re.S | re.M):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"(^|\s)#.*$", "", line).strip()
            if line:
                cmds.append(" ".join(line.split()))
    prose = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    for span in re.findall(r"`([^`\n]+)`", prose):
        if re.match(r"(\.venv/bin/)?(snakemake|python3?) |make ", span):
            cmds.append(" ".join(span.split()))
    return list(dict.fromkeys(cmds))


def doc_commands() -> list[str]:
    """The commands of the README and every docs page, each once (``snakemake`` and ``.venv/bin/snakemake``, or
    ``python`` and ``.venv/bin/python``, name the same program: the first spelling is kept)."""
    seen = {}
    for path in DOC_FILES:
        for cmd in readme_commands(path.read_text()):
            seen.setdefault(re.sub(r"^\.venv/bin/", "", cmd), cmd)
    return list(seen.values())


def _run(args, cwd=ROOT):
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env)


# Options whose values are files of the checkout (the user's inputs), never targets the workflow makes.
FILE_OPTIONS = {"--configfile", "--configfiles", "--profile", "--snakefile", "-s"}


def checkout_paths(args: list[str], root: Path) -> list[str]:
    """``args`` with the files the command reads from the checkout (the values of ``--configfile`` and the
    other :data:`FILE_OPTIONS`) made absolute under ``root``, as for a user in the checkout. Targets stay as
    written: in a checkout that has run the workflow, ``results/figures/fig1.pdf`` exists, and made absolute
    it would name no rule's output ("No rule to produce /.../results/figures/fig1.pdf")."""
    out, reads_files = [], False
    for a in args:
        if a.startswith("-"):
            reads_files = a in FILE_OPTIONS
        elif reads_files and (root / a).exists():
            a = str(root / a)
        out.append(a)
    return out


def run_snakemake_command(cmd: str, workdir: Path) -> subprocess.CompletedProcess:
    """``cmd`` (a README snakemake command) as a dry-run in ``workdir`` with this checkout's Snakefile."""
    for key, value in PLACEHOLDERS.items():
        cmd = cmd.replace(key, value)
    args = shlex.split(cmd)
    assert args[0] in SNAKEMAKE_PROGRAMS, cmd
    args = args[1:]
    for name, content in USER_FILES.items():
        if name in args:
            (workdir / name).write_text(content)
            args[args.index(name)] = str(workdir / name)
    if "--sdm" in args and shutil.which("conda") is None:     # no conda here: plan the same jobs without it
        i = args.index("--sdm")
        assert args[i + 1] == "conda", cmd
        del args[i:i + 2]
        assert (ROOT / "envs/modbound.yaml").is_file()
    args = checkout_paths(args, ROOT)
    if "--unlock" not in args:
        args.append("-n")
    return _run([sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
                 "--directory", str(workdir), *args], cwd=workdir)


COMMANDS = doc_commands()

# A stand-in workflow that makes any target in no time: README commands run against it as written (no -n), so an
# option a real run needs ("cores have to be specified") is missing from no command; the checkout's
# Snakefile plans the same command as a dry-run.
STUB_SNAKEFILE = """
rule all:
    output: touch("all.done")

rule any_target:
    output: "{path}"
    shell: "touch {output:q}"

ruleorder: all > any_target
"""
# options that need what this machine lacks (a SLURM cluster, conda): those commands are dry-run only
NOT_RUN_AS_WRITTEN = {"--profile", "--sdm"}


def run_as_written(cmd: str, workdir: Path) -> subprocess.CompletedProcess | None:
    """``cmd`` (a README snakemake command) run as written, without ``-n``, against :data:`STUB_SNAKEFILE` in a
    fresh folder of ``workdir``; None for a command with an option in :data:`NOT_RUN_AS_WRITTEN`."""
    for key, value in PLACEHOLDERS.items():
        cmd = cmd.replace(key, value)
    args = shlex.split(cmd)[1:]
    if NOT_RUN_AS_WRITTEN & set(args):
        return None
    work = Path(tempfile.mkdtemp(prefix="as-written-", dir=workdir))
    for name, content in USER_FILES.items():
        if name in args:
            (work / name).write_text(content)
            args[args.index(name)] = str(work / name)
    (work / "Snakefile").write_text(STUB_SNAKEFILE)
    return _run([sys.executable, "-m", "snakemake", "--snakefile", str(work / "Snakefile"), "--directory", str(work),
                 *checkout_paths(args, ROOT)], cwd=work)


def test_readme_has_the_commands_this_test_expects():
    assert any(c.startswith("make reproduce") for c in COMMANDS)
    assert "make report" in COMMANDS and "make paper" in COMMANDS   # the reproduction report
    assert sum("snakemake" in c for c in COMMANDS) >= 5, COMMANDS
    for c in COMMANDS:
        if "--configfile" in c and "snakemake" in c:
            after = shlex.split(c)[shlex.split(c).index("--configfile") + 1:]
            # --configfile takes several files: nothing but config files (and options) may follow it
            targets = [a for a in after if not a.startswith("-") and not a.endswith((".yaml", ".yml", ".json"))
                       and "=" not in a]
            assert not targets, f"README: targets after --configfile in {c!r}"


def test_readme_parser_finds_blocks_inline_commands_and_fails_on_unknown_ones(tmp_path):
    text = ("x\n```bash\nmake test   # run\n.venv/bin/snakemake --cores 2 \\\n    a.pdf\n```\n"
            "see `snakemake --unlock` and `make bench`; `results/x` is no command\n```bash\nrm -rf /\n```\n")
    assert readme_commands(text) == ["make test", ".venv/bin/snakemake --cores 2 a.pdf", "rm -rf /",
                                     "snakemake --unlock", "make bench"]
    with pytest.raises(AssertionError, match="does not know"):
        check_command("rm -rf /", tmp_path)


def test_targets_stay_relative_in_a_checkout_that_has_run_the_workflow(tmp_path):
    """`make test` after `make reproduce`: existing outputs named as targets are not made absolute,
    config files and profiles given to options are."""
    for f in ("results/figures/fig1.pdf", "configs/test.yaml", "profiles/slurm/config.yaml", "my_seeds.yaml"):
        (tmp_path / f).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f).write_text("x")
    args = ["--cores", "2", "results/figures/fig1.pdf", "--configfile", "configs/test.yaml", "my_seeds.yaml",
            "--profile", "profiles/slurm", "--config", "a=1"]
    assert checkout_paths(args, tmp_path) == [
        "--cores", "2", "results/figures/fig1.pdf", "--configfile", str(tmp_path / "configs/test.yaml"),
        str(tmp_path / "my_seeds.yaml"), "--profile", str(tmp_path / "profiles/slurm"), "--config", "a=1"]


def check_command(cmd: str, workdir: Path) -> None:
    program = shlex.split(cmd)[0]
    if program in SNAKEMAKE_PROGRAMS:
        covered = [opt for opt in COVERED_BY_RUN_TESTS if opt in shlex.split(cmd)]
        if covered:
            path, test = COVERED_BY_RUN_TESTS[covered[0]]
            source = (ROOT / path).read_text()
            assert f"def {test}(" in source and covered[0] in source, f"{cmd}: {path}::{test} no longer runs it"
            return
        proc = run_snakemake_command(cmd, workdir)
        assert proc.returncode == 0, f"README command {cmd!r} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        proc = run_as_written(cmd, workdir)
        assert proc is None or proc.returncode == 0, \
            f"README command {cmd!r} fails as written:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        return
    if program == "make":
        args = shlex.split(cmd)[1:]
        if args[:1] == ["-C"]:      # make -C <a clone of this checkout>: the same Makefile, run here
            args = args[2:]
        variables = [a for a in args if re.match(r"^[A-Z_]+=", a)]
        targets = [a for a in args if a not in variables]
        assert targets and set(targets) <= TESTED_MAKE_TARGETS, f"README: make target(s) {targets} unknown here"
        for v in variables:
            if v.startswith("COMPANION="):   # a companion run's claims.json (a finished run elsewhere): stand-in
                (workdir / "companion").mkdir(exist_ok=True)
                (workdir / "companion/claims.json").write_text("{}")
                variables[variables.index(v)] = f"COMPANION={workdir / 'companion/claims.json'}"
        proc = _run(["make", "-n", *targets, *variables])
        assert proc.returncode == 0, f"make -n {targets}: {proc.stdout}{proc.stderr}"
        # the snakemake commands its recipe runs (continuation lines joined, `a && b` split), dry-run in turn
        for line in proc.stdout.replace("\\\n", " ").splitlines():
            for part in line.split("&&"):
                if part.split()[:1] and part.split()[0].endswith("/snakemake"):
                    check_command("snakemake " + " ".join(part.split()[1:]), workdir)
        return
    if program in PYTHON_PROGRAMS:
        check_python_command(cmd, workdir)
        return
    if program == "git":        # git clone . <dir>: a second checkout, made here from this one
        args = shlex.split(cmd)[1:]
        assert args[:2] == ["clone", "."] and len(args) == 3, f"README: git command {cmd!r} unknown here"
        proc = _run(["git", "clone", "-q", str(ROOT), str(workdir / Path(args[2]).name)])
        assert proc.returncode == 0, proc.stderr
        return
    raise AssertionError(f"README command {cmd!r}: this test does not know how to run it "
                         "(add a mapping in tests/test_readme_commands.py)")


def _bench_file(folder: Path, seconds: float) -> None:
    (folder / "benchmarks" / "rule").mkdir(parents=True, exist_ok=True)
    (folder / "benchmarks" / "rule" / "job.tsv").write_text(f"s\th:m:s\tcpu_time\n{seconds}\t0:00:00\t{seconds}\n")


def check_python_command(cmd: str, workdir: Path) -> None:
    """The project's Python tools, run for real in ``workdir`` on stand-ins of the files they read: the run-times
    table (a copy of benchmarks/runs.yaml and docs/benchmarks.md; a finished run's run_time.json and benchmark
    files for ``record``) and benchmarks/rule_times.py (benchmark files in each results folder it is given)."""
    for key, value in PLACEHOLDERS.items():
        cmd = cmd.replace(key, value)
    args = shlex.split(cmd)[1:]
    if args[:2] == ["-m", "modbound.reporting.run_times"]:
        from modbound.reporting import report
        for rel in ("benchmarks/runs.yaml", "docs/benchmarks.md"):
            (workdir / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / rel, workdir / rel)
        if "record" in args:
            results = workdir / args[args.index("record") + 1]
            _bench_file(results, 12.0)
            report.write_run_time(results / "run_time.json", 0.0, 60.0, 2, [], "snakemake --cores 2", commit="abc1234")
    elif args[:1] == ["benchmarks/rule_times.py"]:
        folders = [a for a in args[1:] if not a.startswith("-")]
        assert folders, f"{cmd}: no results folder"
        for folder in folders:
            _bench_file(workdir / folder, 3.5)
        args[0] = str(ROOT / args[0])
    else:
        raise AssertionError(f"docs command {cmd!r}: this test does not know how to run it "
                             "(add a mapping in tests/test_readme_commands.py)")
    proc = _run([sys.executable, *args], cwd=workdir)
    assert proc.returncode == 0, f"docs command {cmd!r} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    if "write" in args:   # the page in the checkout already holds the table the command writes
        assert (workdir / "docs/benchmarks.md").read_text() == (ROOT / "docs/benchmarks.md").read_text()


@pytest.mark.parametrize("cmd", COMMANDS)
def test_readme_command_runs(cmd, tmp_path):
    check_command(cmd, tmp_path)


def test_a_command_missing_cores_fails_as_written_though_its_dry_run_passes(tmp_path):
    """`snakemake --rerun-incomplete` passed as a dry-run ("cores have to be specified" only without -n)."""
    assert run_snakemake_command("snakemake --rerun-incomplete", tmp_path).returncode == 0
    proc = run_as_written("snakemake --rerun-incomplete", tmp_path)
    assert proc.returncode != 0 and "cores" in proc.stdout + proc.stderr
    assert run_as_written("snakemake --cores 2 --rerun-incomplete", tmp_path).returncode == 0
    assert run_as_written("snakemake --cores 2 results/figures/fig1.pdf --configfile configs/test.yaml",
                          tmp_path).returncode == 0
    assert run_as_written("snakemake --profile profiles/slurm", tmp_path) is None
