# Two entry points (README): `make reproduce` and `make test`. `make report` writes the reproduction report of the
# default run to results/report/REPRODUCTION.md; `make paper` makes the committed paper-scale REPRODUCTION.md
# (rules/report.smk). Run times: docs/benchmarks.md.
# Both create .venv from the pinned lock file on first use; nothing is installed by hand.
PYTHON ?= python3
VENV   ?= .venv
CORES  ?= 2
SMKFLAGS ?=
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.modbound-installed
# A --configfile that does not exist: one line naming it (Snakemake reads it before the workflow, in a traceback)
CHECK_CONFIGS := $(BIN)/python -m modbound.core.io check-configfiles

.PHONY: setup reproduce report paper test test-slurm test-fast lint bench envs clean

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

# Whole default workflow (config.yaml: offline, embedded data, 2 cores).
reproduce: setup
	@$(CHECK_CONFIGS) $(SMKFLAGS)
	$(BIN)/snakemake --cores $(CORES) $(SMKFLAGS)

# The reproduction report of the default config (runs what it needs first), in results/report/: REPRODUCTION.md and
# docs/reproduction/ beside it. It never touches the committed paper-scale report at the root (made by make paper).
report: setup
	$(BIN)/snakemake --cores $(CORES) results/report/REPRODUCTION.md $(SMKFLAGS)

# Paper scale (configs/paper.yaml): the whole workflow, its elapsed time (results/run_time.json), then its report,
# the committed REPRODUCTION.md + docs/reproduction/ at the root.
# The master seed, its four replicate seeds (our replicates of the whole analysis; the paper reports one run) and
# the variants: a big machine or a cluster, e.g. make paper CORES=32, or make paper SMKFLAGS="--profile profiles/slurm".
# One small machine: the master seed alone, make paper PAPER_CONFIGS="configs/paper.yaml configs/master_only.yaml",
# then its four replicate seeds in the same checkout, make paper PAPER_CONFIGS="configs/paper.yaml
# configs/no_variants.yaml" RESUMED=1 (README "How the committed report is made"; run times in docs/benchmarks.md);
# COMPANION=<claims.json of another run> shows that run beside it.
PAPER_CONFIGS ?= configs/paper.yaml
COMPANION ?=
# RESUMED=1: this make paper finishes a run an earlier one began in the same checkout (e.g. seeds 1-4 after the
# master seed alone): its run_time.json then says the elapsed time is the last part's (report run-time --resumed).
RESUMED ?=
PAPER_FLAGS = $(SMKFLAGS) $(if $(COMPANION),--config 'report={companion: $(COMPANION)}')
paper: setup
	@$(CHECK_CONFIGS) $(PAPER_FLAGS) --configfile $(PAPER_CONFIGS)
	start=$$(date +%s) && \
	$(BIN)/snakemake --cores $(CORES) $(PAPER_FLAGS) --configfile $(PAPER_CONFIGS) && \
	$(BIN)/python -m modbound.reporting.report run-time --start $$start --cores $(CORES) --out results/run_time.json \
		--configfile $(PAPER_CONFIGS) $(if $(RESUMED),--resumed) \
		-- snakemake --cores $(CORES) $(PAPER_FLAGS) --configfile $(PAPER_CONFIGS)
	$(BIN)/snakemake --cores $(CORES) REPRODUCTION.md $(PAPER_FLAGS) --configfile $(PAPER_CONFIGS)

# Unit tests + workflow dry-run + tiny end-to-end (configs/test.yaml); SLURM test: make test-slurm.
test: setup
	$(BIN)/python -m pytest -m "not slurm"

# The tiny workflow through profiles/slurm on a single-node SLURM cluster started here (root; CI).
test-slurm: setup
	bash .ci/slurm-up.sh
	MODBOUND_REQUIRE_SLURM=1 $(BIN)/python -m pytest tests/test_slurm.py

test-fast: setup
	$(BIN)/python -m pytest -m "not slow"

lint: setup
	$(BIN)/snakemake --lint

bench: setup
	$(BIN)/python benchmarks/bench_louvain.py

clean:
	rm -rf results .snakemake logs

# Regenerate the conda env file from the lock (keeps the two in step).
envs:
	{ sed -n '1,10p' envs/modbound.yaml; sed 's/^/      - /' requirements.lock; } > envs/modbound.yaml.new
	mv envs/modbound.yaml.new envs/modbound.yaml
