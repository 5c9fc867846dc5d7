"""Plot Fig S4 and write its stats JSON (rule figure_figS4)."""
from modbound import io, plotting
from modbound.figures import digits

io.setup_logging(snakemake.log[0])
p = snakemake.params
res = io.load_npz(snakemake.input.analysis)
stats = digits.stats(res, io.read_json(snakemake.input.summary), scale=p.scale, gamma=p.gamma,
                     louvain_runs=p.louvain_runs)
plotting.save(digits.plot(res, stats), snakemake.output.pdf, snakemake.output.png)
io.write_json(snakemake.output.stats, stats)
