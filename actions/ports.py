"""Port questions: one message with the verdict of every port asked about."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.api_client import HelpdeskApi, HelpdeskApiError, Language, PortVerdict
from actions.base import HelpdeskAction
from actions.diagnose import ActionDiagnose
from actions.ports_input import PROTOCOLS, PortInputError, PortRequest, parse_ports, parse_protocols
from actions.replies import reply
from actions.topic import current_topic
from actions.tracker_view import entity_values, kept_case, latest_text
from contract.api import DiagnosedTarget


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


async def named_service(api: HelpdeskApi, text: str, lang: Language) -> DiagnosedTarget | None:
    """The service the message names ("ssh", "远程桌面", "mysql"), with its ports and protocols,
    as the diagnosis engine reads it (its service table, knowledge/data/troubleshooting/services.yaml);
    None when it names none, or the app cannot say (then both protocols are checked, as before).

    Asked of ``POST /v1/diagnose`` with no case: stateless, nothing is kept, and the port
    verdict and a diagnosis of the same words can never disagree on what "ssh" means.
    """
    try:
        target = (await api.diagnose(None, text, lang))["diagnosis"]["target"]
    except HelpdeskApiError:
        return None
    return target if target["service"] else None


class ActionPortVerdict(HelpdeskAction):
    """Ports and protocols from this message, else from the previous port question:
    "445 能用吗" -> "那 UDP 呢?" asks about UDP 445; "80 呢" keeps the protocol.
    A named service fixes the protocol ("ssh 22": TCP only) and gives the port when none is
    written ("ssh 能用吗": TCP 22); no protocol at all means both TCP and UDP.
    A bare port right after the diagnosis asked "which port fails?" answers the diagnosis.
    """

    action_name = "action_port_verdict"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, lang: Language, api: HelpdeskApi
    ) -> list[dict[str, Any]]:
        topic = current_topic(tracker)
        if topic is not None and topic.asks_for_target() and kept_case(tracker) is not None:
            return await ActionDiagnose().respond(dispatcher, tracker, lang, api)

        port_values = entity_values(tracker, "port")
        said = entity_values(tracker, "protocol")
        protocols = parse_protocols(said)
        service = None if protocols else await named_service(api, latest_text(tracker), lang)
        if not port_values and service is not None:
            port_values = [str(p) for p in service["ports"]]
        port_values = port_values or list(tracker.get_slot("ports") or [])
        if not protocols and not said:
            protocols = parse_protocols(list(tracker.get_slot("protocols") or []))
        # Kept for the next question: what the user said (a service's protocol does not carry to another port).
        kept = protocols
        if service is not None:
            protocols = [p for p in service["protocols"] if p in PROTOCOLS] or protocols
        if not port_values:
            reply(dispatcher, kind="text", lang=lang, text=messages.text("port_which", lang), intent="ask_port")
            return [SlotSet("protocols", kept)]
        try:
            request = PortRequest(parse_ports(port_values), protocols or list(PROTOCOLS))
        except PortInputError as e:
            key = "port_invalid" if e.code == "invalid_port" else "port_too_many"
            reply(dispatcher, kind="text", lang=lang, text=messages.text(key, lang, **e.details), error=e.code)
            return []

        results = [localized(v, lang) for v in await api.port_verdicts(request.queries())]
        lines = [messages.text("port_header", lang)] + [_line(r, lang) for r in results]
        reply(dispatcher, kind="port_verdict", lang=lang, text="\n".join(lines), results=results)
        return [SlotSet("ports", port_values), SlotSet("protocols", kept)]
