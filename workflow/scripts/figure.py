"""Draw one figure of the registry (rule figure_<id>): load its inputs, call the module named in the rule's
params (src/modbound/figures/<id>.py), write its PDF, PNG and stats JSON."""
import importlib

from modbound import figures
from modbound.core import io
from modbound.reporting import plotting

io.setup_logging(snakemake.log[0])
module = importlib.import_module(snakemake.params.module)
data = figures.load_inputs(dict(snakemake.input.items()))
stats = module.stats(data, **snakemake.params.args)
plotting.save(module.plot(data, stats), snakemake.output.pdf, snakemake.output.png)
io.write_json(snakemake.output.stats, stats)
