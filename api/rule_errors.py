"""The one place where rule-engine errors become HTTP responses.

``RuleValidationError`` becomes 422 with FastAPI's own body shape,
``{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}``, so clients read one
format whether pydantic or the rule engine found the problem. Routes say where their
input came from with :func:`located` (``"body"``, ``"path"``, ``"query"``), which only
prefixes the locations.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from rules import RuleDataError, RuleValidationError, UndecidedError


@contextmanager
def located(*prefix: str) -> Iterator[None]:
    """Re-raise rule validation errors with ``prefix`` in front of every location."""
    try:
        yield
    except RuleValidationError as e:
        raise e.within(*prefix) from e


def _detail(status: int, items: list[dict[str, object]]) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": items})


def register_rule_error_handlers(app: FastAPI) -> None:
    """Map the rules package's errors: bad input 422, undecidable yes/no 409, bad data 503."""

    async def invalid(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RuleValidationError)
        return _detail(422, [{"loc": list(p.loc), "msg": p.msg, "type": p.type} for p in exc.problems])

    async def undecided(_: Request, exc: Exception) -> JSONResponse:
        return _detail(409, [{"loc": [], "msg": str(exc), "type": "undecided"}])

    async def bad_data(_: Request, exc: Exception) -> JSONResponse:
        return _detail(503, [{"loc": [], "msg": str(exc), "type": "rule_data"}])

    app.add_exception_handler(RuleValidationError, invalid)
    app.add_exception_handler(UndecidedError, undecided)
    app.add_exception_handler(RuleDataError, bad_data)
