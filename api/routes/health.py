"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The index is loaded and answers")
def readyz(request: Request) -> JSONResponse:
    services = getattr(request.app.state, "services", None)
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
        }
    )
