"""Layer 1, core: the maths and plumbing every other layer uses, importing nothing else of modbound.

Modularity (signed Louvain, induced Q, consensus), similarity and correlation of rows, partitions and their ARI,
statistics, input checks, seeding, and atomic, checked file I/O. Belongs here: a function of arrays that knows
nothing of tasks, networks, data sets or figures.
"""
