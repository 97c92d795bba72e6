"""Rule engine: port verdicts, security-group and iptables evaluation, deletion diagnosis.

Rules are data validated at load time (:class:`RuleValidationError` names every bad
field); every decision carries what decided it and a reason in plain words.

Typical use::

    from knowledge import load_knowledge
    from rules import RuleEngine

    engine = RuleEngine.from_knowledge(load_knowledge())
    engine.port_verdict("tcp", 445).verdict                      # 'blocked'
    decision = engine.evaluate_request(security_groups, {"direction": "ingress", "protocol": "tcp",
                                                          "port": 22, "remote": "203.0.113.7"})
    decision.action, decision.reachable, decision.explanation
"""

from rules.addresses import AddressSet, parse_address_set, parse_cidr, parse_ip
from rules.decisions import Blocker, DeletionDiagnosis, FlowDecision, Hop, PortVerdict
from rules.deletion import RECYCLE_BIN_STATES, diagnose_deletion, parse_instances
from rules.engine import RuleEngine
from rules.errors import Problem, RuleDataError, RuleError, RuleValidationError, UndecidedError
from rules.evaluator import GroupDecision, RuleMatch, evaluate_groups, match_policy
from rules.faq_refs import FaqReferences, load_references
from rules.flows import Flow, parse_direction, parse_flow
from rules.iptables import IptablesRule, IptablesRuleset, parse_iptables_save
from rules.iptables_eval import IptablesDecision, evaluate_iptables
from rules.lookups import Lookups, parse_lookups
from rules.policies import Policy, SecurityGroup, parse_security_groups
from rules.ports import PortAdvisor

__all__ = [
    "RECYCLE_BIN_STATES",
    "AddressSet",
    "Blocker",
    "DeletionDiagnosis",
    "FaqReferences",
    "Flow",
    "FlowDecision",
    "GroupDecision",
    "Hop",
    "IptablesDecision",
    "IptablesRule",
    "IptablesRuleset",
    "Lookups",
    "Policy",
    "PortAdvisor",
    "PortVerdict",
    "Problem",
    "RuleDataError",
    "RuleEngine",
    "RuleError",
    "RuleMatch",
    "RuleValidationError",
    "SecurityGroup",
    "UndecidedError",
    "diagnose_deletion",
    "evaluate_groups",
    "evaluate_iptables",
    "load_references",
    "match_policy",
    "parse_address_set",
    "parse_cidr",
    "parse_direction",
    "parse_flow",
    "parse_instances",
    "parse_ip",
    "parse_iptables_save",
    "parse_lookups",
    "parse_security_groups",
]
