"""WeCom's server API for the channel: its settings from WECOM_*, ``gettoken`` and ``message/send``.

https://developer.work.weixin.qq.com/document/path/90236 (发送应用消息).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from rasa.shared.exceptions import InvalidConfigException

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://qyapi.weixin.qq.com"
TOKEN_ERRORS = {40014, 42001}  # invalid / expired access_token: fetch a new one and retry once


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
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as e:
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
