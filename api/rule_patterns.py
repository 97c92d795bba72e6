"""Building blocks of the rule engine's JSON Schemas (``api/rule_schemas.py``): addresses,
ports, ids and names spelled as the rules package reads them.

Patterns are written for JSON Schema (ECMA 262), Python and Rust regular expressions alike:
no ``\\s`` (its meaning differs between them), no ``(?i)`` (letters in any case are spelled
``[Aa]``, with the non-ASCII characters Python folds to them), ``$`` only at the end.
"""

from __future__ import annotations

from typing import Any, Literal

from api.schema_types import SPACE_CLASS

Json = dict[str, Any]
NULL: Json = {"type": "null"}
ANY: Json = {}
EMPTY: Json = {"enum": [None, ""]}  # absent, null or "": "not given", as the API returns it


# The characters other than the letter's two ASCII cases that Python folds to it: ``"ı".upper()``
# is "I", ``"ſ".upper()`` is "S" and ``"\u212a".lower()`` (the Kelvin sign) is "k"; no other
# single character folds to an ASCII letter.
_ALSO_FOLDED = {("I", "upper"): "\u0131", ("S", "upper"): "\u017f", ("k", "lower"): "\u212a"}


def _folding_to(letter: str, fold: Literal["upper", "lower"]) -> str:
    """A character class body of the characters whose ``upper()`` (``lower()``) is ``letter``'s."""
    target = getattr(letter, fold)()
    return letter.upper() + letter.lower() + _ALSO_FOLDED.get((target, fold), "")


_SYNTAX = set("\\^$.|?*+()[]{}/")


def any_case(*words: str, fold: Literal["upper", "lower"] = "lower", spaces: bool = False) -> str:
    """A pattern matching exactly ``words``, in any case as ``str.<fold>()`` compares them.

    ``spaces``: white space around is allowed (the value is ``strip()``-ed first), and a space
    inside a word stands for any run of white space (as ``diagnosis.matcher.fold`` reads text).
    """

    def spelled(word: str) -> str:
        return "".join(
            f"[{_folding_to(c, fold)}]"
            if c.isascii() and c.isalpha()
            else f"[{SPACE_CLASS}]+"
            if spaces and c == " "
            else f"\\{c}"
            if c in _SYNTAX
            else c
            for c in word
        )

    around = f"[{SPACE_CLASS}]*" if spaces else ""
    return f"^{around}(?:{'|'.join(spelled(w) for w in words)}){around}$"


def spelled_as(names: tuple[str, ...] | frozenset[str]) -> Json:
    """``propertyNames`` for Tencent Cloud's objects: a known name in another case is refused, others kept."""
    known = sorted(names)
    return {"anyOf": [{"enum": known}, {"not": {"pattern": any_case(*known)}}]}


def string_schema(pattern: str, description: str = "", examples: list[str] | None = None) -> Json:
    schema: Json = {"type": "string", "pattern": pattern}
    if description:
        schema["description"] = description
    return schema | ({"examples": examples} if examples else {})


def nullable(*schemas: Json) -> Json:
    return {"anyOf": [*schemas, NULL]}


# --- addresses, ports, ids --------------------------------------------------------------------

ID_BODY = "[0-9a-z]+(?:-[0-9a-z]+)*"
_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IPV4 = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
_H16 = "[0-9A-Fa-f]{1,4}"
_LS32 = f"(?:{_H16}:{_H16}|{IPV4})"
# RFC 3986's IPv6address: what inet_pton reads (no zone, no spaces).
IPV6 = (
    "(?:"
    + "|".join(
        (
            f"(?:{_H16}:){{6}}{_LS32}",
            f"::(?:{_H16}:){{5}}{_LS32}",
            f"(?:{_H16})?::(?:{_H16}:){{4}}{_LS32}",
            f"(?:(?:{_H16}:){{0,1}}{_H16})?::(?:{_H16}:){{3}}{_LS32}",
            f"(?:(?:{_H16}:){{0,2}}{_H16})?::(?:{_H16}:){{2}}{_LS32}",
            f"(?:(?:{_H16}:){{0,3}}{_H16})?::{_H16}:{_LS32}",
            f"(?:(?:{_H16}:){{0,4}}{_H16})?::{_LS32}",
            f"(?:(?:{_H16}:){{0,5}}{_H16})?::{_H16}",
            f"(?:(?:{_H16}:){{0,6}}{_H16})?::",
        )
    )
    + ")"
)
IPV4_BLOCK = rf"{IPV4}(?:/(?:3[0-2]|[12][0-9]|[0-9]))?"
IPV6_BLOCK = rf"{IPV6}(?:/(?:12[0-8]|1[01][0-9]|[1-9][0-9]|[0-9]))?"
ADDRESS: Json = string_schema(f"^(?:{IPV4}|{IPV6})$", examples=["203.0.113.7"])
IPV4_ADDRESS: Json = string_schema(f"^{IPV4}$")
IPV6_ADDRESS: Json = string_schema(f"^{IPV6}$")
# An address, a block, or (templates and members) a range of one IP version, low first.
ADDRESS_ITEM: Json = string_schema(
    f"^(?:{IPV4_BLOCK}|{IPV6_BLOCK}|{IPV4}-{IPV4}|{IPV6}-{IPV6})$",
    "An address, a CIDR block or a range low-high of one IP version",
    ["10.0.0.0/24"],
)
ADDRESS_SET: Json = {"type": "array", "items": ADDRESS_ITEM}

# 1-65535 in at most five digits (leading zeros counted), as a rule's Port text writes a port.
_PORT5 = (
    "(?:0{0,4}[1-9]|0{0,3}[1-9][0-9]|0{0,2}[1-9][0-9]{2}|0?[1-9][0-9]{3}|[1-5][0-9]{4}|6[0-4][0-9]{3}"
    "|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
)
PORT_LIST = f"{_PORT5}(?:-{_PORT5})?(?:,{_PORT5}(?:-{_PORT5})?)*"
ALL_WORD = any_case("ALL")[1:-1]
PORT_TEXT = f"^(?:{ALL_WORD}|{PORT_LIST})?$"  # "" and ALL: every port
PORT_NUMBER_PATTERN = "^0*(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$"
PORT_PROTOCOL_PATTERN = any_case("tcp", "udp", spaces=True)
PORT: Json = {"type": "integer", "minimum": 1, "maximum": 65535}
PORTED = any_case("TCP", "UDP")
UNPORTED = any_case("ICMP", "ICMPv6", "GRE", "ALL")
ALL_PORTS: Json = nullable(string_schema(f"^(?:{ALL_WORD})?$", "empty or ALL: no port applies"))


def id_of(prefix: str) -> Json:
    """An id such as ``sg-1a2b3c4d``: the prefix, lowercase letters and digits (inner hyphens allowed)."""
    return string_schema(f"^{prefix}-{ID_BODY}$")
