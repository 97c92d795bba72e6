"""Security groups: evaluate a flow against their rules, and diagnose why one cannot be deleted
(from what the request gives, or read from the account when it is configured)."""

from __future__ import annotations

import logging

from fastapi import Request

from account import AccountError, CallLog, PermissionDeniedError, ResourceNotFoundError, problem_kind
from api.deps import RuleEngineDep, ServicesDep
from api.responses import EVALUATE_REFUSALS, RULE_DATA_REFUSALS
from api.rule_errors import located
from api.rule_schemas import EVALUATE_REQUEST_SCHEMA
from api.schemas_account import AccountCallBody, AccountErrorBody, AccountReadBody, call_record, utc
from api.schemas_rules import (
    DeletionCheckRequest,
    DeletionCheckResponse,
    EvaluateResponse,
    decode_evaluate_body,
)
from api.services import Services
from api.strict_json import api_router, json_integers
from rules import RuleEngine, RuleValidationError

log = logging.getLogger("helpdesk")
router = api_router(prefix="/v1/security-groups", tags=["security groups"])

_EVALUATE_BODY = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": EVALUATE_REQUEST_SCHEMA}}},
    **EVALUATE_REFUSALS,
}


@router.post(
    "/evaluate",
    response_model=EvaluateResponse,
    summary="Would this traffic get through?",
    openapi_extra=_EVALUATE_BODY,
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


@router.post(
    "/deletion-check",
    response_model=DeletionCheckResponse,
    summary="Why can't this group be deleted?",
    openapi_extra=RULE_DATA_REFUSALS,
)
def deletion_check(body: DeletionCheckRequest, engine: RuleEngineDep, services: ServicesDep) -> DeletionCheckResponse:
    """Instances still bound (also in the recycle bin: state SHUTDOWN, or isolated), rules of other
    groups that reference it, and, read from the account, other resources bound to it (CLB, CDB,
    ENI...) and whether it is the default group; blockers come in the order to clear them.

    With the account configured (TENCENTCLOUD_*), a group id and neither ``instances`` nor
    ``other_groups``, the answer is read from the account (in ``region``, else a region named in
    ``text``, else TENCENTCLOUD_REGION) and ``account`` says what was read, when, and every call
    made (recorded with ``conversation_id``). When the account cannot be read, ``account.error``
    says why (the key, a missing CAM policy, throttling, the API down, an unknown id) and the
    answer lists the possible causes, as without the account. Otherwise omitted
    ``instances``/``other_groups`` are reported as unchecked; with neither, ``deletable`` is null
    and ``reasons`` lists every possible cause."""
    region = services.region_of(body.region) if body.region is not None else None  # a bad one is a 422 anyway
    group_id = body.security_group_id.strip() if body.security_group_id else None
    if group_id and body.instances is None and body.other_groups is None and services.account.configured:
        return _from_account(group_id, region, body, engine, services)
    with located("body"):
        diagnosis = engine.deletion_request(body.security_group_id, body.instances, json_integers(body.other_groups))
    return DeletionCheckResponse.of(diagnosis)


def _from_account(
    group_id: str, region: str | None, body: DeletionCheckRequest, engine: RuleEngine, services: Services
) -> DeletionCheckResponse:
    if region is None and body.text:
        region = services.diagnoser.region_in(body.text)
    calls = CallLog()
    try:
        facts = services.account.read_deletion(group_id, region, calls)
    except AccountError as e:
        services.record_account_calls(calls.calls, body.conversation_id, "deletion_check")
        return _unavailable(group_id, e, region or services.account.region or "", calls, body, engine)
    services.record_account_calls(calls.calls, body.conversation_id, "deletion_check")
    notes = list(facts.notes)
    given = facts.engine_input()
    try:
        diagnosis = engine.deletion_request(group_id, **given)
    except RuleValidationError as e:  # a referring group's rules the engine cannot read: name the group only
        log.warning("rules of the groups referring to %s not readable: %s", group_id, e)
        notes.append("the rules of the groups that refer to it could not be read; they are named without them")
        diagnosis = engine.deletion_request(group_id, **{**given, "other_groups": []})
    reading = AccountReadBody(
        read=True,
        region=facts.region,
        summary=facts.summary,
        read_at=utc(facts.read.at),
        calls=[AccountCallBody.of(call_record(c, body.conversation_id, "deletion_check")) for c in calls.calls],
        notes=notes,
        error=None,
    )
    return DeletionCheckResponse.of(diagnosis, reading)


def _unavailable(
    group_id: str, error: AccountError, region: str, calls: CallLog, body: DeletionCheckRequest, engine: RuleEngine
) -> DeletionCheckResponse:
    """The possible causes, and why the account could not be read (the user is asked to paste)."""
    diagnosis = engine.deletion_request(group_id, None, None)
    reading = AccountReadBody(
        read=False,
        region=region,
        summary=None,
        read_at=None,
        calls=[AccountCallBody.of(call_record(c, body.conversation_id, "deletion_check")) for c in calls.calls],
        notes=[],
        error=AccountErrorBody(
            kind=problem_kind(error),
            message=error.user_message,
            policy=(error.policy or None) if isinstance(error, PermissionDeniedError) else None,
            resource_id=(error.resource_id or group_id) if isinstance(error, ResourceNotFoundError) else None,
        ),
    )
    return DeletionCheckResponse.of(diagnosis, reading)
