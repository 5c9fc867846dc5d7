"""Plot one brain figure (Fig 4f-j, 4k-o, S9, S10) and write its stats JSON."""
from pathlib import Path

from modbound import brain, io, plotting
from modbound.figures import brain_systems, subcortical_sources, thalamocortical

io.setup_logging(snakemake.log[0])
p = snakemake.params
res = io.load_npz(snakemake.input.analysis)
dataset = brain.load_dataset(Path(snakemake.input.dataset).parent, mmap=True)

if p.figure in ("fig4_mouse", "fig4_human"):
    species = p.figure.split("_")[1]
    stats = thalamocortical.stats(res, dataset, figure=p.figure, species=species, scale=p.scale, master_seed=p.seed)
    fig = thalamocortical.plot(res, stats, dataset)
elif p.figure == "figS9":
    stats = brain_systems.stats(res, dataset, scale=p.scale, master_seed=p.seed)
    fig = brain_systems.plot(res, stats, dataset)
elif p.figure == "figS10":
    stats = subcortical_sources.stats(res, dataset, scale=p.scale, master_seed=p.seed)
    fig = subcortical_sources.plot(res, stats, dataset)
else:
    raise ValueError(f"figure_brain: unknown figure {p.figure!r}")
plotting.save(fig, snakemake.output.pdf, snakemake.output.png)
io.write_json(snakemake.output.stats, stats)
