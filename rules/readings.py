"""The readings chosen where Tencent Cloud's documents leave room, as users read them.

Each constant is a sentence the engine puts in its explanation when the reading
decided (part of) the answer. docs/rules.md gives each reading with its reasons; keep
the two in step.
"""

from __future__ import annotations

SEVERAL_GROUPS = (
    "An instance's security groups are read in the order given, taken as their binding order (priority): "
    "the first rule that matches in any of them decides, and later groups are not consulted "
    "(reading chosen where the documents leave room; see docs/rules.md)."
)
POLICY_INDEX_ORDER = (
    "Rules are matched by PolicyIndex (0 first), whatever their order in the list, and the first match decides"
)
LIST_ORDER = "No PolicyIndex was given, so rules are matched in list order (top first), and the first match decides"
TCP25_UNKNOWN_UNBLOCK = (
    "The request cannot say whether outbound TCP 25 was unblocked for this instance, so the default applies: "
    "restricted (reading chosen; see docs/rules.md). If it has been unblocked, only the security group and "
    "iptables decide."
)
CARRIER_INTERNAL = (
    "carrier blocks concern traffic over the public Internet, and traffic with private (RFC 1918), "
    "shared (100.64.0.0/10), loopback or link-local addresses stays inside the cloud's network "
    "(reading chosen; see docs/rules.md)"
)
NEW_CONNECTION = (
    "Connection-state matches (-m state / -m conntrack) are evaluated for the first packet of a new connection "
    "(state NEW), which is what the question is about"
)
