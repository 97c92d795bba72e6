"""Security groups: evaluate a flow against their rules, and diagnose why one cannot be deleted."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from api.deps import RuleEngineDep
from api.rule_errors import located
from api.schemas_rules import (
    EVALUATE_REQUEST_SCHEMA,
    DeletionCheckRequest,
    DeletionCheckResponse,
    EvaluateResponse,
    ValidationErrorBody,
    decode_evaluate_body,
)
from api.strict_json import api_router

router = api_router(prefix="/v1/security-groups", tags=["security groups"])

_EVALUATE_BODY = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": EVALUATE_REQUEST_SCHEMA}}}
}
_INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": ValidationErrorBody, "description": "A field is missing, unknown or malformed: each is named"}
}


@router.post(
    "/evaluate",
    response_model=EvaluateResponse,
    summary="Would this traffic get through?",
    openapi_extra=_EVALUATE_BODY,
    responses=_INVALID,
)
async def evaluate(request: Request, engine: RuleEngineDep) -> EvaluateResponse:
    """Rules are matched by ``PolicyIndex`` (0 first; list order when no policy has one), the
    first match deciding, across the groups in the order given (their binding order); nothing
    matching is the implicit deny. Then iptables (when ``iptables_save`` is given) in traffic
    order, for a new connection's first packet, then what the carrier does upstream to the
    port. ``UNKNOWN`` when a rule that could decide refers to group members or templates not
    given; ``missing`` lists everything needed to decide in one more request. Malformed or
    unknown fields are a 422 naming the group, direction, rule index and field. The readings
    chosen where Tencent Cloud's documents leave room are in docs/rules.md and in the
    explanation."""
    body = decode_evaluate_body(await request.body(), request.headers.get("content-type"))
    with located("body"):
        decision = engine.evaluate_body(body)
    return EvaluateResponse.of(decision)


@router.post("/deletion-check", response_model=DeletionCheckResponse, summary="Why can't this group be deleted?")
def deletion_check(body: DeletionCheckRequest, engine: RuleEngineDep) -> DeletionCheckResponse:
    """Instances still bound (also in the recycle bin: state SHUTDOWN) and rules of other
    groups that reference it. Omitted ``instances``/``other_groups`` are reported as
    unchecked; with neither, ``deletable`` is null and ``reasons`` lists every possible cause."""
    with located("body"):
        diagnosis = engine.deletion_request(body.security_group_id, body.instances, body.other_groups)
    return DeletionCheckResponse.of(diagnosis)
