"""Red-flag safety layer: pure Python over text and spaCy, no Rasa, nothing loaded at import.

- ``catalog``: ``load_catalog(path) -> Catalog`` (content/red_flags.yml, validated), ``TIER_RANK``.
- ``detector``: ``RedFlagDetector(catalog, nlp).findings(text, doc=None)`` / ``.live(...)``,
  ``Finding``, ``top_tier(findings)``.
- ``context``: ConText-style statuses (live, negated, historical, hypothetical, question).
- ``patterns``: canonical tokens, typo tolerance and the catalog's pattern language.
- ``temperature``: body-temperature readings ("temp 38.9", "101F").
"""
