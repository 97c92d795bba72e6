"""Security groups: evaluate a flow against their rules, and diagnose why one cannot be deleted."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import RuleEngineDep
from api.rule_errors import located
from api.schemas_rules import DeletionCheckRequest, DeletionCheckResponse, EvaluateRequest, EvaluateResponse

router = APIRouter(prefix="/v1/security-groups", tags=["security groups"])


@router.post("/evaluate", response_model=EvaluateResponse, summary="Would this traffic get through?")
def evaluate(body: EvaluateRequest, engine: RuleEngineDep) -> EvaluateResponse:
    """First match top-down across the groups in the order given, implicit deny when nothing
    matches, then iptables (when ``iptables_save`` is given) in traffic order, then what the
    carrier does upstream to the port. ``UNKNOWN`` when a rule that could decide refers to
    group members or templates not given; ``missing`` says what to provide. Malformed rules
    are a 422 naming the group, direction, rule index and field."""
    with located("body"):
        decision = engine.evaluate_request(
            body.security_groups,
            body.flow.model_dump(exclude_none=True),
            group_members=body.group_members,
            address_templates=body.address_templates,
            service_templates=body.service_templates,
            iptables_save=body.iptables_save,
        )
    return EvaluateResponse.of(decision)


@router.post("/deletion-check", response_model=DeletionCheckResponse, summary="Why can't this group be deleted?")
def deletion_check(body: DeletionCheckRequest, engine: RuleEngineDep) -> DeletionCheckResponse:
    """Instances still bound (also in the recycle bin: state SHUTDOWN) and rules of other
    groups that reference it. Omitted ``instances``/``other_groups`` are reported as
    unchecked; with neither, ``deletable`` is null and ``reasons`` lists every possible cause."""
    with located("body"):
        diagnosis = engine.deletion_request(body.security_group_id, body.instances, body.other_groups)
    return DeletionCheckResponse.of(diagnosis)
