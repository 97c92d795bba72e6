"""Lines of a paste: numbering, prompt lines, and lines that are not the tool's output.

Users paste output as it appeared in their terminal: often after the prompt line that
ran it (``[root@vm ~]# iptables -L -n``), sometimes after a sentence. The readers keep
the paste's own line numbers, read the lines that belong to the output and list every
other line as skipped, with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from evidence.errors import LineProblem
from evidence.models import Skipped

MAX_SHOWN = 200

# The commands the host readers read; a prompt line runs one of them (maybe through sudo).
_TOOLS = (
    r"iptables(?:-legacy|-nft)?(?:-save)?|ip6tables(?:-legacy|-nft)?(?:-save)?|nft|ss|netstat(?:\.exe)?"
    r"|ufw|firewall-cmd|firewall-offline-cmd|netsh(?:\.exe)?"
)
# A shell prompt: "[root@vm ~]#", "root@host:~$", "$", "#", "PS C:\\>", "C:\\Users\\me>".
_PROMPT = re.compile(
    r"^\s*(?:\[[^\]\n]{1,80}\]\s?[#$]|[\w.-]+@[\w.-]+(?::[^\n#$]{0,80})?[#$]|[#$%>]|PS [^>\n]{1,80}>"
    r"|[A-Za-z]:\\[^>\n]{0,80}>)\s*(?P<command>.*)$"
)
_COMMAND = re.compile(rf"^(?:sudo\s+(?:-\S+\s+)*)?(?:/\S*/)?(?P<tool>{_TOOLS})(?:\s|$)", re.IGNORECASE)


@dataclass(frozen=True)
class Line:
    """One line of the paste: its 1-based number and its text without the line break."""

    number: int
    text: str

    @property
    def shown(self) -> str:
        """The line as messages quote it (stripped, shortened)."""
        return shorten(self.text.strip())


def shorten(text: str) -> str:
    """``text`` cut to what messages show."""
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def numbered(text: str) -> list[Line]:
    """Every line of ``text`` with its number."""
    return [Line(i, raw) for i, raw in enumerate(text.splitlines(), start=1)]


def prompt_command(text: str) -> str | None:
    """The command of a prompt line that runs one of the host tools (``iptables -L -n``), else None."""
    match = _PROMPT.match(text)
    if match is None:
        return None
    command = match.group("command").strip()
    return command if _COMMAND.match(command) else None


def is_prompt(text: str) -> bool:
    """True for a shell prompt line running one of the host tools."""
    return prompt_command(text) is not None


def skipped(line: Line, reason: str) -> Skipped:
    """``line`` as a :class:`Skipped` entry."""
    return Skipped(line.number, line.shown, reason)


def problem(line: Line, what: str) -> LineProblem:
    """``line`` as a :class:`LineProblem`."""
    return LineProblem(line.number, line.shown, what)


def not_output(line: Line, tool: str) -> Skipped:
    """A line outside the tool's output: a prompt, a sentence, other output."""
    if is_prompt(line.text):
        return skipped(line, f"a shell prompt line, not {tool} output")
    return skipped(line, f"not part of the {tool} output")


def commands(lines: Iterable[Line]) -> list[str]:
    """The commands of the prompt lines in ``lines`` (lower case), in order."""
    found = [prompt_command(line.text) for line in lines]
    return [c.lower() for c in found if c is not None]


def family_from_commands(lines: Iterable[Line]) -> int | None:
    """6 when the prompt ran ip6tables, 4 when it ran iptables, None when no prompt tells."""
    for command in commands(lines):
        if re.search(r"\bip6tables", command):
            return 6
        if re.search(r"\biptables", command):
            return 4
    return None
