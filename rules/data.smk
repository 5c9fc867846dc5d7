# Data rules: real data sets into resources/ (checksummed, atomic). Brain rules are named brain_*.
# The offline default needs none of them: it generates its brain data (rules/brain.smk).


rule brain_fetch_allen:
    """Allen mouse voxel connectivity model file (Knox et al. 2018) over HTTP(S) or from the local folder
    brain.sources.allen_voxel.mirror, sha256-checked."""
    output:
        "resources/allen/{name}",
    params:
        entry=lambda wc: allen_file(wc.name),
    wildcard_constraints:
        name=r"[A-Za-z0-9][A-Za-z0-9._-]*",
    log:
        "logs/data/brain_fetch_allen_{name}.log",
    conda:
        ENV
    script:
        f"{SCRIPTS}/brain_fetch.py"


rule brain_prepare:
    """Brain data set folder by name (config brain.datasets.<dataset>): built from its source, real or generated
    (modbound.datasets.brain_dataset), with its provenance mark."""
    input:
        unpack(brain_input_function()),
    output:
        W="resources/brain/{dataset}/W.npy",
        fc="resources/brain/{dataset}/fc.npy",
        dataset="resources/brain/{dataset}/dataset.npz",
    params:
        entry=lambda wc: brain_dataset_cfg(wc.dataset),
        seed=config["seed"],
    wildcard_constraints:
        dataset="[a-z][a-z0-9_]*",
    log:
        "logs/data/brain_prepare_{dataset}.log",
    benchmark:
        "results/benchmarks/brain/prepare_{dataset}.tsv"
    priority: 50  # head of the longest chain at full size (prepare -> distances -> analysis): start it first
    threads: config["threads"]
    resources:
        mem_mb=lambda wc: 2000 + brain_nodes(wc.dataset) ** 2 * 12 // 2**20,
        runtime=60,
    conda:
        ENV
    script:
        f"{SCRIPTS}/brain_prepare.py"


rule brain_distances:
    """Node distances stored once as brainsmash's sorted memory-mapped matrices (distmat.npy, index.npy)."""
    input:
        dataset="resources/brain/{dataset}/dataset.npz",
    output:
        distmat="resources/brain/{dataset}/distmat.npy",
        index="resources/brain/{dataset}/index.npy",
    params:
        distance=lambda wc: brain_dataset_cfg(wc.dataset)["distance"],
    wildcard_constraints:
        dataset="[a-z][a-z0-9_]*",
    log:
        "logs/data/brain_distances_{dataset}.log",
    benchmark:
        "results/benchmarks/brain/distances_{dataset}.tsv"
    priority: 50  # on the longest chain at full size (see brain_prepare)
    resources:
        mem_mb=2000,
        runtime=60,
    conda:
        ENV
    script:
        f"{SCRIPTS}/brain_distances.py"
