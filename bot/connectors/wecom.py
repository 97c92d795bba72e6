"""WeCom (企业微信) channel: the callback protocol in, ``message/send`` out.

Register ``https://<public host>/webhooks/wecom/webhook`` as the app's 接收消息 URL, with the
Token and EncodingAESKey set in ``WECOM_TOKEN`` / ``WECOM_ENCODING_AES_KEY``. Protocol:
https://developer.work.weixin.qq.com/document/path/90968 (加解密方案),
https://developer.work.weixin.qq.com/document/path/90236 (发送应用消息).

A callback is acknowledged at once with an empty 200 (WeCom redelivers after 5 s) and the
bot's replies are sent afterwards through the API. Redeliveries are dropped by ``MsgId``.
A callback that is refused (not signed, not decryptable, malformed, or a signed text
message without ``FromUserName`` or ``Content``) gets its status with the app's error shape,
``{"detail": [{"loc", "msg", "type"}]}`` (connectors/inbound.py); other message types
(images, events) are acknowledged and ignored.
No timestamp window is enforced: the protocol defines none (the official samples check
none); the signature and the ``MsgId`` check stand against forgery and replays.

This module is the Rasa edge (the Sanic routes, the input and output channels); the protocol
is in ``wecom_protocol``, the API client in ``wecom_api``, the rendering of replies in
``wecom_replies``.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Coroutine
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors import AbsentChannel, any_set, recent_keys
from connectors.inbound import BadInput, refusal
from connectors.wecom_api import WeComApi, WeComApiError, WeComSettings
from connectors.wecom_protocol import CallbackError, MalformedError, WeComCrypto, parse_xml
from connectors.wecom_replies import Choices, render, text_bodies

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024  # a callback is a few hundred bytes
ENV = ("WECOM_CORP_ID", "WECOM_TOKEN", "WECOM_ENCODING_AES_KEY", "WECOM_AGENT_ID", "WECOM_SECRET")  # none: no channel
# Rasa's handler for new messages is an ``async def``, though Rasa annotates it as returning
# any Awaitable: a callback runs it with asyncio.create_task, which takes only a coroutine.
OnNewMessage = Callable[[UserMessage], Coroutine[Any, Any, Any]]


class WeComOutput(OutputChannel):
    """Sends each bot message to one user through ``message/send``."""

    @classmethod
    def name(cls) -> str:
        return "wecom"

    def __init__(self, api: WeComApi, agent_id: int, choices: Choices) -> None:
        self._api = api
        self._agent_id = agent_id
        self._choices = choices

    async def _send(self, recipient_id: str, bodies: list[dict[str, Any]]) -> None:
        for body in bodies:
            try:
                await self._api.send({"touser": recipient_id, "agentid": self._agent_id, **body})
            except WeComApiError:
                logger.exception("wecom: could not send a reply to %s", recipient_id)
                return

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        bodies, payloads = render(message)
        if payloads:
            self._choices.offer(recipient_id, payloads)
        await self._send(recipient_id, bodies)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, text_bodies(text))


# --- the input channel ------------------------------------------------------------------------


class WeComInput(InputChannel):
    """Configure in credentials.yml as ``connectors.wecom.WeComInput``; settings come from WECOM_*."""

    @classmethod
    def name(cls) -> str:
        return "wecom"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not any_set(ENV):
            return AbsentChannel(cls.name(), ENV)
        return cls(WeComSettings.from_env(os.environ))

    def __init__(self, settings: WeComSettings) -> None:
        try:
            self.crypto = WeComCrypto(settings.token, settings.encoding_aes_key, settings.corp_id)
        except ValueError as e:
            raise InvalidConfigException(f"WECOM_ENCODING_AES_KEY: {e}") from e
        self.settings = settings
        self.api = WeComApi(settings)
        self.choices = Choices()
        self._seen = recent_keys("wecom")
        self._tasks: set[asyncio.Task[Any]] = set()

    def get_output_channel(self) -> OutputChannel:
        return WeComOutput(self.api, self.settings.agent_id, self.choices)

    def _decrypt_callback(self, request: Request, encrypted: str) -> str:
        args = {name: request.args.get(name) for name in ("msg_signature", "timestamp", "nonce")}
        if not all(args.values()):
            raise MalformedError("msg_signature, timestamp and nonce are required")
        self.crypto.verify(args["msg_signature"], args["timestamp"], args["nonce"], encrypted)
        return self.crypto.decrypt(encrypted)

    def _message(self, request: Request) -> dict[str, str]:
        if len(request.body) > MAX_BODY_BYTES:
            raise MalformedError(f"body larger than {MAX_BODY_BYTES} bytes")
        try:
            outer = parse_xml(request.body.decode("utf-8"))
        except UnicodeDecodeError as e:
            raise MalformedError("body is not UTF-8") from e
        if not outer.get("Encrypt"):
            raise MalformedError("no <Encrypt> element")
        message = parse_xml(self._decrypt_callback(request, outer["Encrypt"]))
        if message.get("MsgType") == "text":
            for element in ("FromUserName", "Content"):
                if not message.get(element, "").strip():
                    where = ("body", "Encrypt", element)  # inside the decrypted message
                    raise BadInput(where, f"a text message needs a non-empty <{element}>", "missing")
        return message

    async def _receive(self, message: dict[str, str], on_new_message: OnNewMessage) -> None:
        user, msg_type = message.get("FromUserName", ""), message.get("MsgType", "")
        key = message.get("MsgId") or f"{user}:{message.get('CreateTime')}:{msg_type}:{message.get('Event')}"
        if not self._seen.first_time(key):
            logger.info("wecom: dropped a redelivery of %s", key)
            return
        if message.get("AgentID", str(self.settings.agent_id)) != str(self.settings.agent_id):
            logger.warning("wecom: ignored a message for agent %s", message.get("AgentID"))
            return
        if msg_type != "text" or not user:
            logger.info("wecom: ignored a %s message", msg_type or "typeless")
            return
        text = self.choices.resolve(user, message.get("Content", ""))
        metadata = {"wecom": {k: message.get(k) for k in ("MsgId", "AgentID", "CreateTime")}}
        user_message = UserMessage(text, self.get_output_channel(), user, input_channel=self.name(), metadata=metadata)
        task = asyncio.create_task(on_new_message(user_message))
        self._tasks.add(task)  # keep a reference until done (asyncio holds only weak ones)
        task.add_done_callback(self._tasks.discard)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        bp = Blueprint("wecom_webhook", __name__)

        def refuse(request: Request, e: CallbackError) -> HTTPResponse:
            logger.warning("wecom: refused %s from %s: %s", request.method, request.remote_addr or request.ip, e)
            return refusal(BadInput((), str(e), type(e).__name__), status=e.status)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["GET"])
        async def verify_url(request: Request) -> HTTPResponse:
            # A '+' sent unescaped arrives as a space; base64 has no spaces, so put it back.
            echostr = (request.args.get("echostr") or "").replace(" ", "+")
            try:
                if not echostr:
                    raise MalformedError("echostr is required")
                return response.text(self._decrypt_callback(request, echostr))
            except CallbackError as e:
                return refuse(request, e)

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                message = self._message(request)
            except CallbackError as e:
                return refuse(request, e)
            except BadInput as e:
                logger.warning("wecom: refused a signed callback from %s: %s", request.remote_addr or request.ip, e.msg)
                return refusal(e)
            await self._receive(message, on_new_message)
            return response.text("")  # acknowledged; replies go through message/send

        @bp.listener("after_server_stop")
        async def close_api(*_: Any) -> None:
            await self.api.close()

        return bp
