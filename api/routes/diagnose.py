"""Diagnose a connection problem: the case and the user's new message in, the diagnosis
and the updated case out. Stateless: the caller keeps the case between calls.

A bad case is a 422 naming its field, an over-long text a 413 saying how to shorten it
(both mapped in ``api/errors.py``)."""

from __future__ import annotations

from api.deps import DiagnoserDep
from api.schemas_diagnose import CaseBody, DiagnoseRequest, DiagnoseResponse, DiagnosisBody
from api.strict_json import api_router

router = api_router(prefix="/v1", tags=["troubleshooting"])


@router.post(
    "/diagnose",
    response_model=DiagnoseResponse,
    summary="Why does this connection fail?",
    responses={413: {"description": "The text is too long; the message says what to paste instead"}},
)
def diagnose(body: DiagnoseRequest, diagnoser: DiagnoserDep) -> DiagnoseResponse:
    """Reads the message (a description, pasted security-group rules, firewall rules or
    listening sockets) into the case and answers with a conclusion — the cause, the rule or
    line that decides it, the fix as console steps and a ready command, and the FAQ entries
    behind it — or the next checks ranked for the symptom, with what to paste back. Send the
    returned ``case`` with the next message."""
    case = diagnoser.read_case(body.case.model_dump(mode="json", exclude_none=True) if body.case else None)
    diagnosis = diagnoser.step(case, body.text, body.language)
    return DiagnoseResponse(
        diagnosis=DiagnosisBody.model_validate(diagnosis.to_payload()),
        case=CaseBody.model_validate(diagnosis.case.to_json()),
        problem=diagnosis.problem,
    )
