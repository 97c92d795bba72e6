"""Rule-engine errors as HTTP answers (through the one error shape, ``api/problems.py``).

``RuleValidationError`` becomes 422 with every problem located in the request (routes
say where their input came from with :func:`located`: ``"body"``, ``"path"``,
``"query"``, which only prefixes the locations); an undecidable yes/no question is 409,
bad rule data 503.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.problems import Problem, error_response
from rules import RuleDataError, RuleValidationError, UndecidedError


@contextmanager
def located(*prefix: str) -> Iterator[None]:
    """Re-raise rule validation errors with ``prefix`` in front of every location."""
    try:
        yield
    except RuleValidationError as e:
        raise e.within(*prefix) from e


def register_rule_error_handlers(app: FastAPI) -> None:
    """Map the rules package's errors: bad input 422, undecidable yes/no 409, bad data 503."""

    async def invalid(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RuleValidationError)
        return error_response(422, [Problem(p.msg, p.type, p.loc) for p in exc.problems])

    async def undecided(_: Request, exc: Exception) -> JSONResponse:
        return error_response(409, [Problem(str(exc), "undecided")])

    async def bad_data(_: Request, exc: Exception) -> JSONResponse:
        return error_response(503, [Problem(str(exc), "rule_data")])

    app.add_exception_handler(RuleValidationError, invalid)
    app.add_exception_handler(UndecidedError, undecided)
    app.add_exception_handler(RuleDataError, bad_data)
