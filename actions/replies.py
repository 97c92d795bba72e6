"""Send a bot message: its text plus the structured ``custom`` payload every channel gets."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from contract.kinds import ReplyKind
from contract.language import Language


def reply(
    dispatcher: CollectingDispatcher,
    *,
    kind: ReplyKind,
    lang: Language,
    text: str,
    buttons: list[dict[str, str]] | None = None,
    **payload: Any,
) -> None:
    """Utter ``text`` with ``{"kind": kind, "language": lang, **payload}`` as its custom JSON.

    ``payload`` holds the fields of the kind's ``TypedDict`` in ``contract.payloads``.
    """
    dispatcher.utter_message(
        text=text,
        buttons=buttons or [],
        json_message={"kind": kind, "language": lang, **payload},
    )
