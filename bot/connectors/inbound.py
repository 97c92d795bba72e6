"""What the channels take from a client: checks that name the bad field, and the error answer.

Every channel reads a few fields from its client's body (REST's ``sender`` and
``message``, socket.io's ``message``, Slack's ``event.text``...). Rasa reads them with
``body.get(...)``: a body of the wrong shape raised inside Sanic (an HTML 500 page), and
a missing field became ``None`` further on. Here each field is checked first, and a bad
one raises :class:`BadInput` with where it is (``loc``), what is wrong, and a ``type``;
the HTTP channels answer it with :func:`refusal`, 400 in the app's one error shape::

    {"detail": [{"loc": ["body", "sender"], "msg": "sender is required ...", "type": "missing"}]}

A string must be encodable as UTF-8 (a lone surrogate such as ``"\\ud800"`` is refused:
it would fail later, in the tracker store or the event broker), and a JSON body must not
use ``NaN`` or ``Infinity``, which Python's parser accepts but JSON does not have.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sanic import response
from sanic.response import HTTPResponse

Loc = Sequence[str | int]


class BadInput(ValueError):
    """A client's body or field that the channel refuses (400)."""

    def __init__(self, loc: Loc, msg: str, type: str = "invalid") -> None:
        super().__init__(msg)
        self.loc = tuple(loc)
        self.msg = msg
        self.type = type

    def as_dict(self) -> dict[str, Any]:
        """One item of the error answer's ``detail``."""
        return {"loc": list(self.loc), "msg": self.msg, "type": self.type}


def refusal(error: BadInput, status: int = 400) -> HTTPResponse:
    """The error answer: ``status`` with ``{"detail": [error]}`` (the app's shape, api/problems.py)."""
    return response.json({"detail": [error.as_dict()]}, status=status)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def json_value(raw: bytes | str, loc: Loc = ("body",)) -> Any:
    """``raw`` parsed as JSON (UTF-8, no NaN or Infinity)."""
    if not raw.strip():
        raise BadInput(loc, f"{_name(loc)} is empty: send a JSON object", "missing")
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        return json.loads(text, parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise BadInput(loc, f"{_name(loc)} is not UTF-8", "encoding") from None
    except ValueError as e:
        raise BadInput(loc, f"{_name(loc)} is not JSON ({e})", "json_invalid") from None


def json_object(body: bytes, loc: Loc = ("body",)) -> dict[str, Any]:
    """The body as a JSON object (UTF-8, no NaN or Infinity)."""
    return object_field(json_value(body, loc), loc)


def object_field(value: Any, loc: Loc) -> dict[str, Any]:
    """``value`` if it is a JSON object."""
    if not isinstance(value, dict):
        raise BadInput(loc, f"{_name(loc)} must be a JSON object, not {_json_type(value)}", "object_type")
    return value


def text_field(
    container: Mapping[str, Any],
    key: str,
    loc: Loc,
    *,
    required: bool = True,
    non_empty: bool = False,
    max_chars: int | None = None,
) -> str | None:
    """The string ``container[key]`` (None when absent or null and not ``required``)."""
    here = (*loc, key)
    value = container.get(key)
    if value is None:
        if required:
            raise BadInput(here, f"{_name(here)} is required", "missing")
        return None
    if not isinstance(value, str):
        raise BadInput(here, f"{_name(here)} must be a string, not {_json_type(value)}", "string_type")
    if non_empty and not value.strip():
        raise BadInput(here, f"{_name(here)} must not be empty", "string_too_short")
    if max_chars is not None and len(value) > max_chars:
        raise BadInput(here, f"{_name(here)} must be at most {max_chars} characters", "string_too_long")
    _encodable(value, here)
    return value


def optional_object(container: Mapping[str, Any], key: str, loc: Loc) -> dict[str, Any] | None:
    """``container[key]`` if it is a JSON object; None when absent or null."""
    value = container.get(key)
    if value is None:
        return None
    found = object_field(value, (*loc, key))
    _encodable(found, (*loc, key))
    return found


def _encodable(value: Any, loc: Loc) -> None:
    try:
        json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BadInput(loc, f"{_name(loc)} is not valid Unicode (a lone surrogate?)", "string_unicode") from None
    except ValueError:
        raise BadInput(
            loc, f"{_name(loc)} contains NaN or Infinity, which JSON does not have", "json_invalid"
        ) from None


def _name(loc: Loc) -> str:
    fields = [str(part) for part in loc if part != "body"]
    return ".".join(fields) if fields else "the body"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
