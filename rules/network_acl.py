"""Network ACLs: read the entries DescribeNetworkAcls returns and decide a flow against them.

A network ACL filters traffic in and out of a subnet. What this module assumes, and why:

* **Entries.** A (three-tuple) ACL has ``Ingress`` and ``Egress`` entries with
  ``Protocol`` (TCP, UDP, ICMP, ALL, ...), ``Port`` (``ALL``, ``80``, ``8000-8010``),
  one of ``CidrBlock`` / ``Ipv6CidrBlock`` (the remote end: the source of inbound
  traffic, the destination of outbound traffic) and ``Action`` (ACCEPT or DROP).
  DescribeNetworkAcls returns them as ``IngressEntries`` / ``EgressEntries`` of each
  ``NetworkAcl``; the ``{"NetworkAclEntrySet": {"Ingress", "Egress"}}`` shape of
  ModifyNetworkAclEntries is accepted too. Field names are read as the API writes
  them (a known name in another case is refused, unknown fields are kept and ignored),
  and both directions must be given: an absent list would silently read as deny-all.
* **Order.** Entries are read top-down and the first match decides ("rule
  priorities ... from top to bottom", Tencent Cloud's network ACL rule overview,
  https://intl.cloud.tencent.com/document/product/215/31850). When every entry of a
  direction carries a ``Priority`` the entries are read in ``Priority`` order, else in
  the order given.
* **Default deny.** Every ACL ends with a default rule per direction that cannot be
  changed and has the lowest priority: ALL protocols, ALL ports, 0.0.0.0/0, deny
  (same page). Traffic no entry matches is dropped by it, for IPv6 too.
* **Stateless.** Unlike a security group, an ACL does not remember connections: a
  connection needs the request allowed in its direction *and* the replies allowed in
  the other one (same page, "Security Group vs Network ACL").
* **Ports.** ``Port`` is matched against the packet's destination port in both
  directions (the instance's port for inbound requests, the remote service's port for
  outbound ones). The replies to an inbound connection go from the service port to
  the client's source port, which nobody tells us: it is an *ephemeral* port, taken
  to be anywhere in ``ephemeral_ports`` (default 1024-65535: Linux clients use
  32768-60999, Windows 49152-65535, and NAT gateways may rewrite it to almost any
  port). The replies are ACCEPTed only if the entries accept every port of that range,
  DROPped only if they drop every one; when part of the range is accepted and part
  dropped, the answer is UNKNOWN and names both parts. The same holds for the replies
  to an outbound connection (they come back to the instance's own ephemeral port).
* **Quintuple ACLs** (``NetworkAclType`` QUINTUPLE) keep their entries elsewhere
  (DescribeNetworkAclQuintupleEntries); without entries the answer is UNKNOWN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from rules.addresses import IPAddress, IPNetwork, parse_cidr
from rules.errors import Loc, Problem, ProblemCollector, RuleValidationError, whole_number
from rules.flows import Flow
from rules.policies import Direction
from rules.services import PORTED, Service, make_service, parse_rule_protocol

AclAction = Literal["ACCEPT", "DROP", "UNKNOWN"]
EntryAction = Literal["ACCEPT", "DROP"]
AclKind = Literal["TRIPLE", "QUINTUPLE"]
DEFAULT_EPHEMERAL_PORTS: tuple[int, int] = (1024, 65535)
_KEYS: dict[Direction, tuple[str, ...]] = {
    "ingress": ("IngressEntries", "Ingress"),
    "egress": ("EgressEntries", "Egress"),
}
_NAMES: dict[Direction, str] = {"ingress": "Ingress", "egress": "Egress"}
# The fields of a NetworkAcl and of a NetworkAclEntry that are read (others are kept and ignored).
ACL_FIELDS = ("NetworkAclId", "NetworkAclType", "IngressEntries", "EgressEntries", "NetworkAclEntrySet")
ENTRY_FIELDS = ("Protocol", "Port", "CidrBlock", "Ipv6CidrBlock", "Action", "Description", "Priority")
MAX_ENTRIES = 500
_Ranges = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class AclEntry:
    """One validated ACL entry, or the default rule (``index`` None).

    Attributes:
        direction: ``ingress`` or ``egress``.
        index: Position in the list as given (0-based); None for the default rule.
        service: Protocol and ports.
        network: The remote addresses (``CidrBlock`` or ``Ipv6CidrBlock``); None for
            the default rule, which matches every address of both IP versions.
        action: ``ACCEPT`` or ``DROP``.
        raw: The entry as given (the default rule's as Tencent Cloud documents it).
    """

    direction: Direction
    index: int | None
    service: Service
    network: IPNetwork | None
    action: EntryAction
    raw: Mapping[str, Any] = field(compare=False, hash=False)

    def matches(self, protocol: str, remote: IPAddress) -> bool:
        """Whether protocol and remote address match (ports are checked by the caller)."""
        if self.service.protocol not in ("all", protocol):
            return False
        return self.network is None or (remote.version == self.network.version and remote in self.network)

    def label(self) -> str:
        """How messages name the entry, e.g. ``Ingress entry #0 'ssh'``."""
        if self.index is None:
            return f"the default {_NAMES[self.direction]} rule (deny all)"
        text = f"{_NAMES[self.direction]} entry #{self.index}"
        description = self.raw.get("Description") if isinstance(self.raw, Mapping) else None
        if isinstance(description, str) and description.strip():
            text += f" {description.strip()!r}"
        return text

    def describe(self) -> str:
        """The entry's match in words, e.g. ``TCP 22 from 0.0.0.0/0, ACCEPT``."""
        way = "from" if self.direction == "ingress" else "to"
        where = str(self.network) if self.network is not None else "any address"
        return f"{self.service} {way} {where}, {self.action}"


@dataclass(frozen=True)
class NetworkAcl:
    """A subnet's network ACL: its entries per direction, in evaluation order."""

    acl_id: str | None
    kind: AclKind
    ingress: tuple[AclEntry, ...]
    egress: tuple[AclEntry, ...]

    def entries(self, direction: Direction) -> tuple[AclEntry, ...]:
        """The entries of one direction, top first (without the default rule)."""
        return self.ingress if direction == "ingress" else self.egress

    @property
    def name(self) -> str:
        """The ACL's id, or a neutral name when none was given."""
        return self.acl_id or "the network ACL"


@dataclass(frozen=True)
class AclLegDecision:
    """The ACL's verdict on one direction of a connection (the request or the replies).

    Attributes:
        direction: Which entries were read.
        action: ``ACCEPT``, ``DROP`` or ``UNKNOWN`` (the replies' port is unknown and
            part of its range is accepted, part dropped).
        decided_by: The first entry that decides (for ``UNKNOWN``: None).
        ports: The destination ports checked, e.g. ``22`` or ``1024-65535``; None for
            protocols without ports.
        explanation: The reason, in plain English.
    """

    direction: Direction
    action: AclAction
    decided_by: AclEntry | None
    ports: str | None
    explanation: str


@dataclass(frozen=True)
class NetworkAclDecision:
    """The network ACL's verdict on a connection, both directions considered.

    Attributes:
        action: ``ACCEPT``, ``DROP`` or ``UNKNOWN``.
        decided_by: The entry that settles it (the one that drops, or the one that
            accepts the request); None when the answer is ``UNKNOWN``.
        explanation: The whole reason, in plain English.
        request: The verdict on the flow's own direction.
        reply: The verdict on its replies (None when the ACL's entries are unknown).
    """

    action: AclAction
    decided_by: AclEntry | None
    explanation: str
    request: AclLegDecision
    reply: AclLegDecision | None


def default_entry(direction: Direction) -> AclEntry:
    """The default rule that ends each direction: ALL, ALL, 0.0.0.0/0, deny."""
    raw = {"Protocol": "ALL", "Port": "ALL", "CidrBlock": "0.0.0.0/0", "Action": "DROP", "Description": "default rule"}
    return AclEntry(direction, None, Service("all"), None, "DROP", raw)


def parse_network_acl(raw: object, loc: Loc = ("network_acl",)) -> NetworkAcl:
    """Validate an ACL as DescribeNetworkAcls returns it (or its ``NetworkAclEntrySet``).

    Field names are read as Tencent Cloud writes them (``IngressEntries``, ``CidrBlock``);
    a known name in another case is refused, other fields (``VpcId``, ``SubnetSet``,
    ``CreatedTime``...) are kept and ignored. Both directions must be given (an empty list
    when a direction has no entries): an ACL is stateless, so an absent direction would
    silently read as "deny everything" there.

    Raises:
        RuleValidationError: naming every bad field by its location.
    """
    if not isinstance(raw, Mapping):
        raise RuleValidationError.single(loc, "expected a network ACL object", "object_expected")
    problems = ProblemCollector()
    problems.extend(_spelling_problems(raw, ACL_FIELDS, loc))
    entry_set = raw.get("NetworkAclEntrySet")
    source: Mapping[str, Any] = raw
    source_loc = loc
    if entry_set is not None:
        if not isinstance(entry_set, Mapping):
            raise RuleValidationError.single(
                (*loc, "NetworkAclEntrySet"), "expected an object with Ingress and Egress", "object_expected"
            )
        problems.extend(_spelling_problems(entry_set, ("Ingress", "Egress"), (*loc, "NetworkAclEntrySet")))
        source, source_loc = entry_set, (*loc, "NetworkAclEntrySet")
    kind_text = raw.get("NetworkAclType")
    kind: AclKind = "QUINTUPLE" if isinstance(kind_text, str) and kind_text.strip().upper() == "QUINTUPLE" else "TRIPLE"
    acl_id = raw.get("NetworkAclId")
    if acl_id is not None and not isinstance(acl_id, str):
        problems.add((*loc, "NetworkAclId"), "NetworkAclId must be an id such as acl-1a2b3c4d", "id_invalid")
    parsed: dict[Direction, tuple[AclEntry, ...]] = {"ingress": (), "egress": ()}
    for direction, keys in _KEYS.items():
        key = keys[1] if entry_set is not None else keys[0]
        if key not in source:
            if kind == "TRIPLE":
                problems.add(
                    (*source_loc, key),
                    f"missing {key}: give the {_NAMES[direction]} entries (an empty list when there are none); "
                    "a network ACL is stateless, so both directions decide a connection",
                    "missing",
                )
            continue
        items = source[key]
        if not isinstance(items, list):
            problems.add((*source_loc, key), f"{key} must be a list of ACL entries", "list_expected")
            continue
        if len(items) > MAX_ENTRIES:
            problems.add(
                (*source_loc, key), f"{len(items)} entries; at most {MAX_ENTRIES} per direction are read", "too_long"
            )
            continue
        entries = []
        for i, item in enumerate(items):
            try:
                entries.append(parse_acl_entry(item, direction, i, (*source_loc, key, i)))
            except RuleValidationError as e:
                problems.extend(e.problems)
        parsed[direction] = _in_priority_order(entries)
    problems.raise_if_any()
    clean_id = acl_id.strip() if isinstance(acl_id, str) and acl_id.strip() else None
    return NetworkAcl(clean_id, kind, parsed["ingress"], parsed["egress"])


def parse_acl_entry(raw: object, direction: Direction, index: int, loc: Loc) -> AclEntry:
    """Validate one ``NetworkAclEntry`` (field names as Tencent Cloud writes them).

    Raises:
        RuleValidationError: listing every bad field with its location.
    """
    if not isinstance(raw, Mapping):
        raise RuleValidationError.single(loc, "expected an ACL entry object", "object_expected")
    problems = ProblemCollector()
    problems.extend(_spelling_problems(raw, ENTRY_FIELDS, loc))
    action_text = raw.get("Action")
    text = action_text.strip().upper() if isinstance(action_text, str) else None
    action: EntryAction | None = "ACCEPT" if text == "ACCEPT" else "DROP" if text == "DROP" else None
    if action is None:
        problems.add((*loc, "Action"), f"Action must be ACCEPT or DROP, got {action_text!r}", "action_invalid")
    priority = whole_number(raw.get("Priority"))
    if priority is not None and (type(priority) is not int or priority < 0):
        problems.add(
            (*loc, "Priority"), f"Priority must be a whole number 0 or more, got {priority!r}", "index_invalid"
        )
    service = problems.attempt(_service, raw, loc)
    network = problems.attempt(_network, raw, loc)
    problems.raise_if_any()
    assert service is not None and network is not None and action is not None
    return AclEntry(direction, index, service, network, action, dict(raw))


def _spelling_problems(raw: Mapping[Any, Any], known: Sequence[str], loc: Loc) -> list[Problem]:
    by_lower = {name.lower(): name for name in known}
    found = []
    for key in raw:
        name = by_lower.get(str(key).lower())
        if name is not None and name != key:
            found.append(
                Problem(
                    (*loc, str(key)),
                    f"write {name!r}: field names are spelled as Tencent Cloud's API writes them",
                    "field_spelling",
                )
            )
    return found


def _service(raw: object, loc: Loc) -> Service:
    fields = raw if isinstance(raw, Mapping) else {}
    protocol_text = fields.get("Protocol")
    if protocol_text is None or (isinstance(protocol_text, str) and not protocol_text.strip()):
        raise RuleValidationError.single((*loc, "Protocol"), "missing Protocol; use TCP, UDP, ICMP or ALL", "missing")
    protocol = parse_rule_protocol(protocol_text, (*loc, "Protocol"))
    return make_service(protocol, fields.get("Port"), (*loc, "Port"))


def _network(raw: object, loc: Loc) -> IPNetwork:
    fields = raw if isinstance(raw, Mapping) else {}
    given = [(name, family) for name, family in (("CidrBlock", 4), ("Ipv6CidrBlock", 6)) if fields.get(name)]
    if not given:
        raise RuleValidationError.single(
            (*loc, "CidrBlock"), "the entry has no address: give CidrBlock or Ipv6CidrBlock", "missing"
        )
    if len(given) > 1:
        raise RuleValidationError.single(
            (*loc, "Ipv6CidrBlock"), "CidrBlock and Ipv6CidrBlock are exclusive; an entry has one", "conflicting_fields"
        )
    name, family = given[0]
    return parse_cidr(fields[name], (*loc, name), family)


def _in_priority_order(entries: list[AclEntry]) -> tuple[AclEntry, ...]:
    priorities = [p for e in entries if type(p := whole_number(e.raw.get("Priority"))) is int]
    if entries and len(priorities) == len(entries):
        order = sorted(range(len(entries)), key=priorities.__getitem__)
        return tuple(entries[i] for i in order)
    return tuple(entries)


def evaluate_network_acl(
    acl: NetworkAcl, flow: Flow, ephemeral_ports: tuple[int, int] = DEFAULT_EPHEMERAL_PORTS
) -> NetworkAclDecision:
    """Decide ``flow`` (a new connection) against ``acl``, the request and its replies.

    Never raises for a parsed ACL.
    """
    reply_direction: Direction = "egress" if flow.direction == "ingress" else "ingress"
    if acl.kind == "QUINTUPLE" and not acl.ingress and not acl.egress:
        text = (
            f"Cannot tell: {acl.name} is a quintuple (five-tuple) network ACL, whose entries are not part of "
            "DescribeNetworkAcls; read them with DescribeNetworkAclQuintupleEntries to decide."
        )
        leg = AclLegDecision(flow.direction, "UNKNOWN", None, None, text)
        return NetworkAclDecision("UNKNOWN", None, text, leg, None)
    ported = flow.protocol in PORTED
    request_ports: _Ranges | None = ((flow.port, flow.port),) if ported and flow.port is not None else None
    reply_ports: _Ranges | None = (ephemeral_ports,) if ported else None
    request = _leg(acl, flow.direction, flow, request_ports, "the request")
    reply = _leg(acl, reply_direction, flow, reply_ports, "the replies")
    return _combine(acl, flow, request, reply)


@dataclass(frozen=True)
class _Outcome:
    entry: AclEntry
    ports: _Ranges | None  # the ports of the checked range this entry decides; None: no ports


def _leg(acl: NetworkAcl, direction: Direction, flow: Flow, ports: _Ranges | None, what: str) -> AclLegDecision:
    outcomes: list[_Outcome] = []
    remaining = ports
    for entry in (*acl.entries(direction), default_entry(direction)):
        if not entry.matches(flow.protocol, flow.remote):
            continue
        if remaining is None:
            outcomes.append(_Outcome(entry, None))
            break
        covered = _intersect(remaining, entry.service.ports.ranges)
        if covered:
            outcomes.append(_Outcome(entry, covered))
            remaining = _subtract(remaining, covered)
            if not remaining:
                break
    shown = _ranges_text(ports) if ports is not None else None
    actions = {o.entry.action for o in outcomes}
    if len(actions) == 1:
        action = outcomes[0].entry.action
        return AclLegDecision(
            direction, action, outcomes[0].entry, shown, _leg_text(acl, direction, flow, outcomes, what)
        )
    parts = "; ".join(
        f"ports {_ranges_text(o.ports or ())} {_verb(o.entry.action)} by {o.entry.label()}" for o in outcomes
    )
    text = (
        f"{what[:1].upper()}{what[1:]} ({_leg_words(direction, flow, shown)}) depend on a port nobody told us: {parts}."
    )
    return AclLegDecision(direction, "UNKNOWN", None, shown, text)


def _leg_text(acl: NetworkAcl, direction: Direction, flow: Flow, outcomes: list[_Outcome], what: str) -> str:
    first = outcomes[0].entry
    words = _leg_words(direction, flow, _ranges_text(outcomes[0].ports) if outcomes[0].ports else None)
    if first.index is None:
        return (
            f"no {_NAMES[direction]} entry of {acl.name} matches {what} ({words}), so the default rule drops it "
            "(a network ACL denies what its entries do not allow)"
        )
    text = f"{first.label()} ({first.describe()}) is the first entry that matches {what} ({words})"
    if len(outcomes) > 1:
        others = ", ".join(o.entry.label() for o in outcomes[1:])
        text += f"; the rest of the port range is {_verb(first.action)} by {others}"
    return text


def _leg_words(direction: Direction, flow: Flow, ports: str | None) -> str:
    way = "from" if direction == "ingress" else "to"
    text = f"{direction} {flow.protocol.upper()} {way} {flow.remote}"
    return text + (f", destination port {ports}" if ports else "")


def _combine(acl: NetworkAcl, flow: Flow, request: AclLegDecision, reply: AclLegDecision) -> NetworkAclDecision:
    stateless = "Network ACLs are stateless: the request and the replies must both be allowed."
    if request.action == "DROP":
        text = f"{acl.name} drops {flow}: {request.explanation}."
        return NetworkAclDecision("DROP", request.decided_by, text, request, reply)
    if reply.action == "DROP":
        fix = _reply_fix(reply.direction, flow, reply.ports)
        lead = f"{request.explanation}, " if request.action == "ACCEPT" else ""
        text = f"{acl.name} breaks {flow}: {lead}but {reply.explanation}. {stateless} {fix}"
        return NetworkAclDecision("DROP", reply.decided_by, text, request, reply)
    if request.action == "UNKNOWN" or reply.action == "UNKNOWN":
        unsure = request if request.action == "UNKNOWN" else reply
        text = f"Cannot tell whether {acl.name} lets {flow} through: {unsure.explanation} {stateless}"
        return NetworkAclDecision("UNKNOWN", None, text, request, reply)
    text = f"{acl.name} lets {flow} through both ways: {request.explanation}, and {reply.explanation}. {stateless}"
    return NetworkAclDecision("ACCEPT", request.decided_by, text, request, reply)


def _reply_fix(direction: Direction, flow: Flow, ports: str | None) -> str:
    way = "from" if direction == "ingress" else "to"
    port_text = f" ports {ports} (or ALL)" if ports else ""
    return f"Add an {_NAMES[direction]} entry that accepts {flow.protocol.upper()}{port_text} {way} {flow.remote}."


def _verb(action: str) -> str:
    return "accepted" if action == "ACCEPT" else "dropped"


def _intersect(ranges: Sequence[tuple[int, int]], other: Sequence[tuple[int, int]] | None) -> _Ranges:
    if other is None:
        return tuple(ranges)
    found = [(max(a, c), min(b, d)) for a, b in ranges for c, d in other if max(a, c) <= min(b, d)]
    return _merge(found)


def _subtract(ranges: Sequence[tuple[int, int]], taken: Sequence[tuple[int, int]]) -> _Ranges:
    result = list(ranges)
    for low, high in taken:
        pieces: list[tuple[int, int]] = []
        for a, b in result:
            if high < a or low > b:
                pieces.append((a, b))
                continue
            if a < low:
                pieces.append((a, low - 1))
            if high < b:
                pieces.append((high + 1, b))
        result = pieces
    return _merge(result)


def _merge(ranges: Sequence[tuple[int, int]]) -> _Ranges:
    merged: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return tuple(merged)


def _ranges_text(ranges: Sequence[tuple[int, int]]) -> str:
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)
