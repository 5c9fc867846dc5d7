# modbound: regenerate the figures of "Modular boundaries in recurrent neural networks".
#   snakemake --cores 2                                  # default: offline, reduced scale
#   snakemake --cores 2 results/figures/fig1.pdf         # one figure
#   snakemake --cores 2 results/report/REPRODUCTION.md   # this run's reproduction report (rules/report.smk)
#   snakemake --profile profiles/slurm --configfile configs/paper.yaml   # paper scale on SLURM
from snakemake.utils import min_version

min_version("9.0")


# The defaults; --configfile files (configs/test.yaml, configs/paper.yaml, yours) are merged over them.
configfile: f"{workflow.basedir}/config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/rnn.smk"
include: "rules/figures.smk"
include: "rules/ffnn.smk"
include: "rules/deepnets.smk"
include: "rules/data.smk"
include: "rules/brain.smk"
include: "rules/dynamics.smk"
include: "rules/claims.smk"
include: "rules/variants.smk"
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        figure_targets(FIGURES),
        [figure_targets(v["figures"], variant_dir(name)) for name, v in VARIANTS.items()],
        "results/claims.md",
