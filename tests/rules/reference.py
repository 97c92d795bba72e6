"""A brute-force reference evaluator for ``POST /v1/security-groups/evaluate``.

Written from Tencent Cloud's and iptables' documentation alone, without reading the project's rule engine,
so that a differential test can compare the two. Everything is done the slow, obvious way: explicit port
sets, addresses compared as integers with the explicitly computed first and last address of each block,
and every combination of unknown rule matches enumerated.

Security groups (Tencent Cloud)
-------------------------------
* A policy (SecurityGroupPolicy) has ``Protocol`` (TCP, UDP, ICMP, ICMPv6, GRE or ALL) with ``Port``, or a
  ``ServiceTemplate`` instead (the two are mutually exclusive); exactly one source among ``CidrBlock``,
  ``Ipv6CidrBlock``, ``SecurityGroupId`` and ``AddressTemplate``; ``Action`` ACCEPT or DROP; ``PolicyIndex``.
* ``Port`` is a single port ("80"), a range ("8000-8010"), a comma list of those, or ALL; it is only accepted
  for TCP and UDP, so it is only tested for TCP and UDP. ALL as the protocol matches every protocol.
* ``PolicyIndex`` 0 is the top rule (CreateSecurityGroupPolicies: "to insert a rule before the first rule,
  enter 0"); rules are matched from the top down and the first match decides (the project's FAQ,
  knowledge/data/cvm-ports-security-groups-faq.md: "安全组策略的生效顺序是从上至下 ... 一旦匹配成功则策略生效").
* A new security group denies everything in both directions (CreateSecurityGroupWithPolicies), so when no
  rule matches the answer is DROP by the default deny (``sg_decided_by`` None).
* Several groups on one instance: groups in the order given (binding order), each group's rules by
  PolicyIndex, first match over the whole sequence decides.
* ``CidrBlock`` is an IPv4 CIDR block with normal CIDR meaning (host bits are ignored: 14.71.26.129/1 is
  0.0.0.0/1, and 0.0.0.0/8 is not 0.0.0.0/0); ``Ipv6CidrBlock`` an IPv6 one. An IPv4 address only ever
  matches an IPv4 block and an IPv6 address only an IPv6 block.
* ``SecurityGroupId`` as a source means the private IPs of every instance in that group; here they come
  from ``group_members`` (addresses or CIDR blocks).
* ``AddressTemplate`` {AddressId, AddressGroupId}: an IP address template (ipm-...) holds IPs, CIDR blocks
  and IP ranges "a-b"; a template group (ipmg-...) is the union of its member templates.
* ``ServiceTemplate`` {ServiceId, ServiceGroupId}: a protocol-port template (ppm-...) holds entries such as
  "tcp:80", "udp:53,54", "tcp:8000-8010", "icmp", "ALL"; a template group (ppmg-...) is the union of its
  member templates.
* A reference that cannot be resolved (not in the map, or a group with a missing member whose known
  members do not contain the address or service) makes that rule's match unknown, unless a definite
  condition of the same rule already fails (then the rule simply does not match). Unknown matches are
  resolved by brute force: every assignment of matched / not matched to the unknown rules is evaluated;
  if all give the same action that is the answer (decided by a rule only if it is the same rule in every
  assignment), otherwise the answer is UNKNOWN.

iptables (iptables(8), iptables-extensions(8))
----------------------------------------------
* Only the ``*filter`` table of iptables-save output is read (other tables are skipped, but line numbers
  count every line of the text, 1-based). Ingress walks INPUT, egress walks OUTPUT. Without a ``*filter``
  table nothing is filtered (ACCEPT); a built-in chain that is not declared has policy ACCEPT.
* A rule's matches are all ANDed; ``!`` before an option inverts it. ``-p`` takes a name (tcp, udp, icmp,
  icmpv6, gre, all) or a number (0 means all). ``-s``/``-d`` take an address, a CIDR block or a comma list
  of those (a comma list is one rule per address, i.e. the rule matches if any of them matches). For
  ingress the remote address is the source and the instance's own address (``flow.local``) the
  destination; for egress the other way round. ``--dport a[:b]`` and ``-m multiport --dports a,b:c`` test
  the flow's destination port. ``-m state --state`` and ``-m conntrack --ctstate`` are evaluated for the
  first packet of a new connection: true iff NEW is in the list. ``-m tcp``/``-m udp``/``-m comment``
  add no condition.
* Targets: ACCEPT, DROP and REJECT end the walk (REJECT is reported as REJECT); LOG is non-terminating
  (the walk continues with the next rule); a rule with no target only counts; RETURN goes back to the
  calling chain (at the top level the chain policy applies); ``-j CHAIN`` walks a user-defined chain and,
  if that chain falls through or returns, continues in the caller. A built-in chain that falls through
  applies its policy (``iptables_decided_line`` None).
* Unknown matches: a test of the instance's own address when ``flow.local`` is missing, and any interface
  test other than ``lo`` (``-i lo`` / ``-o lo`` match exactly when the remote is a loopback address).
  They are resolved by the same brute force as above. Different actions (DROP and REJECT included) over
  the assignments give UNKNOWN.
* The iptables text does not say which address family it is for; an address test never matches an
  address of the other family, and rules without address tests apply to both.

Network ACLs (Tencent Cloud's network ACL rule overview, DescribeNetworkAcls)
----------------------------------------------------------------------------
* A subnet's ACL has inbound entries (``IngressEntries``) and outbound entries (``EgressEntries``), or the
  ``NetworkAclEntrySet`` {Ingress, Egress} of ModifyNetworkAclEntries. An entry has ``Protocol`` (TCP, UDP,
  ICMP, ALL), ``Port`` (ALL, a port, a range, a comma list; only for TCP and UDP), one of ``CidrBlock`` /
  ``Ipv6CidrBlock`` (the remote end) and ``Action`` ACCEPT or DROP.
* Entries are read from the top and the first that matches decides; when every entry of a direction has a
  ``Priority`` they are read by Priority. After the entries a fixed default rule denies everything.
* An ACL is stateless: a connection passes only when its request is allowed in the flow's direction and its
  replies in the other direction. The request goes to the flow's port; the replies go to the client's
  source port, which the question does not give: per the project's documented reading (docs/rules.md),
  any port from 1024 to 65535. The replies pass when every such port is accepted, are dropped when every
  such port is dropped, and are unknown otherwise. Which entry decides: the first one (in reading order)
  that decides any of the ports.
* An ICMP entry matches ICMP only, not ICMPv6; an IPv4 block never matches an IPv6 address.
* A quintuple ACL's entries are not part of DescribeNetworkAcls: without entries, unknown.

Documents used (found through the search tool; read to learn, nothing copied):
* CreateSecurityGroupPolicies: https://www.tencentcloud.com/document/product/215/15807 and
  https://cloud.tencent.com.cn/document/api/215/15807
* DescribeSecurityGroupPolicies: https://tencentcloud.com/document/api/215/15804
* CreateSecurityGroupWithPolicies (new groups deny all): https://cloud.tencent.com/document/api/215/43279
* ModifySecurityGroupPolicies: https://cloud.tencent.com.cn/document/product/215/15810
* SecurityGroupPolicy fields (SDK model docs):
  https://www.rubydoc.info/gems/tencentcloud-sdk-ecm/TencentCloud/Ecm/V20190719/SecurityGroupPolicy
* CreateAddressTemplate (IP, CIDR, IP range): https://cloud.tencent.com/document/api/215/16708
* CreateAddressTemplateGroup (AddressTemplateIds): https://tencentcloud.com/document/product/215/16709
* CreateServiceTemplate ("TCP:8080"; single, multiple, consecutive and all ports; TCP, UDP, ICMP, GRE):
  https://cloud.tencent.com/document/api/215/16710
* iptables(8): https://manpages.ubuntu.com/manpages/bionic//man8/iptables.8.html,
  https://linux.die.net/man/8/iptables, http://www.digivill.net/~binary/notes/linux-iptables.txt
* iptables-extensions(8): https://manpages.ubuntu.com/manpages/jammy/man8/iptables-extensions.8.html
* state match: http://androidxref.com/5.1.0_r1/xref/external/iptables/extensions/libxt_state.man
* conntrack match: https://android.googlesource.com/platform/external/iptables.git/+/android-4.1.1_r4/extensions/libxt_conntrack.man
* LOG target (non-terminating): http://androidxref.com/7.0.0_r1/xref/external/iptables/extensions/libxt_LOG.man
* multiport match: https://mail-archive.com/debian-firewall@lists.debian.org/msg07787.html
* RETURN / chain policy: https://docs.huihoo.com/redhat/rhel6/en-US/html/Security_Guide/sect-Security_Guide-Command_Options_for_IPTables-Target_Options.html
"""

from __future__ import annotations

import ipaddress
import itertools
import shlex
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# At most this many rules with an unknown match are enumerated (2**12 = 4096 assignments).
MAX_UNKNOWN_RULES = 12

# A three-valued match: True, False, or None for "unknown".
Tri = bool | None


@dataclass(frozen=True)
class RefResult:
    sg_action: str  # "ACCEPT" | "DROP" | "UNKNOWN"
    sg_decided_by: tuple[str, int] | None
    iptables_action: str | None  # "ACCEPT" | "DROP" | "REJECT" | "UNKNOWN" | None
    iptables_decided_line: int | None
    acl_action: str | None = None  # "ACCEPT" | "DROP" | "UNKNOWN" | None (no ACL given)
    acl_decided_by: tuple[str, int | None] | None = None  # (direction, position given; None: the default rule)


# ---------------------------------------------------------------------------------------------------------
# Three-valued logic and brute force over unknowns
# ---------------------------------------------------------------------------------------------------------


def tri_and(values: Sequence[Tri]) -> Tri:
    """False if any is False; otherwise None if any is None; otherwise True."""
    if any(value is False for value in values):
        return False
    if any(value is None for value in values):
        return None
    return True


def tri_negate_if(value: Tri, negate: bool) -> Tri:
    if value is None or not negate:
        return value
    return not value


def all_assignments(keys: Sequence[Any]) -> Iterator[dict[Any, bool]]:
    """Every assignment of True/False to the keys (one empty assignment when there are none)."""
    if len(keys) > MAX_UNKNOWN_RULES:
        raise ValueError(
            f"{len(keys)} rules have an unknown match; the reference enumerates at most {MAX_UNKNOWN_RULES}"
        )
    for values in itertools.product((False, True), repeat=len(keys)):
        yield dict(zip(keys, values, strict=True))


def combine_outcomes(outcomes: Sequence[tuple[str, Any]]) -> tuple[str, Any]:
    """One answer from the outcomes of all assignments: the common action (and decider), or UNKNOWN."""
    actions = {action for action, _ in outcomes}
    if len(actions) != 1:
        return "UNKNOWN", None
    deciders = {decider for _, decider in outcomes}
    action = outcomes[0][0]
    if len(deciders) == 1:
        return action, outcomes[0][1]
    return action, None


# ---------------------------------------------------------------------------------------------------------
# Addresses: (version, first, last) computed explicitly
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddressRange:
    version: int
    first: int
    last: int


def total_bits(version: int) -> int:
    return 32 if version == 4 else 128


def parse_ip(text: str) -> tuple[int, int]:
    """(version, address as an integer) of one IPv4 or IPv6 address."""
    address = ipaddress.ip_address(text.strip())
    return address.version, int(address)


def prefix_from_dotted_mask(mask_text: str) -> int:
    """255.255.255.0 -> 24 (iptables accepts a dotted netmask)."""
    _, mask = parse_ip(mask_text)
    bits = [(mask >> (31 - position)) & 1 for position in range(32)]
    prefix = 0
    while prefix < 32 and bits[prefix] == 1:
        prefix += 1
    if any(bits[prefix:]):
        raise ValueError(f"non-contiguous netmask {mask_text!r}")
    return prefix


def cidr_range(text: str) -> AddressRange:
    """An address or CIDR block: the host bits of the address are ignored."""
    text = text.strip()
    if "/" not in text:
        version, address = parse_ip(text)
        return AddressRange(version, address, address)
    address_text, prefix_text = text.split("/", 1)
    version, address = parse_ip(address_text)
    dotted = version == 4 and "." in prefix_text
    prefix = prefix_from_dotted_mask(prefix_text) if dotted else int(prefix_text)
    bits = total_bits(version)
    if not 0 <= prefix <= bits:
        raise ValueError(f"bad prefix length in {text!r}")
    host_bits = bits - prefix
    host_count = 2**host_bits
    first = (address // host_count) * host_count  # clear the host bits
    last = first + host_count - 1
    return AddressRange(version, first, last)


def address_entry_range(text: str) -> AddressRange:
    """An address template entry: an IP, a CIDR block, or a range "first-last"."""
    text = text.strip()
    if "-" in text:
        first_text, last_text = text.split("-", 1)
        first_version, first = parse_ip(first_text)
        last_version, last = parse_ip(last_text)
        if first_version != last_version or first > last:
            raise ValueError(f"bad address range {text!r}")
        return AddressRange(first_version, first, last)
    return cidr_range(text)


def address_in_range(address_text: str, block: AddressRange) -> bool:
    version, address = parse_ip(address_text)
    if version != block.version:
        return False
    return block.first <= address <= block.last


def address_in_any(address_text: str, entries: Sequence[str]) -> bool:
    return any(address_in_range(address_text, address_entry_range(entry)) for entry in entries)


def is_loopback(address_text: str) -> bool:
    return address_in_range(address_text, cidr_range("127.0.0.0/8")) or address_in_range(
        address_text, cidr_range("::1/128")
    )


# ---------------------------------------------------------------------------------------------------------
# Ports: explicit sets
# ---------------------------------------------------------------------------------------------------------


def every_port() -> set[int]:
    return set(range(0, 65536))


def tencent_port_set(spec: str) -> set[int]:
    """Tencent port syntax: "ALL", "80", "8000-8010", "80,443,8000-8010"."""
    spec = spec.strip()
    if spec.upper() == "ALL":
        return every_port()
    ports: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        if "-" in part:
            low_text, high_text = part.split("-", 1)
            ports |= set(range(int(low_text), int(high_text) + 1))
        else:
            ports.add(int(part))
    return ports


def iptables_port_range(spec: str) -> set[int]:
    """iptables port syntax: "22", "1000:2000", ":1024" (from 0), "1024:" (to 65535)."""
    spec = spec.strip()
    if ":" not in spec:
        return {int(spec)}
    low_text, high_text = spec.split(":", 1)
    low = int(low_text) if low_text else 0
    high = int(high_text) if high_text else 65535
    return set(range(low, high + 1))


def iptables_port_list(spec: str) -> set[int]:
    """multiport syntax: "80,443,8000:8010"."""
    ports: set[int] = set()
    for part in spec.split(","):
        ports |= iptables_port_range(part)
    return ports


# ---------------------------------------------------------------------------------------------------------
# Security groups
# ---------------------------------------------------------------------------------------------------------

PORTED_PROTOCOLS = ("TCP", "UDP")


def protocol_and_port_match(rule_protocol: str, port_spec: str, flow: Mapping[str, Any]) -> bool:
    """Protocol ALL matches everything; otherwise the protocol must be equal, and for TCP/UDP the port too."""
    rule_protocol = rule_protocol.strip().upper()
    flow_protocol = str(flow["protocol"]).upper()
    if rule_protocol == "ALL":
        return True
    if rule_protocol != flow_protocol:
        return False
    if rule_protocol in PORTED_PROTOCOLS:
        return int(flow["port"]) in tencent_port_set(port_spec)
    return True


def service_entry_match(entry: str, flow: Mapping[str, Any]) -> bool:
    """One protocol-port template entry: "tcp:80", "udp:53,54", "tcp:8000-8010", "icmp", "ALL"."""
    entry = entry.strip()
    if ":" in entry:
        protocol, port_spec = entry.split(":", 1)
    else:
        protocol, port_spec = entry, "ALL"
    return protocol_and_port_match(protocol, port_spec, flow)


def non_empty(value: Any) -> bool:
    return value is not None and value != ""


def template_given(reference: Any, single_key: str, group_key: str) -> bool:
    """Tencent returns {"AddressId": "", "AddressGroupId": ""} on rules that use no template."""
    if not isinstance(reference, Mapping):
        return False
    return non_empty(reference.get(single_key)) or non_empty(reference.get(group_key))


def template_ids(reference: Mapping[str, Any], single_key: str, group_key: str) -> tuple[str, bool]:
    """(id, is_group) of an AddressTemplate / ServiceTemplate reference."""
    if non_empty(reference.get(group_key)):
        return str(reference[group_key]), True
    return str(reference[single_key]), False


def template_condition(
    reference: Mapping[str, Any],
    single_key: str,
    group_key: str,
    templates: Mapping[str, Sequence[str]],
    entry_matches: Callable[[str], bool],
) -> Tri:
    """Resolve a template (or template group) and test its entries; None when it cannot be decided."""
    template_id, is_group = template_ids(reference, single_key, group_key)
    if is_group:
        if template_id not in templates:
            return None
        member_ids = list(templates[template_id])
    else:
        member_ids = [template_id]
    some_member_missing = False
    for member_id in member_ids:
        if member_id not in templates:
            some_member_missing = True
            continue
        for entry in templates[member_id]:
            if entry_matches(entry):
                return True
    if some_member_missing:
        return None
    return False


def sg_protocol_condition(policy: Mapping[str, Any], flow: Mapping[str, Any], request: Mapping[str, Any]) -> Tri:
    service_template = policy.get("ServiceTemplate")
    if isinstance(service_template, Mapping) and template_given(service_template, "ServiceId", "ServiceGroupId"):
        templates = request.get("service_templates") or {}
        return template_condition(
            service_template, "ServiceId", "ServiceGroupId", templates, lambda entry: service_entry_match(entry, flow)
        )
    port_spec = policy.get("Port")
    if not non_empty(port_spec):
        port_spec = "ALL"
    return protocol_and_port_match(str(policy["Protocol"]), str(port_spec), flow)


def sg_source_condition(policy: Mapping[str, Any], remote: str, request: Mapping[str, Any]) -> Tri:
    if non_empty(policy.get("CidrBlock")):
        block = cidr_range(str(policy["CidrBlock"]))
        return block.version == 4 and address_in_range(remote, block)
    if non_empty(policy.get("Ipv6CidrBlock")):
        block = cidr_range(str(policy["Ipv6CidrBlock"]))
        return block.version == 6 and address_in_range(remote, block)
    if non_empty(policy.get("SecurityGroupId")):
        members = (request.get("group_members") or {}).get(str(policy["SecurityGroupId"]))
        if members is None:
            return None
        return address_in_any(remote, members)
    if template_given(policy.get("AddressTemplate"), "AddressId", "AddressGroupId"):
        templates = request.get("address_templates") or {}
        return template_condition(
            policy["AddressTemplate"],
            "AddressId",
            "AddressGroupId",
            templates,
            lambda entry: address_in_any(remote, [entry]),
        )
    raise ValueError(f"policy without a source: {policy!r}")


@dataclass(frozen=True)
class SgRule:
    group_id: str
    policy_index: int
    action: str
    match: Tri


def ordered_sg_rules(request: Mapping[str, Any]) -> list[SgRule]:
    """The rules of the flow's direction: groups in the order given, each group's rules by PolicyIndex."""
    flow = request["flow"]
    direction_key = "Ingress" if flow["direction"] == "ingress" else "Egress"
    rules: list[SgRule] = []
    for group in request.get("security_groups") or []:
        group_id = str(group["SecurityGroupId"])
        policies = (group.get("SecurityGroupPolicySet") or {}).get(direction_key) or []
        indexed = []
        for position, policy in enumerate(policies):
            indexed.append((int(policy.get("PolicyIndex", position)), policy))
        indexed.sort(key=lambda pair: pair[0])
        for policy_index, policy in indexed:
            match = tri_and(
                [
                    sg_protocol_condition(policy, flow, request),
                    sg_source_condition(policy, str(flow["remote"]), request),
                ]
            )
            rules.append(SgRule(group_id, policy_index, str(policy["Action"]).upper(), match))
    return rules


def sg_first_match(rules: Sequence[SgRule], assignment: Mapping[int, bool]) -> tuple[str, tuple[str, int] | None]:
    for position, rule in enumerate(rules):
        matched = rule.match if rule.match is not None else assignment[position]
        if matched:
            return rule.action, (rule.group_id, rule.policy_index)
    return "DROP", None  # the default deny


def evaluate_security_groups(request: Mapping[str, Any]) -> tuple[str, tuple[str, int] | None]:
    rules = ordered_sg_rules(request)
    unknown_positions = [position for position, rule in enumerate(rules) if rule.match is None]
    outcomes = [sg_first_match(rules, assignment) for assignment in all_assignments(unknown_positions)]
    return combine_outcomes(outcomes)


# ---------------------------------------------------------------------------------------------------------
# iptables
# ---------------------------------------------------------------------------------------------------------

BUILT_IN_FILTER_CHAINS = ("INPUT", "FORWARD", "OUTPUT")
PROTOCOL_NUMBERS = {"all": 0, "icmp": 1, "tcp": 6, "udp": 17, "gre": 47, "icmpv6": 58, "ipv6-icmp": 58}
TERMINATING_TARGETS = ("ACCEPT", "DROP", "REJECT")
TARGET_OPTIONS_WITH_VALUE = ("--reject-with", "--log-prefix", "--log-level")
TARGET_FLAGS = ("--log-tcp-sequence", "--log-tcp-options", "--log-ip-options", "--log-uid")


def protocol_number(text: str) -> int:
    text = text.strip().lower()
    if text.isdigit():
        return int(text)
    return PROTOCOL_NUMBERS[text]


@dataclass
class IptRule:
    line: int
    chain: str
    protocol: tuple[bool, str] | None = None  # (negated, name or number)
    sources: tuple[bool, str] | None = None  # (negated, comma list)
    destinations: tuple[bool, str] | None = None
    in_interface: tuple[bool, str] | None = None
    out_interface: tuple[bool, str] | None = None
    port_sets: list[tuple[bool, set[int]]] = field(default_factory=list)
    state_lists: list[tuple[bool, list[str]]] = field(default_factory=list)
    target: str | None = None


@dataclass
class FilterTable:
    policies: dict[str, str] = field(default_factory=dict)  # built-in chain -> policy
    user_chains: set[str] = field(default_factory=set)
    rules: dict[str, list[IptRule]] = field(default_factory=dict)


def option_value(tokens: Sequence[str], index: int) -> tuple[str, bool, int]:
    """The value of the option at tokens[index], whether an old-style "!" sat between them, and the next index."""
    if tokens[index + 1] == "!":
        return tokens[index + 2], True, index + 3
    return tokens[index + 1], False, index + 2


def parse_rule(text: str, line: int) -> IptRule:
    tokens = shlex.split(text)
    if tokens and tokens[0].startswith("["):  # iptables-save -c: "[packets:bytes] -A ..."
        tokens = tokens[1:]
    if len(tokens) < 2 or tokens[0] not in ("-A", "--append"):
        raise ValueError(f"line {line}: expected -A CHAIN: {text!r}")
    rule = IptRule(line=line, chain=tokens[1])
    index = 2
    negate = False
    while index < len(tokens):
        token = tokens[index]
        if token == "!":
            negate = True
            index += 1
            continue
        if token in ("-j", "--jump"):
            rule.target = tokens[index + 1]
            index += 2
            while index < len(tokens):  # the target's own options
                if tokens[index] in TARGET_OPTIONS_WITH_VALUE:
                    index += 2
                elif tokens[index] in TARGET_FLAGS:
                    index += 1
                else:
                    raise ValueError(f"line {line}: unsupported target option {tokens[index]!r}")
            continue
        if token in ("-m", "--match"):
            index += 2
            continue
        value, old_style_negate, index = option_value(tokens, index)
        negated = negate or old_style_negate
        negate = False
        if token in ("-p", "--protocol"):
            rule.protocol = (negated, value)
        elif token in ("-s", "--source", "--src"):
            rule.sources = (negated, value)
        elif token in ("-d", "--destination", "--dst"):
            rule.destinations = (negated, value)
        elif token in ("-i", "--in-interface"):
            rule.in_interface = (negated, value)
        elif token in ("-o", "--out-interface"):
            rule.out_interface = (negated, value)
        elif token in ("--dport", "--destination-port"):
            rule.port_sets.append((negated, iptables_port_range(value)))
        elif token in ("--dports", "--destination-ports"):
            rule.port_sets.append((negated, iptables_port_list(value)))
        elif token in ("--state", "--ctstate"):
            rule.state_lists.append((negated, [state.strip().upper() for state in value.split(",")]))
        elif token == "--comment":
            pass
        else:
            raise ValueError(f"line {line}: unsupported iptables option {token!r}")
    return rule


def parse_filter_table(text: str) -> FilterTable | None:
    """The *filter table of iptables-save output, or None when there is none. Lines are numbered from 1."""
    table: FilterTable | None = None
    in_filter = False
    for line_number, raw_line in enumerate(text.split("\n"), start=1):
        line = raw_line.strip()
        if line == "" or line.startswith("#"):
            continue
        if line.startswith("*"):
            in_filter = line == "*filter"
            if in_filter:
                table = FilterTable()
            continue
        if not in_filter or table is None:
            continue
        if line == "COMMIT":
            in_filter = False
            continue
        if line.startswith(":"):
            parts = line[1:].split()
            chain, policy = parts[0], parts[1]
            if policy == "-":
                table.user_chains.add(chain)
            else:
                table.policies[chain] = policy.upper()
            table.rules.setdefault(chain, [])
            continue
        rule = parse_rule(line, line_number)
        table.rules.setdefault(rule.chain, []).append(rule)
    return table


def ipt_address_condition(spec: tuple[bool, str] | None, address: str | None) -> Tri:
    """-s / -d: the address is in one of the comma-separated blocks; unknown when the address is unknown."""
    if spec is None:
        return True
    negated, blocks = spec
    if address is None:
        return None
    matched = address_in_any(address, blocks.split(","))
    return tri_negate_if(matched, negated)


def ipt_interface_condition(spec: tuple[bool, str] | None, remote: str) -> Tri:
    """-i / -o: only lo is known (the remote is a loopback address); any other interface is unknown."""
    if spec is None:
        return True
    negated, name = spec
    if name != "lo":
        return None
    return tri_negate_if(is_loopback(remote), negated)


def ipt_rule_condition(rule: IptRule, flow: Mapping[str, Any]) -> Tri:
    remote = str(flow["remote"])
    local = flow.get("local")
    local_text = str(local) if local else None
    source_address: str | None = remote
    destination_address: str | None = local_text
    if flow["direction"] == "egress":
        source_address, destination_address = local_text, remote
    conditions: list[Tri] = []
    if rule.protocol is not None:
        negated, name = rule.protocol
        number = protocol_number(name)
        matched = number == 0 or number == PROTOCOL_NUMBERS[str(flow["protocol"]).lower()]
        conditions.append(tri_negate_if(matched, negated))
    conditions.append(ipt_address_condition(rule.sources, source_address))
    conditions.append(ipt_address_condition(rule.destinations, destination_address))
    conditions.append(ipt_interface_condition(rule.in_interface, remote))
    conditions.append(ipt_interface_condition(rule.out_interface, remote))
    for negated, ports in rule.port_sets:
        if flow.get("port") is None:
            conditions.append(False)  # a packet without ports never matches a port test
        else:
            conditions.append(tri_negate_if(int(flow["port"]) in ports, negated))
    for negated, states in rule.state_lists:
        conditions.append(tri_negate_if("NEW" in states, negated))  # the first packet of a new connection
    return tri_and(conditions)


def reachable_chains(table: FilterTable, start: str) -> list[str]:
    seen = [start]
    pending = [start]
    while pending:
        chain = pending.pop()
        for rule in table.rules.get(chain, []):
            if rule.target in table.user_chains and rule.target not in seen:
                seen.append(rule.target)
                pending.append(rule.target)
    return seen


def walk_chain(
    table: FilterTable,
    chain: str,
    matches: Mapping[int, Tri],
    assignment: Mapping[int, bool],
    depth: int,
) -> tuple[str, int | None]:
    """("ACCEPT"|"DROP"|"REJECT", line) when a rule decides, ("RETURN", None) on RETURN or falling through."""
    if depth > 100:
        raise ValueError("iptables chains jump in a loop")
    for rule in table.rules.get(chain, []):
        match = matches[rule.line]
        matched = match if match is not None else assignment[rule.line]
        if not matched:
            continue
        target = rule.target
        if target is None or target == "LOG":
            continue
        if target in TERMINATING_TARGETS:
            return target, rule.line
        if target == "RETURN":
            return "RETURN", None
        if target not in table.user_chains:
            raise ValueError(f"line {rule.line}: unsupported target {target!r}")
        verdict, line = walk_chain(table, target, matches, assignment, depth + 1)
        if verdict != "RETURN":
            return verdict, line
    return "RETURN", None


def evaluate_iptables(text: str, flow: Mapping[str, Any]) -> tuple[str, int | None]:
    table = parse_filter_table(text)
    if table is None:
        return "ACCEPT", None  # no filter table: nothing is filtered
    start = "INPUT" if flow["direction"] == "ingress" else "OUTPUT"
    for chain, rules in table.rules.items():
        if chain not in table.user_chains and chain not in table.policies:
            if chain not in BUILT_IN_FILTER_CHAINS:
                raise ValueError(f"chain {chain!r} is not declared")
            table.policies[chain] = "ACCEPT"  # a built-in chain that is not declared
        for rule in rules:
            known_targets = (None, *TERMINATING_TARGETS, "LOG", "RETURN", *table.user_chains)
            if rule.target not in known_targets:
                raise ValueError(f"line {rule.line}: unsupported target {rule.target!r}")
    matches: dict[int, Tri] = {}
    for rules in table.rules.values():
        for rule in rules:
            matches[rule.line] = ipt_rule_condition(rule, flow)
    unknown_lines = []
    for chain in reachable_chains(table, start):
        for rule in table.rules.get(chain, []):
            if matches[rule.line] is None:
                unknown_lines.append(rule.line)
    outcomes: list[tuple[str, int | None]] = []
    for assignment in all_assignments(unknown_lines):
        verdict, line = walk_chain(table, start, matches, assignment, 0)
        if verdict == "RETURN":
            verdict, line = table.policies.get(start, "ACCEPT"), None  # the built-in chain's policy
        outcomes.append((verdict, line))
    return combine_outcomes(outcomes)


# ---------------------------------------------------------------------------------------------------------
# Network ACL
# ---------------------------------------------------------------------------------------------------------

EPHEMERAL_PORTS = range(1024, 65536)
OTHER_DIRECTION = {"ingress": "egress", "egress": "ingress"}


@dataclass(frozen=True)
class AclEntryRef:
    position: int
    protocol: str  # lower case
    ports: set[int] | None  # None: every port
    block: AddressRange
    action: str


def acl_entries(acl: Mapping[str, Any], direction: str) -> list[AclEntryRef] | None:
    """The entries of one direction in reading order; None when the ACL holds none (quintuple)."""
    entry_set = acl.get("NetworkAclEntrySet")
    if entry_set is not None:
        raw = entry_set.get("Ingress" if direction == "ingress" else "Egress")
    else:
        raw = acl.get("IngressEntries" if direction == "ingress" else "EgressEntries")
    if raw is None:
        return None
    entries = []
    for position, item in enumerate(raw):
        port_text = item.get("Port")
        ports = None if port_text in (None, "", "ALL", "all") else tencent_port_set(str(port_text))
        address = item.get("CidrBlock") or item.get("Ipv6CidrBlock")
        entries.append(
            AclEntryRef(position, str(item["Protocol"]).lower(), ports, cidr_range(address), item["Action"].upper())
        )
    priorities = [item.get("Priority") for item in raw]
    if raw and all(isinstance(p, int) and not isinstance(p, bool) for p in priorities):
        entries = [e for _, e in sorted(zip(priorities, entries, strict=True), key=lambda pair: pair[0])]
    return entries


def acl_leg(
    entries: list[AclEntryRef], direction: str, flow: Mapping[str, Any], ports: set[int] | None
) -> tuple[str, Any]:
    """One direction of the connection: every port decided by its first matching entry, or the default rule."""
    protocol = flow["protocol"]
    outcomes: list[tuple[str, tuple[str, int | None]]] = []
    undecided = set(ports) if ports is not None else None
    for entry in entries:
        if entry.protocol not in ("all", protocol) or not address_in_range(flow["remote"], entry.block):
            continue
        if undecided is None:  # a protocol without ports: the first match decides
            outcomes.append((entry.action, (direction, entry.position)))
            break
        hit = undecided if entry.ports is None else undecided & entry.ports
        if hit:
            outcomes.append((entry.action, (direction, entry.position)))
            undecided = undecided - hit
        if not undecided:
            break
    else:
        if undecided is None or undecided:
            outcomes.append(("DROP", (direction, None)))  # the default rule
    actions = {action for action, _ in outcomes}
    return (outcomes[0][0], outcomes[0][1]) if len(actions) == 1 else ("UNKNOWN", None)


def evaluate_network_acl(acl: Mapping[str, Any], flow: Mapping[str, Any]) -> tuple[str, Any]:
    direction = flow["direction"]
    request_entries = acl_entries(acl, direction)
    reply_entries = acl_entries(acl, OTHER_DIRECTION[direction])
    if request_entries is None or reply_entries is None:
        return "UNKNOWN", None
    ported = flow["protocol"] in ("tcp", "udp")
    request = acl_leg(request_entries, direction, flow, {flow["port"]} if ported else None)
    reply = acl_leg(reply_entries, OTHER_DIRECTION[direction], flow, set(EPHEMERAL_PORTS) if ported else None)
    if request[0] == "DROP":
        return request
    if reply[0] == "DROP":
        return reply
    if "UNKNOWN" in (request[0], reply[0]):
        return "UNKNOWN", None
    return request


# ---------------------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------------------


def reference_evaluate(request: dict[str, Any]) -> RefResult:
    sg_action, sg_decided_by = evaluate_security_groups(request)
    iptables_action: str | None = None
    iptables_line: int | None = None
    if request.get("iptables_save") is not None:
        iptables_action, iptables_line = evaluate_iptables(str(request["iptables_save"]), request["flow"])
    acl_action: str | None = None
    acl_decided_by: tuple[str, int | None] | None = None
    if request.get("network_acl") is not None:
        acl_action, acl_decided_by = evaluate_network_acl(request["network_acl"], request["flow"])
    return RefResult(
        sg_action=sg_action,
        sg_decided_by=sg_decided_by,
        iptables_action=iptables_action,
        iptables_decided_line=iptables_line,
        acl_action=acl_action,
        acl_decided_by=acl_decided_by,
    )
