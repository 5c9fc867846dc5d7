"""Layer 3, data sets: readers of real formats (Allen, HCP), the generated stand-ins, and checked downloads.

Belongs here: anything that turns files on disk (or a generator) into arrays of weights, activity, connectivity
or coordinates, with their provenance. Imports only :mod:`modbound.core` and :mod:`modbound.nulls`.
"""
