"""The shared figure style: the provenance stamp fits the figure and never overlaps a panel."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

from modbound.reporting import plotting

LONG = ("SYNTHETIC DATA, not a result about brains: " + "a long provenance sentence with counts and seeds, " * 6
        + "end.\nREDUCED SCALE ('default' config: 20 networks); paper scale: configs/paper.yaml.")


@pytest.mark.parametrize("size_mm,text", [((180, 60), LONG), ((180, 120), LONG), ((90, 80), LONG),
                                          ((180, 120), "one short line")])
def test_stamp_fits_width_and_clears_every_panel(size_mm, text):
    fig = plotting.figure(*size_mm)
    gs = fig.add_gridspec(2, 3)
    for i in range(6):
        ax = fig.add_subplot(gs[i])
        ax.plot(np.arange(5), np.arange(5))
        ax.set_xlabel("a x-axis label\nwith two lines")
        ax.set_title(f"panel {i}")
    plotting.stamp(fig, text)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    stamp = fig.texts[-1]
    box = stamp.get_window_extent(renderer)
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width, "stamp runs off the figure"
    assert stamp.get_text().count("\n") >= text.count("\n")
    for ax in fig.axes:
        assert ax.get_tightbbox(renderer).y0 >= box.y1, "a panel overlaps the stamp"
    plt.close(fig)


def test_substitute_note_names_the_stand_in_and_what_it_replaces():
    from modbound.reporting import claims
    note = plotting.substitute_note({"substitute": claims.substitute("GPT-2", "all-MiniLM-L6-v2")})
    assert note.startswith("SUBSTITUTE") and "all-MiniLM-L6-v2" in note and "GPT-2" in note
    assert plotting.substitute_note({"substitute": None}) == plotting.substitute_note({}) == ""


def test_ensemble_counts_tells_a_config_cap_from_the_accuracy_cut():
    base = {"n_trained": 100, "min_accuracy": 0.8, "example": {"network": 7}}
    capped = plotting.ensemble_counts({**base, "n_networks": 10, "excluded_models": [3, 5]}, "PDM")
    assert capped.startswith("the first 10 of the 98 (of 100 trained) PDM RNNs that pass accuracy >= 0.8")
    assert "config cap" in capped
    every = plotting.ensemble_counts({**base, "n_networks": 98, "excluded_models": [3, 5]}, "PDM", example=True)
    assert every == "98 of 100 trained PDM RNNs (accuracy >= 0.8); example network 7"


def test_colour_bar_is_beside_its_panel_and_its_label_clear_of_the_next():
    """A colour bar never covers its panel (Figs 6c, S13c: an aspect-"auto" image) and its label does not run into
    the next panel (Figs 1c, 2b/f, ...): the bar is an inset the constrained layout counts in its panel."""
    fig = plotting.figure(180, 60)
    gs = fig.add_gridspec(1, 3)
    axes = [fig.add_subplot(gs[i]) for i in range(3)]
    im = axes[0].imshow(np.arange(100.0).reshape(10, 10), aspect="auto", extent=(0, 30, -10, 20))
    cb0 = plotting.colorbar(im, axes[0], "a long colour-bar label")
    plotting.ordered_matrix(axes[1], np.eye(6), np.arange(6) % 2, label="r of flow distances")
    axes[2].plot([0, 1])
    axes[2].set_ylabel("permutations")
    plotting.panel_label(axes[2], "c")
    plotting.stamp(fig, "note")
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    bars = [cb0.ax, axes[1].child_axes[0]]
    for ax, cax in zip(axes[:2], bars):
        assert cax.get_window_extent(r).x0 > ax.get_window_extent(r).x1, "colour bar over its panel"
        label = cax.yaxis.label.get_window_extent(r)
        assert label.x1 < axes[axes.index(ax) + 1].get_tightbbox(r).x0, "colour-bar label runs into the next panel"
    plt.close(fig)


def test_label_beside_the_observed_line_stays_inside_its_axes(tmp_path):
    # Fig S14f at paper scale: the observed Q just right of the middle, so the label went to the left of the line and
    # ran over the y axis; save() moves it to the other side (or wraps it) once the layout is done
    fig = plotting.figure(45, 40)
    ax = fig.add_subplot(1, 1, 1)
    q_null = np.random.default_rng(0).normal(0.07, 0.02, 1000)
    q_null[:2] = [0.0, 0.2]
    plotting.null_panel(ax, q_null, 0.104, 0.1, label="nullcline modules")
    text = next(t for t in ax.texts if t.get_gid() == plotting.LINE_LABEL)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    before = text.get_window_extent(renderer)
    assert before.x0 < ax.get_window_extent(renderer).x0        # the fixture does run out on the left
    plotting.save(fig, tmp_path / "f.pdf", tmp_path / "f.png")
    fig.canvas.draw()
    t, a = text.get_window_extent(renderer), ax.get_window_extent(renderer)
    assert a.x0 <= t.x0 and t.x1 <= a.x1
    assert text.get_position()[0] == 0.104                      # still beside the line
    plt.close(fig)
