"""Plot Fig S5 and write its stats JSON (rule figure_figS5)."""
from modbound import io, plotting
from modbound.figures import sentences

io.setup_logging(snakemake.log[0])
p = snakemake.params
res = io.load_npz(snakemake.input.analysis)
stats = sentences.stats(res, io.read_json(snakemake.input.info), scale=p.scale, gamma=p.gamma,
                        louvain_runs=p.louvain_runs)
plotting.save(sentences.plot(res, stats), snakemake.output.pdf, snakemake.output.png)
io.write_json(snakemake.output.stats, stats)
