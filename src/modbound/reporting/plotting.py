"""One shared figure style for every figure of the workflow.

Use :func:`figure` to make a figure with paper-like panel layout, :func:`panel_label` to letter
panels, :func:`stamp` to state on the figure what data and scale it was made from, and
:func:`save` to write the PDF and PNG.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.transforms import ScaledTranslation  # noqa: E402

from modbound.core.io import atomic_path  # noqa: E402

__all__ = [
    "STYLE",
    "MODULE_COLORS",
    "CONDITION_COLORS",
    "module_color",
    "figure",
    "panel_label",
    "stamp",
    "scale_note",
    "save",
    "ordered_matrix",
    "colorbar",
    "weight_fan",
    "boxplot",
    "strips",
    "format_p",
    "JACOBIAN_COLORS",
    "WEIGHT_COLORS",
    "STIMULUS_COLORS",
    "band",
    "violins",
    "null_panel",
    "pair_scatter",
    "paired_q",
    "induced_panels",
    "ensemble_counts",
    "data_note",
    "substitute_note",
]

STYLE = {
    "font.size": 7,
    "axes.titlesize": 7.5,
    "axes.labelsize": 7,
    "xtick.labelsize": 6,
    "ytick.labelsize": 6,
    "legend.fontsize": 6,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "lines.linewidth": 1.0,
    "savefig.dpi": 200,
    "figure.dpi": 100,
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.hashsalt": "modbound",
    "image.cmap": "RdBu_r",
}

# Colour-blind-safe (Okabe-Ito); module k always gets MODULE_COLORS[k].
MODULE_COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
CONDITION_COLORS = {"control": "#7f7f7f", "lesion": "#D55E00", "null": "#bdbdbd", "observed": "#0072B2"}

plt.rcParams.update(STYLE)


def module_color(k: int) -> str:
    return MODULE_COLORS[int(k) % len(MODULE_COLORS)]


def figure(width_mm: float = 180, height_mm: float = 120, **kwargs) -> plt.Figure:
    """A figure in millimetres (the paper's full width is ~180 mm) with constrained layout."""
    return plt.figure(figsize=(width_mm / 25.4, height_mm / 25.4), layout="constrained", **kwargs)


def panel_label(ax: plt.Axes, letter: str, dx_in: float = 0.32, dy_in: float = 0.2) -> None:
    """Bold lower-case panel letter left of the axes, raised above a one-line centred title."""
    offset = ScaledTranslation(-dx_in, dy_in, ax.figure.dpi_scale_trans)
    ax.text(0, 1, letter, transform=ax.transAxes + offset, ha="left", va="bottom", fontsize=9,
            fontweight="bold")


STAMP_FONTSIZE = 5.5


def stamp(fig: plt.Figure, text: str, right: float = 0.985) -> None:
    """Write provenance (data source, scale, n) in small type at the figure's bottom edge.

    Every figure calls this: a figure made from synthetic or reduced data says so on it. The text
    is wrapped to the figure's width (measured, not guessed), and the constrained layout of
    :func:`figure` keeps a strip at the bottom exactly as tall as the wrapped text, so no axis label
    runs into it; ``right`` leaves a thin right margin (centred titles of the last column may
    otherwise overhang the edge by a few pixels).
    """
    renderer = fig.canvas.get_renderer()
    paragraphs = text.split("\n")
    t = fig.text(0.005, 0.004, "", fontsize=STAMP_FONTSIZE, color="#555555", ha="left", va="bottom",
                 linespacing=1.15)
    width = int(fig.get_figwidth() * 72 / (0.5 * STAMP_FONTSIZE))  # start wide, narrow until it fits
    while True:
        t.set_text("\n".join(line for para in paragraphs for line in (textwrap.wrap(para, width) or [""])))
        if t.get_window_extent(renderer).width <= 0.99 * fig.bbox.width or width <= 40:
            break
        width -= 4
    bottom = (t.get_window_extent(renderer).height + 0.04 * fig.dpi) / fig.bbox.height
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "set"):
        engine.set(rect=(0, bottom, right, 1 - bottom))  # (left, bottom, width, height)


def keep_legends_clear(fig: plt.Figure, legends, pad: float = 0.06, rounds: int = 3) -> None:
    """Raise the top of each axes' y range until none of its data lie under its legend.

    ``legends``: ``(ax, legend, data_top)`` triples, each legend in an upper corner of ``ax`` and ``data_top`` the
    highest y of the data drawn there. Measured after the layout (call it when the figure is complete, stamp
    included): the legend's lower edge is read in axes units and the y range raised so that ``data_top`` ends
    ``pad`` below it (0.06: a big marker's radius on a small panel); the layout is redone and the check repeated,
    as new tick labels can move the axes. Panels whose data already clear their legend are left alone. Whatever
    spans the axes (a shaded background) must be drawn beyond the old limits to fill the raised part.
    """
    for _ in range(rounds):
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        changed = False
        for ax, legend, data_top in legends:
            bottom = ax.transAxes.inverted().transform(legend.get_window_extent(renderer))[0, 1]
            y0, y1 = ax.get_ylim()
            room = bottom - pad
            if room <= 0.2:  # a legend taller than the axes: raising the axis cannot help
                continue
            if (data_top - y0) / (y1 - y0) > room * (1 + 1e-9):
                ax.set_ylim(y0, y0 + (data_top - y0) / room)
                changed = True
        if not changed:
            return


def scale_note(scale: str, counts: str) -> str:
    """Standard wording for the scale a figure was made at."""
    if scale == "paper":
        return f"Paper scale ({counts})."
    return f"REDUCED SCALE ('{scale}' config: {counts}); paper scale: configs/paper.yaml."


LINE_LABEL = "modbound-line-label"  # gid of a label written beside a vertical line (see fit_line_labels)


def _outside(text, ax, renderer) -> float:
    """How far (display units) ``text`` runs out of ``ax`` to the left or right; 0 when it fits."""
    t, a = text.get_window_extent(renderer), ax.get_window_extent(renderer)
    return max(a.x0 - t.x0, 0.0) + max(t.x1 - a.x1, 0.0)


def _padded(content: str, ha: str) -> str:
    """Each line of a line label with one space on the side of the line."""
    return "\n".join(f" {line}" if ha == "left" else f"{line} " for line in content.split("\n"))


def fit_line_labels(fig: plt.Figure) -> None:
    """Keep every label written beside a vertical line (gid ``LINE_LABEL``) inside its axes, measured after layout.

    A label that runs out of its axes is tried on the other side of its line, then wrapped onto two lines on either
    side; it takes the first placement that fits, else the one that runs out least. :func:`save` calls it.
    """
    labels = [(ax, t) for ax in fig.axes for t in ax.texts if t.get_gid() == LINE_LABEL]
    if not labels:
        return
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax, text in labels:
        if _outside(text, ax, renderer) == 0:
            continue
        words = text.get_text().strip()
        sides = ("left", "right") if text.get_ha() == "right" else ("right", "left")
        best = None
        for content in (words, words.replace(" ", "\n", 1)):
            for ha in sides:
                text.set_text(_padded(content, ha))
                text.set_ha(ha)
                over = _outside(text, ax, renderer)
                if best is None or over < best[0]:
                    best = (over, content, ha)
                if over == 0:
                    break
            if best[0] == 0:
                break
        _, content, ha = best
        text.set_text(_padded(content, ha))
        text.set_ha(ha)


def save(fig: plt.Figure, pdf: str | os.PathLike, png: str | os.PathLike | None = None) -> None:
    """Save ``fig`` as PDF (and PNG) atomically, with metadata that keeps bytes reproducible; labels beside lines
    are kept inside their axes first (:func:`fit_line_labels`)."""
    fit_line_labels(fig)
    for path, kw in ((pdf, {"metadata": {"CreationDate": None, "Creator": "modbound"}}), (png, {})):
        if path is None:
            continue
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=Path(path).suffix.lstrip("."), **kw)
    plt.close(fig)


COLORBAR_GAP_IN, COLORBAR_WIDTH_IN = 0.06, 0.07  # inches: gap between the panel and its bar, bar width


def colorbar(mappable, ax: plt.Axes, label: str = "", shrink: float = 0.7):
    """The shared colour bar: beside ``ax`` (a fixed gap and width in inches, ``shrink`` of its height, centred),
    labelled, small ticks. It is an inset of ``ax``, so the constrained layout counts it, its ticks and its label in
    the panel's extent: it never covers the panel's data (a colour bar stolen from the layout could sit over an
    ``aspect="auto"`` image) and the next panel is moved clear of its label."""
    fig = ax.figure
    cax = ax.inset_axes([1.0, (1 - shrink) / 2, 1.0, shrink])  # x and width set in inches below
    cax.set_axes_locator(_ColorbarLocator(ax, shrink))
    cb = fig.colorbar(mappable, cax=cax)
    cb.set_label(label, labelpad=2)
    cb.ax.tick_params(labelsize=5.5, pad=1.5)
    return cb


class _ColorbarLocator:
    """Places a colour-bar inset a fixed distance (inches) right of its parent axes, at every draw."""

    def __init__(self, parent: plt.Axes, shrink: float):
        self.parent, self.shrink = parent, shrink

    def __call__(self, cax, renderer):
        from matplotlib.transforms import Bbox
        fig = self.parent.figure
        box = self.parent.get_position(original=False)  # figure fraction, after the aspect is applied
        w_in, h_in = fig.get_size_inches()
        x0 = box.x1 + COLORBAR_GAP_IN / w_in
        height = box.height * self.shrink
        y0 = box.y0 + (box.height - height) / 2
        return Bbox.from_bounds(x0, y0, COLORBAR_WIDTH_IN / w_in, height)


def weight_fan(ax: plt.Axes, sources, targets, rng: np.random.Generator, *, lw: tuple[float, float] = (0.3, 0.5),
               alpha: float = 0.6) -> None:
    """Schematic random weights from every source to every target point: blue positive, vermillion
    negative, line width growing with |w| (drawings of networks in Figs 2a and 4a)."""
    for xi, yi in sources:
        for xo, yo in targets:
            w = rng.standard_normal()
            ax.plot([xi, xo], [yi, yo], color="#D55E00" if w < 0 else "#0072B2", lw=lw[0] + lw[1] * min(abs(w), 1.5),
                    alpha=alpha, zorder=1)


def ordered_matrix(ax: plt.Axes, M: np.ndarray, partition: np.ndarray, *, vmax: float | None = None,
                   label: str = "", cbar: bool = True, title: str | None = None,
                   letter: str | None = None) -> np.ndarray:
    """Show a square matrix with rows/columns sorted by module, module borders outlined (optionally with a
    title and a panel letter).

    Returns the ordering used.
    """
    partition = np.asarray(partition)
    order = np.argsort(partition, kind="stable")
    vmax = float(np.nanmax(np.abs(M))) if vmax is None else vmax
    im = ax.imshow(M[np.ix_(order, order)], cmap="RdBu_r", vmin=-vmax, vmax=vmax, interpolation="nearest")
    bounds = np.flatnonzero(np.diff(partition[order])) + 0.5
    start = -0.5
    for end in [*bounds, len(order) - 0.5]:
        k = partition[order][int(np.ceil(start + 0.5))]
        ax.add_patch(plt.Rectangle((start, start), end - start, end - start, fill=False,
                                   edgecolor=module_color(k), linewidth=1.0))
        start = end
    ax.set_xticks([])
    ax.set_yticks([])
    if cbar:
        colorbar(im, ax, label)
    if title is not None:
        ax.set_title(title)
    if letter is not None:
        panel_label(ax, letter)
    return order


def boxplot(ax: plt.Axes, groups: Sequence[np.ndarray], labels: Sequence[str],
            colors: Sequence[str] | None = None, jitter_seed: int = 0) -> None:
    """Box plots with every data point overlaid (deterministic jitter)."""
    rng = np.random.default_rng(jitter_seed)
    colors = colors or [MODULE_COLORS[i % len(MODULE_COLORS)] for i in range(len(groups))]
    bp = ax.boxplot([np.asarray(g) for g in groups], widths=0.55, showfliers=False, patch_artist=True)
    for patch, c in zip(bp["boxes"], colors):
        patch.set(facecolor=c, alpha=0.35, edgecolor=c)
    for median in bp["medians"]:
        median.set(color="black")
    for i, (g, c) in enumerate(zip(groups, colors), start=1):
        g = np.asarray(g)
        ax.scatter(i + rng.uniform(-0.15, 0.15, g.size), g, s=4, color=c, alpha=0.8, linewidths=0)
    ax.set_xticks(range(1, len(groups) + 1), labels)


def strips(ax: plt.Axes, groups: Sequence[np.ndarray], labels: Sequence[str],
           colors: Sequence[str] | None = None, jitter_seed: int = 0) -> None:
    """Every value as a jittered point with the group's mean as a black bar: for values that take few levels (e.g.
    accuracies of 0 or 1 on a few trials), where box plots collapse; the mean is then the proportion."""
    rng = np.random.default_rng(jitter_seed)
    colors = colors or [MODULE_COLORS[i % len(MODULE_COLORS)] for i in range(len(groups))]
    for i, (g, c) in enumerate(zip(groups, colors), start=1):
        g = np.asarray(g, dtype=float)
        g = g[np.isfinite(g)]
        ax.scatter(i + rng.uniform(-0.2, 0.2, g.size), g + rng.uniform(-0.015, 0.015, g.size), s=4, color=c,
                   alpha=0.6, linewidths=0)
        if g.size:
            ax.plot([i - 0.3, i + 0.3], [g.mean()] * 2, color="black", lw=1.2, zorder=4)
    ax.set_xticks(range(1, len(groups) + 1), labels)


def format_p(p: float | None) -> str:
    """'p = 0.012', 'p < 1e-10' style annotation."""
    if p is None or not np.isfinite(p):
        return "p = n/a"
    if p < 1e-10:
        return "p < 1e-10"
    if p < 1e-3:
        return f"p = {p:.1e}"
    return f"p = {p:.3f}"


# ---- shared panels (lines with bands, violins, permutation nulls, pair scatter, paired Q) ----------

JACOBIAN_COLORS = {"fixed_point": "#E69F00", "trajectory": "#009E73"}  # paper Fig 3: orange, green
WEIGHT_COLORS = {"w_rec_rows": "#56B4E9", "w_rec_columns": "#7f7f7f"}  # Fig 3b baseline: W_rec in-/out-weights
STIMULUS_COLORS = ("#009E73", "#CC79A7")  # paper Fig 5d: stimulus 1 green, stimulus 2 purple


def band(ax, x, Y, *, color, label, marker="o", ls="-"):
    """Mean +- sd over axis 1 of ``Y [len(x), n]`` as a line with a shaded band."""
    Y = np.asarray(Y, dtype=np.float64)
    mean, sd = np.nanmean(Y, axis=1), np.nanstd(Y, axis=1, ddof=1)
    ax.fill_between(x, mean - sd, mean + sd, color=color, alpha=0.2, linewidth=0)
    ax.plot(x, mean, color=color, marker=marker, ms=2.5, ls=ls, label=label)


def violins(ax, groups, positions, colors, jitter_seed: int = 0) -> None:
    """Violin plots with every value overlaid (deterministic jitter); empty groups are skipped."""
    rng = np.random.default_rng(jitter_seed)
    for g, x, c in zip(groups, positions, colors):
        g = np.asarray(g, dtype=float)
        g = g[np.isfinite(g)]
        if g.size == 0:
            continue
        if g.size > 1 and np.ptp(g) > 0:
            vp = ax.violinplot([g], positions=[x], widths=0.7, showextrema=False)
            for body in vp["bodies"]:
                body.set(facecolor=c, edgecolor=c, alpha=0.35)
        ax.scatter(x + rng.uniform(-0.1, 0.1, g.size), g, s=5, color=c, linewidths=0, zorder=3)
        ax.plot([x - 0.2, x + 0.2], [np.median(g)] * 2, color="black", lw=1.0, zorder=4)


def null_panel(ax, q_null: np.ndarray, q_obs: float, p: float, label: str = "observed",
               letter: str | None = None) -> None:
    """Histogram of a permutation null with the observed value."""
    counts, edges, _ = ax.hist(q_null, bins=30, color=CONDITION_COLORS["null"], edgecolor="white", linewidth=0.3)
    ax.axvline(q_obs, color=CONDITION_COLORS["observed"], lw=1.5)
    ax.set_xlabel("induced Q")
    ax.set_ylabel("permutations")
    # headroom above the histogram; the observed line is labelled there, on the side with more room
    # (a legend box could sit on the line itself)
    top = 1.45 * max(counts.max(), 1)
    ax.set_ylim(0, top)
    lo, hi = ax.get_xlim()
    right = q_obs < (lo + hi) / 2
    text = ax.text(q_obs, 0.9 * top, (f" {label}" if right else f"{label} "), ha="left" if right else "right",
                   va="center", fontsize=5.5, color=CONDITION_COLORS["observed"])
    text.set_gid(LINE_LABEL)  # save() moves it to the other side, or wraps it, if it runs out of the axes
    ax.set_title(f"{q_null.size} label permutations\n{format_p(p)}")
    if letter is not None:
        panel_label(ax, letter)


def pair_scatter(ax, S: np.ndarray, C: np.ndarray, xlabel: str, r: float) -> None:
    """Upper-triangle entries of a similarity matrix against the activity correlation, with the LS line."""
    iu = np.triu_indices(S.shape[0], k=1)
    x, y = S[iu], C[iu]
    ax.scatter(x, y, s=2, color="0.35", alpha=0.35, linewidths=0, rasterized=True)
    if np.ptp(x) > 0:
        slope, icept = np.polyfit(x, y, 1)
        xs = np.array([x.min(), x.max()])
        ax.plot(xs, icept + slope * xs, color=CONDITION_COLORS["observed"], lw=1.0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("activity correlation")
    ax.set_title(f"unit pairs ({x.size}):\nr = {r:.2f}")


def induced_panels(axes, source: np.ndarray, target: np.ndarray, partition: np.ndarray, example: dict,
                   q_null: np.ndarray, *, source_label: str, source_name: str, target_label: str, target_name: str,
                   null_label: str, letters: str) -> None:
    """The three panels of "modules of one matrix, induced on another": ``source`` ordered by its modules,
    ``target`` in the same order with the induced Q, and the label-permutation null (``example``: the
    stats' example network, with n_modules, q_induced and p)."""
    ordered_matrix(axes[0], source, partition, vmax=1.0, label=source_label,
                   title=f"{source_name}:\n{example['n_modules']} modules", letter=letters[0])
    ordered_matrix(axes[1], target, partition, vmax=1.0, label=target_label,
                   title=f"{target_name}, same\norder: induced Q = {example['q_induced']:.3f}", letter=letters[1])
    null_panel(axes[2], q_null, example["q_induced"], example["p"], label=null_label, letter=letters[2])


def ensemble_counts(stats_: dict, label: str, example: bool = False) -> str:
    """'n of N trained <label> RNNs (accuracy >= a)', for a figure's stamp (with its example network); when fewer
    networks are analysed than pass the accuracy cut (a cap in config, e.g. ``dynamics.nullclines.n_networks``),
    it says so: 'the first n of the P (of N trained) <label> RNNs that pass accuracy >= a (a config cap)'."""
    n, total = int(stats_["n_networks"]), int(stats_["n_trained"])
    passed = total - len(stats_.get("excluded_models") or [])
    if n < passed:
        text = (f"the first {n} of the {passed} (of {total} trained) {label} RNNs that pass accuracy >= "
                f"{stats_['min_accuracy']} (a config cap, not an accuracy cut)")
    else:
        text = f"{n} of {total} trained {label} RNNs (accuracy >= {stats_['min_accuracy']})"
    return text + (f"; example network {stats_['example']['network']}" if example else "")


def paired_q(ax, res: dict, title: str) -> None:
    """Induced Q against the permutation-null mean, one line per network."""
    null_mean = res["q_null"].mean(axis=1)
    boxplot(ax, [null_mean, res["q_induced"]], ["null mean", "observed"],
                     colors=[CONDITION_COLORS["null"], CONDITION_COLORS["observed"]])
    for a, b in zip(null_mean, res["q_induced"]):
        ax.plot([1, 2], [a, b], color="0.8", lw=0.4, zorder=0)
    ax.set_ylabel("induced Q")
    ax.set_title(title)


def substitute_note(stats_: dict) -> str:
    """'SUBSTITUTE for <paper's>: <used>, not the paper's <paper's>. ' for a figure whose stats name a stand-in
    (:func:`modbound.reporting.claims.substitute`), first in its stamp; '' otherwise."""
    sub = stats_.get("substitute")
    return f"SUBSTITUTE: {sub['used']} stands in for the paper's {sub['for']}. " if sub else ""


def data_note(stats_: dict, built_in: str = "") -> str:
    """Provenance sentence for a figure's stamp: synthetic data are named as such, first."""
    d = stats_["data"]
    if not stats_["synthetic"]:
        if stats_.get("data_mark") and stats_.get("resolution"):   # a brain data set: its mark and resolution first
            return f"Data: {stats_['resolution']}. {d}"
        return f"Data: {d}"
    d = d.split(":", 1)[1].strip() if d.lower().startswith("synthetic:") else d
    return f"SYNTHETIC DATA, not a result about brains{built_in}: {d}"
