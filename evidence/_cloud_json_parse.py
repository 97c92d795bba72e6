"""A small JSON parser that remembers the line every value and key starts on.

The standard library's parser gives no positions, and a reader must name the pasted
line of each rule it cannot read. This one reads strict JSON with two differences, both
reported: a trailing comma before ``]`` or ``}`` is accepted (its meaning is plain), and
a run of ``"key": value`` members without the outer braces (``"Ingress": [...]`` as people
paste it) can be read as one object. Single quotes, Python's ``True``/``None``, comments
and duplicate keys are refused with the line, because they are not JSON and the reader
does not guess what was meant.

It also finds the JSON in prose: :func:`locate` returns the first balanced JSON value in
the text that holds security-group fields, with its span, so the words around it can be
listed as skipped.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field

_WS = re.compile(r"[ \t\r\n\ufeff]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\.)*"')
# Field names that only security-group JSON has; a candidate without any is not ours.
MARKERS = re.compile(
    r"""["'](?:SecurityGroupPolicySet|Ingress|Egress|PolicyIndex|Cidr_?Block|Ipv6_?CidrBlock|"""
    r"""security_?group_?policy_?set|SecurityGroupSet|inbound|outbound)["']\s*:"""
    # An error answer of the API: read so that the refusal can quote it.
    r"""|["']Response["']\s*:\s*\{\s*["']Error["']\s*:""",
    re.IGNORECASE,
)
_OPENS_JSON = re.compile(r"""\{\s*(?:["'}])|\[\s*(?:[\[{"'\]0-9tfn-])""")
# Loose rules need an action and something it acts on (a CAM policy has "action" too).
LOOSE_ACTION = re.compile(r"""["'](?:action|policy|strategy)["']\s*:""", re.IGNORECASE)
LOOSE_MATCH = re.compile(
    r"""["'](?:cidr\w*|source|src|destination|dest|dst|ports?|proto(?:col)?)["']\s*:""", re.IGNORECASE
)


class JsonSyntaxError(ValueError):
    """The text is not JSON; ``line`` is where reading stopped (1-based)."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}")


@dataclass
class Node:
    """A JSON value: ``value`` is a scalar, a list of nodes, or a list of members."""

    kind: str  # "object", "array", "string", "number", "bool", "null"
    value: object
    line: int
    members: list[tuple[str, int, Node]] = field(default_factory=list)  # objects: (key, key line, value)
    items: list[Node] = field(default_factory=list)  # arrays


class Lines:
    """Offsets to 1-based line numbers."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


class _Parser:
    def __init__(self, text: str, lines: Lines) -> None:
        self.text = text
        self.lines = lines
        self.trailing_commas: list[int] = []

    def fail(self, pos: int, message: str) -> JsonSyntaxError:
        return JsonSyntaxError(self.lines.of(pos), message)

    def ws(self, pos: int) -> int:
        pos = _WS.match(self.text, pos).end()  # type: ignore[union-attr]
        if self.text.startswith(("//", "/*", "#"), pos):
            raise self.fail(pos, "comments are not part of JSON; paste the output without them")
        return pos

    def value(self, pos: int) -> tuple[Node, int]:
        pos = self.ws(pos)
        char = self.text[pos : pos + 1]
        line = self.lines.of(pos)
        if char == "{":
            return self.obj(pos + 1, line)
        if char == "[":
            return self.array(pos + 1, line)
        if char == '"':
            text, end = self.string(pos)
            return Node("string", text, line), end
        if char == "'":
            raise self.fail(pos, "single quotes are not JSON (is this a Python print-out?); paste the JSON output")
        match = _NUMBER.match(self.text, pos)
        if match:
            number = match.group()
            parsed: object = float(number) if any(c in number for c in ".eE") else int(number)
            return Node("number", parsed, line), match.end()
        for word, kind, parsed in (("true", "bool", True), ("false", "bool", False), ("null", "null", None)):
            if self.text.startswith(word, pos):
                return Node(kind, parsed, line), pos + len(word)
        for word in ("True", "False", "None"):
            if self.text.startswith(word, pos):
                raise self.fail(pos, f"{word} is Python, not JSON; paste the JSON output (true/false/null)")
        shown = self.text[pos : pos + 20].split("\n")[0] or "the end of the text"
        raise self.fail(pos, f"expected a JSON value, found {shown!r}")

    def string(self, pos: int) -> tuple[str, int]:
        match = _STRING.match(self.text, pos)
        if not match:
            raise self.fail(pos, "a string is not closed on its line (a missing or extra quote)")
        try:
            return str(json.loads(match.group())), match.end()
        except json.JSONDecodeError as e:
            raise self.fail(pos, f"bad escape in a string ({e.msg})") from e

    def member(self, pos: int) -> tuple[str, int, Node, int]:
        if self.text[pos : pos + 1] == "'":
            raise self.fail(pos, "single quotes are not JSON (is this a Python print-out?); paste the JSON output")
        if self.text[pos : pos + 1] != '"':
            raise self.fail(pos, "expected a field name in double quotes")
        key_line = self.lines.of(pos)
        key, pos = self.string(pos)
        pos = self.ws(pos)
        if self.text[pos : pos + 1] != ":":
            raise self.fail(pos, f"expected ':' after the field name {key!r}")
        node, pos = self.value(pos + 1)
        return key, key_line, node, pos

    def obj(self, pos: int, line: int) -> tuple[Node, int]:
        node = Node("object", None, line)
        pos = self.ws(pos)
        if self.text[pos : pos + 1] == "}":
            return node, pos + 1
        while True:
            key, key_line, value, pos = self.member(pos)
            self.add(node, key, key_line, value)
            pos = self.ws(pos)
            char = self.text[pos : pos + 1]
            if char == "}":
                return node, pos + 1
            if char != ",":
                raise self.fail(pos, "expected ',' or '}' after a field (a missing comma or brace?)")
            pos = self.ws(pos + 1)
            if self.text[pos : pos + 1] == "}":
                self.trailing_commas.append(self.lines.of(pos))
                return node, pos + 1

    def array(self, pos: int, line: int) -> tuple[Node, int]:
        node = Node("array", None, line)
        pos = self.ws(pos)
        if self.text[pos : pos + 1] == "]":
            return node, pos + 1
        while True:
            item, pos = self.value(pos)
            node.items.append(item)
            pos = self.ws(pos)
            char = self.text[pos : pos + 1]
            if char == "]":
                return node, pos + 1
            if char != ",":
                raise self.fail(pos, "expected ',' or ']' after a list item (a missing comma or bracket?)")
            pos = self.ws(pos + 1)
            if self.text[pos : pos + 1] == "]":
                self.trailing_commas.append(self.lines.of(pos))
                return node, pos + 1

    def members_only(self, pos: int) -> tuple[Node, int]:
        """``"a": 1, "b": [...]`` without braces, read as one object; stops after the last member."""
        node = Node("object", None, self.lines.of(pos))
        while True:
            key, key_line, value, pos = self.member(pos)
            self.add(node, key, key_line, value)
            after = self.ws(pos)
            if self.text[after : after + 1] != ",":
                return node, pos
            following = self.ws(after + 1)
            if self.text[following : following + 1] != '"':
                return node, after + 1
            pos = following

    def add(self, node: Node, key: str, key_line: int, value: Node) -> None:
        for other, other_line, _ in node.members:
            if other == key:
                raise JsonSyntaxError(key_line, f"the field {key!r} is given twice (lines {other_line} and {key_line})")
        node.members.append((key, key_line, value))


@dataclass(frozen=True)
class Found:
    """The JSON found in a paste: the value, its span, and what was not plain JSON."""

    node: Node
    start: int
    end: int
    members_only: bool
    trailing_commas: tuple[int, ...]


def looks_like_sg_json(text: str) -> bool:
    """Cheap: a quoted security-group field name followed by ':' appears."""
    return bool(MARKERS.search(text) or (LOOSE_ACTION.search(text) and LOOSE_MATCH.search(text)))


def locate(text: str) -> Found | None:
    """The first JSON value in ``text`` that holds security-group fields.

    Raises:
        JsonSyntaxError: that value is broken (the error names the line).
    """
    lines = Lines(text)
    for match in re.finditer(r"""[{\["']""", text):
        start = match.start()
        parser = _Parser(text, lines)
        members_only = text[start] in "\"'"
        if members_only and not re.match(r"""["'][^"'\n]{1,60}["']\s*:""", text[start:]):
            continue
        if not members_only and not _OPENS_JSON.match(text, start):
            continue  # "[note]" or "{name}" in prose
        try:
            node, end = parser.members_only(start) if members_only else parser.value(start)
        except JsonSyntaxError:
            if _holds_fields(text, start):
                raise
            continue
        if node.kind in ("object", "array") and looks_like_sg_json(text[start:end]):
            return Found(node, start, end, members_only, tuple(parser.trailing_commas))
    return None


def _holds_fields(text: str, start: int) -> bool:
    """Whether the broken candidate at ``start`` is the user's rules (then its error is shown)."""
    opener = text[start]
    if opener in "\"'":
        return bool(MARKERS.match(text, start))
    depth, pos = 0, start
    while pos < len(text):
        char = text[pos]
        if char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                break
        pos += 1
    return looks_like_sg_json(text[start : pos + 1])
