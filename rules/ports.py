"""Port verdicts: what the carrier or platform does to a port before any security group.

Facts come from the knowledge base (the FAQ's table of ports the carrier intercepts,
and TCP 25's default outbound restriction with its unblocking quota), never from
literals here; only the wording of the answers lives in this module.

Direction. Blocked ports are intercepted both ways. A restricted port is restricted
in its stated direction only (TCP 25: egress, connecting to external mail servers);
asked about the other direction it is ``open``. When no direction is given the
question is "can I use this port at all", and the verdict is the strictest of the
two directions: TCP 25 is ``restricted``, with the reason saying it concerns
outbound connections only.
"""

from __future__ import annotations

from collections.abc import Sequence

from knowledge import BlockedPort, KnowledgeBase, RestrictedPort
from rules.decisions import PortVerdict
from rules.errors import Loc, ProblemCollector, RuleValidationError
from rules.faq_refs import FaqReferences, load_references
from rules.policies import Direction
from rules.services import parse_port_number

PORT_PROTOCOLS = ("tcp", "udp")


def parse_port_protocol(value: object, loc: Loc = ("protocol",)) -> str:
    """``tcp`` or ``udp``, any case.

    Raises:
        RuleValidationError: any other protocol (port verdicts only exist for TCP and UDP).
    """
    text = value.strip().lower() if isinstance(value, str) else None
    if text not in PORT_PROTOCOLS:
        raise RuleValidationError.single(loc, f"protocol must be tcp or udp, got {value!r}", "protocol_invalid")
    return text


class PortAdvisor:
    """Gives the upstream verdict for a protocol and port.

    Build it with :meth:`from_knowledge`; it keeps only the facts it needs.
    """

    def __init__(
        self, blocked: Sequence[BlockedPort], restricted: Sequence[RestrictedPort], references: FaqReferences
    ) -> None:
        self._blocked = tuple(blocked)
        self._restricted = tuple(restricted)
        self._references = references

    @classmethod
    def from_knowledge(cls, kb: KnowledgeBase, references: FaqReferences | None = None) -> PortAdvisor:
        """An advisor over ``kb``'s port facts.

        Raises:
            RuleDataError: the references file does not match the knowledge base.
        """
        return cls(kb.blocked_ports, kb.restricted_ports, references or load_references(kb))

    def verdict(self, protocol: object, port: object, direction: Direction | None = None) -> PortVerdict:
        """The verdict for ``protocol`` (tcp/udp) and ``port`` (1..65535), in ``direction`` or either.

        Raises:
            RuleValidationError: bad protocol or port, located as ``("protocol",)`` / ``("port",)``.
        """
        problems = ProblemCollector()
        proto = problems.attempt(parse_port_protocol, protocol, ("protocol",))
        number = problems.attempt(parse_port_number, port, ("port",))
        problems.raise_if_any()
        assert proto is not None and number is not None
        blocked = next((b for b in self._blocked if b.covers(proto, number)), None)
        if blocked is not None:
            return _blocked_verdict(blocked, proto, number, direction)
        restricted = next((r for r in self._restricted if r.protocol == proto and r.port == number), None)
        if restricted is not None and direction in (None, restricted.direction):
            return _restricted_verdict(restricted, direction)
        return _open_verdict(proto, number, direction, restricted, self._references["open"])


def _blocked_verdict(fact: BlockedPort, protocol: str, port: int, direction: Direction | None) -> PortVerdict:
    proto = protocol.upper()
    listed = f"the range {fact.first}-{fact.last}" if fact.first != fact.last else "the list"
    listed_zh = f"范围 {fact.first}-{fact.last}" if fact.first != fact.last else "列表"
    return PortVerdict(
        protocol,
        port,
        direction,
        "blocked",
        reason=(
            f"Carriers intercept {proto} port {port} (in {listed} of ports Tencent Cloud does not support) "
            "because it carries security risks, so it cannot be reached."
        ),
        advice=(
            f"Use another port for your service and do not listen on {proto} {port}; "
            "opening it in the security group does not help."
        ),
        reason_zh=(
            f"{proto} {port} 端口（属于腾讯云不支持的端口{listed_zh}）存在安全隐患，运营商将其拦截，导致无法访问。"
        ),
        advice_zh=f"建议更换端口，不要使用 {proto} {port} 端口监听；在安全组中放通该端口也无法解决。",
        faq_id=fact.faq_id,
    )


def _restricted_verdict(fact: RestrictedPort, direction: Direction | None) -> PortVerdict:
    proto, port = fact.protocol.upper(), fact.port
    way = "outbound" if fact.direction == "egress" else "inbound"
    quota = f" Each user can unblock up to {fact.quota} instances per region by default." if fact.quota else ""
    only = f" This concerns {way} connections only; the other direction is not restricted." if direction is None else ""
    only_zh = "该限制仅针对出方向连接，入方向（监听）不受影响。" if direction is None and way == "outbound" else ""
    return PortVerdict(
        fact.protocol,
        port,
        direction,
        "restricted",
        reason=(
            f"{way.capitalize()} {proto} {port} is restricted by default: to keep mail sent from Tencent Cloud IP "
            f"addresses trustworthy, instances cannot use {proto} {port} to connect to external addresses.{only}"
        ),
        advice=(
            f"Unblock it in the console: sign in, hover over your account name in the top navigation bar "
            f"and open the port {port} unblocking entry.{quota}"
        ),
        reason_zh=(
            f"为了提升腾讯云 IP 地址发邮件的质量，默认限制云服务器使用 {proto} {port} 端口连接外部地址。{only_zh}"
        ),
        advice_zh=(
            f"请登录控制台，将鼠标移动至顶部导航账号处，即可看到 {port} 端口解封入口。"
            + (f"{fact.quota_text}。" if fact.quota_text else "")
        ),
        faq_id=fact.faq_id,
        quota=fact.quota,
        quota_text=fact.quota_text,
    )


def _open_verdict(
    protocol: str, port: int, direction: Direction | None, other_way: RestrictedPort | None, faq_id: str
) -> PortVerdict:
    proto = protocol.upper()
    note = note_zh = ""
    if other_way is not None:
        way = "outbound" if other_way.direction == "egress" else "inbound"
        note = f" (its default restriction concerns {way} connections only)"
        note_zh = f"（其默认限制仅针对{'出' if way == 'outbound' else '入'}方向）"
    rule_way = {"ingress": "an inbound", "egress": "an outbound", None: "an inbound (or outbound)"}[direction]
    rule_way_zh = {"ingress": "入站", "egress": "出站", None: "入站（或出站）"}[direction]
    return PortVerdict(
        protocol,
        port,
        direction,
        "open",
        reason=f"Nothing upstream blocks {proto} {port}{note}: the carrier does not intercept it.",
        advice=(
            f"The security group bound to the instance must still allow it: add {rule_way} rule that "
            f"accepts {proto} {port} from the addresses you need."
        ),
        reason_zh=f"运营商未拦截 {proto} {port} 端口{note_zh}。",
        advice_zh=f"仍需在实例绑定的安全组中添加{rule_way_zh}规则，放通 {proto} {port} 端口后才能使用对应服务。",
        faq_id=faq_id,
    )
