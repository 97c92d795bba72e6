"""The WeCom (企业微信) channel on the real Rasa server, against the official sample vectors and a
local fake of WeCom's API (``channel_fakes.wecom``).

Rasa is configured with the official sample's token, EncodingAESKey and corp id, so the
sample URL verification can be replayed on it as WeCom would send it.
"""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.channels.conftest import Oracle, wecom_signature
from tests.channels.fakes import ChannelFakes, load_vectors
from tests.stack import BotStack, RasaApi

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

QUIET_S = 2.0  # how long a refused or duplicate callback gets to (wrongly) cause a send


@pytest.fixture(scope="module")
def sample() -> dict[str, Any]:
    sample: dict[str, Any] = load_vectors()["wecom_callback_official_sample_2016"]
    return sample


def url(bot_stack: BotStack) -> str:
    return f"{bot_stack.rasa_url}/webhooks/wecom/webhook"


def text_message(user: str, content: str, msg_id: str | None = None, agent_id: int = 1000002) -> str:
    msg_id = msg_id or str(secrets.randbelow(10**12))
    return (
        f"<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId><AgentID>{agent_id}</AgentID></xml>"
    )


def callback(
    oracle: Oracle, fakes: ChannelFakes, inner_xml: str, *, receive_id: str | None = None, token: str | None = None
) -> tuple[dict[str, str], bytes]:
    """The query and body WeCom POSTs for ``inner_xml``: encrypted, wrapped, signed."""
    encrypted = oracle.ask(
        "wecom_encrypt",
        token=fakes.wecom_token,
        encoding_aes_key=fakes.wecom_encoding_aes_key,
        receive_id=receive_id or fakes.wecom.corp_id,
        message=inner_xml,
    )["result"]
    return signed(fakes, encrypted, token=token)


def signed(fakes: ChannelFakes, encrypted: str, token: str | None = None) -> tuple[dict[str, str], bytes]:
    timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**9))
    query = {
        "msg_signature": wecom_signature(token or fakes.wecom_token, timestamp, nonce, encrypted),
        "timestamp": timestamp,
        "nonce": nonce,
    }
    body = (
        f"<xml><ToUserName><![CDATA[{fakes.wecom.corp_id}]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID>"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    )
    return query, body.encode()


def post(bot_stack: BotStack, query: dict[str, str], body: bytes) -> httpx.Response:
    return httpx.post(url(bot_stack), params=query, content=body, headers={"Content-Type": "text/xml"}, timeout=10)


def new_user() -> str:
    return f"user-{uuid.uuid4().hex[:10]}"


def content(send: dict[str, Any]) -> str:
    body = send["body"]
    return str(body[body["msgtype"]]["content"])


# --- the crypto, on the official sample -----------------------------------------------------------


def test_official_sample_message_decrypts_to_the_expected_xml(oracle: Oracle, sample: dict[str, Any]) -> None:
    msg = sample["decrypt_msg"]
    keys = {"token": sample["token"], "encoding_aes_key": sample["encoding_aes_key"], "receive_id": sample["corp_id"]}
    answer = oracle.ask(
        "wecom_open", **keys, msg_signature=msg["msg_signature"], timestamp=msg["timestamp"], nonce=msg["nonce"],
        encrypted=msg["encrypt"],
    )  # fmt: skip
    assert answer == {"result": msg["expected_plaintext"]}


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"msg_signature": "0" * 40}, "SignatureError"),
        ({"token": "another-token"}, "SignatureError"),
        # The right key and signature, but the message was encrypted for another corp.
        ({"receive_id": "ww-another-corp"}, "ReceiveIdError"),
        # A different key decrypts to garbage: the PKCS#7 padding or the receive id gives it away.
        ({"encoding_aes_key": "a" * 43}, "DecryptError|ReceiveIdError"),
    ],
)
def test_official_sample_is_refused_with_the_wrong_settings(
    oracle: Oracle, sample: dict[str, Any], change: dict[str, str], error: str
) -> None:
    msg = sample["decrypt_msg"]
    request = {
        "token": sample["token"],
        "encoding_aes_key": sample["encoding_aes_key"],
        "receive_id": sample["corp_id"],
        "msg_signature": msg["msg_signature"],
        "timestamp": msg["timestamp"],
        "nonce": msg["nonce"],
        "encrypted": msg["encrypt"],
        **change,
    }
    assert oracle.ask("wecom_open", **request)["error"] in error.split("|")


@pytest.mark.parametrize(
    "encrypted",
    [
        "not base64 at all!",
        "QUJD",  # 3 bytes: not whole AES blocks
        "A" * 88,  # 64 bytes of zeros: whole blocks, but they decrypt to invalid padding
    ],
)
def test_garbage_ciphertext_is_a_decrypt_error(oracle: Oracle, sample: dict[str, Any], encrypted: str) -> None:
    keys = {"token": sample["token"], "encoding_aes_key": sample["encoding_aes_key"], "receive_id": sample["corp_id"]}
    timestamp, nonce = "1476422779", "1597212914"
    signature = wecom_signature(sample["token"], timestamp, nonce, encrypted)
    answer = oracle.ask(
        "wecom_open", **keys, msg_signature=signature, timestamp=timestamp, nonce=nonce, encrypted=encrypted
    )
    assert answer["error"] == "DecryptError"


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"WECOM_TOKEN": "t"}, "WECOM_CORP_ID"),
        (
            {
                "WECOM_TOKEN": "t",
                "WECOM_CORP_ID": "c",
                "WECOM_ENCODING_AES_KEY": "short",
                "WECOM_AGENT_ID": "1",
                "WECOM_SECRET": "s",
            },
            "WECOM_ENCODING_AES_KEY",
        ),
        (
            {
                "WECOM_TOKEN": "t",
                "WECOM_CORP_ID": "c",
                "WECOM_ENCODING_AES_KEY": "a" * 43,
                "WECOM_AGENT_ID": "x",
                "WECOM_SECRET": "s",
            },
            "WECOM_AGENT_ID",
        ),
    ],
)
def test_incomplete_settings_are_refused_with_what_to_set(oracle: Oracle, env: dict[str, str], needle: str) -> None:
    answer = oracle.ask("configure", channel="wecom", env=env)
    assert answer["error"] == "InvalidConfigException" and needle in answer["message"]


def test_the_channel_is_absent_when_none_of_its_variables_is_set(oracle: Oracle, sample: dict[str, Any]) -> None:
    assert oracle.ask("configure", channel="wecom", env={}) == {"result": {"class": "AbsentChannel", "routes": []}}
    env = {
        "WECOM_CORP_ID": sample["corp_id"],
        "WECOM_TOKEN": sample["token"],
        "WECOM_ENCODING_AES_KEY": sample["encoding_aes_key"],
        "WECOM_AGENT_ID": "1000002",
        "WECOM_SECRET": "s",
    }
    assert oracle.ask("configure", channel="wecom", env=env) == {
        "result": {"class": "WeComInput", "routes": ["/", "/webhook"]}
    }


# --- on the running Rasa ----------------------------------------------------------------------------


def test_official_url_verification_on_the_running_rasa(bot_stack: BotStack, sample: dict[str, Any]) -> None:
    r = httpx.get(url(bot_stack), params={k: v for k, v in sample["verify_url"].items() if k != "expected_plaintext"})
    assert r.status_code == 200, r.text
    assert r.text == sample["verify_url"]["expected_plaintext"]


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"msg_signature": "0" * 40}, 403),
        ({"nonce": "1"}, 403),  # signed over another nonce
        ({"echostr": None}, 400),
        ({"msg_signature": None}, 400),
    ],
)
def test_url_verification_is_refused_when_not_from_wecom(
    bot_stack: BotStack, sample: dict[str, Any], change: dict[str, str | None], status: int
) -> None:
    params = {k: v for k, v in sample["verify_url"].items() if k != "expected_plaintext"}
    params.update(change)
    r = httpx.get(url(bot_stack), params={k: v for k, v in params.items() if v is not None})
    assert r.status_code == status
    assert sample["verify_url"]["expected_plaintext"] not in r.text


def test_a_text_message_is_answered_through_message_send_with_one_token(
    bot_stack: BotStack, channel_fakes: ChannelFakes, oracle: Oracle
) -> None:
    wecom, user = channel_fakes.wecom, new_user()
    r = post(bot_stack, *callback(oracle, channel_fakes, text_message(user, "445端口能用吗")))
    assert (r.status_code, r.text) == (200, "")  # acknowledged at once; the answer comes by the API

    [first] = wecom.wait_for_sends(user)
    assert first["body"]["agentid"] == 1000002
    assert first["body"]["msgtype"] == "markdown"
    verdict = content(first)
    assert "**TCP 445**" in verdict and '<font color="warning">被拦截</font>' in verdict
    assert "**UDP 445**" in verdict and '<font color="info">' in verdict
    fetches = wecom.token_fetches()
    assert fetches >= 1

    post(bot_stack, *callback(oracle, channel_fakes, text_message(user, "如何创建安全组")))
    sends = wecom.wait_for_sends(user, count=2)
    faq = content(sends[1])
    expected = bot_stack.api("POST", "/v1/answer", json={"question": "如何创建安全组"})["answer"]
    assert faq.startswith(f"**{expected['question']}**")
    assert f"[{expected['source_url']}]({expected['source_url']})" in faq
    # The token was fetched once and reused.
    assert wecom.token_fetches() == fetches
    assert sends[0]["token"] == sends[1]["token"]


def test_a_redelivered_message_is_answered_once(
    bot_stack: BotStack, channel_fakes: ChannelFakes, oracle: Oracle
) -> None:
    user = new_user()
    xml = text_message(user, "你好", msg_id=str(secrets.randbelow(10**12)))
    first = post(bot_stack, *callback(oracle, channel_fakes, xml))
    channel_fakes.wecom.wait_for_sends(user)
    # WeCom retries the same message (same MsgId) when it did not see the answer in time.
    again = post(bot_stack, *callback(oracle, channel_fakes, xml))
    assert first.status_code == again.status_code == 200
    time.sleep(QUIET_S)
    assert len(channel_fakes.wecom.sends(user)) == 1


def test_an_expired_token_is_fetched_again_and_the_reply_still_sent(
    bot_stack: BotStack, channel_fakes: ChannelFakes, oracle: Oracle
) -> None:
    wecom, user = channel_fakes.wecom, new_user()
    post(bot_stack, *callback(oracle, channel_fakes, text_message(user, "你好")))
    wecom.wait_for_sends(user)
    fetches = wecom.token_fetches()

    wecom.expire_tokens()
    post(bot_stack, *callback(oracle, channel_fakes, text_message(user, "hello")))
    sends = wecom.wait_for_sends(user, count=2)
    assert [s["errcode"] for s in wecom.sends(user)][-2:] == [42001, 0]  # refused, refetched, resent
    assert wecom.token_fetches() == fetches + 1
    assert sends[-1]["token"] != sends[0]["token"]


def test_a_token_is_refreshed_before_it_expires(
    bot_stack: BotStack, channel_fakes: ChannelFakes, oracle: Oracle
) -> None:
    wecom, user = channel_fakes.wecom, new_user()
    wecom.expires_in = 2  # the next token lives 2 s; the channel refreshes it after 1 s (half its life)
    try:
        wecom.expire_tokens()
        post(bot_stack, *callback(oracle, channel_fakes, text_message(user, "你好")))
        wecom.wait_for_sends(user)
        fetches = wecom.token_fetches()
        time.sleep(1.2)
        post(bot_stack, *callback(oracle, channel_fakes, text_message(user, "hello")))
        wecom.wait_for_sends(user, count=2)
    finally:
        wecom.expires_in = 7200
    assert wecom.token_fetches() == fetches + 1
    assert [s["errcode"] for s in wecom.sends(user)][-1] == 0
    assert 42001 not in [s["errcode"] for s in wecom.sends(user)][1:]  # refreshed early, never refused


def _unsure_question(bot_stack: BotStack, rasa_api: RasaApi) -> str:
    for q in ["我的服务器连不上", "端口有点问题", "服务器访问有问题", "规则"]:
        intent = rasa_api.intent(q)
        answer = bot_stack.api("POST", "/v1/answer", json={"question": q})
        if intent in ("ask_faq", "nlu_fallback") and not answer["confident"] and answer["candidates"]:
            return q
    pytest.fail("no vague question leads to candidates; update the list")


def test_candidates_are_numbered_and_a_number_picks_one(
    bot_stack: BotStack, rasa_api: RasaApi, channel_fakes: ChannelFakes, oracle: Oracle
) -> None:
    wecom, user = channel_fakes.wecom, new_user()
    question = _unsure_question(bot_stack, rasa_api)
    candidates = bot_stack.api("POST", "/v1/answer", json={"question": question, "top_k": 3})["candidates"]
    post(bot_stack, *callback(oracle, channel_fakes, text_message(user, question)))
    [offer] = wecom.wait_for_sends(user)
    assert f"1. {candidates[0]['question']}" in content(offer)
    assert "回复数字即可选择" in content(offer)

    post(bot_stack, *callback(oracle, channel_fakes, text_message(user, "1")))
    answer = wecom.wait_for_sends(user, count=2)[1]
    assert content(answer).startswith(f"**{candidates[0]['question']}**")


def _refusals(oracle: Oracle, fakes: ChannelFakes, user: str) -> dict[str, tuple[dict[str, str], bytes, int]]:
    good_query, good_body = callback(oracle, fakes, text_message(user, "你好"))
    cases: dict[str, tuple[dict[str, str], bytes, int]] = {}
    cases["bad signature"] = ({**good_query, "msg_signature": "0" * 40}, good_body, 403)
    cases["signed with another token"] = (*callback(oracle, fakes, text_message(user, "你好"), token="another"), 403)
    cases["wrong corp id"] = (*callback(oracle, fakes, text_message(user, "你好"), receive_id="ww-another-corp"), 403)
    cases["undecryptable"] = (*signed(fakes, "A" * 64), 400)
    cases["not base64"] = (*signed(fakes, "%%%%"), 400)
    cases["decrypts to malformed XML"] = (*callback(oracle, fakes, "<xml><Content>unclosed"), 400)
    cases["malformed outer XML"] = (good_query, b"<xml><Encrypt>", 400)
    cases["no Encrypt element"] = (good_query, b"<xml><ToUserName>x</ToUserName></xml>", 400)
    cases["DTD (entity expansion)"] = (
        good_query,
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Encrypt>&a;</Encrypt></xml>',
        400,
    )
    cases["no query parameters"] = ({}, good_body, 400)
    # Signed and decryptable, but a text message without whom it is from or what it says.
    no_user = text_message(user, "你好").replace(f"<FromUserName><![CDATA[{user}]]></FromUserName>", "")
    cases["signed text without FromUserName"] = (*callback(oracle, fakes, no_user), 400)
    no_content = text_message(user, "你好").replace("<Content><![CDATA[你好]]></Content>", "")
    cases["signed text without Content"] = (*callback(oracle, fakes, no_content), 400)
    return cases


def test_callbacks_not_from_wecom_are_refused_and_never_answered(
    bot_stack: BotStack, channel_fakes: ChannelFakes, oracle: Oracle
) -> None:
    user = new_user()
    for name, (query, body, status) in _refusals(oracle, channel_fakes, user).items():
        r = post(bot_stack, query, body)
        assert r.status_code == status, f"{name}: {r.status_code} {r.text}"
        assert r.json()["detail"][0]["msg"], f"{name}: no reason given"  # the app's error shape
    time.sleep(QUIET_S)
    assert channel_fakes.wecom.sends(user) == []
    # Each refusal is logged with its reason, none as a server error; the channel still answers.
    log = next(s for s in bot_stack.services if s.name == "rasa").log.read_text(errors="replace")
    assert "wecom: refused POST" in log and "msg_signature does not match" in log
    assert not [line for line in log.splitlines() if "Exception occurred" in line and "/webhooks/wecom" in line]
    post(bot_stack, *callback(oracle, channel_fakes, text_message(user, "你好")))
    channel_fakes.wecom.wait_for_sends(user)
