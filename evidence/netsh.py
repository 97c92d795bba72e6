"""Windows Firewall rules (``netsh advfirewall firewall show rule name=all``): recognised, not read yet.

Reading them well needs more than the rule list: which profile (Domain, Private,
Public) is active, whether the firewall is on for it, and each rule's program and
service conditions, which the list cannot settle; block rules also win over allow
rules whatever their order. Rather than guess, the reader recognises the output and
refuses it, saying what to check instead.
"""

from __future__ import annotations

import re

from evidence.errors import LineProblem, UnreadableEvidenceError
from evidence.models import Reading

NETSH_NEEDS = (
    "Windows Firewall rules are not read yet. In PowerShell, run "
    "`Get-NetFirewallProfile | Format-Table Name, Enabled, DefaultInboundAction` and check that an enabled "
    "inbound Allow rule covers the port (`Get-NetFirewallPortFilter | Where-Object LocalPort -eq <port>`); "
    "paste `netstat -ano` to check that the service listens."
)
_RULE_NAME = re.compile(r"^\s*Rule Name:\s+\S", re.MULTILINE)
_FIELDS = re.compile(r"^\s*(?:Enabled|Direction|Profiles|LocalPort|RemoteIP|Action):\s+\S", re.MULTILINE)


def looks_like_netsh(text: str) -> bool:
    """A ``Rule Name:`` line and at least two of the rule's fields."""
    return _RULE_NAME.search(text) is not None and len(_FIELDS.findall(text)) >= 2


def read_netsh(text: str) -> Reading:
    """Refuse: Windows Firewall rules are recognised but not read.

    Raises:
        UnreadableEvidenceError: always, with what to check instead.
    """
    first = next((i for i, line in enumerate(text.splitlines(), start=1) if _RULE_NAME.match(line)), None)
    shown = text.splitlines()[first - 1].strip() if first else ""
    raise UnreadableEvidenceError(
        "netsh",
        [LineProblem(first, shown, "Windows Firewall rules (netsh advfirewall) are recognised but not read yet")],
        NETSH_NEEDS,
    )
