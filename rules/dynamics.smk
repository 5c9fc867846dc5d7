# Dynamics of modules: compute rules of Figs 3, 5, 6, S12, S13, S14. They write results/analysis/dynamics/*;
# the plot rules (rules/figures.smk) only read them. Which ensemble each figure analyses is set in config
# figure_ensembles; the analyses are per ensemble ({ensemble} wildcard).

DYN = config["dynamics"]
DYN_ANALYSIS = {k: config["analysis"][k] for k in ("gamma", "louvain_runs", "n_perm", "null_model")}
DYN_COMMON = {"seed": config["seed"], "drop_first_trial": DYN["drop_first_trial"], "inputs": DYN["inputs"]}
# Small batched torch ops gain little from intra-op threads (measured: 2 threads cost ~2x the CPU time of 1 on
# 2 busy cores), so two dynamics jobs share the cores instead.
DYN_THREADS = max(1, config["threads"] // 2)


rule dynamics_fixed_points:
    """Fixed/slow points (gradient descent on |F(h) - h|^2 / 2 from recorded states + noise)."""
    input:
        activity="results/rnn/{ensemble}/activity.npz",
        manifest="results/rnn/{ensemble}/manifest.json",
    output:
        "results/analysis/dynamics/fixed_points/{ensemble}.npz",
    params:
        n_networks=DYN["n_networks"],
        cfg=DYN["fixed_points"],
        device=DEVICE,
        **DYN_COMMON,
    threads: DYN_THREADS
    priority: rnn_priority(10)  # before the sweeps; on the nullcline ensemble's chain before other trainings
    resources:
        mem_mb=2000,
        gpu=GPUS,
        runtime=10 + DYN["n_networks"] * DYN["fixed_points"]["n_inits"] * DYN["fixed_points"]["n_steps"] // 2_000_000,
    log:
        "logs/dynamics/fixed_points_{ensemble}.log",
    benchmark:
        "results/benchmarks/dynamics/fixed_points_{ensemble}.tsv"
    conda:
        ENV
    script:
        f"{SCRIPTS}/dynamics_fixed_points.py"


rule dynamics_jacobian:
    """Fig 3 compute: Jacobian at slow points and along trajectories; row similarity vs correlation."""
    input:
        activity="results/rnn/{ensemble}/activity.npz",
        manifest="results/rnn/{ensemble}/manifest.json",
        fixed_points="results/analysis/dynamics/fixed_points/{ensemble}.npz",
    output:
        "results/analysis/dynamics/jacobian/{ensemble}.npz",
    params:
        cfg=DYN["jacobian"],
        speed_tol=DYN["fixed_points"]["speed_tol"],
        **DYN_COMMON,
        **DYN_ANALYSIS,
    threads: DYN_THREADS
    resources:
        mem_mb=2000,
        runtime=30,
    log:
        "logs/dynamics/jacobian_{ensemble}.log",
    benchmark:
        "results/benchmarks/dynamics/jacobian_{ensemble}.tsv"
    conda:
        ENV
    script:
        f"{SCRIPTS}/dynamics_jacobian.py"


rule dynamics_perturbation:
    """Fig 5 / S12 compute: perturbation trials after 0..max_lesions within-module lesions (all batched)."""
    input:
        activity="results/rnn/{ensemble}/activity.npz",
        manifest="results/rnn/{ensemble}/manifest.json",
    output:
        "results/analysis/dynamics/perturbation/{ensemble}.npz",
    params:
        n_networks=DYN["n_networks"],
        cfg=DYN["perturbation"],
        **DYN_COMMON,
    threads: DYN_THREADS
    resources:
        mem_mb=4000,
        runtime=30,
    log:
        "logs/dynamics/perturbation_{ensemble}.log",
    benchmark:
        "results/benchmarks/dynamics/perturbation_{ensemble}.tsv"
    conda:
        ENV
    script:
        f"{SCRIPTS}/dynamics_perturbation.py"


rule dynamics_flow:
    """Fig 6 / S13 compute: vector field on a PC1-PC2 grid; single-unit lesions -> lesion similarity."""
    input:
        activity="results/rnn/{ensemble}/activity.npz",
        manifest="results/rnn/{ensemble}/manifest.json",
    output:
        "results/analysis/dynamics/flow/{ensemble}.npz",
    params:
        n_networks=DYN["n_networks"],
        cfg=DYN["flow"],
        **DYN_COMMON,
        **DYN_ANALYSIS,
    threads: DYN_THREADS
    resources:
        mem_mb=4000,
        runtime=30,
    log:
        "logs/dynamics/flow_{ensemble}.log",
    benchmark:
        "results/benchmarks/dynamics/flow_{ensemble}.tsv"
    conda:
        ENV
    script:
        f"{SCRIPTS}/dynamics_flow.py"


rule dynamics_nullclines:
    """Fig S14 compute: higher-order nullclines (every unit but one stationary) and their similarity."""
    input:
        activity="results/rnn/{ensemble}/activity.npz",
        manifest="results/rnn/{ensemble}/manifest.json",
        fixed_points="results/analysis/dynamics/fixed_points/{ensemble}.npz",
    output:
        "results/analysis/dynamics/nullclines/{ensemble}.npz",
    params:
        cfg=DYN["nullclines"],
        init_noise=DYN["fixed_points"]["init_noise"],
        speed_tol=DYN["fixed_points"]["speed_tol"],
        device=DEVICE,
        **DYN_COMMON,
        **DYN_ANALYSIS,
    threads: DYN_THREADS
    priority: rnn_priority(10)  # the longest job after the trainings (rules/common.smk): start it as soon as it can
    resources:
        mem_mb=2000,
        gpu=GPUS,
        runtime=30,
    log:
        "logs/dynamics/nullclines_{ensemble}.log",
    benchmark:
        "results/benchmarks/dynamics/nullclines_{ensemble}.tsv"
    conda:
        ENV
    script:
        f"{SCRIPTS}/dynamics_nullclines.py"
