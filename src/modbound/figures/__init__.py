"""One module per figure (or family of figures): ``stats(...)`` builds the numbers a figure shows
(and the paper's claims about them); ``plot(...)`` draws it with :mod:`modbound.plotting`."""
