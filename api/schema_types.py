"""Field types whose validation is exactly what their JSON Schema says.

Pydantic's lax mode converts what JSON Schema forbids (``"5"`` or ``true`` for an integer,
``false`` for a number, ``"yes"`` for a boolean) and its strict mode refuses what JSON
Schema allows (``2.0`` is an integer); request bodies use these instead, so a request is
refused exactly when /openapi.json says it is invalid (tests/security/test_schemathesis.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, Strict
from pydantic_core import PydanticCustomError

# The characters ``str.strip()`` removes (``str.isspace``), spelled for JSON Schema, Python and Rust
# regular expressions alike: ``\s`` differs between them (U+001C-U+001F are spaces only to Python).
SPACE_CLASS = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# A search, as JSON Schema patterns are: the text has a character other than white space.
NOT_BLANK = f"[^{SPACE_CLASS}]"
# The largest integer SQLite and PostgreSQL store: an id or offset above it is a 422, not an overflow.
MAX_SQL_INT = 2**63 - 1


def _number(value: Any) -> Any:
    # JSON's numbers only: pydantic would read "5" and true as 5.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("number_type", "Input should be a number")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("string_blank", "must not be empty or only white space")
    return value


JsonInt = Annotated[int, BeforeValidator(_number)]
"""An integer as JSON Schema has it: ``2`` and ``2.0``, not ``"2"``, ``true`` or ``2.5``."""
JsonFloat = Annotated[float, BeforeValidator(_number)]
"""A number: ``1``, ``0.5``; not ``"1"`` or ``false``."""
JsonBool = Annotated[bool, Strict()]
"""``true`` or ``false`` only."""
NotBlank = Annotated[str, AfterValidator(_not_blank), Field(json_schema_extra={"pattern": NOT_BLANK})]
"""Text with a character other than white space."""


def when_given(**keywords: Any) -> Callable[[dict[str, Any]], None]:
    """``json_schema_extra`` of an optional query or header parameter (``X | None = None``): documented as
    ``X`` (it is absent, never null), with ``keywords`` added."""

    def schema(value: dict[str, Any]) -> None:
        options = [option for option in value.pop("anyOf", []) if option.get("type") != "null"]
        if len(options) == 1:
            value.update(options[0])
        elif options:
            value["anyOf"] = options
        value.update(keywords)

    return schema


REGION_NAMES = "x-region-names"
"""Marks a region's schema: /openapi.json lists the region names the app knows there (``api/openapi.py``)."""
RegionName = Annotated[str, Field(max_length=64, json_schema_extra={REGION_NAMES: True})]
"""A region id (``ap-guangzhou``, also one newer than the app) or a name the region vocabulary knows (广州)."""
VOCABULARY = "x-vocabulary"
"""Marks an id's schema: /openapi.json lists the ids of that part of the app's vocabulary (``api/openapi.py``)."""


def vocabulary(part: str) -> Any:
    """An id of the diagnosis vocabulary's ``part`` (services, symptoms, claims, checks, causes), listed as an enum."""
    return Field(json_schema_extra={VOCABULARY: part})


def documented(**keywords: Any) -> Any:
    """JSON Schema ``keywords`` for a value the domain package checks itself (it names the field in its 422)."""
    return Field(json_schema_extra=keywords)
