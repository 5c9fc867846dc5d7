# Train CTRNN ensembles on neurogym tasks and record their activity on held-out trials.


rule train_ensemble:
    """Train one named ensemble (config 'ensembles') as a single batched model."""
    output:
        models=directory("results/rnn/{ensemble}/models"),
        manifest="results/rnn/{ensemble}/manifest.json",
    params:
        spec=lambda wc: ensemble_cfg(wc.ensemble),
        rnn=config["rnn"],
        tasks=config["tasks"],
        seed=config["seed"],
        device=DEVICE,
    priority: training_priority  # most figures wait on a trained ensemble: train before the independent sweeps
    threads: config["threads"]
    resources:
        mem_mb=4000,
        gpu=GPUS,
        runtime=lambda wc: 30 + ensemble_cfg(wc.ensemble)["n_models"] * ensemble_cfg(wc.ensemble)["n_steps"] // 2000,
    log:
        "logs/train_ensemble/{ensemble}.log",
    benchmark:
        "results/benchmarks/train_ensemble/{ensemble}.tsv"
    conda:
        ENV
    script:
        f"{SCRIPTS}/train_ensemble.py"


rule record_activity:
    """Run trained networks on fresh seeded trials; store activity, outputs, accuracy."""
    input:
        manifest="results/rnn/{ensemble}/manifest.json",
        models="results/rnn/{ensemble}/models",
    output:
        activity="results/rnn/{ensemble}/activity.npz",
        summary="results/rnn/{ensemble}/evaluation.json",
    params:
        n_trials=config["analysis"]["n_trials"],
        accuracy_trials=config["analysis"].get("accuracy_trials"),
        min_accuracy=config["rnn"]["min_accuracy"],
        tasks=config["tasks"],
        seed=config["seed"],
    threads: config["threads"]
    priority: rnn_priority(30)  # seconds; unlocks the dynamics of its ensemble: right after its training
    resources:
        mem_mb=4000,
        runtime=30,
    log:
        "logs/record_activity/{ensemble}.log",
    benchmark:
        "results/benchmarks/record_activity/{ensemble}.tsv"
    conda:
        ENV
    script:
        f"{SCRIPTS}/record_activity.py"
