"""Typed async client for the helpdesk HTTP API, the only way actions reach the domain.

The bodies are the contract's (``contract.api``), checked against the app's OpenAPI.

Every call of a process's event loop shares one HTTP session (:func:`shared_session`),
so a connection to the app is reused while it is fresh instead of being opened for each
call: a new session and connection cost about 0.5 ms of the action server's CPU and
1.5 ms of wall time per call (a port verdict makes three calls, two of them in turn).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import AsyncIterator
from typing import Any, Literal

import aiohttp

from contract.api import (
    AccountRead,
    AnswerQuery,
    AnswerResult,
    Candidate,
    DeletionCheck,
    DeletionCheckQuery,
    DiagnoseQuery,
    DiagnoseResult,
    Diagnosis,
    DiagnosisCheck,
    DiagnosisFix,
    EntryText,
    FaqEntry,
    HandoffCreated,
    HandoffRequest,
    PortVerdict,
    TranscriptLine,
)
from contract.language import Language
from contract.limits import MAX_MESSAGE_CHARS

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
DEFAULT_TIMEOUT_S = 5.0
# An idle connection is closed after this long, well before the app's server closes it (uvicorn
# after 5 s, proxies after a minute or more), so a call never goes out on one the server is closing.
KEEPALIVE_S = 2.0


class HelpdeskApiError(Exception):
    """Base of the errors the client raises; actions reply politely on any of them."""


class ApiUnavailable(HelpdeskApiError):
    """The API could not be reached, timed out or failed (5xx): try again later."""


class ApiRejected(HelpdeskApiError):
    """The API refused the request (4xx); ``status`` and ``detail`` say why."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"helpdesk API answered {status}: {detail}")
        self.status = status
        self.detail = detail


# The app's 413 message (api/errors.py): its length and limit, then what to paste instead.
_TOO_LONG = re.compile(r"^the text is (\d+) characters long; at most (\d+) are read\.\s*(.*)$", re.DOTALL)


def problem_messages(detail: str) -> list[tuple[list[Any], str]]:
    """``(loc, msg)`` of each problem of an error body (``{"detail": [{"loc", "msg", "type"}]}``).

    A body of another shape (a proxy's page) is one problem with no location: its text.
    """
    try:
        items = json.loads(detail)["detail"]
        return [(list(item.get("loc") or []), str(item["msg"])) for item in items]
    except (ValueError, KeyError, TypeError, AttributeError):
        return [([], detail)]


class TextTooLong(ApiRejected):
    """413 from ``POST /v1/diagnose``: the message is longer than the app reads.

    ``advice`` is the app's (in the message's language): what to paste instead. ``length``
    and ``limit`` are None when the app's message does not state them.
    """

    def __init__(self, detail: str) -> None:
        super().__init__(413, detail)
        message = " ".join(msg for _, msg in problem_messages(detail))
        found = _TOO_LONG.match(message.strip())
        self.length = int(found[1]) if found else None
        self.limit = int(found[2]) if found else None
        self.advice = found[3].strip() if found else message.strip()


class CaseRejected(ApiRejected):
    """422 naming the case sent back: it no longer validates (the app was upgraded, its
    vocabulary changed, a stored paste no longer reads). The case cannot go on."""


async def _session_of_this_loop() -> AsyncIterator[aiohttp.ClientSession]:
    """Yields one session for as long as its event loop runs; the loop's shutdown
    (``loop.shutdown_asyncgens()``, as ``asyncio.run`` and servers do) closes it."""
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_S))
    try:
        while True:
            yield session
    finally:
        await session.close()


# Each loop's session and the generator that closes it. A loop that was closed is dropped at the
# next call (one server loop in production; tests run one loop after another).
_SESSIONS: dict[asyncio.AbstractEventLoop, tuple[AsyncIterator[aiohttp.ClientSession], aiohttp.ClientSession]] = {}


async def shared_session() -> aiohttp.ClientSession:
    """The HTTP session of the running event loop (made on first use)."""
    loop = asyncio.get_running_loop()
    for closed in [other for other in _SESSIONS if other.is_closed()]:
        del _SESSIONS[closed]
    found = _SESSIONS.get(loop)
    if found is None or found[1].closed:
        keeper = _session_of_this_loop()
        found = (keeper, await keeper.__anext__())
        _SESSIONS[loop] = found
    return found[1]


class HelpdeskApi:
    """One instance per action run; its calls share the event loop's session (:func:`shared_session`)."""

    def __init__(
        self, base_url: str = DEFAULT_BASE_URL, timeout_s: float = DEFAULT_TIMEOUT_S, handoff_token: str = ""
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"HELPDESK_API_URL must be an http(s) URL, got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._handoff_headers = {"Authorization": f"Bearer {handoff_token}"} if handoff_token else {}

    @classmethod
    def from_env(cls) -> HelpdeskApi:
        """Build from ``HELPDESK_API_URL`` / ``HELPDESK_API_TIMEOUT`` / ``HELPDESK_HANDOFF_TOKEN``, read now."""
        return cls(
            os.environ.get("HELPDESK_API_URL", DEFAULT_BASE_URL),
            float(os.environ.get("HELPDESK_API_TIMEOUT", DEFAULT_TIMEOUT_S)),
            os.environ.get("HELPDESK_HANDOFF_TOKEN", ""),
        )

    async def answer(self, question: str, language: Language, top_k: int = 3) -> AnswerResult:
        """Retrieval's answer and candidates, in ``language`` (curated translations for English)."""
        query: AnswerQuery = {"question": question, "top_k": top_k, "language": language}
        result: AnswerResult = await self._request("POST", "/v1/answer", dict(query))
        return result

    async def faq(self, faq_id: str) -> FaqEntry:
        result: FaqEntry = await self._request("GET", f"/v1/faq/{faq_id}")
        return result

    async def faq_text(self, faq_id: str, language: Language) -> EntryText:
        """One entry as a reader of ``language`` sees it (its translation, marked, or the source)."""
        result: EntryText = await self._request("GET", f"/v1/faq/{faq_id}/text?language={language}")
        return result

    async def port_verdicts(self, queries: list[tuple[str, int]]) -> list[PortVerdict]:
        """Verdicts for ``(protocol, port)`` pairs, in the order given (one call each, concurrently)."""
        session = await shared_session()
        calls = [self._call(session, "GET", f"/v1/ports/{protocol}/{port}") for protocol, port in queries]
        results: list[PortVerdict] = list(await asyncio.gather(*calls))
        return results

    async def deletion_check(
        self,
        security_group_id: str | None,
        instances: list[dict[str, Any]] | None,
        *,
        text: str | None = None,
        conversation_id: str | None = None,
    ) -> DeletionCheck:
        """Why the group cannot be deleted. Without ``instances`` and with the account configured in the
        app, it reads the account (in the region ``text`` names, if any) and records its calls with
        ``conversation_id`` (the tracker's sender id)."""
        body: DeletionCheckQuery = {"security_group_id": security_group_id}
        if instances:
            body["instances"] = list(instances)
        if text:
            body["text"] = text[:MAX_MESSAGE_CHARS]
        if conversation_id:
            body["conversation_id"] = conversation_id[:200]
        result: DeletionCheck = await self._request("POST", "/v1/security-groups/deletion-check", dict(body))
        return result

    async def create_handoff(
        self,
        *,
        conversation_id: str,
        channel: str,
        language: Language,
        reason: Literal["user_request", "repeated_failure"],
        transcript: list[TranscriptLine],
        candidates: list[Candidate],
        case: dict[str, object] | None = None,
    ) -> HandoffCreated:
        """A ticket for a human; ``case``: the connectivity case being worked, as the app returned it."""
        body: HandoffRequest = {
            "conversation_id": conversation_id,
            "channel": channel,
            "language": language,
            "reason": reason,
            "transcript": transcript,
            "candidates": candidates,
        }
        if case is not None:
            body["case"] = case
        result: HandoffCreated = await self._request("POST", "/v1/handoffs", dict(body), self._handoff_headers)
        return result

    async def diagnose(
        self,
        case: dict[str, object] | None,
        text: str | None,
        language: Language | None,
        *,
        conversation_id: str | None = None,
    ) -> DiagnoseResult:
        """The diagnosis of ``case`` (None starts one) after the user's new ``text``, and the updated case.

        ``conversation_id`` (the tracker's sender id): the app records the account calls a case
        naming an instance makes with it.

        Raises:
            TextTooLong: the text is longer than the app reads (413; ``advice`` says what to paste).
            CaseRejected: the case does not validate any more (422 naming it).
        """
        query: DiagnoseQuery = {"case": case, "text": text, "language": language}
        if conversation_id:
            query["conversation_id"] = conversation_id[:200]
        try:
            result: DiagnoseResult = await self._request("POST", "/v1/diagnose", dict(query))
        except ApiRejected as e:
            if e.status == 413:
                raise TextTooLong(e.detail) from e
            if e.status == 422 and any(loc[:2] == ["body", "case"] for loc, _ in problem_messages(e.detail)):
                raise CaseRejected(e.status, e.detail) from e
            raise
        return result

    async def _request(
        self, method: str, path: str, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> Any:
        return await self._call(await shared_session(), method, path, json=body, headers=headers)

    async def _call(
        self,
        session: aiohttp.ClientSession,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        url = self.base_url + path
        try:
            async with session.request(
                method, url, json=json, params=params, headers=headers, timeout=self.timeout
            ) as response:
                if response.status >= 500:
                    raise ApiUnavailable(f"{method} {url} failed with {response.status}")
                if response.status >= 400:
                    raise ApiRejected(response.status, await response.text())
                return await response.json()
        except (asyncio.TimeoutError, aiohttp.ClientError) as e:
            raise ApiUnavailable(f"{method} {url}: {e!r}") from e


__all__ = [
    "AccountRead",
    "AnswerResult",
    "ApiRejected",
    "ApiUnavailable",
    "Candidate",
    "CaseRejected",
    "DeletionCheck",
    "DiagnoseResult",
    "Diagnosis",
    "DiagnosisCheck",
    "DiagnosisFix",
    "EntryText",
    "FaqEntry",
    "HandoffCreated",
    "HelpdeskApi",
    "HelpdeskApiError",
    "Language",
    "PortVerdict",
    "TextTooLong",
    "TranscriptLine",
]
