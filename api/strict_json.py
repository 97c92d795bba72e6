"""JSON request bodies read strictly, so odd but parseable input is a 4xx naming the field,
and numbers read as JSON Schema reads them (``2.0`` is the integer 2).

Python's ``json`` accepts what JSON does not (``NaN``, ``Infinity``, numbers such as
``1e999`` that overflow to infinity) and strings with unpaired UTF-16 surrogates
(``"\\ud800"``), which no encoder, database or response can carry. Read as usual they
reach the domain and fail there with a 500, or fail the response that reports them. Here
they are refused while the body is read, in the app's one error shape: 422 with the
field's location, or 400 for a body that is not UTF-8.

Every router of the app is made with :func:`api_router`, whose routes read bodies this
way (a test checks that no route is left out) and declare in /openapi.json every error
they may answer, with the one error body (``api/responses.py``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.routing import APIRoute

from api.problems import Problem
from api.responses import document_errors
from rules.errors import whole_number

Loc = tuple[str | int, ...]
# The escape of a UTF-16 surrogate in JSON text; only then is a walk over the strings needed.
_SURROGATE_ESCAPE = (b"\\ud8", b"\\ud9", b"\\uda", b"\\udb", b"\\udc", b"\\udd", b"\\ude", b"\\udf")


class _Refused(Exception):
    def __init__(self, status: int, problem: Problem) -> None:
        self.status = status
        self.problem = problem


def _refuse_constant(name: str) -> Any:
    raise _Refused(
        422, Problem(f"{name} is not a JSON number; send a finite number or null", "number_not_finite", ("body",))
    )


def _finite_number(text: str) -> float | int:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(
            422,
            Problem(f"{text} is too large to be a number here; send a finite number", "number_not_finite", ("body",)),
        )
    return whole_number(value)


def json_integers(value: Any) -> Any:
    """``value`` (decoded JSON) with every whole number an ``int``: ``2.0`` is ``2``, as JSON Schema reads it.

    Python's parsers tell ``2.0`` from ``2``; JSON Schema does not (both are integers), and neither
    should the checks behind it (``type(x) is int``). Containers are changed in place.
    """
    kind = type(value)
    if kind is float:
        return whole_number(value)
    if kind is dict:
        for key, item in value.items():
            if type(item) in _CONTAINERS_OR_FLOAT:
                value[key] = json_integers(item)
    elif kind is list:
        for index, item in enumerate(value):
            if type(item) in _CONTAINERS_OR_FLOAT:
                value[index] = json_integers(item)
    return value


_CONTAINERS_OR_FLOAT = (dict, list, float)


def _first_surrogate(value: Any, loc: Loc) -> Loc | None:
    """Where the first string with an unpaired surrogate is (keys included), or None."""
    if isinstance(value, str):
        return loc if _has_surrogate(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if _has_surrogate(key):
                return (*loc, key.encode("utf-8", "backslashreplace").decode())
            found = _first_surrogate(item, (*loc, key))
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _first_surrogate(item, (*loc, index))
            if found is not None:
                return found
    return None


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def loads_strict(body: bytes) -> Any:
    """Parse a request body as JSON, refusing what JSON itself does not allow.

    Raises:
        json.JSONDecodeError: not JSON (FastAPI answers it with its own 422).
        HTTPException: 400 for a body that is not UTF-8, 422 for NaN/Infinity/overflowing
            numbers and for strings with unpaired surrogates, located in the body.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        problem = Problem(f"the body is not UTF-8 ({e.reason} at byte {e.start}); send UTF-8 JSON", "body_encoding")
        raise _as_http(400, problem) from e
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_number)
    except _Refused as e:
        raise _as_http(e.status, e.problem) from e
    if any(marker in body.lower() for marker in _SURROGATE_ESCAPE):
        loc = _first_surrogate(value, ("body",))
        if loc is not None:
            problem = Problem(
                "text contains an unpaired UTF-16 surrogate (such as \\ud800), which is not Unicode text; "
                "send the character itself or a complete surrogate pair",
                "string_unicode",
                loc,
            )
            raise _as_http(422, problem)
    return value


def _as_http(status: int, problem: Problem) -> HTTPException:
    # An HTTPException is the one error FastAPI lets out of body reading unchanged.
    return HTTPException(status_code=status, detail=[problem.as_dict()])


class StrictJSONRequest(Request):
    """A request whose ``json()`` is :func:`loads_strict`."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads_strict(await self.body())
        return self._json


class StrictJSONRoute(APIRoute):
    """An API route that reads its JSON body with :class:`StrictJSONRequest` and documents its errors."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        document_errors(self)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict_handler


def api_router(**kwargs: Any) -> APIRouter:
    """An ``APIRouter`` whose routes read JSON bodies strictly and document their errors (every router of the app)."""
    return APIRouter(route_class=StrictJSONRoute, **kwargs)
