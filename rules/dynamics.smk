# Dynamics of modules (issue 5): Figs 3, 5, 6, S12, S13, S14.
# Compute rules write results/analysis/dynamics/*.npz; plot rules (figure_dynamics.py) only read them.

DYN = config["dynamics"]
DYN_ANALYSIS = {k: config["analysis"][k] for k in ("gamma", "louvain_runs", "n_perm")}
DYN_COMMON = {"seed": config["seed"], "drop_first_trial": DYN["drop_first_trial"], "inputs": DYN["inputs"]}
# Ensembles each figure analyses (the paper's: PDM and GNG; Fig 6 is GNG, S13 its PDM replication).
DYN_JACOBIAN_ENSEMBLES = ["pdm", "gng"]
DYN_PERTURBATION_ENSEMBLE = "pdm"
DYN_FLOW_ENSEMBLES = {"fig6": "gng", "figS13": "pdm"}
DYN_NULLCLINE_ENSEMBLE = "pdm"
# Small batched torch ops gain little from intra-op threads (measured: 2 threads cost ~2x the CPU time of 1 on
# 2 busy cores), so two dynamics jobs share the cores instead.
DYN_THREADS = max(1, config["threads"] // 2)
# What each figure states about how it was made (stats JSON "settings", and the figure's stamp).
DYN_SEEDS = {"seed": config["seed"], "seed_derivation": "derive_seed(seed, 'dynamics', ensemble, analysis, network)"}
DYN_SETTINGS = {
    "fig3": {**DYN["fixed_points"], **DYN["jacobian"], **DYN_ANALYSIS, **DYN_SEEDS, "inputs": DYN["inputs"],
             "drop_first_trial": DYN["drop_first_trial"]},
    "perturbation": {**DYN["perturbation"], "ensemble": DYN_PERTURBATION_ENSEMBLE,
                     "speed_tol": DYN["fixed_points"]["speed_tol"], "drop_first_trial": DYN["drop_first_trial"]},
    "flow": {**DYN["flow"], **DYN_ANALYSIS, **DYN_SEEDS, "inputs": DYN["inputs"],
             "drop_first_trial": DYN["drop_first_trial"]},
    "figS14": {**DYN["nullclines"], **DYN_ANALYSIS, **DYN_SEEDS, "ensemble": DYN_NULLCLINE_ENSEMBLE,
               "inputs": DYN["inputs"],
               "init_noise": DYN["fixed_points"]["init_noise"], "speed_tol": DYN["fixed_points"]["speed_tol"],
               "drop_first_trial": DYN["drop_first_trial"]},
}
DYN_OUTPUTS = {
    fig: {"pdf": f"results/figures/{fig}.pdf",
          "png": report(f"results/figures/{fig}.png", caption=f"{CAPTIONS}/{fig}.rst", category="Figures"),
          "stats": f"results/stats/{fig}.json"}
    for fig in ("fig3", "figS14")
}


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
        **DYN_COMMON,
    threads: DYN_THREADS
    resources:
        mem_mb=2000,
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
        activity=f"results/rnn/{DYN_PERTURBATION_ENSEMBLE}/activity.npz",
        manifest=f"results/rnn/{DYN_PERTURBATION_ENSEMBLE}/manifest.json",
    output:
        "results/analysis/dynamics/perturbation.npz",
    params:
        n_networks=DYN["n_networks"],
        cfg=DYN["perturbation"],
        **DYN_COMMON,
    threads: DYN_THREADS
    resources:
        mem_mb=4000,
        runtime=30,
    log:
        "logs/dynamics/perturbation.log",
    benchmark:
        "results/benchmarks/dynamics/perturbation.tsv"
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
        activity=f"results/rnn/{DYN_NULLCLINE_ENSEMBLE}/activity.npz",
        manifest=f"results/rnn/{DYN_NULLCLINE_ENSEMBLE}/manifest.json",
        fixed_points=f"results/analysis/dynamics/fixed_points/{DYN_NULLCLINE_ENSEMBLE}.npz",
    output:
        "results/analysis/dynamics/nullclines.npz",
    params:
        ensemble=DYN_NULLCLINE_ENSEMBLE,
        cfg=DYN["nullclines"],
        init_noise=DYN["fixed_points"]["init_noise"],
        speed_tol=DYN["fixed_points"]["speed_tol"],
        **DYN_COMMON,
        **DYN_ANALYSIS,
    threads: DYN_THREADS
    resources:
        mem_mb=2000,
        runtime=30,
    log:
        "logs/dynamics/nullclines.log",
    benchmark:
        "results/benchmarks/dynamics/nullclines.tsv"
    conda:
        ENV
    script:
        f"{SCRIPTS}/dynamics_nullclines.py"


rule figure_fig3:
    """Fig 3: Jacobian-row similarity predicts modular structure (PDM and GNG)."""
    input:
        **{f"jacobian_{e}": f"results/analysis/dynamics/jacobian/{e}.npz" for e in DYN_JACOBIAN_ENSEMBLES},
        **{f"evaluation_{e}": f"results/rnn/{e}/evaluation.json" for e in DYN_JACOBIAN_ENSEMBLES},
        **{f"manifest_{e}": f"results/rnn/{e}/manifest.json" for e in DYN_JACOBIAN_ENSEMBLES},
    output:
        **DYN_OUTPUTS["fig3"],
    params:
        figure="fig3",
        ensembles=DYN_JACOBIAN_ENSEMBLES,
        scale=config["scale"],
        settings=DYN_SETTINGS["fig3"],
    log:
        "logs/figure/fig3.log",
    conda:
        ENV
    script:
        f"{SCRIPTS}/figure_dynamics.py"


rule figure_perturbation:
    """Fig 5 (sign-based input modules) and Fig S12 (difference-based): lesions and perturbations."""
    input:
        analysis="results/analysis/dynamics/perturbation.npz",
        fixed_points=f"results/analysis/dynamics/fixed_points/{DYN_PERTURBATION_ENSEMBLE}.npz",
        evaluation=f"results/rnn/{DYN_PERTURBATION_ENSEMBLE}/evaluation.json",
        manifest=f"results/rnn/{DYN_PERTURBATION_ENSEMBLE}/manifest.json",
    output:
        pdf="results/figures/{fig}.pdf",
        png=report("results/figures/{fig}.png", caption=f"{CAPTIONS}/perturbation.rst", category="Figures"),
        stats="results/stats/{fig}.json",
    wildcard_constraints:
        fig="fig5|figS12",
    params:
        figure=lambda wc: wc.fig,
        scale=config["scale"],
        settings=DYN_SETTINGS["perturbation"],
    log:
        "logs/figure/{fig}.log",
    conda:
        ENV
    script:
        f"{SCRIPTS}/figure_dynamics.py"


rule figure_flow:
    """Fig 6 (GNG) and Fig S13 (PDM): vector field, flow distances, lesion similarity."""
    input:
        analysis=lambda wc: f"results/analysis/dynamics/flow/{DYN_FLOW_ENSEMBLES[wc.fig]}.npz",
        evaluation=lambda wc: f"results/rnn/{DYN_FLOW_ENSEMBLES[wc.fig]}/evaluation.json",
        manifest=lambda wc: f"results/rnn/{DYN_FLOW_ENSEMBLES[wc.fig]}/manifest.json",
    output:
        pdf="results/figures/{fig}.pdf",
        png=report("results/figures/{fig}.png", caption=f"{CAPTIONS}/flow.rst", category="Figures"),
        stats="results/stats/{fig}.json",
    wildcard_constraints:
        fig="fig6|figS13",
    params:
        figure=lambda wc: wc.fig,
        scale=config["scale"],
        settings=lambda wc: {**DYN_SETTINGS["flow"], "ensemble": DYN_FLOW_ENSEMBLES[wc.fig]},
    log:
        "logs/figure/{fig}.log",
    conda:
        ENV
    script:
        f"{SCRIPTS}/figure_dynamics.py"


rule figure_figS14:
    """Fig S14: higher-order nullclines and modules."""
    input:
        analysis="results/analysis/dynamics/nullclines.npz",
        evaluation=f"results/rnn/{DYN_NULLCLINE_ENSEMBLE}/evaluation.json",
        manifest=f"results/rnn/{DYN_NULLCLINE_ENSEMBLE}/manifest.json",
    output:
        **DYN_OUTPUTS["figS14"],
    params:
        figure="figS14",
        scale=config["scale"],
        settings=DYN_SETTINGS["figS14"],
    log:
        "logs/figure/figS14.log",
    conda:
        ENV
    script:
        f"{SCRIPTS}/figure_dynamics.py"
