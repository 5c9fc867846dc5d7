"""Plot Fig S1 and write its stats JSON (rule figure_reduction)."""
from modbound import ensembles, io, plotting
from modbound.figures import reduction

io.setup_logging(snakemake.log[0])
inp = snakemake.input
acts = {"pdm": ensembles.load_activity(inp.pdm_activity), "gng": ensembles.load_activity(inp.gng_activity)}
analyses = {"pdm": io.load_npz(inp.pdm_analysis), "gng": io.load_npz(inp.gng_analysis)}
stats = reduction.stats(analyses, scale=snakemake.params.scale)
plotting.save(reduction.plot(acts, analyses, stats), snakemake.output.pdf, snakemake.output.png)
io.write_json(snakemake.output.stats, stats)
