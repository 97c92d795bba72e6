"""Diagnose a connection problem: the case and the user's new message in, the diagnosis
and the updated case out. Stateless: the caller keeps the case between calls.

When the account is configured (TENCENTCLOUD_*) and the case names an instance
(``ins-xxxxxxxx``), its security groups, templates and subnet's network ACL are read from
the account each turn (through a short cache) and kept as evidence of the case; the calls
are recorded with ``conversation_id``. A bad case is a 422 naming its field, an over-long
text a 413 saying how to shorten it (both mapped in ``api/errors.py``)."""

from __future__ import annotations

from account import CallLog
from api.deps import DiagnoserDep, ServicesDep
from api.responses import DIAGNOSE_REFUSALS
from api.schemas_diagnose import CaseBody, DiagnoseRequest, DiagnoseResponse, DiagnosisBody
from api.strict_json import api_router, json_integers

router = api_router(prefix="/v1", tags=["troubleshooting"])


@router.post(
    "/diagnose",
    response_model=DiagnoseResponse,
    summary="Why does this connection fail?",
    responses={413: {"description": "The text is too long; the message says what to paste instead"}},
    openapi_extra=DIAGNOSE_REFUSALS,
)
def diagnose(body: DiagnoseRequest, diagnoser: DiagnoserDep, services: ServicesDep) -> DiagnoseResponse:
    """Reads the message (a description, pasted security-group rules, firewall rules or
    listening sockets) into the case and answers with a conclusion — the cause, the rule or
    line that decides it, the fix as console steps and a ready command, and the FAQ entries
    behind it — or the next checks ranked for the symptom, with what to paste back. Send the
    returned ``case`` with the next message.

    When the account is configured and the case names an instance, what the account holds is
    read (in ``region``, else the region the messages name, else TENCENTCLOUD_REGION): the
    subnet's network ACL and the security groups are settled without asking, and the checks
    left are what no API can see (the instance's own firewall, its listening sockets).
    ``diagnosis.account`` says what was read and when, or why it could not be read (then the
    user is asked to paste)."""
    region = services.region_of(body.region) if body.region is not None else None
    case = diagnoser.read_case(
        json_integers(body.case.model_dump(mode="json", exclude_none=True)) if body.case else None
    )
    calls = CallLog()
    try:
        diagnosis = diagnoser.step(
            case, body.text, body.language, region=region, account=services.instance_reader(calls)
        )
    finally:
        services.record_account_calls(calls.calls, body.conversation_id, "diagnose")
    return DiagnoseResponse(
        diagnosis=DiagnosisBody.model_validate(diagnosis.to_payload()),
        case=CaseBody.model_validate(diagnosis.case.to_json()),
        problem=diagnosis.problem,
    )
