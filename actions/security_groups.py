""" "Why can't I delete this security group?": possible causes, a diagnosis when the user
names the group and its instances, or, when the app reads the account, every blocker the
account shows in the order to clear them, with what was read and when."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.answer import faq_text_lines
from actions.api_client import AccountRead, DeletionCheck, HelpdeskApi, HelpdeskApiError, Language
from actions.base import HelpdeskAction
from actions.replies import reply
from actions.tracker_view import entity_values, latest_text
from contract.api import Blocker

# Blocker kinds of the API, named as its reason codes.
_BLOCKER_REASON = {"recycle_bin_instance": "recycle_bin"}
UNNAMED_GROUP = "sg-unnamed"

# The bot's own words about reading the account (messages.py holds the rest; these belong to this reply).
ACCOUNT_TEXTS: dict[str, dict[Language, str]] = {
    "read": {"zh": "已从您的账号读取（{region}，{time}）。", "en": "From your account: {summary}."},
    "blocked": {
        "zh": "{sg_id} 暂时无法删除，请按以下顺序处理：",
        "en": "{sg_id} cannot be deleted yet. Clear these, in this order:",
    },
    "deletable": {
        "zh": "账号中没有发现阻止删除 {sg_id} 的原因：没有实例或其他资源绑定它，也没有其他安全组的规则引用它。",
        "en": "Nothing in your account keeps {sg_id} from being deleted: no instance or other resource is bound to "
        "it and no rule of another group refers to it.",
    },
    "not_found": {
        "zh": "在地域 {region} 中没有找到 {sg_id}。请检查 ID，或告诉我它在哪个地域（例如 ap-guangzhou 或“广州”）。",
        "en": "I couldn't find {sg_id} in region {region}. Please check the id, or tell me its region "
        "(e.g. ap-guangzhou).",
    },
    "permission": {
        "zh": "我没有读取这部分账号信息的权限（需要管理员添加 {policy}），所以先列出常见原因，您也可以粘贴实例信息：",
        "en": "I'm not allowed to read that part of your account (its operator must add {policy}), so here are "
        "the usual causes; you can also paste the details:",
    },
    "unavailable": {
        "zh": "暂时无法查询您的账号，所以先列出常见原因，您也可以粘贴实例信息：",
        "en": "I can't check your account right now, so here are the usual causes; you can also paste the details:",
    },
    "throttled": {
        "zh": "您账号的 API 现在请求太频繁，请稍后再问一次；先列出常见原因：",
        "en": "Your account's API is busy right now; ask again in a moment. Meanwhile, the usual causes:",
    },
}
BLOCKER_TEXTS: dict[str, str] = {
    "default_group": "{subject} 是默认安全组，不能删除（可新建安全组绑定给实例，不再使用它）",
    "referenced_by_rule": "安全组 {subject} 的规则引用了它：删除这些规则，或把来源改为 IP 地址段",
    "bound_resource": "有 {count} 个 {subject} 资源绑定了它：在 {subject} 控制台为它们解绑该安全组",
    "bound_instance": "实例 {subject} 绑定了它：先给实例绑定其他安全组，再解绑它",
    "recycle_bin_instance": "回收站中的实例 {subject} 仍绑定它：在回收站销毁该实例（不可恢复），或恢复后解绑",
}


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


def account_text(key: str, lang: Language, **values: object) -> str:
    """One of :data:`ACCOUNT_TEXTS`, formatted."""
    return ACCOUNT_TEXTS[key][lang].format(**values)


def blocker_line(n: int, blocker: Blocker, lang: Language) -> str:
    """One blocker of the account's answer, numbered in the order to clear it."""
    if lang == "zh":
        subject = blocker.get("subject") or blocker.get("instance_id") or ""
        text = BLOCKER_TEXTS.get(blocker["kind"], "{subject}").format(subject=subject, count=blocker.get("count") or "")
    else:
        text = f"{blocker['detail']} {blocker['advice']}"
    return f"{n}. {text}"


def read_line(account: AccountRead, lang: Language) -> str:
    """What was read and when ("From your account: read sg-… in ap-guangzhou at 10:32 UTC: …")."""
    read_at = account.get("read_at") or ""
    time = f"{read_at[11:16]} UTC" if len(read_at) >= 16 else ""
    return account_text("read", lang, region=account["region"], time=time, summary=account.get("summary") or "")


def account_lines(check: DeletionCheck, sg_id: str, lang: Language) -> list[str] | None:
    """The reply when the app read the account (or could not); None when it did not try."""
    account = check.get("account")
    if not account:
        return None
    error = account.get("error")
    if error is None:
        if check["blockers"]:
            lines = [account_text("blocked", lang, sg_id=sg_id)]
            lines += [blocker_line(n, b, lang) for n, b in enumerate(check["blockers"], start=1)]
        else:
            lines = [account_text("deletable", lang, sg_id=sg_id)]
        return [*lines, read_line(account, lang)]
    failure = error["kind"]  # not "kind": that name is the reply kinds' (tests/contract)
    if failure == "not_found":
        return [account_text("not_found", lang, sg_id=sg_id, region=account["region"])]
    if failure == "permission":
        lead = account_text("permission", lang, policy=error.get("policy") or "CAM")
    else:
        lead = account_text("throttled" if failure == "throttled" else "unavailable", lang)
    return [lead] + [f"- {messages.reason_text(r, lang)}" for r in check["reasons"]]


def account_payload(check: DeletionCheck) -> dict[str, Any] | None:
    """The payload's ``account`` (contract.payloads.AccountReadItem)."""
    account = check.get("account")
    if not account:
        return None
    error = account.get("error")
    return {
        "summary": account.get("summary"),
        "read_at": account.get("read_at"),
        "region": account["region"],
        "error": error["message"] if error else None,
    }


class ActionDeleteDiagnosis(HelpdeskAction):
    action_name = "action_delete_diagnosis"

    async def respond(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, lang: Language, api: HelpdeskApi
    ) -> list[dict[str, Any]]:
        ids = entity_values(tracker, "sg_id")
        sg_id: str | None = ids[0] if ids else tracker.get_slot("sg_id")
        instances = instances_from_message(tracker, sg_id) if sg_id else []
        # The API needs a group id even for "what could it be"; it only echoes it back. Named
        # without instances, the app reads the account when it may (in the region the text names).
        check = await api.deletion_check(
            sg_id or UNNAMED_GROUP,
            instances or None,
            text=latest_text(tracker) if sg_id else None,
            conversation_id=tracker.sender_id,
        )
        from_account = account_lines(check, sg_id, lang) if sg_id else None
        lines = from_account if from_account is not None else diagnosis_lines(check, sg_id, bool(instances), lang)

        faq: dict[str, Any] = {"faq_id": check.get("faq_id")}
        if check.get("faq_id"):
            try:
                entry = await api.faq_text(str(check["faq_id"]), lang)
            except HelpdeskApiError:
                entry = None
            if entry:
                faq["source_url"] = entry["source_url"]
                lines += faq_text_lines(entry, lang)
        read_from = check.get("account")
        if not instances and not (read_from and read_from["read"]):
            lines.append(messages.text("sg_hint_ids", lang))
        account = account_payload(check)
        if account is not None:
            faq["account"] = account
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
