"""Plot one dynamics figure (Fig 3, 5, 6, S12, S13, S14) and write its stats JSON."""
from modbound import io, plotting
from modbound.figures import flow, jacobian, nullclines, perturbation

io.setup_logging(snakemake.log[0])
p = snakemake.params
inp = snakemake.input
fig_name = p.figure

if fig_name == "fig3":
    res = {name: io.load_npz(inp[f"jacobian_{name}"]) for name in p.ensembles}
    stats = jacobian.stats(res, scale=p.scale, settings=p.settings,
                           evaluations={n: io.read_json(inp[f"evaluation_{n}"]) for n in p.ensembles},
                           manifests={n: io.read_json(inp[f"manifest_{n}"]) for n in p.ensembles})
    fig = jacobian.plot(res, stats)
elif fig_name in ("fig5", "figS12"):
    res = io.load_npz(inp.analysis)
    stats = perturbation.stats(res, figure=fig_name, scale=p.scale, evaluation=io.read_json(inp.evaluation),
                               manifest=io.read_json(inp.manifest), settings=p.settings)
    fig = perturbation.plot(res, io.load_npz(inp.fixed_points), stats)
elif fig_name in ("fig6", "figS13"):
    res = io.load_npz(inp.analysis)
    stats = flow.stats(res, figure=fig_name, scale=p.scale, evaluation=io.read_json(inp.evaluation),
                       manifest=io.read_json(inp.manifest), settings=p.settings)
    fig = flow.plot(res, stats)
elif fig_name == "figS14":
    res = io.load_npz(inp.analysis)
    stats = nullclines.stats(res, scale=p.scale, evaluation=io.read_json(inp.evaluation),
                             manifest=io.read_json(inp.manifest), settings=p.settings)
    fig = nullclines.plot(res, stats)
else:
    raise ValueError(f"figure_dynamics: unknown figure {fig_name!r}")
plotting.save(fig, snakemake.output.pdf, snakemake.output.png)
io.write_json(snakemake.output.stats, stats)
