"""NLP enrichment helpers: model loading, entities, quotes and sanctions.

Each module is plain functions over plain data; extractors.enrich wires them together.
"""
