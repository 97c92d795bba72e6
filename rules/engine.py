"""The rule engine: port verdicts, security-group evaluation with the traffic path, and
deletion diagnosis, over one knowledge base.

Build it once per knowledge base with :meth:`RuleEngine.from_knowledge` (the service
does so at start). Methods taking raw JSON (:meth:`RuleEngine.evaluate_body`, the
``*_request`` methods) validate everything at load and raise one
:class:`~rules.errors.RuleValidationError` naming every bad field; evaluation itself
never raises on validated input.

The traffic path is the FAQ's: ingress passes the security group, then iptables;
egress passes iptables, then the security group. When the subnet's network ACL is
given it comes first inbound and last outbound (it filters at the subnet's edge,
statelessly: the request and its replies must both pass, :mod:`rules.network_acl`).
Upstream of all of them, the carrier
intercepts some ports and TCP 25 outbound is restricted by default; those verdicts
concern Internet traffic, so they are applied unless the remote address is internal
(private/VPC, loopback, link-local, shared 100.64.0.0/10), where they are only noted.
Where Tencent Cloud's documents leave room, the reading chosen is said in the
explanation (:mod:`rules.readings`, docs/rules.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from knowledge import KnowledgeBase
from rules import readings
from rules.addresses import is_internal
from rules.decisions import DeletionDiagnosis, FlowDecision, Hop, PortVerdict
from rules.deletion import diagnose_deletion, parse_instances
from rules.errors import ProblemCollector
from rules.evaluator import GroupDecision, evaluate_groups
from rules.faq_refs import FaqReferences, load_references
from rules.flows import Flow, parse_direction
from rules.groups import parse_security_groups
from rules.iptables import IptablesRuleset
from rules.iptables_eval import IptablesDecision, evaluate_iptables
from rules.lookups import Lookups
from rules.network_acl import NetworkAcl, NetworkAclDecision, evaluate_network_acl
from rules.policies import Direction, SecurityGroup
from rules.ports import PortAdvisor
from rules.request import parse_evaluate_body
from rules.services import PORTED


class RuleEngine:
    """Answers port, flow and deletion questions from one knowledge base."""

    def __init__(self, advisor: PortAdvisor, references: FaqReferences) -> None:
        self.advisor = advisor
        self.references = references

    @classmethod
    def from_knowledge(cls, kb: KnowledgeBase) -> RuleEngine:
        """Engine over ``kb``'s port facts and FAQ entries.

        Raises:
            RuleDataError: ``rules/data/references.yaml`` does not match ``kb``.
        """
        references = load_references(kb)
        return cls(PortAdvisor.from_knowledge(kb, references), references)

    def port_verdict(self, protocol: object, port: object, direction: object = None) -> PortVerdict:
        """Upstream verdict for a port; ``direction`` None means either direction.

        Raises:
            RuleValidationError: bad protocol, port or direction.
        """
        problems = ProblemCollector()
        way: Direction | None = None
        if direction is not None:
            way = problems.attempt(parse_direction, direction, ("direction",))
        problems.raise_if_any()
        return self.advisor.verdict(protocol, port, way)

    def evaluate_body(self, body: object) -> FlowDecision:
        """Validate a whole ``POST /v1/security-groups/evaluate`` body (decoded JSON) and evaluate it.

        Raises:
            RuleValidationError: any bad or unknown field, located as in the body.
        """
        request = parse_evaluate_body(body)
        return self.evaluate(request.groups, request.flow, request.lookups, request.iptables, request.network_acl)

    def evaluate_request(
        self,
        security_groups: object,
        flow: object,
        group_members: object = None,
        address_templates: object = None,
        service_templates: object = None,
        iptables_save: str | None = None,
        network_acl: object = None,
    ) -> FlowDecision:
        """Validate raw JSON-like input (all of it, reporting every problem) and evaluate.

        The same as :meth:`evaluate_body` with the fields given one by one (None: not given).

        Raises:
            RuleValidationError: any bad field, located as in the HTTP body.
        """
        body: dict[str, object] = {"security_groups": security_groups, "flow": flow}
        optional = {
            "group_members": group_members,
            "address_templates": address_templates,
            "service_templates": service_templates,
            "iptables_save": iptables_save,
            "network_acl": network_acl,
        }
        body.update((name, value) for name, value in optional.items() if value is not None)
        return self.evaluate_body(body)

    def evaluate(
        self,
        groups: Sequence[SecurityGroup],
        flow: Flow,
        lookups: Lookups | None = None,
        iptables: IptablesRuleset | None = None,
        network_acl: NetworkAcl | None = None,
    ) -> FlowDecision:
        """End-to-end decision for ``flow``: network ACL, security groups, iptables, upstream."""
        group = evaluate_groups(groups, flow, lookups)
        table = evaluate_iptables(iptables, flow) if iptables is not None else None
        acl = evaluate_network_acl(network_acl, flow) if network_acl is not None else None
        verdict, applies = self._upstream(flow)
        hops, passes = _hops(flow.direction, group, table, acl)
        reachable, decisive = _reachability(passes, verdict if applies else None)
        hops = tuple(Hop(h.hop, h.action, h.detail, i == decisive) for i, h in enumerate(hops))
        # Hops after the one that stops the traffic are never reached: leave them out of the story.
        shown = hops[: decisive + 1] if reachable is False and decisive is not None else hops
        conclusion = _conclusion(reachable, hops, decisive, verdict)
        explanation = " ".join([h.detail for h in shown] + _upstream_text(flow, verdict, applies) + [conclusion])
        return FlowDecision(
            group.action,
            group.decided_by,
            reachable,
            explanation,
            hops,
            verdict,
            group,
            table,
            self._faq_for(group, hops, decisive, verdict if applies else None),
            acl,
        )

    def is_reachable(self, groups: Sequence[SecurityGroup], flow: Flow, lookups: Lookups | None = None) -> bool:
        """Yes/no helper over :meth:`evaluate`.

        Raises:
            UndecidedError: the answer depends on information not given.
        """
        return self.evaluate(groups, flow, lookups).is_reachable()

    def deletion_request(
        self,
        security_group_id: object,
        instances: object = None,
        other_groups: object = None,
        *,
        is_default: bool | None = None,
        bound_resources: Mapping[str, int] | None = None,
        referring_groups: Sequence[str] | None = None,
    ) -> DeletionDiagnosis:
        """Validate raw input and diagnose why a group can or cannot be deleted.

        Without a group id (``None``) and without instances or other groups, the answer
        is the list of possible causes, as for a user who has not said which group. The
        keyword arguments are what reading the account adds (see
        :func:`rules.deletion.diagnose_deletion`); blockers come in the order to clear them.

        Raises:
            RuleValidationError: any bad field, located as in the HTTP body.
        """
        problems = ProblemCollector()
        unnamed = security_group_id is None and instances is None and other_groups is None
        if not unnamed and (not isinstance(security_group_id, str) or not security_group_id.strip()):
            problems.add(("security_group_id",), "give the security group id, e.g. sg-xxxxxxxx", "missing")
        parsed_instances = None
        if instances is not None:
            parsed_instances = problems.attempt(lambda v, loc: parse_instances(v, loc), instances, ("instances",))
        groups = None
        if other_groups is not None:
            groups = problems.attempt(lambda v, loc: parse_security_groups(v, loc), other_groups, ("other_groups",))
        problems.raise_if_any()
        group_id = "" if unnamed else str(security_group_id).strip()
        return diagnose_deletion(
            group_id,
            parsed_instances,
            groups,
            self.references["deletion"],
            is_default=is_default,
            bound_resources=bound_resources,
            referring_groups=referring_groups,
        )

    def _upstream(self, flow: Flow) -> tuple[PortVerdict | None, bool]:
        if flow.protocol not in PORTED or flow.port is None:
            return None, False
        verdict = self.advisor.verdict(flow.protocol, flow.port, flow.direction)
        return verdict, verdict.verdict != "open" and not is_internal(flow.remote)

    def _faq_for(
        self, group: GroupDecision, hops: tuple[Hop, ...], decisive: int | None, upstream: PortVerdict | None
    ) -> str:
        if decisive is not None and hops[decisive].hop in ("iptables", "network_acl"):
            return self.references["traffic_path"]
        if upstream is not None and group.action == "ACCEPT" and decisive is None:
            return upstream.faq_id
        if group.default_deny:
            return self.references["implicit_deny"]
        return self.references["rule_order"]


def _hops(
    direction: Direction, group: GroupDecision, table: IptablesDecision | None, acl: NetworkAclDecision | None = None
) -> tuple[tuple[Hop, ...], tuple[bool | None, ...]]:
    """The hops in traffic order, and whether each lets the traffic pass (None: cannot tell).

    Ingress: network ACL, security group, iptables; egress the reverse.
    """
    hops = [(Hop("security_group", group.action, group.explanation, False), _group_passes(group))]
    if table is not None:
        ipt = (Hop("iptables", table.action, table.explanation, False), table.passes)
        hops = [*hops, ipt] if direction == "ingress" else [ipt, *hops]
    if acl is not None:
        passes = None if acl.action == "UNKNOWN" else acl.action == "ACCEPT"
        edge = (Hop("network_acl", acl.action, acl.explanation, False), passes)
        hops = [edge, *hops] if direction == "ingress" else [*hops, edge]
    return tuple(h for h, _ in hops), tuple(p for _, p in hops)


def _group_passes(group: GroupDecision) -> bool | None:
    return None if group.action == "UNKNOWN" else group.action == "ACCEPT"


def _reachability(passes: tuple[bool | None, ...], upstream: PortVerdict | None) -> tuple[bool | None, int | None]:
    """(reachable, index of the decisive hop); None index when upstream or nothing stops it."""
    for i, passing in enumerate(passes):
        if passing is False:
            return False, i
    if upstream is not None:
        return False, None
    for i, passing in enumerate(passes):
        if passing is None:
            return None, i
    return True, len(passes) - 1


def _upstream_text(flow: Flow, verdict: PortVerdict | None, applies: bool) -> list[str]:
    if verdict is None or verdict.verdict == "open":
        return []
    if not applies:
        return [
            f"({flow.protocol.upper()} {flow.port} is {verdict.verdict} on the Internet, but {flow.remote} is an "
            f"internal address, so that does not apply here: {readings.CARRIER_INTERNAL}.)"
        ]
    if verdict.verdict == "restricted":
        return [verdict.reason, verdict.advice, readings.TCP25_UNKNOWN_UNBLOCK]
    return [verdict.reason, verdict.advice]


def _conclusion(
    reachable: bool | None, hops: tuple[Hop, ...], decisive: int | None, upstream: PortVerdict | None
) -> str:
    if reachable is None:
        return "So whether the traffic gets through cannot be told yet."
    if reachable:
        return "So the traffic gets through."
    if decisive is None and upstream is not None and upstream.verdict == "restricted":
        return "So the traffic does not get through unless the port has been unblocked for this instance."
    if decisive is None:
        return "So the traffic does not get through, whatever the security group allows."
    hop = hops[decisive]
    verb = f"{hop.action.lower()}s it" if hop.action in ("DROP", "REJECT") else "blocks it (DROP or REJECT)"
    name = "the network ACL" if hop.hop == "network_acl" else hop.hop.replace("_", " ")
    return f"So the traffic does not get through: {name} {verb}."
