"""Port verdicts: what the carrier or platform does to a port before any security group."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from api.deps import RuleEngineDep
from api.rule_errors import located
from api.rule_patterns import PORT_NUMBER_PATTERN, PORT_PROTOCOL_PATTERN
from api.schema_types import when_given
from api.schemas_rules import PortVerdictBody
from api.strict_json import api_router
from rules import parse_direction

router = api_router(prefix="/v1/ports", tags=["ports"])


@router.get("/{protocol}/{port}", response_model=PortVerdictBody, summary="Is this port blocked upstream?")
def port_verdict(
    # The rules package validates the values (one message style for every caller); the
    # patterns only say in /openapi.json exactly what it accepts.
    protocol: Annotated[
        str, Path(description="tcp or udp, any case", json_schema_extra={"pattern": PORT_PROTOCOL_PATTERN})
    ],
    port: Annotated[str, Path(description="1-65535 (digits)", json_schema_extra={"pattern": PORT_NUMBER_PATTERN})],
    engine: RuleEngineDep,
    direction: Annotated[
        str | None,
        Query(
            description="ingress or egress; omitted: either direction (TCP 25 then answers 'restricted', "
            "since its outbound use is restricted by default). Aliases such as inbound are not accepted",
            json_schema_extra=when_given(enum=["ingress", "egress"]),
        ),
    ] = None,
) -> PortVerdictBody:
    """``blocked`` (the carrier intercepts it: use another port), ``restricted`` (blocked by
    default, can be unblocked in the console, within a quota) or ``open`` (nothing upstream
    blocks it; the security group must still allow it), with reason, advice and FAQ entry.
    Protocol ``tcp`` or ``udp`` in any case; port 1-65535; anything else is a 422 naming it."""
    with located("query"):
        way = parse_direction(direction, ("direction",)) if direction is not None else None
    with located("path"):
        verdict = engine.port_verdict(protocol, port, way)
    return PortVerdictBody.of(verdict)
