"""Generic helpers with no domain knowledge: money, errors, ids, time.

Everything above this layer may import from here; this layer imports nothing of
Merchantry's own.
"""
