"""Recommendation governance: rules a marketplace's recommender must obey, explained.

Data flow: ``products`` + ``product_profiles`` -> :mod:`similarity` (title MinHash/LSH,
category, attributes, price band, image hashes) -> :mod:`clusters` (near-duplicate
clusters, ``reco_clusters``, grown as products arrive) -> :mod:`suppression` (a buyer's
recent purchases and a candidate list in; kept and removed items, each removal with its
rule and matched purchase out). Beside it: :mod:`boost` (quality-aware rerank weights,
explained and capped) and :mod:`replay` (exposure and expected returns per shop tier under
two rulebooks), :mod:`creatives` (copy variants with an unsupported-claim guard) and
:mod:`bandit` (Thompson sampling between variants). Every number comes from a ``reco-*``
rulebook's parameters (:mod:`settings`).
"""
