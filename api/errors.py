"""The one place where errors become HTTP responses, all in the shape of ``api/problems.py``.

Domain errors map to status codes here (knowledge, retrieval, records and the account) and in
``api/rule_errors.py`` (the rule engine); :class:`~api.problems.ApiError` is what routes
and dependencies raise; Starlette's own ``HTTPException`` (an unknown route, a wrong
method) is rendered in the same shape, so no answer of the app has a string ``detail``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from account import AccountConfigError, AccountError
from api.problems import ApiError, Problem, api_error_response, error_response
from api.rule_errors import register_rule_error_handlers
from deflection import (
    OUTAGE_ERRORS,
    InvalidEventsError,
    RecordNotFoundError,
    StoreUnavailableError,
    SuggestionConflictError,
)
from diagnosis import CaseValidationError, PasteTooLongError, VocabularyError
from index import RetrievalError
from knowledge import EntryNotFoundError, KnowledgeError

log = logging.getLogger("helpdesk")
DATABASE_DOWN = (
    "the deflection database does not answer; answers and rules still work, and the bot keeps "
    "its records until the database is back: retry in a minute"
)
# Domain error -> (status, type); the message is the error's own (it says what to do next).
_DOMAIN: tuple[tuple[type[Exception], int, str], ...] = (
    (EntryNotFoundError, 404, "not_found"),
    (RecordNotFoundError, 404, "not_found"),
    (SuggestionConflictError, 409, "conflict"),
    (InvalidEventsError, 422, "invalid"),
    (StoreUnavailableError, 503, "unavailable"),
    (KnowledgeError, 503, "unavailable"),
    (RetrievalError, 503, "unavailable"),
    (VocabularyError, 503, "unavailable"),
)


def _domain_handler(status: int, kind: str) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    async def handle(_: Request, exc: Exception) -> JSONResponse:
        return error_response(status, [Problem(str(exc), kind)])

    return handle


def register_error_handlers(app: FastAPI) -> None:
    """Map every error the app can meet to the one error shape."""

    async def api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return api_error_response(exc)

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        detail = exc.detail
        if isinstance(detail, list):  # already in the shape (FastAPI's subclass allows a list)
            return JSONResponse(status_code=exc.status_code, content={"detail": detail}, headers=exc.headers)
        kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, [Problem(str(detail), kind)], exc.headers)

    async def invalid_case(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, CaseValidationError)
        return error_response(422, [Problem(p.msg, p.type, ("body", "case", *p.loc)) for p in exc.problems])

    async def paste_too_long(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, PasteTooLongError)
        msg = f"the text is {exc.length} characters long; at most {exc.limit} are read. {exc.advice}"
        return error_response(413, [Problem(msg, "too_long", ("body", "text"))])

    async def database_down(_: Request, exc: Exception) -> JSONResponse:
        return error_response(503, [Problem(DATABASE_DOWN, "unavailable")])

    async def account_error(_: Request, exc: Exception) -> JSONResponse:
        # The routes turn the account's errors into answers (the user is asked to paste); one that
        # escapes is the operator's to see in the log, the caller gets what a user may be told.
        assert isinstance(exc, AccountError)
        log.warning("reading the account failed: %s", exc)
        if isinstance(exc, AccountConfigError):
            return error_response(
                503, [Problem("reading the account is misconfigured; see the app's log", "unavailable")]
            )
        return error_response(503, [Problem(exc.user_message, "account_unavailable")])

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(CaseValidationError, invalid_case)
    app.add_exception_handler(PasteTooLongError, paste_too_long)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(AccountError, account_error)
    for error, status, kind in _DOMAIN:
        app.add_exception_handler(error, _domain_handler(status, kind))
    for outage in OUTAGE_ERRORS:  # the database went away while the app was running
        app.add_exception_handler(outage, database_down)
    register_rule_error_handlers(app)
