"""Region names in requests: an id, or a name the region vocabulary knows, exactly.

``region`` fields (``POST /v1/diagnose``, ``POST /v1/security-groups/deletion-check``) take
a region id (``ap-guangzhou``; an id-shaped region newer than the vocabulary too) or one
of the names of knowledge/data/troubleshooting/regions.yaml (广州, guangzhou, in beijing),
in any case and width, with white space around. /openapi.json lists those names
(``api/openapi.py``), so the document and the check agree; free text that merely
mentions a region goes in ``text`` instead.
"""

from __future__ import annotations

import re

from api.schema_types import SPACE_CLASS
from diagnosis.matcher import fold
from diagnosis.vocabulary import Vocabulary

# As account/config.py checks a region id (diagnosis.account_evidence.REGION_ID), whole.
_REGION_ID = re.compile(r"[a-z]{2,}(?:-[a-z0-9]+)+")
REGION_ID_PATTERN = f"^[{SPACE_CLASS}]*{_REGION_ID.pattern}[{SPACE_CLASS}]*$"


def region_names(vocab: Vocabulary) -> dict[str, str]:
    """Every name of a region, folded (lower case, NFKC, single spaces), to its id."""
    return {fold(phrase).spaced: region.id for region in vocab.regions.values() for phrase in region.phrases}


def resolve_region(value: str, names: dict[str, str]) -> str | None:
    """The region id ``value`` is or names (see the module docstring), or None."""
    text = value.strip()
    if _REGION_ID.fullmatch(text):
        return text
    return names.get(fold(text).spaced)
