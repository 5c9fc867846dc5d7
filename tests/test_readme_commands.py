"""Every shell command the README shows is run here, so the docs cannot rot.

Commands come from the README's ```bash blocks and from inline code that starts with ``snakemake``,
``.venv/bin/snakemake`` or ``make``. Snakemake commands run as dry-runs (``-n``) in an empty work directory,
against the checkout's Snakefile; ``make`` targets run as ``make -n`` and the snakemake command each recipe
runs is dry-run in turn. A README command this test does not know how to run fails the test: teach it here.
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SNAKEMAKE_PROGRAMS = {"snakemake", ".venv/bin/snakemake", "$(BIN)/snakemake"}
PLACEHOLDERS = {"<partition>": "debug", "<account>": "lab"}       # SLURM settings the user fills in
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
        if re.match(r"(\.venv/bin/)?snakemake |make ", span):
            cmds.append(" ".join(span.split()))
    return list(dict.fromkeys(cmds))


def _run(args, cwd=ROOT):
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env)


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
    # relative paths in the command (configs/, profiles/) are the checkout's, as for a user in it
    args = [str(ROOT / a) if not a.startswith("-") and (ROOT / a).exists() and "/" in a else a for a in args]
    if "--unlock" not in args:
        args.append("-n")
    return _run([sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
                 "--directory", str(workdir), *args], cwd=workdir)


COMMANDS = readme_commands(README.read_text())


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
    if program == "git":        # git clone . <dir>: a second checkout, made here from this one
        args = shlex.split(cmd)[1:]
        assert args[:2] == ["clone", "."] and len(args) == 3, f"README: git command {cmd!r} unknown here"
        proc = _run(["git", "clone", "-q", str(ROOT), str(workdir / Path(args[2]).name)])
        assert proc.returncode == 0, proc.stderr
        return
    raise AssertionError(f"README command {cmd!r}: this test does not know how to run it "
                         "(add a mapping in tests/test_readme_commands.py)")


@pytest.mark.parametrize("cmd", COMMANDS)
def test_readme_command_runs(cmd, tmp_path):
    check_command(cmd, tmp_path)
