"""Record the inputs of every registry figure from a finished tiny run (configs/test.yaml) into
tests/data/figure_inputs/, the small fixture of tests/test_figures.py (stats() and plot() of each figure module).

    .venv/bin/snakemake --cores 2 --configfile configs/test.yaml        # the tiny run, in a checkout
    .venv/bin/python tests/data/record_figure_inputs.py [RUN_DIR]       # RUN_DIR: that checkout (default: here)

Re-record when a compute rule changes what a figure reads (tests/test_figures.py then fails with a KeyError
naming the missing array). Numbers in it mean nothing; it is a fixture of shapes and types.
"""
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from modbound.reporting import registry  # noqa: E402
from modbound.core.io import load_config  # noqa: E402

OUT = ROOT / "tests" / "data" / "figure_inputs"
DATASET_FILES = ("dataset.npz", "W.npy", "fc.npy", "fc_subjects.npy")


def main(run_dir: Path) -> None:
    config = load_config(ROOT / "config.yaml", ROOT / "configs" / "test.yaml")
    wanted = set()
    for fid, entry in registry.load().items():
        for name, rel in registry.figure_inputs(fid, entry, config).items():
            if name == "dataset":  # a brain data set folder: its arrays
                wanted |= {str(Path(rel).parent / f) for f in DATASET_FILES if (run_dir / Path(rel).parent / f).exists()}
            else:
                wanted.add(rel)
    if OUT.exists():
        shutil.rmtree(OUT)
    for rel in sorted(wanted):
        src = run_dir / rel
        if not src.exists():
            raise FileNotFoundError(f"{src}: input of a figure not in the run (finish the tiny run first)")
        (OUT / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, OUT / rel)
    size = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"{len(wanted)} files, {size / 1e6:.2f} MB in {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT)
