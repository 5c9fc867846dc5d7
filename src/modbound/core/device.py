"""Where torch computes: config ``device`` (RNN training and the dynamics searches).

``cpu`` (the default) is what every committed result, benchmark and test uses. ``cuda`` or ``cuda:<index>`` runs
the batched ensemble training (:func:`modbound.models.rnn.train_ensemble`) and the slow-point and nullcline
searches (:func:`modbound.analyses.dynamics.minimise_speed`) on that GPU; everything else (initial weights, data,
trials, the float64 residuals, recording and all other analyses) stays on the CPU, so initial weights and data are
the same on either device. A GPU's matrix products round differently from the CPU's: its networks and slow points
agree with the CPU's to rounding only (tested on a GPU where one is present), so its stats are not byte-identical to
a CPU run's, and the device a network was trained on is recorded in its manifest.

The device is checked where a job runs, not when the workflow starts: a SLURM login node without a GPU may submit
jobs to GPU nodes (the rules ask SLURM for one GPU when ``device`` is not ``cpu``).
"""

from __future__ import annotations

import re

import torch

__all__ = ["DEVICE_PATTERN", "resolve", "is_gpu"]

DEVICE_PATTERN = r"^(cpu|cuda(:[0-9]+)?)$"


def is_gpu(name: str) -> bool:
    """Whether config ``device`` names a GPU (the rules then request one)."""
    return str(name).startswith("cuda")


def resolve(name: str | torch.device | None, where: str = "config device") -> torch.device:
    """The torch device named ``name`` (None = cpu); ``ValueError`` naming ``where`` if it is not ``cpu``,
    ``cuda`` or ``cuda:<index>``, or if it names a GPU this machine does not have."""
    if name is None:
        return torch.device("cpu")
    if isinstance(name, torch.device):
        name = str(name)
    if not isinstance(name, str) or not re.fullmatch(DEVICE_PATTERN, name):
        raise ValueError(f"{where}: {name!r} is not a device; expected 'cpu', 'cuda' or 'cuda:<index>'")
    if name == "cpu":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise ValueError(f"{where}: {name!r} asks for a GPU but torch finds none on this machine "
                         f"(torch {torch.__version__}, CUDA build: {torch.version.cuda}); use 'cpu'")
    device = torch.device(name)
    if device.index is not None and device.index >= torch.cuda.device_count():
        raise ValueError(f"{where}: {name!r}: this machine has {torch.cuda.device_count()} GPU(s)")
    return device
