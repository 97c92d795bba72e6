"""Troubleshooting dialogues for the end-to-end conversation tests (issue 14), with what each
turn must get.

Each dialogue is a conversation of its own on the real stack (app, action server, Rasa over
REST). A turn is the user's message and checks on the bot's reply: the payload kinds in
order, their language, and what they carry (the cause, the next check, the port verdicts,
the FAQ entry, the ticket and its case...). A check returns the problems it finds; a turn
passes when it has none. Pastes are the evidence readers' real outputs (tests/evidence/data).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EVIDENCE = REPO / "tests" / "evidence" / "data"


@dataclass
class Reply:
    """What the bot said to one message: texts, payloads (in order) and buttons."""

    messages: list[dict[str, Any]]

    @property
    def text(self) -> str:
        return "\n\n".join(m["text"] for m in self.messages if m.get("text"))

    @property
    def payloads(self) -> list[dict[str, Any]]:
        return [m["custom"] for m in self.messages if "custom" in m]

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [b for m in self.messages for b in m.get("buttons") or []]

    def first(self, kind: str) -> dict[str, Any]:
        return next((p for p in self.payloads if p.get("kind") == kind), {})


@dataclass
class Context:
    """What a dialogue's checks may use: the stack (for the app's admin API) and notes between turns."""

    stack: Any
    sender: str
    notes: dict[str, Any] = field(default_factory=dict)


Check = Callable[[Reply, Context], list[str]]
ANY = object()  # a check that does not care


@dataclass(frozen=True)
class Turn:
    text: str
    checks: tuple[Check, ...]


@dataclass(frozen=True)
class Dialogue:
    name: str
    language: str
    what: str
    turns: tuple[Turn, ...]


def paste(relative: str) -> str:
    return (EVIDENCE / relative).read_text(encoding="utf-8")


def iptables_5kb() -> str:
    """``iptables -S`` output of about 5 KB (as benchmarks/diagnose_bench.py builds it): a DROP
    policy, per-network service rules on 8000+, and a final REJECT of all other TCP."""
    lines = ["-P INPUT DROP", "-P FORWARD DROP", "-P OUTPUT ACCEPT", "-A INPUT -i lo -j ACCEPT"]
    lines.append("-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")
    i = 0
    while sum(len(line) + 1 for line in lines) < 5 * 1024 - 60:
        lines.append(
            f'-A INPUT -s 10.{i}.0.0/16 -p tcp -m tcp --dport {9000 + i} -m comment --comment "svc{i}" -j ACCEPT'
        )
        i += 1
    lines.append("-A INPUT -p tcp -j REJECT --reject-with tcp-reset")
    return "\n".join(lines)


# --- checks ------------------------------------------------------------------------------------


def kinds(*expected: str) -> Check:
    """The payload kinds, exactly and in order."""

    def check(reply: Reply, ctx: Context) -> list[str]:
        got = [p.get("kind") for p in reply.payloads]
        return [] if got == list(expected) else [f"kinds {got}, expected {list(expected)}"]

    return check


def kind_in(*allowed: str) -> Check:
    """One payload, of one of these kinds."""

    def check(reply: Reply, ctx: Context) -> list[str]:
        got = [p.get("kind") for p in reply.payloads]
        return [] if len(got) == 1 and got[0] in allowed else [f"kinds {got}, expected one of {list(allowed)}"]

    return check


def retrieval_decides(question: str, lang: str) -> Check:
    """An out-of-scope guess does not overrule retrieval: the entry retrieval is confident about
    (asked of the app now, so a retrieval change does not break the test), else the decline."""

    def check(reply: Reply, ctx: Context) -> list[str]:
        result = ctx.stack.api("POST", "/v1/answer", json={"question": question, "language": lang})
        if result["confident"]:
            return kinds("faq_answer")(reply, ctx) or (
                [] if reply.first("faq_answer").get("faq_id") == result["answer"]["id"] else ["not retrieval's entry"]
            )
        return kinds("text")(reply, ctx) + text_intent("out_of_scope")(reply, ctx)

    return check


def language(lang: str) -> Check:
    def check(reply: Reply, ctx: Context) -> list[str]:
        wrong = [p.get("kind") for p in reply.payloads if p.get("language") != lang]
        return [f"not in {lang}: {wrong}"] if wrong or not reply.payloads else []

    return check


def diagnosis(
    *,
    cause: object = ANY,
    next_check: str | None = None,
    ports: list[int] | None = None,
    service: str | None = None,
    decided_by: str | None = None,
    tool: str | None = None,
    statuses: dict[str, str] | None = None,
) -> Check:
    """The diagnosis payload: its cause, the next check asked, the target, the deciding fact, the fix."""

    def check(reply: Reply, ctx: Context) -> list[str]:
        d = reply.first("diagnosis")
        if not d:
            return ["no diagnosis"]
        problems = []
        if cause is not ANY and d.get("cause") != cause:
            problems.append(f"cause {d.get('cause')!r}, expected {cause!r}")
        todo = [c["id"] for c in d.get("checks", []) if c["status"] == "todo"]
        if next_check is not None and (not todo or todo[0] != next_check):
            problems.append(f"next check {todo[:1]}, expected {next_check}")
        target = d.get("target") or {}
        if ports is not None and target.get("ports") != ports:
            problems.append(f"target ports {target.get('ports')}, expected {ports}")
        if service is not None and target.get("service") != service:
            problems.append(f"service {target.get('service')!r}, expected {service!r}")
        if decided_by is not None and (d.get("decided_by") or {}).get("source") != decided_by:
            problems.append(f"decided by {(d.get('decided_by') or {}).get('source')!r}, expected {decided_by!r}")
        if tool is not None and tool not in [c["tool"] for c in (d.get("fix") or {}).get("commands", [])]:
            problems.append(f"no {tool} command in the fix: {d.get('fix')}")
        for check_id, status in (statuses or {}).items():
            found = next((c["status"] for c in d.get("checks", []) if c["id"] == check_id), None)
            if found != status:
                problems.append(f"check {check_id} is {found!r}, expected {status!r}")
        return problems

    return check


def same_next_check_as_before() -> Check:
    """A follow-up in a case restates where the case stands: the next check does not move."""

    def check(reply: Reply, ctx: Context) -> list[str]:
        d = reply.first("diagnosis")
        todo = [c["id"] for c in d.get("checks", []) if c["status"] == "todo"][:1]
        before = ctx.notes.get("next_check")
        return [] if todo == before else [f"next check {todo}, was {before}"]

    return check


def note_next_check() -> Check:
    def check(reply: Reply, ctx: Context) -> list[str]:
        d = reply.first("diagnosis")
        ctx.notes["next_check"] = [c["id"] for c in d.get("checks", []) if c["status"] == "todo"][:1]
        return []

    return check


def verdicts(*expected: tuple[str, int, str]) -> Check:
    def check(reply: Reply, ctx: Context) -> list[str]:
        got = [(r["protocol"], r["port"], r["verdict"]) for r in reply.first("port_verdict").get("results", [])]
        return [] if got == list(expected) else [f"verdicts {got}, expected {list(expected)}"]

    return check


def faq(question: str | None = None, *, translated: bool | None = None, same_as_noted: str | None = None) -> Check:
    """An FAQ answer whose question contains ``question`` (or is the entry noted as ``same_as_noted``)."""

    def check(reply: Reply, ctx: Context) -> list[str]:
        p = reply.first("faq_answer")
        if not p:
            return ["no FAQ answer"]
        problems = []
        if question is not None and question not in p.get("question", ""):
            problems.append(f"FAQ {p.get('question')!r}, expected one about {question!r}")
        if same_as_noted is not None and p.get("faq_id") != ctx.notes.get(same_as_noted):
            problems.append(f"FAQ {p.get('faq_id')}, expected {ctx.notes.get(same_as_noted)}")
        if translated is True and not (p.get("translated_from") == "zh" and p.get("original_url")):
            problems.append("not marked as a translation of the Chinese entry with its link")
        return problems

    return check


def note_faq_id(key: str, kind: str) -> Check:
    def check(reply: Reply, ctx: Context) -> list[str]:
        ctx.notes[key] = reply.first(kind).get("faq_id")
        return [] if ctx.notes[key] else [f"no faq_id in the {kind} reply"]

    return check


def text_intent(intent: str, *, provider: str | None = None, human_button: bool = False) -> Check:
    def check(reply: Reply, ctx: Context) -> list[str]:
        p = reply.first("text")
        problems = [] if p.get("intent") == intent else [f"text intent {p.get('intent')!r}, expected {intent!r}"]
        if provider is not None and p.get("provider") != provider:
            problems.append(f"provider {p.get('provider')!r}, expected {provider!r}")
        if human_button and "/request_human" not in [b.get("payload") for b in reply.buttons]:
            problems.append("no 'talk to a human' button")
        return problems

    return check


def says(*needles: str) -> Check:
    def check(reply: Reply, ctx: Context) -> list[str]:
        return [f"the reply does not say {n!r}" for n in needles if n not in reply.text]

    return check


def feedback(helpful: bool) -> Check:
    def check(reply: Reply, ctx: Context) -> list[str]:
        got = reply.first("feedback").get("helpful")
        return [] if got is helpful else [f"feedback helpful={got}, expected {helpful}"]

    return check


def ticket(
    reason: str, *, case_ports: list[int] | None = None, case_evidence: int | None = None, case_cause: str | None = None
) -> Check:
    """A hand-off whose ticket (read through the app's admin API) has the case attached."""

    def check(reply: Reply, ctx: Context) -> list[str]:
        p = reply.first("handoff")
        if p.get("reason") != reason:
            return [f"hand-off reason {p.get('reason')!r}, expected {reason!r}"]
        record = ctx.stack.admin("GET", f"/v1/handoffs/{p['ticket_id']}")
        problems = [] if record["conversation_id"] == ctx.sender else ["ticket of another conversation"]
        case = record.get("case")
        if case_ports is not None:
            if not case:
                return [*problems, "the ticket has no case"]
            if case["target"]["ports"] != case_ports:
                problems.append(f"ticket case ports {case['target']['ports']}, expected {case_ports}")
            if not any(c["status"] != "todo" for c in case.get("checks", [])):
                problems.append("the ticket's case has no check made")
        if case_cause is not None and (case or {}).get("cause") != case_cause:
            problems.append(f"ticket case cause {(case or {}).get('cause')!r}, expected {case_cause!r}")
        if case_evidence is not None and len((case or {}).get("evidence", [])) != case_evidence:
            problems.append(f"ticket case evidence {len((case or {}).get('evidence', []))}, expected {case_evidence}")
        return problems

    return check


def T(text: str, *checks: Check) -> Turn:  # a table row
    return Turn(text, checks)


# --- the dialogues -------------------------------------------------------------------------------

ZH, EN = "zh", "en"


def dialogues() -> list[Dialogue]:
    """The dialogues, each with what every turn must get."""
    d = Dialogue
    return [
        d(
            "zh_description_and_progress",
            ZH,
            "a problem described, 'still doesn't work', 'done', 'what now'",
            (
                T(
                    "8443访问不了",
                    kinds("diagnosis"),
                    language(ZH),
                    diagnosis(cause=None, next_check="sg_inbound", ports=[8443]),
                    note_next_check(),
                ),
                T(
                    "还是不行",
                    kinds("diagnosis"),
                    diagnosis(cause=None, statuses={"sg_inbound": "unknown"}),
                    note_next_check(),
                ),
                T(
                    "已经加了",
                    kinds("diagnosis"),
                    language(ZH),
                    diagnosis(cause=None, statuses={"listener": "unknown"}),
                    note_next_check(),
                ),
                T("那现在怎么弄", kinds("diagnosis"), same_next_check_as_before()),
            ),
        ),
        d(
            "en_redis_then_ss_paste",
            EN,
            "a description, then ss output alone, then solved",
            (
                T(
                    "redis refuses connections from my laptop",
                    kinds("diagnosis"),
                    language(EN),
                    diagnosis(cause=None, next_check="listener", service="redis"),
                ),
                T(
                    paste("host/ss_lntup.txt"),
                    kinds("diagnosis"),
                    language(EN),
                    diagnosis(cause="listening_loopback_only", decided_by="listener"),
                ),
                T("thanks, that solved it", kinds("feedback"), feedback(True)),
            ),
        ),
        d(
            "zh_5kb_iptables_in_a_sentence",
            ZH,
            "5 KB of iptables -S in the middle of a Chinese sentence",
            (
                T(
                    f"我的8080从外面连不上，iptables 规则如下：\n{iptables_5kb()}\n帮我看看是哪条规则的问题",
                    kinds("diagnosis"),
                    language(ZH),
                    diagnosis(cause="os_firewall_drop", decided_by="iptables", tool="iptables", ports=[8080]),
                ),
                T("改完了还是不行", kinds("diagnosis"), language(ZH), diagnosis(cause=None, next_check="sg_inbound")),
            ),
        ),
        d(
            "en_website_then_tccli_json",
            EN,
            "a website problem, then tccli JSON of the group",
            (
                T("my website on 80 doesn't load", kinds("diagnosis"), diagnosis(next_check="sg_inbound", ports=[80])),
                T(
                    paste("json/tccli_ecm_describe_sg_policies.json"),
                    kinds("diagnosis"),
                    language(EN),
                    diagnosis(cause="sg_no_matching_allow", decided_by="security_group", tool="tccli"),
                ),
            ),
        ),
        d(
            "zh_mysql_then_api_json",
            ZH,
            "mysql timing out, then the API's JSON (the group allows it)",
            (
                T("mysql 3306 连不上 超时", kinds("diagnosis"), diagnosis(next_check="sg_inbound", ports=[3306])),
                T(
                    "规则在这：\n" + paste("json/tccli_vpc_describe_sg_policies.json"),
                    kinds("diagnosis"),
                    language(ZH),
                    diagnosis(cause=None, next_check="host_firewall"),
                ),
            ),
        ),
        d(
            "en_console_table_then_ss",
            EN,
            "a console rule table (allows 80/443), then ss output",
            (
                T("my website doesn't load", kinds("diagnosis"), diagnosis(next_check="sg_inbound")),
                T(
                    paste("console/en_cvm_case5_web_all_ips.tsv"),
                    kinds("diagnosis"),
                    diagnosis(cause=None, next_check="listener", statuses={"sg_inbound": "passed"}),
                ),
                T(
                    paste("host/ss_tulpn.txt"),
                    kinds("diagnosis"),
                    language(EN),
                    diagnosis(cause="not_listening", decided_by="listener"),
                ),
            ),
        ),
        d(
            "zh_iptables_save",
            ZH,
            "iptables-save output after a description",
            (
                T("8080访问不了", kinds("diagnosis"), diagnosis(next_check="sg_inbound", ports=[8080])),
                T(
                    paste("host/iptables_save.txt"),
                    kinds("diagnosis"),
                    language(ZH),
                    diagnosis(cause="os_firewall_drop", decided_by="iptables", tool="iptables"),
                ),
            ),
        ),
        d(
            "en_iptables_list_refused",
            EN,
            "connection refused, then iptables -L -n -v",
            (
                T("3306 connection refused", kinds("diagnosis"), diagnosis(next_check="listener", ports=[3306])),
                T(
                    paste("host/iptables_L_nv.txt"),
                    kinds("diagnosis"),
                    diagnosis(cause="os_firewall_drop", decided_by="iptables"),
                ),
            ),
        ),
        d(
            "zh_netstat_not_listening",
            ZH,
            "mysql refused, then netstat -lntup",
            (
                T("mysql远程连接被拒绝", kinds("diagnosis"), diagnosis(next_check="listener", service="mysql")),
                T(
                    paste("host/netstat_lntup.txt"),
                    kinds("diagnosis"),
                    language(ZH),
                    diagnosis(cause="not_listening", decided_by="listener"),
                ),
            ),
        ),
        d(
            "en_frustration_then_human_with_case",
            EN,
            "frustration gets a human offered; the ticket has the case",
            (
                T("ssh times out", kinds("diagnosis"), diagnosis(next_check="sg_inbound", ports=[22], service="ssh")),
                T("still doesn't work", kinds("diagnosis"), diagnosis(statuses={"sg_inbound": "unknown"})),
                T(
                    "i've tried everything and it still doesn't work, this is so frustrating",
                    kinds("text"),
                    language(EN),
                    text_intent("offer_human", human_button=True),
                ),
                T("/request_human", kinds("handoff"), language(EN), ticket("user_request", case_ports=[22])),
            ),
        ),
        d(
            "zh_frustration_then_handoff_with_pasted_case",
            ZH,
            "a paste, frustration, '转人工': the case has the paste",
            (
                T(
                    "redis 6379 超时\n" + paste("host/iptables_S.txt"),
                    kinds("diagnosis"),
                    diagnosis(cause="os_firewall_drop"),
                ),
                T(
                    "都试过了 还是不行 烦死了",
                    kinds("text"),
                    language(ZH),
                    text_intent("offer_human", human_button=True),
                ),
                T(
                    "转人工",
                    kinds("handoff"),
                    ticket("user_request", case_ports=[6379], case_evidence=1, case_cause="os_firewall_drop"),
                ),
            ),
        ),
        d(
            "zh_frustrated_and_asks_for_a_human",
            ZH,
            "frustration that asks for a human is handed off at once, with the case",
            (
                T("远程桌面一直连不上", kinds("diagnosis"), diagnosis(service="rdp", ports=[3389])),
                T("烦死了 给我转人工", kinds("handoff"), language(ZH), ticket("user_request", case_ports=[3389])),
            ),
        ),
        d(
            "zh_faq_detour_in_a_case",
            ZH,
            "an FAQ question in the middle of a case: 'didn't help' judges it, 'still fails' goes on",
            (
                T("8080访问不了", kinds("diagnosis"), diagnosis(next_check="sg_inbound", ports=[8080])),
                T("如何创建安全组", kind_in("faq_answer", "fallback")),
                T("没用", kinds("feedback"), feedback(False)),
                T("还是不行", kinds("diagnosis"), diagnosis(ports=[8080], statuses={"sg_inbound": "unknown"})),
            ),
        ),
        d(
            "en_to_zh_switch_mid_case",
            ZH,
            "'能用中文吗' mid-case: the case in Chinese, and Chinese kept",
            (
                T("ssh times out", kinds("diagnosis"), language(EN)),
                T(
                    "能用中文吗",
                    kinds("text", "diagnosis"),
                    language(ZH),
                    text_intent("switch_language"),
                    diagnosis(next_check="sg_inbound"),
                ),
                T("still doesn't work", kinds("diagnosis"), language(ZH)),
                T(paste("host/ufw_status.txt"), kinds("diagnosis"), language(ZH)),
            ),
        ),
        d(
            "zh_to_en_switch_mid_case",
            EN,
            "'can you answer in English' after Chinese: English kept",
            (
                T("远程连接一直超时", kinds("diagnosis"), language(ZH), diagnosis(service="remote_login")),
                T("can you answer in English?", kinds("text", "diagnosis"), language(EN)),
                T("还是不行", kinds("diagnosis"), language(EN)),
                T("445能用吗", kinds("port_verdict"), language(EN)),
            ),
        ),
        d(
            "other_clouds_zh",
            ZH,
            "Alibaba and Huawei Cloud questions declined politely, in Chinese",
            (
                T(
                    "阿里云安全组怎么开放3306端口",
                    kinds("text"),
                    language(ZH),
                    text_intent("other_cloud", provider="Alibaba Cloud"),
                    says("腾讯云"),
                ),
                T("华为云服务器22端口连不上", kinds("text"), text_intent("other_cloud", provider="Huawei Cloud")),
                T("从阿里云迁移到腾讯云后22端口连不上", kinds("diagnosis"), diagnosis(ports=[22])),
            ),
        ),
        d(
            "other_clouds_en",
            EN,
            "AWS, Azure and GCP questions declined politely, in English",
            (
                T(
                    "how do I allow port 22 in an aws security group",
                    kinds("text"),
                    language(EN),
                    text_intent("other_cloud", provider="AWS"),
                    says("Tencent Cloud"),
                ),
                T(
                    "azure nsg blocks port 3389, how do I open it",
                    kinds("text"),
                    text_intent("other_cloud", provider="Azure"),
                ),
                T("GCP firewall rule for port 80", kinds("text"), text_intent("other_cloud", provider="Google Cloud")),
            ),
        ),
        d(
            "out_of_scope_vs_confident_retrieval",
            ZH,
            "安全组 typed as 'aqz' (the NLU says out of scope): retrieval decides; a joke is declined",
            (
                T("aqz规则的生效顺序", retrieval_decides("aqz规则的生效顺序", "zh")),
                T("给我讲个笑话吧", kinds("text"), text_intent("out_of_scope")),
            ),
        ),
        d(
            "numbers_changed_ssh_port",
            ZH,
            "a changed SSH port is a problem on the new port, not a verdict",
            (
                T(
                    "我把ssh端口改成2222了 连不上",
                    kinds("diagnosis"),
                    language(ZH),
                    diagnosis(ports=[2222], service="ssh", next_check="sg_inbound"),
                ),
            ),
        ),
        d(
            "numbers_source_mismatch",
            EN,
            "only my home IP allowed, changed networks; then the port",
            (
                T(
                    "I only allowed my home IP and now changed networks",
                    kinds("diagnosis"),
                    language(EN),
                    diagnosis(cause=None, next_check="source_ip"),
                ),
                T("3306", kinds("diagnosis"), diagnosis(cause="sg_source_mismatch", ports=[3306])),
            ),
        ),
        d(
            "numbers_other_ips_get_in",
            EN,
            "other IPs get in: the FAQ entry, in both languages",
            (
                T(
                    "other IPs get in although I allowed only 1.2.3.4",
                    kinds("faq_answer"),
                    language(EN),
                    faq("Why can an IP address", translated=True),
                ),
                T(
                    "我只允许了1.2.3.4，为什么别的ip也能连进来",
                    kinds("faq_answer"),
                    language(ZH),
                    faq("为什么安全组未允许的 IP 仍然能访问"),
                ),
            ),
        ),
        d(
            "port_questions_stay_port_questions",
            ZH,
            "port questions; a named service fixes the protocol",
            (
                T("445 能用吗", kinds("port_verdict"), verdicts(("tcp", 445, "blocked"), ("udp", 445, "open"))),
                T("135-139 UDP", kinds("port_verdict"), verdicts(*[("udp", p, "blocked") for p in range(135, 140)])),
                T("ssh 22能用吗", kinds("port_verdict"), verdicts(("tcp", 22, "open"))),
                T("远程桌面3389被封了吗", kinds("port_verdict"), verdicts(("tcp", 3389, "open"))),
            ),
        ),
        d(
            "deletion_then_recycle_bin",
            ZH,
            "a deletion diagnosis, then '回收站里那台怎么办'",
            (
                T("sg-1a2b3c4d删不掉", kinds("delete_diagnosis"), note_faq_id("deletion_faq", "delete_diagnosis")),
                T("回收站里那台怎么办", kinds("faq_answer"), language(ZH), faq(same_as_noted="deletion_faq")),
            ),
        ),
        d(
            "faq_then_another_account",
            EN,
            "an FAQ answer, then 'what about another account?'",
            (
                # Answered, or candidates offered (retrieval's call): either way it is the topic.
                T("can I clone a security group across regions?", kind_in("faq_answer", "fallback"), language(EN)),
                T("what about another account?", kinds("faq_answer"), faq("cloned across users", translated=True)),
            ),
        ),
        d(
            "still_failing_without_a_case",
            EN,
            "'still doesn't work' with no case counts as unhelpful",
            (
                T("didn't help", kinds("feedback"), feedback(False)),
                T("still not working", kinds("text", "handoff"), ticket("repeated_failure")),
            ),
        ),
        d(
            "port_answer_to_the_diagnosis",
            ZH,
            "the diagnosis asks which port; '22' answers it",
            (
                T("我只放了自己的ip，换了个网络就连不上了", kinds("diagnosis"), diagnosis(next_check="source_ip")),
                T("22", kinds("diagnosis"), diagnosis(cause="sg_source_mismatch", ports=[22])),
                T("解决了，谢谢", kinds("feedback"), feedback(True)),
                T("445能用吗", kinds("port_verdict")),
            ),
        ),
        d(
            "en_firewalld_then_windows_is_not_it",
            EN,
            "firewalld allows the port: the check is passed and the next one asked",
            (
                T("can't reach port 8080", kinds("diagnosis"), diagnosis(next_check="sg_inbound", ports=[8080])),
                T(
                    paste("host/firewalld_public_modified.txt"),
                    kinds("diagnosis"),
                    language(EN),
                    diagnosis(cause=None, next_check="sg_inbound", statuses={"host_firewall": "passed"}),
                ),
            ),
        ),
        d(
            "zh_nft_ruleset_after_ssh",
            ZH,
            "nft list ruleset allows SSH: the host firewall is passed",
            (
                T("ssh 连不上", kinds("diagnosis"), diagnosis(service="ssh")),
                T(
                    "nft 的规则：\n" + paste("host/nft_native.txt"),
                    kinds("diagnosis"),
                    language(ZH),
                    diagnosis(cause=None, statuses={"host_firewall": "passed"}),
                ),
            ),
        ),
        d(
            "en_rdp_then_windows_netstat",
            EN,
            "RDP fails; netstat -ano shows it listening",
            (
                T("remote desktop doesn't connect", kinds("diagnosis"), diagnosis(service="rdp")),
                T(
                    paste("host/windows_netstat_ano.txt"),
                    kinds("diagnosis"),
                    diagnosis(cause=None, statuses={"listener": "passed"}),
                ),
            ),
        ),
    ]
