"""Liveness and readiness."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.schemas_account import AccountStatusBody
from api.schemas_deflection import RecordsWaitingBody
from api.services import Services
from api.strict_json import api_router

router = api_router(tags=["health"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


class StartingBody(BaseModel):
    status: Literal["starting"]


@router.get(
    "/readyz",
    summary="The index is loaded and answers; whether the bot's records are waiting",
    responses={503: {"model": StartingBody, "description": "Still loading the knowledge and the index"}},
)
def readyz(request: Request) -> JSONResponse:
    """Ready once the index answers. ``records`` says how many turns' events wait in the bots' spools
    (the app or its database could not take them yet) and how many batches were set aside, as the
    brokers last reported (``as_of``); null while the database is unavailable or not read yet.
    ``account`` says whether the Tencent Cloud account can be read: ``off`` (no key), ``configured``
    or ``unavailable`` with the reason (the key rejected, the API unreachable) and the problems
    the latest calls met (a missing CAM policy...); no secret, and no call is made to find out."""
    services: Services | None = getattr(request.app.state, "services", None)
    if services is None:
        return JSONResponse(status_code=503, content={"status": "starting"})
    return JSONResponse(
        content={
            "status": "ready",
            "entries": len(services.kb.entries),
            "model": services.retriever.embedder.model_id,
            "calibrated": services.retriever.calibration is not None,
            # Answers and rules do not need it: a database that is down leaves the app ready.
            "database": "ready" if services.store.ready else "unavailable, retrying",
            "records": _records(services),
            "account": _account(services),
        }
    )


def _records(services: Services) -> dict[str, Any] | None:
    # Read in the background: /readyz answers at once even when the database hangs.
    if not services.store.ready:
        return None
    waiting = services.store.store.recorder.health.cached_waiting()
    return RecordsWaitingBody.of(waiting).model_dump() if waiting is not None else None


def _account(services: Services) -> dict[str, Any]:
    status = AccountStatusBody.of(services.account_status())
    return status.model_dump(mode="json", include={"state", "region", "endpoint", "reason", "problems", "last_ok_at"})
