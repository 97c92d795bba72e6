"""Dependency aliases for the routes (``Annotated`` types, as FastAPI recommends)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr

from api.problems import ApiError
from api.responses import answers
from api.services import Services
from deflection import DeflectionStore
from deflection.handoffs import HandoffDesk
from diagnosis import Diagnoser
from index import EncodeBatcher, Retriever
from knowledge import KnowledgeBase
from rules import RuleEngine


@answers(503)
def get_services(request: Request) -> Services:
    services: Services | None = getattr(request.app.state, "services", None)
    if services is None:
        raise ApiError.of(503, "the service is still starting; retry in a few seconds", "starting")
    return services


def get_knowledge(services: Annotated[Services, Depends(get_services)]) -> KnowledgeBase:
    return services.kb


def get_retriever(services: Annotated[Services, Depends(get_services)]) -> Retriever:
    return services.retriever


def get_rule_engine(services: Annotated[Services, Depends(get_services)]) -> RuleEngine:
    return services.rules


def get_diagnoser(services: Annotated[Services, Depends(get_services)]) -> Diagnoser:
    return services.diagnoser


def get_batcher(services: Annotated[Services, Depends(get_services)]) -> EncodeBatcher:
    return services.batcher


def get_handoffs(services: Annotated[Services, Depends(get_services)]) -> HandoffDesk:
    # Both raise StoreUnavailableError (503) while the database has not answered since start.
    return services.handoffs


def get_deflection(services: Annotated[Services, Depends(get_services)]) -> DeflectionStore:
    return services.deflection


def _bearer_matches(request: Request, secret: SecretStr) -> bool:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), secret.get_secret_value().encode()
    )


def _unauthorized(what: str) -> ApiError:
    return ApiError.of(
        401,
        f"missing or wrong {what}: send it as 'Authorization: Bearer <token>'",
        "unauthorized",
        loc=("header", "authorization"),
        headers={"WWW-Authenticate": "Bearer"},
    )


# Only to say in /openapi.json which token a route takes (auto_error off: the checks below answer).
_ADMIN_SCHEME = HTTPBearer(
    scheme_name="adminToken", description="HELPDESK_ADMIN_TOKEN: the admin API and the dashboard", auto_error=False
)
_EVENTS_SCHEME = HTTPBearer(
    scheme_name="eventsToken", description="HELPDESK_EVENTS_TOKEN: the Rasa event broker", auto_error=False
)
_HANDOFF_SCHEME = HTTPBearer(
    scheme_name="handoffToken", description="HELPDESK_HANDOFF_TOKEN: the action server", auto_error=False
)
Credentials = HTTPAuthorizationCredentials | None


@answers(401, 503)
def require_admin(
    request: Request,
    services: Annotated[Services, Depends(get_services)],
    _: Annotated[Credentials, Depends(_ADMIN_SCHEME)] = None,
) -> None:
    """The admin API's lock: 503 until HELPDESK_ADMIN_TOKEN is set, 401 without the right Bearer token."""
    secret = services.settings.admin_token
    if secret is None or not secret.get_secret_value():
        raise ApiError.of(503, "the admin API is disabled: set HELPDESK_ADMIN_TOKEN to enable it", "disabled")
    if not _bearer_matches(request, secret):
        raise _unauthorized("admin token (HELPDESK_ADMIN_TOKEN)")


def require_token_if_set(request: Request, secret: SecretStr | None, what: str) -> None:
    """401 unless the request carries ``secret`` as its Bearer token; nothing asked when it is unset."""
    if secret is not None and secret.get_secret_value() and not _bearer_matches(request, secret):
        raise _unauthorized(what)


@answers(401)
def require_events_token(
    request: Request,
    services: Annotated[Services, Depends(get_services)],
    _: Annotated[Credentials, Depends(_EVENTS_SCHEME)] = None,
) -> None:
    """The event broker's token (HELPDESK_EVENTS_TOKEN), when one is set."""
    require_token_if_set(request, services.settings.events_token, "events token (HELPDESK_EVENTS_TOKEN)")


@answers(401)
def require_handoff_token(
    request: Request,
    services: Annotated[Services, Depends(get_services)],
    _: Annotated[Credentials, Depends(_HANDOFF_SCHEME)] = None,
) -> None:
    """The action server's token for opening tickets (HELPDESK_HANDOFF_TOKEN), when one is set."""
    require_token_if_set(request, services.settings.handoff_token, "hand-off token (HELPDESK_HANDOFF_TOKEN)")


ServicesDep = Annotated[Services, Depends(get_services)]
KnowledgeDep = Annotated[KnowledgeBase, Depends(get_knowledge)]
RetrieverDep = Annotated[Retriever, Depends(get_retriever)]
BatcherDep = Annotated[EncodeBatcher, Depends(get_batcher)]
HandoffsDep = Annotated[HandoffDesk, Depends(get_handoffs)]
DeflectionDep = Annotated[DeflectionStore, Depends(get_deflection)]
RuleEngineDep = Annotated[RuleEngine, Depends(get_rule_engine)]
DiagnoserDep = Annotated[Diagnoser, Depends(get_diagnoser)]
