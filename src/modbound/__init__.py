"""modbound: reproduce 'Modular boundaries in recurrent neural networks' (Tanner et al.)."""

__version__ = "0.1.0"
