"""The bundled demo news site: three fictional outlets, their feeds, and gold annotations.

Articles live as YAML data under articles/<site>/, are rendered through one HTML template
per site at serve time (serve.py), and carry the gold annotations that gold.py exposes.
"""
