"""Fig S3: the task a multitask RNN performs is identified from its activity partitions."""

from __future__ import annotations

import numpy as np

from modbound.reporting import claims, plotting
from modbound.core import partitions, stats as st


def stats(data, *, scale: str) -> dict:
    res, evaluation, manifest = data["analysis"], data["evaluation"], data["manifest"]
    task_names = data["activity"].trials.task_names
    tt = st.ttest_ind(res["within"], res["between"])
    n = len(res["model_index"])
    return {
        "figure": "figS3", "scale": scale, "n_networks": n, "n_trained": int(manifest["n_models"]),
        "excluded_models": evaluation["excluded_models"], "min_accuracy": evaluation["min_accuracy"],
        "init_seeds": [manifest["seeds"]["init"][m] for m in res["model_index"]],
        "louvain_seeds": res["louvain_seeds"], "tasks": list(task_names),
        "sets_per_task": int(len(res["set_task"]) // len(np.unique(res["set_task"]))),
        "within_task_ari": st.describe(res["within"]), "between_task_ari": st.describe(res["between"]),
        "ttest_within_vs_between": tt,
        "task_classification_accuracy": st.describe(res["accuracy"]),
        "chance_accuracy": 1.0 / len(np.unique(res["set_task"])),
        "claims": [claims.claim(
            "figS3.partitions_identify_task", "partitions are more similar within a task than between tasks",
            test=tt["test"], statistic=tt["t"] if tt["t"] is not None else float("nan"), p=tt["p"], n=n,
            direction="greater", detail=f"classification accuracy mean {np.mean(res['accuracy']):.3f}",
            paper="s3.task_from_partition")],
    }


def plot(data, stats_: dict):
    res = data["analysis"]
    fig = plotting.figure(150, 55)
    gs = fig.add_gridspec(1, 3, width_ratios=[1.2, 1, 1])
    ax = fig.add_subplot(gs[0, 0])
    S = res["ari"][0]
    im = ax.imshow(S, cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    labels = res["set_task"]
    ticks = [np.flatnonzero(labels == c).mean() for c in np.unique(labels)]
    ax.set_xticks(ticks, [stats_["tasks"][int(c)].upper() for c in np.unique(labels)])
    ax.set_yticks(ticks, [stats_["tasks"][int(c)].upper() for c in np.unique(labels)])
    for b in np.flatnonzero(np.diff(labels)) + 0.5:
        ax.axhline(b, color="w", lw=0.8)
        ax.axvline(b, color="w", lw=0.8)
    plotting.colorbar(im, ax, "ARI", shrink=0.8)
    ax.set_title(f"partition similarity, network {int(res['model_index'][0])}\n"
                 f"({stats_['sets_per_task']} trial sets per task)")
    plotting.panel_label(ax, "a")

    ax = fig.add_subplot(gs[0, 1])
    plotting.boxplot(ax, [res["within"], res["between"]], ["within task", "between tasks"])
    ax.set_ylabel("mean ARI (per network)")
    ax.set_title(f"{plotting.format_p(stats_['ttest_within_vs_between']['p'])} (two-sample t)")
    plotting.panel_label(ax, "b")

    ax = fig.add_subplot(gs[0, 2])
    plotting.boxplot(ax, [res["accuracy"]], ["multitask RNNs"])
    ax.axhline(stats_["chance_accuracy"], color="0.5", ls="--", lw=0.8, label="chance")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("task identified from partition\n(leave-one-out accuracy)")
    ax.legend(loc="lower right")
    plotting.panel_label(ax, "c")
    plotting.stamp(fig, plotting.scale_note(stats_["scale"], f"{stats_['n_networks']} of {stats_['n_trained']} "
                                            "multitask RNNs pass the accuracy threshold"))
    return fig
