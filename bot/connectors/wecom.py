"""WeCom (企业微信) channel: the callback protocol in, ``message/send`` out.

Register ``https://<public host>/webhooks/wecom/webhook`` as the app's 接收消息 URL, with the
Token and EncodingAESKey set in ``WECOM_TOKEN`` / ``WECOM_ENCODING_AES_KEY``. Protocol:
https://developer.work.weixin.qq.com/document/path/90968 (加解密方案),
https://developer.work.weixin.qq.com/document/path/90236 (发送应用消息).

A callback is acknowledged at once with an empty 200 (WeCom redelivers after 5 s) and the
bot's replies are sent afterwards through the API. Redeliveries are dropped by ``MsgId``.
No timestamp window is enforced: the protocol defines none (the official samples check
none); the signature and the ``MsgId`` check stand against forgery and replays.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import logging
import os
import re
import struct
import time
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors import AbsentChannel, RecentKeys, any_set

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://qyapi.weixin.qq.com"
MAX_BODY_BYTES = 64 * 1024  # a callback is a few hundred bytes
MAX_CONTENT_BYTES = 2048  # message/send: text and markdown content, in UTF-8 bytes
TOKEN_ERRORS = {40014, 42001}  # invalid / expired access_token: fetch a new one and retry once
CHOICE_TTL_S = 1800.0
ENV = ("WECOM_CORP_ID", "WECOM_TOKEN", "WECOM_ENCODING_AES_KEY", "WECOM_AGENT_ID", "WECOM_SECRET")  # none: no channel


# --- the callback crypto ---------------------------------------------------------------


class CallbackError(Exception):
    """A callback that must be refused; ``status`` is its HTTP status."""

    status = 400


class SignatureError(CallbackError):
    status = 403


class DecryptError(CallbackError):
    pass


class ReceiveIdError(CallbackError):
    status = 403


class MalformedError(CallbackError):
    pass


class WeComCrypto:
    """WeCom's callback encryption (AES-256-CBC, IV = key[:16], PKCS#7 to 32-byte blocks).

    Plaintext layout: 16 random bytes, the message length (4 bytes, big-endian), the
    message, the receive id (the corp id for an app's callbacks).
    """

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        try:
            key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except (binascii.Error, ValueError) as e:
            raise ValueError("the EncodingAESKey is not base64; copy the 43 characters WeCom shows") from e
        if len(encoding_aes_key) != 43 or len(key) != 32:
            raise ValueError(f"the EncodingAESKey has {len(encoding_aes_key)} characters; WeCom's has 43")
        self._token = token
        self._key = key
        self._receive_id = receive_id.encode()

    def signature(self, timestamp: str, nonce: str, encrypted: str) -> str:
        """SHA1 over the sorted, concatenated token, timestamp, nonce and ciphertext."""
        return hashlib.sha1("".join(sorted([self._token, timestamp, nonce, encrypted])).encode()).hexdigest()

    def verify(self, signature: str, timestamp: str, nonce: str, encrypted: str) -> None:
        if not hmac.compare_digest(self.signature(timestamp, nonce, encrypted), signature.lower()):
            raise SignatureError("msg_signature does not match (check WECOM_TOKEN)")

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def decrypt(self, encrypted: str) -> str:
        """The message inside ``encrypted``, after checking it was meant for this receive id."""
        try:
            data = base64.b64decode(encrypted, validate=True)
            if not data or len(data) % 32:
                raise ValueError("not a whole number of 32-byte blocks")
            decryptor = self._cipher().decryptor()
            unpadder = padding.PKCS7(256).unpadder()
            plain = unpadder.update(decryptor.update(data) + decryptor.finalize()) + unpadder.finalize()
            (length,) = struct.unpack(">I", plain[16:20])
            if len(plain) < 20 + length:
                raise ValueError("the length field runs past the end")
            message, receive_id = plain[20 : 20 + length], plain[20 + length :]
            text = message.decode("utf-8")
        except (binascii.Error, ValueError, struct.error) as e:  # UnicodeDecodeError is a ValueError
            raise DecryptError(f"cannot decrypt the message ({e}); check WECOM_ENCODING_AES_KEY") from e
        if not hmac.compare_digest(receive_id, self._receive_id):
            raise ReceiveIdError(f"message for receive id {receive_id[:64]!r}, not this corp (WECOM_CORP_ID)")
        return text

    def encrypt(self, message: str) -> str:
        """Encrypt ``message`` as WeCom does (for passive replies and for tests)."""
        raw = message.encode()
        padder = padding.PKCS7(256).padder()
        padded = (
            padder.update(os.urandom(16) + struct.pack(">I", len(raw)) + raw + self._receive_id) + padder.finalize()
        )
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()


def parse_xml(text: str) -> dict[str, str]:
    """The children of a flat ``<xml>`` document; refuses DTDs (WeCom never sends them)."""
    if "<!" in text.replace("<![CDATA[", ""):
        raise MalformedError("XML with a DTD or comment is refused")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        raise MalformedError(f"malformed XML: {e}") from e
    if root.tag != "xml":
        raise MalformedError(f"root element is <{root.tag}>, not <xml>")
    return {child.tag: child.text or "" for child in root}


# --- settings and the API ----------------------------------------------------------------


@dataclass(frozen=True)
class WeComSettings:
    token: str
    encoding_aes_key: str
    corp_id: str
    agent_id: int
    secret: str
    api_base: str = DEFAULT_API_BASE

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WeComSettings:
        where = "WeCom admin console → 应用管理 → your app"
        needed = {
            "WECOM_CORP_ID": "the corp id (我的企业 → 企业ID)",
            "WECOM_TOKEN": f"the callback Token ({where} → 接收消息 → 设置API接收)",
            "WECOM_ENCODING_AES_KEY": f"the callback EncodingAESKey ({where} → 接收消息)",
            "WECOM_AGENT_ID": f"the app's AgentId ({where})",
            "WECOM_SECRET": f"the app's Secret ({where}), to send replies",
        }
        missing = [f"{name}: {what}" for name, what in needed.items() if not env.get(name)]
        if missing:
            raise InvalidConfigException(
                "The WeCom channel is not fully configured; set " + "; ".join(missing) + ". "
                "Unset every WECOM_* variable to run without WeCom."
            )
        if not env["WECOM_AGENT_ID"].isdigit():
            raise InvalidConfigException(f"WECOM_AGENT_ID must be a number, got {env['WECOM_AGENT_ID']!r}")
        return cls(
            token=env["WECOM_TOKEN"],
            encoding_aes_key=env["WECOM_ENCODING_AES_KEY"],
            corp_id=env["WECOM_CORP_ID"],
            agent_id=int(env["WECOM_AGENT_ID"]),
            secret=env["WECOM_SECRET"],
            api_base=(env.get("WECOM_API_BASE") or DEFAULT_API_BASE).rstrip("/"),
        )


class WeComApiError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeCom API error {errcode}: {errmsg}")
        self.errcode = errcode


class WeComApi:
    """``gettoken`` (cached until shortly before it expires) and ``message/send``."""

    def __init__(self, settings: WeComSettings) -> None:
        self._settings = settings
        self._token: str | None = None
        self._refresh_at = 0.0
        self._lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        try:
            async with self._session.request(method, self._settings.api_base + path, **kwargs) as r:
                r.raise_for_status()
                data = await r.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as e:  # noqa: UP041 (Python 3.10)
            raise WeComApiError(-1, f"{path}: {e!r}") from e
        if not isinstance(data, dict):
            raise WeComApiError(-1, f"{path}: not a JSON object")
        return data

    async def access_token(self) -> str:
        async with self._lock:
            if self._token is None or time.monotonic() >= self._refresh_at:
                s = self._settings
                data = await self._call(
                    "GET", "/cgi-bin/gettoken", params={"corpid": s.corp_id, "corpsecret": s.secret}
                )
                if data.get("errcode", 0) != 0 or not data.get("access_token"):
                    raise WeComApiError(int(data.get("errcode", -1)), str(data.get("errmsg", "no access_token")))
                expires_in = int(data.get("expires_in", 7200))
                self._token = str(data["access_token"])
                # Refresh early (5 minutes, or half the lifetime if shorter) so no send races the expiry.
                self._refresh_at = time.monotonic() + expires_in - min(300, expires_in / 2)
            return self._token

    def _forget(self, token: str) -> None:
        if self._token == token:  # unless another send already replaced it
            self._token = None

    async def send(self, body: dict[str, Any]) -> None:
        """POST ``message/send``; on a rejected token, fetch a new one and retry once."""
        for attempt in (1, 2):
            token = await self.access_token()
            data = await self._call("POST", "/cgi-bin/message/send", params={"access_token": token}, json=body)
            errcode = int(data.get("errcode", 0))
            if errcode == 0:
                if data.get("invaliduser"):
                    logger.warning("wecom: message/send: invalid user %s", data["invaliduser"])
                return
            if errcode in TOKEN_ERRORS and attempt == 1:
                self._forget(token)
                continue
            raise WeComApiError(errcode, str(data.get("errmsg", "")))


# --- replies ---------------------------------------------------------------------------------


class Choices:
    """The numbered options last offered to each user, so "2" picks the second one."""

    def __init__(self) -> None:
        self._by_user: dict[str, tuple[float, list[str]]] = {}

    def offer(self, user: str, payloads: list[str]) -> None:
        self._by_user[user] = (time.monotonic(), payloads)

    def resolve(self, user: str, text: str) -> str:
        """``text``, or the payload it picks by number; any message ends the offer."""
        offered_at, payloads = self._by_user.pop(user, (0.0, []))
        match = re.fullmatch(r"\s*(\d{1,2})\s*[.。]?\s*", text)
        if match and time.monotonic() - offered_at < CHOICE_TTL_S and 1 <= int(match[1]) <= len(payloads):
            return payloads[int(match[1]) - 1]
        return text


VERDICTS = {
    "blocked": ("warning", {"zh": "被拦截", "en": "blocked"}),
    "restricted": ("comment", {"zh": "默认受限", "en": "restricted"}),
    "open": ("info", {"zh": "未被平台拦截", "en": "not blocked"}),
}
SOURCE = {"zh": "来源", "en": "Source"}
PICK_HINT = {"zh": "回复数字即可选择。", "en": "Reply with a number to choose."}


def _flatten_tables(markdown: str) -> str:
    """WeCom markdown has no tables: a row becomes its cells joined by " | "."""
    lines = []
    for line in markdown.splitlines():
        stripped = line.strip()
        if re.fullmatch(r"\|?[\s:|-]+\|?", stripped) and "-" in stripped:
            continue  # the header separator
        if stripped.startswith("|") and stripped.endswith("|"):
            line = " | ".join(cell.strip() for cell in stripped.strip("|").split("|"))
        lines.append(line)
    return "\n".join(lines)


def render(message: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """A Rasa bot message as ``message/send`` bodies (without touser/agentid), and the payloads
    of its numbered choices."""
    text = (message.get("text") or "").strip()
    custom = message.get("custom") if isinstance(message.get("custom"), dict) else {}
    lang = "en" if custom.get("language") == "en" else "zh"
    kind = custom.get("kind")
    buttons = [b for b in message.get("buttons") or [] if b.get("payload")]
    if kind == "faq_answer":
        url = custom.get("source_url", "")
        return _markdown(
            f"**{custom.get('question', '')}**\n{_flatten_tables(custom.get('answer_markdown', ''))}\n"
            f"> {SOURCE[lang]}：[{url}]({url})"
        ), []
    if kind == "port_verdict" and custom.get("results"):
        lines = [text.splitlines()[0] if text else ""]
        for r in custom["results"]:
            color, label = VERDICTS.get(r.get("verdict"), ("comment", {"zh": r.get("verdict"), "en": r.get("verdict")}))
            advice = f" {r['advice']}" if r.get("advice") else ""
            lines.append(
                f"- **{str(r.get('protocol', '')).upper()} {r.get('port')}**："
                f'<font color="{color}">{label[lang]}</font>。{r.get("reason", "")}{advice}'
            )
        return _markdown("\n".join(lines)), []
    if buttons:
        numbered = [f"{i}. {b.get('title', '')}" for i, b in enumerate(buttons, 1)]
        return _text("\n".join([text, *numbered, PICK_HINT[lang]])), [b["payload"] for b in buttons]
    return (_text(text) if text else []), []


def _chunks(content: str) -> list[str]:
    """Split at line ends into pieces of at most MAX_CONTENT_BYTES."""
    pieces: list[str] = []
    current = ""
    for line in content.splitlines(keepends=True):
        while len(line.encode()) > MAX_CONTENT_BYTES:  # one huge line: cut by characters
            cut = len(line.encode()[:MAX_CONTENT_BYTES].decode(errors="ignore"))
            pieces, current, line = [*pieces, current, line[:cut]], "", line[cut:]
        if len((current + line).encode()) > MAX_CONTENT_BYTES:
            pieces, current = [*pieces, current], ""
        current += line
    return [p.strip() for p in [*pieces, current] if p.strip()]


def _text(content: str) -> list[dict[str, Any]]:
    return [{"msgtype": "text", "text": {"content": c}} for c in _chunks(content)]


def _markdown(content: str) -> list[dict[str, Any]]:
    return [{"msgtype": "markdown", "markdown": {"content": c}} for c in _chunks(content)]


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
        await self._send(recipient_id, _text(text))


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
        self._seen = RecentKeys()
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
        return parse_xml(self._decrypt_callback(request, outer["Encrypt"]))

    async def _receive(self, message: dict[str, str], on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
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

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("wecom_webhook", __name__)

        def refuse(request: Request, e: CallbackError) -> HTTPResponse:
            logger.warning("wecom: refused %s from %s: %s", request.method, request.remote_addr or request.ip, e)
            return response.text(type(e).__name__, status=e.status)

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
            await self._receive(message, on_new_message)
            return response.text("")  # acknowledged; replies go through message/send

        @bp.listener("after_server_stop")
        async def close_api(*_: Any) -> None:
            await self.api.close()

        return bp
