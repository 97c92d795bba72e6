"""Runs in the Rasa environment (Python 3.10), where the connectors live: one JSON request per
stdin line, one JSON answer per stdout line. The tests (app environment, no ``cryptography``)
use it to call the channels' own crypto and signature code, and their renderers.

    .venv-rasa/bin/python tests/channels/oracle.py   (with bot/ on PYTHONPATH)
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from connectors.slack import SlackInput, slack_request_problem
from connectors.slack_blocks import render as slack_render
from connectors.slack_events import as_typed
from connectors.wecom import WeComInput
from connectors.wecom_protocol import CallbackError, WeComCrypto
from connectors.wecom_replies import render as wecom_render
from rasa.shared.exceptions import InvalidConfigException


def wecom_crypto(r: dict[str, Any]) -> WeComCrypto:
    return WeComCrypto(r["token"], r["encoding_aes_key"], r["receive_id"])


def run(r: dict[str, Any]) -> Any:
    op = r["op"]
    if op == "wecom_encrypt":
        return wecom_crypto(r).encrypt(r["message"])
    if op == "wecom_open":  # verify, then decrypt, as the channel does
        crypto = wecom_crypto(r)
        crypto.verify(r["msg_signature"], r["timestamp"], r["nonce"], r["encrypted"])
        return crypto.decrypt(r["encrypted"])
    if op == "slack_problem":
        return slack_request_problem(r["secret"], r["timestamp"], r["body"].encode(), r["signature"], r["now"])
    if op == "slack_as_typed":  # an event's text as the user typed it
        return as_typed(r["text"])
    if op == "slack_render":  # a bot message as chat.postMessage arguments
        return slack_render(r["message"])
    if op == "wecom_render":  # a bot message as message/send bodies and the numbered choices' payloads
        bodies, payloads = wecom_render(r["message"])
        return {"bodies": bodies, "payloads": payloads}
    if op == "configure":  # build a channel from this environment, as Rasa does at start
        os.environ.clear()
        os.environ.update(r["env"])
        channel = {"slack": SlackInput, "wecom": WeComInput}[r["channel"]].from_credentials({})
        routes = channel.blueprint(lambda _: None)._future_routes  # what Rasa would serve
        return {"class": type(channel).__name__, "routes": sorted({route.uri for route in routes})}
    raise ValueError(f"unknown op {op!r}")


def main() -> None:
    for line in sys.stdin:
        try:
            answer = {"result": run(json.loads(line))}
        except (CallbackError, InvalidConfigException, ValueError) as e:
            answer = {"error": type(e).__name__, "message": str(e)}
        print(json.dumps(answer, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
