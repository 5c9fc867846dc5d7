"""Layer 6, reporting: claims (rows of the paper's claims with their verdicts), the shared figure style
(:mod:`.plotting`), the figure registry, config variants and the reproduction report. Imports only the layers
below; figures (layer 7) use it.
"""
