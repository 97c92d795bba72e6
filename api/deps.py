"""Dependency aliases for the routes (``Annotated`` types, as FastAPI recommends)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from api.services import Services
from deflection import HandoffStore
from index import Retriever
from knowledge import KnowledgeBase
from rules import RuleEngine


def get_services(request: Request) -> Services:
    services: Services | None = getattr(request.app.state, "services", None)
    if services is None:
        raise HTTPException(status_code=503, detail="the service is still starting; retry in a few seconds")
    return services


def get_knowledge(services: Annotated[Services, Depends(get_services)]) -> KnowledgeBase:
    return services.kb


def get_retriever(services: Annotated[Services, Depends(get_services)]) -> Retriever:
    return services.retriever


def get_rule_engine(services: Annotated[Services, Depends(get_services)]) -> RuleEngine:
    return services.rules


def get_handoffs(services: Annotated[Services, Depends(get_services)]) -> HandoffStore:
    return services.handoffs


ServicesDep = Annotated[Services, Depends(get_services)]
KnowledgeDep = Annotated[KnowledgeBase, Depends(get_knowledge)]
RetrieverDep = Annotated[Retriever, Depends(get_retriever)]
HandoffsDep = Annotated[HandoffStore, Depends(get_handoffs)]
RuleEngineDep = Annotated[RuleEngine, Depends(get_rule_engine)]
