"""The fix of a conclusion: the cause's summary and console steps (templates from
causes.yaml), and ready commands built from the plan of the finding with the command
templates of commands.yaml.

* Security groups: ``tccli vpc CreateSecurityGroupPolicies`` with the policy set as JSON.
  One direction per request; with a ``PolicyIndex`` the rule is inserted before the rule
  now at that index (0: at the top), which puts it above the DROP that decides; without
  one it is appended (the default deny decided, so nothing above it matches).
* Host firewalls: ``iptables -I <chain> <n>`` before the deciding rule (``-A`` when the
  chain's policy decided), ``nft insert rule`` (head of the chain), ``firewall-cmd
  --permanent --add-port`` then ``--reload`` (or removing the rich rule or ICMP block that
  decides), ``ufw insert 1 allow`` / ``ufw allow``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from contract.language import Language
from diagnosis.findings import Finding, HostFixPlan, SgFixPlan
from diagnosis.models import Command, Fix
from diagnosis.sg_hop import PLACEHOLDER_GROUP, SHOWN_GROUP
from diagnosis.texts import render
from diagnosis.vocabulary import CauseDef, Vocabulary

DIRECTION_KEYS = {"ingress": "Ingress", "egress": "Egress"}


def build_fix(
    cause: CauseDef, finding: Finding | None, fields: Mapping[str, str], vocab: Vocabulary, lang: Language
) -> Fix:
    """The fix of ``cause`` as decided by ``finding``."""
    steps = tuple(s for s in (step.render(lang, fields) for step in cause.fix.console_steps) if s)
    commands: list[Command] = []
    plan = finding.plan if finding is not None else None
    if cause.fix.commands == "tccli" and isinstance(plan, SgFixPlan):
        commands += tccli_commands(plan, vocab)
    elif cause.fix.commands == "host_firewall" and isinstance(plan, HostFixPlan):
        commands += host_commands(plan, vocab)
    return Fix(cause.fix.summary.render(lang, fields), steps, tuple(commands))


def tccli_commands(plan: SgFixPlan, vocab: Vocabulary) -> list[Command]:
    """``CreateSecurityGroupPolicies`` adding the plan's policies (none when the plan is incomplete)."""
    if not plan.complete or not plan.policies:
        return []
    policies = []
    for policy in plan.policies:
        item: dict[str, object] = {}
        if plan.policy_index is not None:
            item["PolicyIndex"] = plan.policy_index
        item.update(policy)
        policies.append(item)
    policy_set = json.dumps({DIRECTION_KEYS[plan.direction]: policies}, ensure_ascii=False, separators=(",", ":"))
    template = vocab.commands["tccli_create"]
    group = SHOWN_GROUP if PLACEHOLDER_GROUP.match(plan.group) else plan.group
    return [Command(template.tool, render(template.template, {"group": group, "policy_set": policy_set}))]


def needs_group_id(plan: SgFixPlan | HostFixPlan | None) -> bool:
    """Whether the command names a placeholder group (the paste gave no id)."""
    return isinstance(plan, SgFixPlan) and bool(PLACEHOLDER_GROUP.match(plan.group)) and plan.complete


def host_commands(plan: HostFixPlan, vocab: Vocabulary) -> list[Command]:
    """The command(s) of the pasted firewall that let the plan's legs through."""
    if plan.tool in ("iptables", "ip6tables"):
        return _iptables(plan, vocab)
    if plan.tool == "nft":
        return _nft(plan, vocab)
    if plan.tool == "firewalld":
        return _firewalld(plan, vocab)
    if plan.tool == "ufw":
        return _ufw(plan, vocab)
    return []


def _command(vocab: Vocabulary, key: str, fields: Mapping[str, str]) -> Command:
    template = vocab.commands[key]
    return Command(template.tool, render(template.template, fields))


def _iptables(plan: HostFixPlan, vocab: Vocabulary) -> list[Command]:
    six = plan.tool == "ip6tables"
    commands = []
    for protocol, port in plan.legs:
        if protocol == "icmp":
            match = "-p ipv6-icmp --icmpv6-type echo-request" if six else "-p icmp --icmp-type echo-request"
        else:
            match = f"-p {protocol} --dport {port}"
        if plan.remote:
            match = f"{'-s' if plan.direction == 'ingress' else '-d'} {plan.remote} " + match
        fields = {"binary": plan.tool, "chain": plan.chain, "position": str(plan.position or 1), "match": match}
        key = "iptables_insert" if plan.kind == "rule" else "iptables_append"
        commands.append(_command(vocab, key, fields))
    return commands


def _nft(plan: HostFixPlan, vocab: Vocabulary) -> list[Command]:
    family, table = plan.table or ("inet", "filter")
    commands = []
    for protocol, port in plan.legs:
        match = "icmp type echo-request" if protocol == "icmp" else f"{protocol} dport {port}"
        if plan.remote:
            side = "saddr" if plan.direction == "ingress" else "daddr"
            match = f"{'ip6' if ':' in plan.remote else 'ip'} {side} {plan.remote} " + match
        commands.append(
            _command(vocab, "nft_insert", {"family": family, "table": table, "chain": plan.chain, "match": match})
        )
    return commands


def _firewalld(plan: HostFixPlan, vocab: Vocabulary) -> list[Command]:
    zone = {"zone": plan.chain}
    if plan.kind == "rich_rule" and "'" not in plan.rule_text:
        commands = [_command(vocab, "firewalld_remove_rich", {**zone, "rule_text": plan.rule_text})]
    elif plan.kind == "icmp_block":
        commands = [_command(vocab, "firewalld_add_icmp", zone)]
    else:
        commands = [
            _command(vocab, "firewalld_add_port", {**zone, "port": str(port), "protocol": protocol})
            for protocol, port in plan.legs
            if protocol in ("tcp", "udp")
        ]
    if commands:
        commands.append(_command(vocab, "firewalld_reload", {}))
    return commands


def _ufw(plan: HostFixPlan, vocab: Vocabulary) -> list[Command]:
    commands = []
    for protocol, port in plan.legs:
        if protocol == "icmp":
            continue
        out = "out " if plan.direction == "egress" else ""
        if plan.remote:
            side = "from" if plan.direction == "ingress" else "to"
            match = f"{out}{side} {plan.remote} to any port {port} proto {protocol}"
            if plan.direction == "egress":
                match = f"out to {plan.remote} port {port} proto {protocol}"
        else:
            match = f"{out}{port}/{protocol}"
        commands.append(_command(vocab, "ufw_insert" if plan.kind == "rule" else "ufw_allow", {"match": match}))
    return commands
