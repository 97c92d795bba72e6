""" "Why can't I delete this security group?": possible causes, or a diagnosis when the
user names the group and its instances."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.answer import faq_text_lines
from actions.api_client import DeletionCheck, HelpdeskApi, HelpdeskApiError, Language
from actions.base import HelpdeskAction
from actions.replies import reply
from actions.tracker_view import entity_values

# Blocker kinds of the API, named as its reason codes.
_BLOCKER_REASON = {"recycle_bin_instance": "recycle_bin"}
UNNAMED_GROUP = "sg-unnamed"


def instances_from_message(tracker: Tracker, sg_id: str) -> list[dict[str, Any]]:
    """Instances the user named, as bound to ``sg_id``. A state the user gave
    ("在回收站" -> SHUTDOWN) applies to the instance it follows, or to every instance
    when only one state was given; otherwise the state is UNKNOWN."""
    entities = sorted(tracker.latest_message.get("entities", []), key=lambda e: e.get("start", 0))
    instances: list[dict[str, Any]] = []
    states: list[str] = []
    for e in entities:
        if e.get("entity") == "instance_id" and e.get("value") not in [i["InstanceId"] for i in instances]:
            instances.append({"InstanceId": e["value"], "InstanceState": None, "SecurityGroupIds": [sg_id]})
        elif e.get("entity") == "instance_state":
            states.append(str(e.get("value")).upper())
            if instances and instances[-1]["InstanceState"] is None:
                instances[-1]["InstanceState"] = states[-1]
    for instance in instances:
        if instance["InstanceState"] is None:
            instance["InstanceState"] = states[0] if len(set(states)) == 1 else "UNKNOWN"
    return instances


def diagnosis_lines(check: DeletionCheck, sg_id: str | None, diagnosed: bool, lang: Language) -> list[str]:
    """The bot's own explanation: causes to check, or what the diagnosis found."""
    if not diagnosed:
        return [messages.text("sg_intro", lang)] + [f"- {messages.reason_text(r, lang)}" for r in check["reasons"]]
    if check["blockers"]:
        lines = [messages.text("sg_diagnosis", lang, sg_id=sg_id)]
        for b in check["blockers"]:
            which = f" ({b['instance_id']})" if b.get("instance_id") else ""
            lines.append(f"- {messages.reason_text(_BLOCKER_REASON.get(b['kind'], b['kind']), lang)}{which}")
        return lines
    if check["deletable"]:
        return [messages.text("sg_deletable", lang, sg_id=sg_id)]
    still = check.get("unchecked") or check["reasons"]
    return [messages.text("sg_no_blocker", lang, sg_id=sg_id)] + [f"- {messages.reason_text(r, lang)}" for r in still]


class ActionDeleteDiagnosis(HelpdeskAction):
    action_name = "action_delete_diagnosis"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, lang: Language, api: HelpdeskApi
    ) -> list[dict[str, Any]]:
        ids = entity_values(tracker, "sg_id")
        sg_id: str | None = ids[0] if ids else tracker.get_slot("sg_id")
        instances = instances_from_message(tracker, sg_id) if sg_id else []
        # The API needs a group id even for "what could it be"; it only echoes it back.
        check = await api.deletion_check(sg_id or UNNAMED_GROUP, instances or None)
        lines = diagnosis_lines(check, sg_id, bool(instances), lang)

        faq: dict[str, Any] = {"faq_id": check.get("faq_id")}
        if check.get("faq_id"):
            try:
                entry = await api.faq_text(str(check["faq_id"]), lang)
            except HelpdeskApiError:
                entry = None
            if entry:
                faq["source_url"] = entry["source_url"]
                lines += faq_text_lines(entry, lang)
        if not instances:
            lines.append(messages.text("sg_hint_ids", lang))
        reply(
            dispatcher,
            kind="delete_diagnosis",
            lang=lang,
            text="\n".join(lines),
            security_group_id=sg_id,
            deletable=check.get("deletable"),
            reasons=list(check.get("reasons") or []),
            unchecked=list(check.get("unchecked") or []),
            blockers=list(check.get("blockers") or []),
            **faq,
        )
        return [SlotSet("sg_id", sg_id)] if sg_id else []
