# Data rules: real data sets into resources/ (checksummed, atomic). Brain rules are named brain_*.
# The offline default needs none of them: it generates its brain data (rules/brain.smk).


rule brain_fetch_allen:
    """Allen mouse voxel connectivity model file (Knox et al. 2018) over HTTP(S) or from the local folder
    brain.mouse.allen.mirror, sha256-checked."""
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


rule brain_prepare_human:
    """Human dataset folder: real HCP (dense FC + thalamocortical SC) or generated on the real surface."""
    input:
        unpack(brain_input_function("human")),
    output:
        W="resources/brain/human/W.npy",
        fc="resources/brain/human/fc.npy",
        dataset="resources/brain/human/dataset.npz",
    params:
        cfg=BRAIN["human"],
        seed=config["seed"],
    log:
        "logs/data/brain_prepare_human.log",
    benchmark:
        "results/benchmarks/brain/prepare_human.tsv"
    priority: 50  # head of the longest chain at full size (prepare -> distances -> analysis): start it first
    threads: config["threads"]
    resources:
        mem_mb=lambda wc: 2000 + BRAIN["human"]["n_vertices"] ** 2 * 12 // 2**20,
        runtime=60,
    conda:
        ENV
    script:
        f"{SCRIPTS}/brain_prepare.py"


rule brain_prepare_mouse:
    """Mouse dataset folder: Allen voxel model + user rs-fMRI, or generated."""
    input:
        unpack(brain_input_function("mouse")),
    output:
        W="resources/brain/mouse/W.npy",
        fc="resources/brain/mouse/fc.npy",
        fc_subjects="resources/brain/mouse/fc_subjects.npy",
        dataset="resources/brain/mouse/dataset.npz",
    params:
        cfg=BRAIN["mouse"],
        seed=config["seed"],
    log:
        "logs/data/brain_prepare_mouse.log",
    benchmark:
        "results/benchmarks/brain/prepare_mouse.tsv"
    threads: config["threads"]
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        ENV
    script:
        f"{SCRIPTS}/brain_prepare.py"


rule brain_distances:
    """Node distances stored once as brainsmash's sorted memory-mapped matrices (distmat.npy, index.npy)."""
    input:
        dataset="resources/brain/{species}/dataset.npz",
    output:
        distmat="resources/brain/{species}/distmat.npy",
        index="resources/brain/{species}/index.npy",
    params:
        distance=lambda wc: BRAIN[wc.species].get("distance", "euclidean"),
    wildcard_constraints:
        species="human|mouse",
    log:
        "logs/data/brain_distances_{species}.log",
    benchmark:
        "results/benchmarks/brain/distances_{species}.tsv"
    priority: 50  # on the longest chain at full size (see brain_prepare_human)
    resources:
        mem_mb=2000,
        runtime=60,
    conda:
        ENV
    script:
        f"{SCRIPTS}/brain_distances.py"
