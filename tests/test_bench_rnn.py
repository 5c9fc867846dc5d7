"""benchmarks/bench_rnn.py's breakdown of an ensemble update, on a tiny ensemble (fast; times are not checked)."""
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import torch

from modbound.models.tasks import make_task

ROOT = Path(__file__).resolve().parents[1]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_rnn", ROOT / "benchmarks/bench_rnn.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_update_parts_cover_the_update_and_its_recurrent_products():
    bench = _bench()
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        parts = bench.time_parts(make_task("pdm", seed=0), SimpleNamespace(models=3, speed_steps=2))
    finally:
        torch.set_num_threads(threads)
    assert set(parts) == {"batch_s", "forward_s", "loss_s", "backward_s", "adam_s", "recurrent_products_s",
                          "recurrent_gflops_per_s"}
    assert all(v > 0 for v in parts.values())
    # 3 products per step: the throughput is that of one forward pass of T products
    one_pass = parts["recurrent_products_s"] / 3
    assert abs(2 * 3 * 16 * 64 ** 2 * 100 / one_pass / 1e9 - parts["recurrent_gflops_per_s"]) < 1e-6 * parts[
        "recurrent_gflops_per_s"]
    row = bench.markdown({"args": {"models": 3, "steps": 0}, "data": {"pool_s_per_model": 0.1, "batch_s_per_step": 0.01},
                          "speed": {"ensemble_s_per_update": 0.1, "ensemble_s_per_update_default_allocator": 0.1,
                                    **{key.format(n): 1.0 for n in bench.LOOPS for key in
                                       ("loop_{}_s_per_model_update", "speedup_vs_loop_{}")}},
                          "scaling": {}, "parts": parts, "load_average": {}})
    assert "update parts (3 networks): batch / forward / loss / backward / Adam" in row


def test_the_benchmark_runs_on_the_jobs_cpu_code_path(tmp_path):
    """Started without the code-path variables, the command starts itself again with config.yaml's (as the jobs);
    its numbers are then those of the jobs' code path, and it says so."""
    env = {k: v for k, v in os.environ.items() if k not in ("ATEN_CPU_CAPABILITY", "MKL_CBWR")}
    out = tmp_path / "rnn.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks/bench_rnn.py"), "--models", "2", "--steps", "0",
                    "--threads", "1", "--speed-steps", "1", "--loop-models", "1", "--scaling", "1", "--out", str(out)],
                   env=env, check=True, capture_output=True, timeout=300)
    environment = json.loads(out.read_text())["environment"]
    assert environment["cpu_code_path"] == "avx2"
    if environment["machine"] == "x86_64":  # torch then runs its AVX2 kernels (or lower, on an older CPU)
        assert environment["torch_cpu_capability"] in ("AVX2", "DEFAULT", "NO AVX")
