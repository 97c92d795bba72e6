"""What every helpdesk action does: pick the reply language, reach the API, and
answer politely when the API is down or refuses the request."""

from __future__ import annotations

import logging
from abc import ABCMeta, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.api_client import ApiRejected, HelpdeskApi, HelpdeskApiError, Language
from actions.language import reply_language
from actions.replies import reply
from actions.tracker_view import latest_text
from contract.language import LANGUAGES

logger = logging.getLogger(__name__)


class HelpdeskAction(Action, metaclass=ABCMeta):
    """Template: subclasses implement ``respond``; API errors become a polite reply.

    Abstract (ABCMeta), so rasa-sdk's package scan registers only the concrete actions.
    """

    action_name: str

    def name(self) -> str:
        return self.action_name

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        # The language the user asked for ("能用中文吗") wins; else the message's, else the conversation's.
        preferred = tracker.get_slot("language_preference")
        lang = (
            preferred if preferred in LANGUAGES else reply_language(latest_text(tracker), tracker.get_slot("language"))
        )
        events: list[dict[str, Any]] = [SlotSet("language", lang)]
        try:
            events += await self.respond(dispatcher, tracker, lang, HelpdeskApi.from_env())
        except ApiRejected as e:
            logger.warning("%s: %s", self.action_name, e)
            reply(dispatcher, kind="error", lang=lang, text=messages.text("api_rejected", lang), error="rejected")
        except HelpdeskApiError as e:
            logger.warning("%s: %s", self.action_name, e)
            reply(dispatcher, kind="error", lang=lang, text=messages.text("api_down", lang), error="unavailable")
        return events

    @abstractmethod
    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, lang: Language, api: HelpdeskApi
    ) -> list[dict[str, Any]]:
        """Send the replies and return the events (slots) to apply."""
