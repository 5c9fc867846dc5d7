"""Plot one origin-of-modules figure (Fig 2, 4a-e, S6, S7, S8, S11) and write its stats JSON."""
from modbound import io, plotting, tasks
from modbound.figures import cosine, feedforward, generative, init_modes, input_modules, random_rnn

io.setup_logging(snakemake.log[0])
fig_name = snakemake.params.figure
p = snakemake.params
inp = snakemake.input

if fig_name == "fig2":
    res = io.load_npz(inp.ffnn)
    stats = feedforward.stats(res, scale=p.scale, gamma=p.gamma, louvain_runs=p.louvain_runs)
    fig = feedforward.plot(res, stats)
elif fig_name == "figS6":
    res, wc = io.load_npz(inp.generative), io.load_npz(inp.weight_change)
    manifest = io.read_json(inp.manifest)
    stats = generative.stats(res, wc, scale=p.scale, ensemble=p.ensemble, evaluation=io.read_json(inp.evaluation),
                             manifest=manifest, input_names=tasks.make_task(manifest["task"], seed=0).input_names)
    fig = generative.plot(res, wc, stats)
elif fig_name == "figS7":
    ff, gen = io.load_npz(inp.ffnn), io.load_npz(inp.generative)
    stats = cosine.stats(ff, gen, scale=p.scale)
    fig = cosine.plot(ff, gen, stats)
elif fig_name == "figS8":
    res = io.load_npz(inp.random_rnn)
    stats = random_rnn.stats(res, scale=p.scale, cfg=p.cfg, seed=p.seed)
    fig = random_rnn.plot(res, stats)
elif fig_name == "fig4_rnn":
    res = io.load_npz(inp.analysis)
    manifest = io.read_json(inp.manifest)
    names = tasks.make_task(manifest["task"], seed=0).input_names
    stats = input_modules.stats(res, scale=p.scale, ensemble=p.ensemble, evaluation=io.read_json(inp.evaluation),
                                manifest=manifest, input_names=names, gamma=p.gamma, louvain_runs=p.louvain_runs)
    fig = input_modules.plot(res, stats, input_names=names)
elif fig_name == "figS11":
    res = io.load_npz(inp.analysis)
    modes = p.ensembles
    stats = init_modes.stats(res, scale=p.scale, ensembles=modes,
                             evaluations={m: io.read_json(inp[f"evaluation_{m}"]) for m in modes},
                             manifests={m: io.read_json(inp[f"manifest_{m}"]) for m in modes})
    fig = init_modes.plot(res, stats, ensembles=modes)
else:
    raise ValueError(f"figure_origin: unknown figure {fig_name!r}")
plotting.save(fig, snakemake.output.pdf, snakemake.output.png)
io.write_json(snakemake.output.stats, stats)
