"""Every figure module's stats() and plot() on a small fixture: the inputs of a tiny run (configs/test.yaml),
recorded in tests/data/figure_inputs/ by tests/data/record_figure_inputs.py. Each figure must compute, serialise
and draw; each example panel must draw the example network's data (not another network's)."""
import importlib
import json

import matplotlib.pyplot as plt
import numpy as np
import pytest

from conftest import ROOT
from modbound import figures
from modbound.core import io, stats as stats_mod
from modbound.models import random_rnn
from modbound.reporting import registry
from modbound.core.io import load_config

FIXTURE = ROOT / "tests" / "data" / "figure_inputs"
REG = registry.load(ROOT / "workflow" / "figures.yaml")
CONFIG = load_config(ROOT / "config.yaml", ROOT / "configs" / "test.yaml")


def _paths(fid: str) -> dict:
    return {k: str(FIXTURE / v) for k, v in registry.figure_inputs(fid, REG[fid], CONFIG).items()}


def _run(fid: str, data=None):
    mod = importlib.import_module(registry.module_name(fid))
    data = figures.load_inputs(_paths(fid)) if data is None else data
    s = mod.stats(data, **registry.figure_params(fid, REG[fid], CONFIG))
    return data, s, mod.plot(data, s)


def _axis(fig, title_part: str):
    hits = [ax for ax in fig.axes if title_part in ax.get_title()]
    assert len(hits) == 1, f"{len(hits)} panels titled ...{title_part}...: {[a.get_title() for a in fig.axes]}"
    return hits[0]


@pytest.mark.parametrize("fid", list(REG))
def test_stats_and_plot_of_every_figure_on_the_fixture(fid, tmp_path):
    _, s, fig = _run(fid)
    io.write_json(tmp_path / "stats.json", s)  # serialisable, as the figure rule writes it
    back = json.loads((tmp_path / "stats.json").read_text())
    assert back["scale"] == "test" and isinstance(back["claims"], list) and back["claims"]
    assert all(c.get("verdict") for c in back["claims"])
    assert len(fig.axes) >= 2
    assert "REDUCED SCALE" in fig.texts[-1].get_text()  # the stamp says what it was made from
    fig.savefig(tmp_path / "fig.png")  # draws (constrained layout included) without error
    plt.close(fig)


def _with(data, name: str, **replace):
    """A copy of ``data`` whose input ``name`` has the given arrays replaced."""
    d = dict(data)
    d[name] = {**data[name], **replace}
    return d


def _example_not_first(res: dict) -> dict:
    """The perturbation result with the example moved to position 1 and network 0's modules swapped (module 1 <->
    module 2), so a panel that draws network 0's modules over the example's weights cannot pass."""
    assert res["model_index"].size >= 2
    members = np.array(res["members"], copy=True)
    members[0] = members[1][:, ::-1]
    return {"example_index": np.int64(1), "members": members}


def test_fig5e_draws_the_example_networks_modules_over_its_weights():
    data = figures.load_inputs(_paths("fig5"))
    res = data["analysis"]
    data = _with(data, "analysis", **_example_not_first(res))
    res = data["analysis"]
    _, s, fig = _run("fig5", data)
    assert s["example"]["position"] == 1
    k = 0  # sign-based modules
    W = res["example_W_rec"]
    order = np.argsort(np.where(res["members"][1, k, 0], 0, 1), kind="stable")
    wrong = np.argsort(np.where(res["members"][0, k, 0], 0, 1), kind="stable")
    assert not np.array_equal(order, wrong)  # the fixture can tell the two apart
    ax = _axis(fig, "W_rec by input module")
    np.testing.assert_array_equal(np.asarray(ax.images[0].get_array()), W[np.ix_(order, order)])
    plt.close(fig)


def _points_under_legend(ax) -> int:
    """How many drawn data points (lines, scatters; not the shaded background) lie at or above the lower edge of
    the legend of ``ax``, in axes units (the legend spans the top, so any such point is under or beside it)."""
    from matplotlib.collections import PathCollection

    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    bottom = ax.transAxes.inverted().transform(ax.get_legend().get_window_extent(renderer))[0, 1]
    pts = [line.get_xydata() for line in ax.get_lines()]
    pts += [c.get_offsets() for c in ax.collections if isinstance(c, PathCollection) and len(c.get_offsets())]
    xy = ax.transAxes.inverted().transform(ax.transData.transform(np.concatenate(pts)))
    return int((xy[:, 1] >= bottom).sum())


def test_fig5_legends_of_panels_b_and_d_lie_above_every_trajectory():
    data, s, fig = _run("fig5")
    for title in ("stimulus-period", "intact network"):
        assert _points_under_legend(_axis(fig, title)) == 0, title
    plt.close(fig)


def test_keep_legends_clear_raises_the_axis_only_as_far_as_needed():
    from modbound.reporting import plotting

    fig = plotting.figure(120, 60)
    ax, ax2 = fig.subplots(1, 2)
    x = np.linspace(0, 1, 50)
    ax.plot(x, x, label="rising to the top right")
    ax.plot(x, 1 - x, label="falling from the top-left corner")
    legend = ax.legend(loc="upper left", fontsize=5)
    ax2.plot(x, 0.1 * x, label="low")
    legend2 = ax2.legend(loc="upper left", fontsize=5)
    ax2.set_ylim(0, 1)
    assert _points_under_legend(ax) > 0  # the test can fail: the data run under the legend
    plotting.keep_legends_clear(fig, [(ax, legend, 1.0), (ax2, legend2, 0.1)])
    assert _points_under_legend(ax) == 0 and _points_under_legend(ax2) == 0
    assert ax.get_ylim()[1] > 1.1 and ax2.get_ylim() == (0, 1)  # raised where needed, left alone elsewhere
    plt.close(fig)


def test_figS12a_colours_the_example_networks_difference_modules():
    data = figures.load_inputs(_paths("figS12"))
    data = _with(data, "analysis", **_example_not_first(data["analysis"]))
    res = data["analysis"]
    _, s, fig = _run("figS12", data)
    k = 1  # difference-based modules
    one = res["members"][1, k, 0]
    assert not np.array_equal(one, res["members"][0, k, 0])
    ax = _axis(fig, "difference-based modules")
    W, cols = res["example_W_in"], res["stimulus_columns"]
    np.testing.assert_allclose(ax.collections[0].get_offsets(), np.c_[W[one, cols[0]], W[one, cols[1]]])
    np.testing.assert_allclose(ax.collections[1].get_offsets(), np.c_[W[~one, cols[0]], W[~one, cols[1]]])
    plt.close(fig)


@pytest.mark.parametrize("fid", ["fig6", "figS13"])
def test_fig6_panels_name_and_draw_their_own_examples(fid):
    data, s, fig = _run(fid)
    res = data["analysis"]
    vf, ex = s["vector_field_example"], s["example"]
    assert vf["position"] == int(res["flow_example_index"]) and ex["position"] == int(res["example_index"])
    assert f"network {vf['network']}: one step" in fig.axes[0].get_title()
    ax = _axis(fig, "flow distance, lesion")
    assert f"net {ex['network']}" in ax.get_title()
    assert ax.images[0].get_extent() == pytest.approx([res["lesion_axis1"][0], res["lesion_axis1"][-1],
                                                       res["lesion_axis2"][0], res["lesion_axis2"][-1]])
    code = res["example_end_class"]
    b = _axis(fig, " steps:\nfixed")
    assert f"orbit (o) {int(np.sum(code == 1))}" in b.get_title()
    plt.close(fig)


@pytest.mark.parametrize("fid", ["fig1", "figS2"])
def test_fig1_example_panels_draw_the_example_network(fid):
    from modbound.core import activity as act_mod
    data, s, fig = _run(fid)
    an, act = data["analysis"], data["activity"]
    e = s["example"]["position"]
    m = int(an["model_index"][e])
    assert s["example"]["network"] == m
    part = an["partition"][e]
    live = part >= 0
    C = act_mod.correlation(act.hidden[m].astype(np.float64)[:, live])
    order = np.argsort(part[live], kind="stable")
    ax = _axis(fig, f"net {m}:")
    np.testing.assert_allclose(np.asarray(ax.images[0].get_array()), C[np.ix_(order, order)])
    assert f"dt = {float(act.trials.dt):g} ms" in fig.axes[0].get_xlabel()
    plt.close(fig)


def test_fig1_example_has_the_typical_module_count():
    from modbound.figures import fig1
    key = np.array([0.5, 0.1, 0.2, 0.3, 0.9])
    n_mod = np.array([4, 6, 4, 3, 4])  # median 4; the key's median (0.3) is network 3's, which has 3 modules
    assert stats_mod.typical_count(n_mod) == 4
    assert stats_mod.representative_among(key, n_mod, 4) == 2  # among the 4-module networks, key closest to 0.3
    assert stats_mod.typical_count(np.array([4, 5])) == 5  # 4.5 rounds half up
    # no network with a finite key has the typical count: those with the nearest count are the candidates
    assert stats_mod.representative_among(np.array([np.nan, 0.2, 0.5, 0.9]), np.array([4, 6, 6, 7]), 4) == 2
    with pytest.raises(ValueError, match="finite"):
        stats_mod.representative_among(np.array([np.nan, np.nan]), np.array([4, 4]), 4)


def test_figS8_stability_is_judged_over_the_window_not_the_last_step():
    from modbound.figures import figS8
    assert random_rnn.window_start(59, 0.5) == 28  # 60 steps: t = 30 .. 60
    assert random_rnn.window_start(7, 0.0) == 0 and random_rnn.window_start(59, 0.99) == 57
    with pytest.raises(ValueError, match="stability_from"):
        random_rnn.window_start(59, 1.0)
    data = figures.load_inputs(_paths("figS8"))
    stab = np.array(data["random_rnn"]["stab_none"], copy=True)
    j0 = random_rnn.window_start(stab.shape[1], float(CONFIG["origin"]["random_rnn"]["stability_from"]))
    stab[:, j0] = stab[:, 0] - 0.1  # a dip inside the window, the last step left as it is
    _, s, fig = _run("figS8", _with(data, "random_rnn", stab_none=stab))
    row = next(c for c in s["claims"] if c["id"] == "figS8.correlation_stabilises")
    assert s["stabilisation_none"]["window_min"]["mean"] == pytest.approx(stab[:, j0:].min(axis=1).mean())
    assert row["statistic"] < 0  # the dip below the first step is seen; the last step alone would not see it
    plt.close(fig)


def test_figS11_ari_matrices_share_one_colour_range_and_the_dashed_line_has_a_legend():
    _, s, fig = _run("figS11")
    a, e = (_axis(fig, f"{lab}:\nARI between networks") for lab in ("same W_in", "same W_in = W_outᵀ"))
    assert a.images[0].get_clim() == e.images[0].get_clim()
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    assert any("split-half ARI" in t.get_text() for lg in legends for t in lg.get_texts())
    plt.close(fig)


def test_fig4_rnn_null_is_the_examples_and_the_binned_scatter_pools_every_network():
    data = figures.load_inputs(_paths("fig4_rnn"))
    res = data["analysis"]
    M = res["model_index"].size
    assert M >= 2
    e = (int(res["example_index"]) + 1) % M  # move the example off its position: the panels must follow it
    q_null = np.array(res["q_null"], copy=True)
    q_null[e] += 10.0  # the example's null, unmistakable
    _, s, fig = _run("fig4_rnn", _with(data, "analysis", example_index=np.int64(e), q_null=q_null))
    ax = _axis(fig, "null: ")
    np.testing.assert_allclose(np.sort(ax.collections[0].get_offsets()[:, 1]), np.sort(q_null[e]))  # its null
    ax = _axis(fig, "RNNs pooled")
    assert f"({int(res['pooled_hist'].sum())} pairs)" in ax.get_title()
    assert res["pooled_hist"].sum() > res["example_hist"].sum()
    plt.close(fig)
