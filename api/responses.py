"""What /openapi.json says each route may answer when it fails, worked out in one place.

Every route of the app is an :class:`api.strict_json.StrictJSONRoute`, which adds to its
own ``responses`` the errors below, each with the app's one error body
(:class:`api.problems.ErrorBody`):

- 400: the route reads a JSON body (a body that is not UTF-8);
- 401, 503: what its dependencies declare with :func:`answers` (a token; the services,
  which may still be starting, or the database, which may not answer);
- 404: a path parameter (nothing has that id, or the value is not one path segment);
- 413 and 429: the edge's limits for that path and method (``api/security.py``);
- 422: any parameter or body.

A route declares the others itself (``responses={409: {"description": ...}}``); it gets
the error body here too. Statuses the route does not meet are not listed: the document
says what a client must handle, and a client can trust that it is all.

What a request schema cannot say (two policies with one ``PolicyIndex``, a range that runs
backwards...) an operation lists in ``x-also-refused`` (:func:`also_refused`), and its 422
description repeats it: a request the schema allows is refused for those, and only those.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.utils import create_model_field

from api.problems import ErrorBody
from api.security import is_limited, is_rate_limited

F = TypeVar("F", bound=Callable[..., Any])
ERROR_SCHEMA_REF = "#/components/schemas/ErrorBody"

DESCRIPTIONS: dict[int, str] = {
    400: "The body is not UTF-8; send UTF-8 JSON",
    401: "The Bearer token is missing or wrong",
    404: "Nothing has that id (or the path is not one of the API's)",
    409: "The request conflicts with the current state",
    413: "The body is larger than the route accepts (HELPDESK_MAX_BODY_BYTES and the route's own ceiling)",
    422: "A parameter or a field of the body is missing, unknown or malformed: each problem is located",
    429: "Too many requests from this address (HELPDESK_RATE_LIMIT); retry after Retry-After seconds",
    503: "Not available now: the service is starting, the database does not answer, or a setting is missing; "
    "the message says which",
}
HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "Bearer",
            "required": True,
            "schema": {"type": "string", "enum": ["Bearer"]},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds until a request is accepted again",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}

_ANSWERS: dict[Callable[..., Any], frozenset[int]] = {}


def answers(*statuses: int) -> Callable[[F], F]:
    """Mark a dependency as answering ``statuses``: every route that uses it declares them."""

    def mark(dependency: F) -> F:
        _ANSWERS[dependency] = frozenset(statuses)
        return dependency

    return mark


def _dependency_statuses(dependant: Dependant) -> set[int]:
    found: set[int] = set()
    for sub in dependant.dependencies:
        if sub.call is not None:
            found |= _ANSWERS.get(sub.call, frozenset())
        found |= _dependency_statuses(sub)
    return found


def _has_parameters(dependant: Dependant) -> bool:
    if dependant.path_params or dependant.query_params or dependant.header_params or dependant.cookie_params:
        return True
    return any(_has_parameters(sub) for sub in dependant.dependencies)


def _has_path_parameters(dependant: Dependant) -> bool:
    return bool(dependant.path_params) or any(_has_path_parameters(sub) for sub in dependant.dependencies)


def error_statuses(route: APIRoute) -> set[int]:
    """The error statuses ``route`` may answer (those it declares itself included)."""
    statuses = {int(s) for s in route.responses if str(s).isdigit() and int(s) >= 400}
    statuses |= _dependency_statuses(route.dependant)
    reads_json_body = route.body_field is not None
    declares_body = "requestBody" in (route.openapi_extra or {})
    if reads_json_body:
        statuses.add(400)
    if reads_json_body or declares_body or _has_parameters(route.dependant):
        statuses.add(422)
    if _has_path_parameters(route.dependant):
        statuses.add(404)
    if is_limited(route.path):
        statuses.add(413)
        if any(is_rate_limited(route.path, method) for method in route.methods or ()):
            statuses.add(429)
    return statuses


def _json_route(route: APIRoute) -> bool:
    media_type = getattr(route.response_class, "media_type", None)
    value = getattr(route.response_class, "value", None)  # FastAPI's DefaultPlaceholder
    if value is not None:
        media_type = getattr(value, "media_type", media_type)
    return media_type is None or media_type == "application/json"


def document_errors(route: APIRoute) -> None:
    """Add the errors ``route`` may answer to its ``responses``, each with :class:`ErrorBody`.

    A description or headers the route gives for a status are kept.
    """
    responses: dict[int | str, dict[str, Any]] = dict(route.responses)
    json_route = _json_route(route)
    for status in sorted(error_statuses(route)):
        key: int | str = status if status in responses else str(status) if str(status) in responses else status
        given: Mapping[str, Any] = responses.get(key, {})
        doc: dict[str, Any] = {"description": DESCRIPTIONS.get(status, "Error"), **given}
        refusals = (route.openapi_extra or {}).get(ALSO_REFUSED, [])
        if status == 422 and refusals and "description" not in given:
            doc["description"] += "; also, where the schema cannot say it: " + "; ".join(r["why"] for r in refusals)
        if status in HEADERS:
            doc["headers"] = {**HEADERS[status], **doc.get("headers", {})}
        if "model" not in doc and "content" not in doc:
            if json_route:
                doc["model"] = ErrorBody
            else:  # a model would be documented in the route's own media type (text/csv)
                doc["content"] = {"application/json": {"schema": {"$ref": ERROR_SCHEMA_REF}}}
        responses[key] = doc
    route.responses = responses
    route.response_fields = {
        status: create_model_field(
            name=f"Response_{status}_{route.unique_id}", type_=doc["model"], mode="serialization"
        )
        for status, doc in responses.items()
        if doc.get("model") is not None
    }


ALSO_REFUSED = "x-also-refused"
"""An operation's list of the 422 problems JSON Schema cannot rule out (e.g. two items with one id).

Each item has ``why`` and a problem ``type`` and/or ``loc`` (a prefix of the problem's location):
a request the schema allows may still be refused for these, and only these."""
_RULE_DATA: tuple[dict[str, Any], ...] = (
    {"type": "duplicate_index", "why": "two policies of one direction of a group with the same PolicyIndex"},
    {"type": "duplicate", "why": "a security group listed twice"},
    {"type": "range_backwards", "why": "a port or address range whose first end is the higher (90-80)"},
)
_CASE_DATA: tuple[dict[str, Any], ...] = (
    *_RULE_DATA,
    {"type": "too_long", "loc": ["body", "case", "evidence"], "why": "the case's evidence is too large altogether"},
)


def also_refused(*problems: dict[str, Any]) -> dict[str, Any]:
    """``openapi_extra`` declaring :data:`ALSO_REFUSED` problems."""
    return {ALSO_REFUSED: list(problems)}


RULE_DATA_REFUSALS = also_refused(*_RULE_DATA)
EVALUATE_REFUSALS = also_refused(
    *_RULE_DATA,
    {"loc": ["body", "iptables_save"], "why": "a line of the *filter table that iptables-save does not write"},
)
CASE_REFUSALS = also_refused(*_CASE_DATA)
DIAGNOSE_REFUSALS = also_refused(
    *_CASE_DATA,
    {"type": "evidence_unreadable", "why": "a stored paste its format's reader no longer reads (it was changed)"},
)
