"""Rule engine: port verdicts, network-ACL, security-group and iptables evaluation, deletion diagnosis.

Rules are data validated at load time (:class:`RuleValidationError` names every bad
field); every decision carries what decided it and a reason in plain words. docs/rules.md
gives the semantics and the readings chosen where Tencent Cloud's documents leave room.

Typical use::

    from knowledge import load_knowledge
    from rules import RuleEngine

    engine = RuleEngine.from_knowledge(load_knowledge())
    engine.port_verdict("tcp", 445).verdict                      # 'blocked'
    decision = engine.evaluate_body({"security_groups": groups, "flow": {"direction": "ingress",
                                     "protocol": "tcp", "port": 22, "remote": "203.0.113.7"}})
    decision.action, decision.reachable, decision.explanation

Host firewall rules from other tools can be given as an :class:`IptablesRuleset` built
directly from :class:`Chain`, :class:`IptablesRule` and :class:`Condition`.
"""

from rules.addresses import AddressSet
from rules.decisions import Blocker, DeletionDiagnosis, FlowDecision, Hop, PortVerdict
from rules.deletion import RECYCLE_BIN_STATES, BoundInstance, diagnose_deletion, parse_instances
from rules.engine import RuleEngine
from rules.errors import Problem, RuleDataError, RuleError, RuleValidationError, UndecidedError
from rules.evaluator import GroupDecision, evaluate_groups
from rules.faq_refs import FaqReferences, load_references
from rules.flows import Flow, parse_direction, parse_flow
from rules.groups import parse_security_groups
from rules.iptables import Chain, Condition, IptablesRule, IptablesRuleset, parse_iptables_save
from rules.iptables_eval import IptablesDecision, evaluate_iptables
from rules.lookups import Lookups, parse_lookups
from rules.network_acl import NetworkAcl, NetworkAclDecision, evaluate_network_acl, parse_network_acl
from rules.policies import Policy, SecurityGroup
from rules.policy_reader import POLICY_FIELDS
from rules.ports import PortAdvisor
from rules.request import MAX_GROUPS, MAX_IPTABLES_CHARS, EvaluateInput, parse_evaluate_body

__all__ = [
    "MAX_GROUPS",
    "MAX_IPTABLES_CHARS",
    "POLICY_FIELDS",
    "RECYCLE_BIN_STATES",
    "AddressSet",
    "Blocker",
    "BoundInstance",
    "Chain",
    "Condition",
    "DeletionDiagnosis",
    "EvaluateInput",
    "FaqReferences",
    "Flow",
    "FlowDecision",
    "GroupDecision",
    "Hop",
    "IptablesDecision",
    "IptablesRule",
    "IptablesRuleset",
    "Lookups",
    "NetworkAcl",
    "NetworkAclDecision",
    "Policy",
    "PortAdvisor",
    "PortVerdict",
    "Problem",
    "RuleDataError",
    "RuleEngine",
    "RuleError",
    "RuleValidationError",
    "SecurityGroup",
    "UndecidedError",
    "diagnose_deletion",
    "evaluate_groups",
    "evaluate_iptables",
    "evaluate_network_acl",
    "load_references",
    "parse_direction",
    "parse_evaluate_body",
    "parse_flow",
    "parse_instances",
    "parse_iptables_save",
    "parse_lookups",
    "parse_network_acl",
    "parse_security_groups",
]
