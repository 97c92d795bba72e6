"""The admin API's contract, played by a tiny app with fixed data, beside the real dashboard router.

Used to test what the page does with data the real store would not easily produce (markup in
user questions and pasted cases, gaps in a series, a cause the vocabulary does not name) and
with a server that has no admin token configured. Errors come in the app's one error shape
(api/problems.py).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from api.problems import ApiError, api_error_response
from api.routes import dashboard

TOKEN = "contract-token"
# Questions come from users: the page must show these as text and never run them.
HOSTILE = '<img src=x onerror="window.__pwned=1">端口 <b>445</b>'

DAYS = 14
CHANNELS = ["web", "wecom", "slack"]
LANGUAGES = ["zh", "en"]


def _day(i: int) -> dict[str, Any]:
    missing = i == 5  # a day without conversations: its rates are null, the line breaks
    return {
        "day": (date(2025, 3, 1) + timedelta(days=i)).isoformat(),
        "conversations": 0 if missing else 40 + 3 * i,
        "turns": 0 if missing else 95 + 7 * i,
        "deflection_rate": None if missing else 0.6 + 0.01 * i,
        "answer_rate": None if missing else 0.7 + 0.008 * i,
        "decline_rate": None if missing else 0.2 - 0.005 * i,
        "handoffs": 0 if missing else 4 + i % 3,
    }


def _rates(key: str, k: int) -> dict[str, Any]:
    return {
        "key": key,
        "conversations": 300 - 80 * k,
        "turns": 700 - 150 * k,
        "deflection_rate": 0.72 - 0.07 * k,
        "answer_rate": 0.8 - 0.05 * k,
        "decline_rate": 0.15 + 0.04 * k,
    }


SUMMARY = {
    "conversations": 612,
    "turns": 1480,
    "deflection_rate": 0.684,
    "answer_rate": 0.771,
    "decline_rate": 0.163,
    "candidate_accept_rate": 0.52,
    "feedback": {"useful": 210, "not_useful": 37},
    "handoffs": 58,
}
TIMESERIES = {"days": [_day(i) for i in range(DAYS)]}
TOP_FAQ = {
    "rows": [
        {"faq_id": f"faq-{i}", "question": q, "answered": 90 - 9 * i, "useful": 40 - 4 * i, "not_useful": 3 + i}
        for i, q in enumerate(
            [
                "为什么要开启端口？如何开启某个端口？",
                "腾讯云不支持哪些端口？",
                "为什么无法使用 TCP 25 端口连接外部地址，如何解禁？",
                "为什么安全组中会默认有一条拒绝规则？",
                HOSTILE,
                "安全组无法删除怎么办？",
            ]
        )
    ]
}
UNANSWERED = {
    "groups": [
        {
            "id": "g1",
            "count": 17,
            "examples": ["怎么给 CVM 绑定弹性 IP", "EIP 怎么绑定"],
            "suggested_question": "如何绑定弹性公网 IP？",
        },
        {"id": "g2", "count": 9, "examples": [HOSTILE, "port 445 <script>"], "suggested_question": HOSTILE},
        {
            "id": "g3",
            "count": 4,
            "examples": ["how much does a CVM cost"],
            "suggested_question": "How much does a CVM cost?",
        },
    ]
}
SUGGESTIONS = {
    "suggestions": [
        {
            "id": "s1",
            "faq_id": "faq-1",
            "faq_question": "腾讯云不支持哪些端口？",
            "phrasing": "哪些端口被封了",
            "count": 6,
        },
        {
            "id": "s2",
            "faq_id": "faq-0",
            "faq_question": "为什么要开启端口？如何开启某个端口？",
            "phrasing": HOSTILE,
            "count": 2,
        },
    ]
}
TICKETS = {
    "tickets": [
        {
            "id": "t1",
            "created_at": "2025-03-12T08:15:00+00:00",
            "channel": "web",
            "language": "zh",
            "reason": "user_asked",
            "status": "open",
            "transcript": [{"sender": "user", "text": HOSTILE}, {"sender": "bot", "text": "…"}],
        }
    ]
}
# A hand-off that carries the case the bot was working (GET /v1/admin/tickets: TicketResponse.case).
CASE = {
    "version": 1,
    "language": "zh",
    "turns": 3,
    "target": {"service": "ssh", "ports": [22], "protocols": ["tcp"], "alternatives": False},
    "direction": "ingress",
    "source": {"kind": "client", "address": HOSTILE},
    "symptoms": ["timeout"],
    "claims": ["rule_added"],
    "evidence": [
        {"kind": "security_groups", "format": "tencent_json", "groups": [{"SecurityGroupId": "sg-1"}]},
        {"kind": "host_firewall", "format": "iptables_rules", "text": HOSTILE, "line_offset": 0},
    ],
    "checks": [
        {"id": "carrier_port", "status": "passed"},
        {"id": "sg_inbound", "status": "unknown"},
        {"id": "host_firewall", "status": "failed"},
        {"id": "listener", "status": "todo"},
    ],
    "cause": "os_firewall_drop",
}
TICKETS["tickets"].append(
    {
        "id": "t2",
        "created_at": "2025-03-13T10:40:00+00:00",
        "channel": "wecom",
        "language": "zh",
        "reason": "user_request",
        "status": "open",
        "transcript": [{"sender": "user", "text": "22端口连不上"}, {"sender": "user", "text": "转人工"}],
        "case": CASE,
    }
)
# Titles of the diagnosis vocabulary (GET /v1/admin/vocabulary); "sg_drop_rule" is left out on
# purpose: the page then shows the id.
VOCABULARY = {
    "causes": {
        "os_firewall_drop": {"zh": "实例内的防火墙拦截了该流量", "en": "The instance's firewall drops the traffic"},
        "sg_no_matching_allow": {"zh": "安全组没有放通该流量", "en": "No security-group rule allows the traffic"},
        "unknown": {"zh": "检查都做完了，仍未找到原因", "en": "Every check made; no cause found"},
    },
    "checks": {
        "carrier_port": {"zh": "运营商是否拦截 {target}", "en": "Does the carrier block {target}?"},
        "sg_inbound": {
            "zh": "安全组入站规则是否放通 {target}",
            "en": "Do the security group's inbound rules allow {target}?",
        },
        "host_firewall": {
            "zh": "实例内的防火墙是否放通 {target}",
            "en": "Does the instance's own firewall allow {target}?",
        },
    },
    "services": {"ssh": {"zh": "SSH", "en": "SSH"}},
}
ENDINGS = ("concluded", "handed_off", "abandoned", "open")


def _case_counts(concluded: int, handed_off: int, abandoned: int, open_: int) -> dict[str, int]:
    return {
        "cases": concluded + handed_off + abandoned + open_,
        "concluded": concluded,
        "handed_off": handed_off,
        "abandoned": abandoned,
        "open": open_,
    }


BY_CAUSE = [
    {"cause": "sg_no_matching_allow", **_case_counts(30, 4, 0, 0)},
    {"cause": "os_firewall_drop", **_case_counts(12, 2, 0, 1)},
    {"cause": "sg_drop_rule", **_case_counts(5, 0, 0, 0)},
    {"cause": "unknown", **_case_counts(0, 6, 3, 0)},
    {"cause": None, **_case_counts(0, 3, 11, 2)},
]
CASES = {
    "as_of": "2025-03-14T09:30:00Z",
    "idle_minutes": 30,
    **{k: sum(int(r[k] or 0) for r in BY_CAUSE) for k in ("cases", *ENDINGS)},
    "by_cause": BY_CAUSE,
}
CASE_DAYS = {
    "as_of": "2025-03-14T09:30:00Z",
    "idle_minutes": 30,
    "days": [
        {"day": d["day"], **(_case_counts(0, 0, 0, 0) if i == 5 else _case_counts(4 + i % 3, 1, i % 2, 0))}
        for i, d in enumerate(TIMESERIES["days"])
    ],
}
Auth = Annotated[str | None, Header()]
# What the bots' event brokers last reported (GET /v1/admin/records): every turn recorded.
RECORDS = {
    "waiting": 0,
    "rejected": 0,
    "as_of": "2025-03-14T09:30:00Z",
    "slots": [],
    "refused": 0,
    "recent_refused": [],
}
CSV = {
    "summary": "conversations,turns\n612,1480\n",
    "timeseries": "day,conversations\n2025-03-01,40\n",
    "breakdown": "key,conversations\nweb,300\n",
    "cases": "cause,cases,concluded,handed_off,abandoned,open\nsg_no_matching_allow,34,30,4,0,0\n",
    "case_days": "day,cases,concluded,handed_off,abandoned,open\n2025-03-01,5,4,1,0,0\n",
}


def contract_app(token: str | None = TOKEN) -> FastAPI:
    """The dashboard router and an admin API that answers as the contract says (``token=None``: unset)."""
    app = FastAPI()
    app.include_router(dashboard.router)
    closed: set[str] = set()
    decided: set[str] = set()

    @app.exception_handler(ApiError)
    def api_error(_: Request, error: ApiError) -> JSONResponse:
        return api_error_response(error)

    def check(authorization: str | None) -> None:
        if token is None:
            raise ApiError.of(503, "the admin API is disabled: set HELPDESK_ADMIN_TOKEN to enable it", "disabled")
        if authorization != f"Bearer {token}":
            raise ApiError.of(
                401,
                "missing or wrong admin token (HELPDESK_ADMIN_TOKEN): send it as 'Authorization: Bearer <token>'",
                "unauthorized",
                loc=("header", "authorization"),
                headers={"WWW-Authenticate": "Bearer"},
            )

    def maybe_csv(name: str, body: dict[str, Any], fmt: str | None) -> Any:
        if fmt == "csv":
            return PlainTextResponse(
                CSV[name],
                media_type="text/csv",
                headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
            )
        return body

    @app.get("/v1/faq")
    def faq() -> Any:  # public, like the real one: the page names suggestions' entries with it
        return [{"id": r["faq_id"], "question": r["question"]} for r in TOP_FAQ["rows"]]

    @app.get("/v1/admin/analytics/summary")
    def summary(authorization: Auth = None, format: str | None = None) -> Any:
        check(authorization)
        return maybe_csv("summary", SUMMARY, format)

    @app.get("/v1/admin/analytics/timeseries")
    def timeseries(authorization: Auth = None, format: str | None = None) -> Any:
        check(authorization)
        return maybe_csv("timeseries", TIMESERIES, format)

    @app.get("/v1/admin/analytics/breakdown")
    def breakdown(by: Annotated[str, Query()], authorization: Auth = None, format: str | None = None) -> Any:
        check(authorization)
        keys = CHANNELS if by == "channel" else LANGUAGES
        return maybe_csv("breakdown", {"by": by, "rows": [_rates(k, i) for i, k in enumerate(keys)]}, format)

    @app.get("/v1/admin/analytics/top-faq")
    def top_faq(authorization: Auth = None) -> Any:
        check(authorization)
        return TOP_FAQ

    @app.get("/v1/admin/analytics/unanswered")
    def unanswered(authorization: Auth = None) -> Any:
        check(authorization)
        return UNANSWERED

    @app.get("/v1/admin/suggestions")
    def suggestions(authorization: Auth = None) -> Any:
        check(authorization)
        return {"suggestions": [s for s in SUGGESTIONS["suggestions"] if s["id"] not in decided]}

    @app.post("/v1/admin/suggestions/{sid}/{verb}")
    def decide(sid: str, verb: str, authorization: Auth = None) -> Any:
        check(authorization)
        decided.add(sid)
        return {"id": sid, "status": verb + "ed"}

    @app.get("/v1/admin/tickets")
    def tickets(authorization: Auth = None) -> Any:
        check(authorization)
        return {"tickets": [t for t in TICKETS["tickets"] if t["id"] not in closed]}

    @app.post("/v1/admin/tickets/{tid}/close")
    def close(tid: str, authorization: Auth = None) -> Any:
        check(authorization)
        closed.add(tid)
        return {"id": tid, "status": "closed"}

    @app.get("/v1/admin/analytics/cases")
    def cases(authorization: Auth = None, format: str | None = None) -> Any:
        check(authorization)
        return maybe_csv("cases", CASES, format)

    @app.get("/v1/admin/analytics/cases/timeseries")
    def case_days(authorization: Auth = None, format: str | None = None) -> Any:
        check(authorization)
        return maybe_csv("case_days", CASE_DAYS, format)

    @app.get("/v1/admin/vocabulary")
    def vocabulary(authorization: Auth = None) -> Any:
        check(authorization)
        return VOCABULARY

    @app.get("/v1/admin/export/cases.{ext}")
    def case_rows(ext: str, authorization: Auth = None) -> Any:
        check(authorization)
        if ext == "csv":
            return PlainTextResponse(
                "conversation_id,cause,ending\nc1,os_firewall_drop,handed_off\n", media_type="text/csv"
            )
        return [{"conversation_id": "c1", "cause": "os_firewall_drop", "ending": "handed_off"}]

    @app.get("/v1/admin/records")
    def records(authorization: Auth = None) -> Any:
        check(authorization)
        return RECORDS

    @app.get("/v1/admin/export/turns.{ext}")
    def turns(ext: str, authorization: Auth = None) -> Any:
        check(authorization)
        if ext == "csv":
            return PlainTextResponse("conversation_id,outcome\nc1,answered\n", media_type="text/csv")
        return [{"conversation_id": "c1", "outcome": "answered"}]

    return app
