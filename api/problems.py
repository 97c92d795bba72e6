"""The app's one error shape, built in one place.

Every error answer of every route, whoever finds the problem (pydantic, the rule engine,
the knowledge or record stores, a limit at the edge, an authentication check), is::

    {"detail": [{"loc": ["body", "flow", "port"], "msg": "what is wrong and what to do", "type": "port_invalid"}]}

``loc`` says where the problem is (``body``/``query``/``path``/``header`` and the field;
empty when it is the request as a whole), ``msg`` is for people, ``type`` for programs.
This is FastAPI's own validation-error shape, so clients read one format.

Routes and dependencies raise :class:`ApiError`; :func:`error_response` renders it, and
the handlers in ``api/errors.py`` render every other error through the same function.
:class:`ErrorBody` is the shape as a model: /openapi.json declares it for every error status
(``api/responses.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field
from starlette.responses import JSONResponse

Loc = Sequence[str | int]


@dataclass(frozen=True)
class Problem:
    """One item of ``detail``."""

    msg: str
    type: str
    loc: Loc = ()

    def as_dict(self) -> dict[str, Any]:
        """The JSON object of the item."""
        return {"loc": list(self.loc), "msg": self.msg, "type": self.type}


@dataclass
class ApiError(Exception):
    """An error answer: ``status`` with one or more problems, and optional headers."""

    status: int
    problems: tuple[Problem, ...]
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, status: int, msg: str, type: str, loc: Loc = (), headers: Mapping[str, str] | None = None) -> ApiError:
        """An error with one problem."""
        return cls(status, (Problem(msg, type, tuple(loc)),), dict(headers or {}))

    def __str__(self) -> str:
        return "; ".join(p.msg for p in self.problems)


class ProblemBody(BaseModel):
    """One problem: where, what is wrong and what to do, and its kind.

    Pydantic's own validation problems also carry ``input`` and ``ctx``; clients read the three below.
    """

    loc: list[str | int] = Field(
        description='Where: "body", "query", "path" or "header" and the field, e.g. ["body", "flow", "port"]; '
        "empty when it is the request as a whole"
    )
    msg: str = Field(description="What is wrong and what to do, for people")
    type: str = Field(description="The kind of problem, for programs (missing, not_found, rate_limited...)")


class ErrorBody(BaseModel):
    """Every error answer of the app: one or more problems."""

    detail: list[ProblemBody] = Field(min_length=1)


def error_response(status: int, problems: Iterable[Problem], headers: Mapping[str, str] | None = None) -> JSONResponse:
    """The one error response: ``status`` with ``{"detail": [problem, ...]}``."""
    return JSONResponse(
        status_code=status, content={"detail": [p.as_dict() for p in problems]}, headers=dict(headers or {})
    )


def api_error_response(error: ApiError) -> JSONResponse:
    """Render an :class:`ApiError`."""
    return error_response(error.status, error.problems, error.headers)
