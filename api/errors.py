"""The one place where domain errors become HTTP responses."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.rule_errors import register_rule_error_handlers
from deflection import (
    OUTAGE_ERRORS,
    InvalidEventsError,
    RecordNotFoundError,
    StoreUnavailableError,
    SuggestionConflictError,
)
from index import RetrievalError
from knowledge import EntryNotFoundError, KnowledgeError


def _detail(status: int, message: str, kind: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": [{"loc": [], "msg": message, "type": kind}]})


def register_error_handlers(app: FastAPI) -> None:
    """Map knowledge, retrieval and record errors to status codes with clear messages."""

    async def not_found(_: Request, exc: Exception) -> JSONResponse:
        return _detail(404, str(exc), "not_found")

    async def unavailable(_: Request, exc: Exception) -> JSONResponse:
        return _detail(503, str(exc), "unavailable")

    app.add_exception_handler(EntryNotFoundError, not_found)

    async def conflict(_: Request, exc: Exception) -> JSONResponse:
        return _detail(409, str(exc), "conflict")

    async def invalid(_: Request, exc: Exception) -> JSONResponse:
        return _detail(422, str(exc), "invalid")

    app.add_exception_handler(RecordNotFoundError, not_found)
    app.add_exception_handler(SuggestionConflictError, conflict)
    app.add_exception_handler(InvalidEventsError, invalid)
    app.add_exception_handler(StoreUnavailableError, unavailable)

    async def database_down(_: Request, exc: Exception) -> JSONResponse:
        return _detail(
            503,
            "the deflection database does not answer; answers and rules still work, and the bot keeps "
            "its records until the database is back: retry in a minute",
            "unavailable",
        )

    for outage in OUTAGE_ERRORS:  # the database went away while the app was running
        app.add_exception_handler(outage, database_down)
    app.add_exception_handler(KnowledgeError, unavailable)
    app.add_exception_handler(RetrievalError, unavailable)
    register_rule_error_handlers(app)
