"""Evidence readers: turn what users paste into typed evidence, or say what they could not read.

Typical use::

    from evidence import read_evidence

    reading = read_evidence(pasted_text)        # None: not evidence
    reading.format, reading.kind, reading.value, reading.skipped
"""

from evidence.errors import EvidenceError, LineProblem, UnreadableEvidenceError
from evidence.models import (
    EvidenceFormat,
    EvidenceKind,
    HostFirewallEvidence,
    Listener,
    ListenersEvidence,
    Reading,
    SecurityGroupsEvidence,
    Skipped,
)
from evidence.registry import detect, read_evidence

__all__ = [
    "EvidenceError",
    "EvidenceFormat",
    "EvidenceKind",
    "HostFirewallEvidence",
    "LineProblem",
    "Listener",
    "ListenersEvidence",
    "Reading",
    "SecurityGroupsEvidence",
    "Skipped",
    "UnreadableEvidenceError",
    "detect",
    "read_evidence",
]
