"""Plot Fig 1 / Fig S2 and write their stats JSON (rule figure_modules)."""
from modbound import ensembles, io, plotting
from modbound.figures import modules

io.setup_logging(snakemake.log[0])
act = ensembles.load_activity(snakemake.input.activity)
analysis = io.load_npz(snakemake.input.analysis)
stats = modules.stats(analysis, figure=snakemake.wildcards.fig, task=snakemake.params.task,
                      scale=snakemake.params.scale, evaluation=io.read_json(snakemake.input.evaluation),
                      manifest=io.read_json(snakemake.input.manifest))
plotting.save(modules.plot(act, analysis, stats, task=snakemake.params.task),
              snakemake.output.pdf, snakemake.output.png)
io.write_json(snakemake.output.stats, stats)
