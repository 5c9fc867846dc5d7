"""Plot Fig S3 and write its stats JSON (rule figure_multitask)."""
from modbound import ensembles, io, plotting
from modbound.figures import multitask

io.setup_logging(snakemake.log[0])
res = io.load_npz(snakemake.input.analysis)
act = ensembles.load_activity(snakemake.input.activity)
stats = multitask.stats(res, scale=snakemake.params.scale, evaluation=io.read_json(snakemake.input.evaluation),
                        manifest=io.read_json(snakemake.input.manifest), task_names=act.trials.task_names)
plotting.save(multitask.plot(res, stats), snakemake.output.pdf, snakemake.output.png)
io.write_json(snakemake.output.stats, stats)
