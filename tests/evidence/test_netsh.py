"""Windows Firewall rules (netsh advfirewall) are recognised and refused, saying what to check instead.

No Microsoft documentation page shows this command's output, so no real sample is kept:
the text below only carries the field labels the reader recognises (Rule Name, Enabled,
Direction, Profiles, LocalPort, RemoteIP, Action), to test recognition and the refusal.
"""

from __future__ import annotations

import pytest

from evidence import UnreadableEvidenceError, detect, read_evidence

SHAPE = "\n".join(["Rule Name:  R", "-" * 70, "Enabled:  Yes", "Direction:  In", "LocalPort:  3389", "Action:  Allow"])


def test_netsh_output_is_recognised_and_refused_with_what_to_check() -> None:
    assert detect(SHAPE) == "netsh"
    with pytest.raises(UnreadableEvidenceError) as caught:
        read_evidence(SHAPE)
    assert caught.value.format == "netsh"
    assert caught.value.problems[0].line == 1
    assert "not read yet" in caught.value.problems[0].problem
    assert "Get-NetFirewallProfile" in caught.value.needs


def test_a_sentence_about_rules_is_not_taken_for_netsh_output() -> None:
    assert detect("I added a Rule Name: RDP in Windows firewall but it does not work") is None
