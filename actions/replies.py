"""Send a bot message: its text plus the structured ``custom`` payload every channel gets."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.api_client import Language


def reply(
    dispatcher: CollectingDispatcher,
    *,
    kind: str,
    lang: Language,
    text: str,
    buttons: list[dict[str, str]] | None = None,
    **payload: Any,
) -> None:
    """Utter ``text`` with ``{"kind": kind, "language": lang, **payload}`` as its custom JSON."""
    dispatcher.utter_message(
        text=text,
        buttons=buttons or [],
        json_message={"kind": kind, "language": lang, **payload},
    )
