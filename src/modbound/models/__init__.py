"""Layer 4, models: the networks the paper studies and how they are trained.

Tasks (neurogym), the continuous-time RNN and its batched ensembles, feed-forward nets, random RNNs and the
deep networks of Figs S4/S5. Imports only the layers below (core, nulls, datasets).
"""
