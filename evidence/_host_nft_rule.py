"""One nft rule, as printed by ``nft list ruleset``, translated to ``iptables-save`` options.

Read: ``ct state`` (a list or a set, ``!=``), ``iif``/``iifname``/``oif``/``oifname``,
``ip``/``ip6`` ``saddr``/``daddr`` (an address, a block, a set, a named set with its
elements), ``tcp``/``udp``/``th`` ``dport``/``sport`` (a port, a range, a set, ``!=``),
``meta l4proto``/``ip protocol``/``ip6 nexthdr`` (a set of protocols makes one rule per
protocol), ``meta nfproto``, ``counter``, ``log``, ``comment``; verdicts ``accept``,
``drop``, ``reject [with …]``, ``return``, ``jump``, ``goto``, and ``vmap`` (one rule per
element). Anything else (``icmp type``, ``tcp flags``, ``limit``, ``fib``, ``xt match``,
concatenations…) is kept, from the first word not read to the verdict, as an
unsupported part of the rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from evidence._host_ports import port_number

Token = str | list["Token"]
# Commas separate set elements (`{ 80, 443 }`); outside a set they join a list (`established,related`).
_TOKEN = re.compile(r'"[^"]*"|[{}]|[^\s{}",]+(?:,[^\s{}",]+)*|,')
_COUNTER = re.compile(r"\s*\bcounter(?: packets \d+ bytes \d+)?")
_VERDICTS = ("accept", "drop", "return", "continue")
_PROTOCOL_NAMES = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "ipv6-icmp": "ipv6-icmp", "icmpv6": "ipv6-icmp"}
_ICMP_FAMILY = {"icmp": 4, "ipv6-icmp": 6}  # ICMP is IPv4's, ICMPv6 IPv6's: each rule goes to one view
_PROTOCOL_NUMBERS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "ipv6-icmp"}


class NftSyntaxError(ValueError):
    """A rule that cannot even be split into words (unbalanced quotes or braces)."""


def tokenize(text: str) -> list[Token]:
    """Words, quoted strings and ``{ … }`` sets (a set is a list of tokens, commas kept)."""
    if text.count('"') % 2:
        raise NftSyntaxError("unbalanced quotes")
    stack: list[list[Token]] = [[]]
    for word in _TOKEN.findall(text):
        if word == "{":
            stack.append([])
        elif word == "}":
            if len(stack) == 1:
                raise NftSyntaxError("a } without its {")
            inner = stack.pop()
            stack[-1].append(inner)
        else:
            stack[-1].append(word)
    if len(stack) != 1:
        raise NftSyntaxError("a { without its }")
    return stack[0]


def elements(token: Token) -> list[list[Token]]:
    """The elements of a set token, each as its tokens (``{ 80 : accept, 443 : drop }``)."""
    if isinstance(token, str):
        return [[token]]
    found: list[list[Token]] = [[]]
    for part in token:
        if part == ",":
            found.append([])
        else:
            found[-1].append(part)
    return [e for e in found if e]


def show(token: Token) -> str:
    """A token as nft prints it."""
    if isinstance(token, str):
        return token
    return "{ " + " ".join(show(t) for t in token).replace(" ,", ",") + " }"


@dataclass
class Translated:
    """One iptables rule made from (part of) an nft rule."""

    args: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    family: int | None = None
    target: str | None = None
    jump: str | None = None


@dataclass
class RuleReader:
    """Reads one rule's tokens; ``sets`` are the table's named sets (None: no elements shown)."""

    sets: dict[str, list[str] | None]
    chain_key: Callable[[str], str]

    def read(self, tokens: list[Token]) -> list[Translated]:
        """The rule as one or more iptables rules (a protocol set or a vmap gives several)."""
        tokens = self._strip_comment(tokens)
        body, verdict = self._split_verdict(tokens)
        if verdict and verdict[0] == "vmap":
            return self._vmap(body, verdict)
        results = self._conditions(body)
        for result in results:
            self._apply_verdict(result, verdict)
        return results

    @staticmethod
    def _strip_comment(tokens: list[Token]) -> list[Token]:
        if len(tokens) >= 2 and tokens[-2] == "comment":
            return tokens[:-2]
        return tokens

    @staticmethod
    def _split_verdict(tokens: list[Token]) -> tuple[list[Token], list[Token]]:
        if tokens and tokens[-1] in _VERDICTS:
            return tokens[:-1], tokens[-1:]
        if len(tokens) >= 2 and tokens[-2] in ("jump", "goto", "vmap"):
            return tokens[:-2], tokens[-2:]
        if "reject" in tokens:
            at = len(tokens) - 1 - tokens[::-1].index("reject")
            return tokens[:at], tokens[at:]
        for at, token in enumerate(tokens):
            if token == "queue":
                return tokens[:at], tokens[at:]
        return tokens, []

    def _apply_verdict(self, result: Translated, verdict: list[Token]) -> None:
        word = verdict[0] if verdict else None
        if word in ("accept", "drop", "return"):
            result.target = str(word).upper()
        elif word == "reject":
            result.target = "REJECT"
        elif word == "jump" and isinstance(verdict[1], str):
            result.target, result.jump = self.chain_key(verdict[1]), verdict[1]
        elif word == "goto" and isinstance(verdict[1], str):
            result.target = self.chain_key(verdict[1])
            result.unsupported.append(f"goto {verdict[1]}")
        elif word == "queue":
            result.target = "NFQUEUE"
            result.unsupported.append(" ".join(show(t) for t in verdict))
        elif word is None and result.target is None:
            result.target = None  # no verdict: the packet goes on (log/counter rules)

    def _vmap(self, body: list[Token], verdict: list[Token]) -> list[Translated]:
        # `ct state vmap { established : accept, … }`: the key expression is the end of the body.
        key_length = 2 if len(body) >= 2 else len(body)
        prefix, key = body[:-key_length], body[-key_length:]
        results: list[Translated] = []
        for element in elements(verdict[1]):
            if ":" not in element:
                bad = Translated(unsupported=[f"vmap element {' '.join(show(t) for t in element)}"])
                bad.target = "UNDECIDABLE"
                results.append(bad)
                continue
            at = element.index(":")
            value = element[:at]
            item_verdict = element[at + 1 :]
            for result in self._conditions([*prefix, *key, *value]):
                self._apply_verdict(result, item_verdict)
                results.append(result)
        return results

    def _conditions(self, body: list[Token]) -> list[Translated]:
        results = [Translated()]
        i = 0
        while i < len(body):
            step = self._statement(body, i, results)
            if step == 0:
                unread = _COUNTER.sub("", " ".join(show(t) for t in body[i:])).strip()
                for result in results:
                    result.unsupported.append(unread)
                break
            i += step
        return results

    def _statement(self, body: list[Token], i: int, results: list[Translated]) -> int:
        """How many tokens the statement at ``i`` used (0: not read)."""
        word = body[i]
        nxt = body[i + 1] if i + 1 < len(body) else None
        if word == "counter":
            return 1 + (4 if nxt == "packets" else 0)
        if word == "log":
            return self._log(body, i, results)
        if word == "ct" and nxt == "state":
            return self._ct_state(body, i + 2, results)
        if word in ("iif", "iifname", "oif", "oifname"):
            return self._interface(word, body, i + 1, results)
        if word in ("ip", "ip6") and nxt in ("saddr", "daddr"):
            return self._address(str(word), str(nxt), body, i + 2, results)
        if word == "tcp" and nxt == "flags":
            return self._syn(body, i + 2, results)
        if word in ("tcp", "udp", "th") and nxt in ("dport", "sport"):
            return self._port(str(word), str(nxt), body, i + 2, results)
        if (word, nxt) in (("meta", "l4proto"), ("ip", "protocol"), ("ip6", "nexthdr")):
            return self._protocol(body, i + 2, results)
        if word == "meta" and nxt == "nfproto" and i + 2 < len(body) and body[i + 2] in ("ipv4", "ipv6"):
            for result in results:
                result.family = 4 if body[i + 2] == "ipv4" else 6
            return 3
        return 0

    @staticmethod
    def _negation(body: list[Token], i: int) -> tuple[bool, int]:
        if i < len(body) and body[i] in ("!=", "!"):
            return True, i + 1
        return False, i

    def _syn(self, body: list[Token], i: int, results: list[Translated]) -> int:
        """``tcp flags syn / fin,syn,rst,ack`` and ``tcp flags & (fin|syn|rst|ack) == syn``: iptables' --syn."""
        words = [str(t) for t in body[i : i + 4]]
        if words[:3] == ["syn", "/", "fin,syn,rst,ack"]:
            used = 3
        elif words == ["&", "(fin|syn|rst|ack)", "==", "syn"]:
            used = 4
        else:
            return 0
        for result in results:
            result.args += ["-p", "tcp", "--syn"]
        return used + 2

    def _log(self, body: list[Token], i: int, results: list[Translated]) -> int:
        j = i + 1
        while j + 1 < len(body) and body[j] in ("prefix", "level", "flags", "group", "snaplen", "queue-threshold"):
            j += 2
        for result in results:
            result.target = result.target or "LOG"
        return j - i

    def _ct_state(self, body: list[Token], i: int, results: list[Translated]) -> int:
        start = i - 2
        negated, i = self._negation(body, i)
        if i >= len(body):
            return 0
        states = [str(e[0]).upper() for e in elements(body[i])] if isinstance(body[i], list) else None
        names = states or str(body[i]).upper().split(",")
        for result in results:
            result.args += ["-m", "conntrack", *(["!"] if negated else []), "--ctstate", ",".join(names)]
        return i + 1 - start

    def _interface(self, word: str, body: list[Token], i: int, results: list[Translated]) -> int:
        start = i - 1
        negated, i = self._negation(body, i)
        if i >= len(body) or not isinstance(body[i], str):
            return 0
        name = str(body[i]).strip('"').replace("*", "+")
        flag = "-i" if word.startswith("i") else "-o"
        for result in results:
            result.args += [*(["!"] if negated else []), flag, name]
        return i + 1 - start

    def _address(self, version: str, side: str, body: list[Token], i: int, results: list[Translated]) -> int:
        start = i - 2
        negated, i = self._negation(body, i)
        if i >= len(body):
            return 0
        value = body[i]
        blocks: list[str] | None
        if isinstance(value, list):
            blocks = [str(e[0]) for e in elements(value) if len(e) == 1]
            blocks = blocks if len(blocks) == len(elements(value)) else None
        elif value.startswith("@"):
            blocks = self.sets.get(value[1:])
        else:
            blocks = [value]
        if blocks is None or any("-" in b for b in blocks):
            return 0
        flag = "-s" if side == "saddr" else "-d"
        for result in results:
            result.family = 4 if version == "ip" else 6
            result.args += [*(["!"] if negated else []), flag, ",".join(blocks)]
        return i + 1 - start

    def _port(self, protocol: str, side: str, body: list[Token], i: int, results: list[Translated]) -> int:
        start = i - 2
        negated, i = self._negation(body, i)
        if i >= len(body):
            return 0
        value = body[i]
        if isinstance(value, str) and value.startswith("@"):
            members = self.sets.get(value[1:])
            parts = members if members is not None else None
        else:
            parts = [str(e[0]) for e in elements(value) if len(e) == 1]
            parts = parts if len(parts) == len(elements(value)) else None
        ports = _ports(parts, protocol) if parts is not None else None
        if ports is None:
            return 0
        option = "--dport" if side == "dport" else "--sport"
        for result in results:
            if protocol != "th":
                result.args += ["-p", protocol]
            result.args += [*(["!"] if negated else []), option, ports]
        return i + 1 - start

    def _protocol(self, body: list[Token], i: int, results: list[Translated]) -> int:
        start = i - 2
        negated, i = self._negation(body, i)
        if i >= len(body):
            return 0
        names = [str(e[0]) for e in elements(body[i])]
        protocols = [_PROTOCOL_NAMES.get(n) or _PROTOCOL_NUMBERS.get(n) or n for n in names]
        if negated and len(protocols) > 1:
            return 0
        if len(protocols) > 1:
            # One rule per protocol: a packet has one protocol, so the rules cannot both match.
            copies = [Translated(list(r.args), list(r.unsupported), r.family) for r in results for _ in protocols]
            for k, copy in enumerate(copies):
                protocol = protocols[k % len(protocols)]
                copy.args += ["-p", protocol]
                copy.family = _ICMP_FAMILY.get(protocol, copy.family)
            results[:] = copies
        else:
            for result in results:
                result.args += [*(["!"] if negated else []), "-p", protocols[0]]
                if not negated:
                    result.family = _ICMP_FAMILY.get(protocols[0], result.family)
        return i + 1 - start


def _ports(parts: list[str], protocol: str) -> str | None:
    """``80``, ``8000-8010``, ``ssh`` as iptables port text, or None when one is not a port."""
    found: list[str] = []
    for part in parts:
        ends = [port_number(end, "udp" if protocol == "udp" else "tcp") for end in part.split("-")]
        if any(end is None for end in ends) or len(ends) > 2:
            return None
        found.append(":".join(str(end) for end in ends))
    return ",".join(found)
