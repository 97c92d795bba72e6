"""POST /v1/answer, the FAQ routes, health, and bad input."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import ADMIN_HEADERS, HANDOFF_HEADERS


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["entries"] == 18 and ready["calibrated"] is True


def test_confident_answer_is_served_as_written_with_source(client: TestClient) -> None:
    body = client.post("/v1/answer", json={"question": "安全组为什么删不掉，云服务器都退了"}).json()
    assert body["confident"] is True and body["declined"] is None
    answer = body["answer"]
    assert answer["question"] == "云服务器已经全部退还，为什么安全组无法删除?"
    assert answer["answer"] == "请查看回收站内是否还有云服务器。安全组绑定了回收站内的云服务器时，同样无法被删除。"
    assert answer["source_url"].startswith("https://cloud.tencent.com/document/product/213/")
    assert body["candidates"][0]["id"] == answer["id"]


def test_english_question_gets_the_english_translation_marked_as_such(client: TestClient) -> None:
    body = client.post("/v1/answer", json={"question": "which ports are blocked by the carrier?"}).json()
    assert body["confident"] is True
    answer = body["answer"]
    assert answer["language"] == "en" and answer["translated_from"] == "zh"
    assert answer["question"] == "Which ports does Tencent Cloud not support?"
    assert answer["original_question"] == "腾讯云不支持哪些端口？"
    assert "| TCP  | 42 135" in answer["answer"]  # the source's own table, unchanged
    assert answer["source_url"] == "https://cloud.tencent.com/document/product/213/2502"  # the original
    assert answer["source_date"] == "2026-11-29" and answer["translation_date"] == "2026-12-05"
    assert all(c["question"].isascii() for c in body["candidates"])  # "did you mean" in English too


def test_chinese_readers_see_exactly_the_source(client: TestClient) -> None:
    body = client.post("/v1/answer", json={"question": "腾讯云不支持哪些端口"}).json()
    answer = body["answer"]
    assert answer["language"] == "zh" and answer["translated_from"] is None and answer["translation_date"] is None
    assert answer["question"] == answer["original_question"] == "腾讯云不支持哪些端口？"


def test_the_language_asked_for_wins_over_the_questions(client: TestClient) -> None:
    # A Chinese conversation where the user typed only "port 445?": the reply stays Chinese.
    body = client.post("/v1/answer", json={"question": "which ports are blocked?", "language": "zh"}).json()
    assert body["answer"]["language"] == "zh" and body["answer"]["question"] == "腾讯云不支持哪些端口？"


def test_faq_entries_carry_their_dates_and_translations(client: TestClient) -> None:
    entries = client.get("/v1/faq").json()
    assert entries and all(e["source_date"] == "2026-11-29" and e["language"] == "zh" for e in entries)
    english = entries[0]["translations"]["en"]
    assert english["translated"] == "2026-12-05" and english["method"] and english["question"].isascii()
    text = client.get(f"/v1/faq/{entries[0]['id']}/text?language=en").json()
    assert text["translated_from"] == "zh" and text["question"] == english["question"]
    assert client.get(f"/v1/faq/{entries[0]['id']}/text?language=fr").status_code == 422


def test_out_of_scope_is_declined_with_candidates(client: TestClient) -> None:
    body = client.post("/v1/answer", json={"question": "tell me a joke about cats", "top_k": 5}).json()
    assert body["confident"] is False and body["answer"] is None
    assert len(body["candidates"]) == 5
    assert body["candidates"][0]["score"] >= body["candidates"][-1]["score"]
    assert body["declined"] is None  # declined by confidence, not for a reason known before ranking


@pytest.mark.parametrize(
    ("question", "provider"),
    [
        ("how do I add an inbound rule to my AWS EC2 security group?", "AWS"),
        ("阿里云安全组怎么开放端口", "Alibaba Cloud"),
        ("Azure NSG 规则优先级怎么设置", "Azure"),
    ],
)
def test_another_clouds_question_is_declined_with_the_reason(client: TestClient, question: str, provider: str) -> None:
    body = client.post("/v1/answer", json={"question": question}).json()
    assert body["confident"] is False and body["answer"] is None and body["candidates"] == []
    assert body["declined"]["reason"] == "other_cloud" and body["declined"]["provider"] == provider
    assert body["declined"]["matched"]


def test_a_tencent_question_that_names_another_cloud_is_answered(client: TestClient) -> None:
    body = client.post("/v1/answer", json={"question": "从阿里云迁移到腾讯云后安全组怎么配"}).json()
    assert body["declined"] is None and body["candidates"]


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"question": ""}, "question", "empty"),
        ({"question": "   \n\t"}, "question", "empty"),
        ({"question": "x" * 1001}, "question", "at most 1000"),
        ({"question": "ok", "top_k": 0}, "top_k", "greater than or equal to 1"),
        ({"question": "ok", "top_k": 11}, "top_k", "less than or equal to 10"),
        ({"question": 5}, "question", "valid string"),
        ({}, "question", "required"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    client: TestClient, payload: dict[str, object], field: str, message: str
) -> None:
    response = client.post("/v1/answer", json=payload)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert any(d["loc"][-1] == field and message in d["msg"] for d in detail), detail


def test_question_of_exactly_1000_characters_is_accepted(client: TestClient) -> None:
    assert client.post("/v1/answer", json={"question": "端" * 1000}).status_code == 200


def test_faq_entries_by_id(client: TestClient) -> None:
    entries = client.get("/v1/faq").json()
    assert len(entries) == 18
    one = client.get(f"/v1/faq/{entries[2]['id']}").json()
    assert one["question"] == "腾讯云不支持哪些端口？" and one["alternates"]
    missing = client.get("/v1/faq/faq-00000000")
    assert missing.status_code == 404 and "helpdesk faq list" in missing.json()["detail"][0]["msg"]


def test_handoff_is_recorded_and_read_back(client: TestClient) -> None:
    payload = {
        "conversation_id": "c-1",
        "channel": "rest",
        "language": "zh",
        "reason": "user_request",
        "transcript": [{"sender": "user", "text": "转人工", "timestamp": 1.0}],
        "candidates": [{"id": "faq-55fbf659", "question": "腾讯云不支持哪些端口？", "score": 0.5}],
    }
    assert client.post("/v1/handoffs", json=payload).status_code == 401  # only the action server opens tickets
    created = client.post("/v1/handoffs", json=payload, headers=HANDOFF_HEADERS)
    assert created.status_code == 201
    assert client.get(f"/v1/handoffs/{created.json()['id']}").status_code == 401  # holds the conversation
    got = client.get(f"/v1/handoffs/{created.json()['id']}", headers=ADMIN_HEADERS).json()
    assert got["transcript"][0]["text"] == "转人工" and got["status"] == "open"
    assert client.post("/v1/handoffs", json={**payload, "language": "fr"}, headers=HANDOFF_HEADERS).status_code == 422
    assert client.get("/v1/handoffs/ho-missing", headers=ADMIN_HEADERS).status_code == 404


def test_openapi_docs_are_served(client: TestClient) -> None:
    assert "/v1/answer" in client.get("/openapi.json").json()["paths"]
    assert client.get("/docs").status_code == 200
