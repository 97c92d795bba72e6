"""Port questions: one message with the verdict of every port asked about."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.api_client import HelpdeskApi, Language, PortVerdict
from actions.base import HelpdeskAction
from actions.ports_input import PROTOCOLS, PortInputError, PortRequest, parse_ports, parse_protocols
from actions.replies import reply
from actions.tracker_view import entity_values


def localized(v: PortVerdict, lang: Language) -> dict[str, Any]:
    """One result of the payload, with reason and advice in the user's language."""
    suffix = "_zh" if lang == "zh" else ""
    return {
        "protocol": v["protocol"],
        "port": v["port"],
        "verdict": v["verdict"],
        "reason": v.get(f"reason{suffix}") or v.get("reason") or "",
        "advice": v.get(f"advice{suffix}") or v.get("advice") or "",
        "faq_id": v.get("faq_id"),
    }


def _line(r: dict[str, Any], lang: Language) -> str:
    return messages.text(
        "port_line",
        lang,
        protocol=r["protocol"].upper(),
        port=r["port"],
        verdict=messages.text(f"verdict_{r['verdict']}", lang),
        reason=r["reason"],
        advice=(" " + r["advice"]) if r["advice"] else "",
    )


class ActionPortVerdict(HelpdeskAction):
    """Ports and protocols from this message, else from the previous port question:
    "445 能用吗" -> "那 UDP 呢?" asks about UDP 445; "80 呢" keeps the protocol.
    No protocol at all means both TCP and UDP.
    """

    action_name = "action_port_verdict"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, lang: Language, api: HelpdeskApi
    ) -> list[dict[str, Any]]:
        port_values = entity_values(tracker, "port") or list(tracker.get_slot("ports") or [])
        protocols = parse_protocols(entity_values(tracker, "protocol"))
        if not protocols and not entity_values(tracker, "protocol"):
            protocols = parse_protocols(list(tracker.get_slot("protocols") or []))
        if not port_values:
            reply(dispatcher, kind="text", lang=lang, text=messages.text("port_which", lang), intent="ask_port")
            return [SlotSet("protocols", protocols)]
        try:
            request = PortRequest(parse_ports(port_values), protocols or list(PROTOCOLS))
        except PortInputError as e:
            key = "port_invalid" if e.code == "invalid_port" else "port_too_many"
            reply(dispatcher, kind="text", lang=lang, text=messages.text(key, lang, **e.details), error=e.code)
            return []

        results = [localized(v, lang) for v in await api.port_verdicts(request.queries())]
        lines = [messages.text("port_header", lang)] + [_line(r, lang) for r in results]
        reply(dispatcher, kind="port_verdict", lang=lang, text="\n".join(lines), results=results)
        return [SlotSet("ports", port_values), SlotSet("protocols", protocols)]
