"""Layer 5, analyses: what the paper computes from trained networks and brain data sets.

Selectivity and lesions (Fig 1), input-weight similarity (Figs 4, S11), dynamics (Figs 3, 5, 6, S12-S14), deep
networks (Figs S4, S5) and the brain analysis (Figs 4f-o, S9, S10). Each returns arrays for a results file;
nothing here draws or judges. Imports only the layers below.
"""
