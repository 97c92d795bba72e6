"""The text of a diagnosis reply, for channels that show text (REST, Slack's and WeCom's
fallback, the transcript a human reads after a hand-off).

The engine's own words (title, summary, the rule's label, the fix, each check's how and
what to paste) are quoted as the app sent them, in the diagnosis's language; the words
around them are the bot's (``messages``). One part per paragraph, single newlines only:
Rasa's REST channel splits a text on blank lines into several messages.
"""

from __future__ import annotations

from actions import messages
from actions.api_client import Diagnosis, DiagnosisCheck, DiagnosisFix, Language

# Later checks named after the next one: enough to show where this is going, short on a phone.
LATER_CHECKS_SHOWN = 3


def code(text: str) -> str:
    """``text`` as inline code (Markdown, Slack mrkdwn and WeCom markdown alike); as is when
    it holds a backtick, which no inline code span of those three can carry."""
    return text if "`" in text or not text else f"`{text}`"


def diagnosis_text(diagnosis: Diagnosis) -> str:
    """The whole reply: the conclusion or the next check, then what is still needed, then what
    was read from the account and when (or why it could not be read)."""
    lang = diagnosis["language"]
    parts = next_check_lines(diagnosis, lang) if diagnosis["cause"] is None else conclusion_lines(diagnosis, lang)
    parts += account_lines(diagnosis)
    return "\n".join(line for line in parts if line)


def account_lines(diagnosis: Diagnosis) -> list[str]:
    """The app's own lines about the account, in the diagnosis's language: why it could not be read
    this time (the user is asked to paste), and the "read … at …" line."""
    account = diagnosis.get("account")
    if not account:
        return []
    return [line for line in (account.get("error"), account.get("summary")) if line]


def conclusion_lines(diagnosis: Diagnosis, lang: Language) -> list[str]:
    """The cause, the rule that decides it (as the user wrote it), the fix, what is still needed."""
    lines = [
        messages.text("diag_conclusion", lang, title=diagnosis["title"] or diagnosis["cause"]),
        diagnosis["summary"],
    ]
    decided = diagnosis["decided_by"]
    if decided and decided["text"]:
        lines.append(messages.text("diag_rule", lang, label=decided["label"], text=code(decided["text"])))
    if diagnosis["cause"] == "unknown":  # every check made, nothing found: a person looks further
        lines.append(messages.text("diag_unknown", lang))
    elif diagnosis["fix"]:
        lines += fix_lines(diagnosis["fix"], lang)
    lines += [messages.text("diag_need", lang, need=need) for need in diagnosis["needs"]]
    return lines


def fix_lines(fix: DiagnosisFix, lang: Language) -> list[str]:
    """The fix's summary, its console steps numbered, each command as code with its tool."""
    lines = [messages.text("diag_fix", lang, summary=fix["summary"])] if fix["summary"] else []
    lines += [f"{n}. {step}" for n, step in enumerate(fix["console_steps"], start=1)]
    lines += [messages.text("diag_command", lang, tool=c["tool"], command=code(c["command"])) for c in fix["commands"]]
    return lines


def next_check_lines(diagnosis: Diagnosis, lang: Language) -> list[str]:
    """Undecided: the summary (it names the next check), how to make it and what to paste,
    the other needs, the checks made so far and the ones after."""
    checks = diagnosis["checks"]
    todo = [c for c in checks if c["status"] == "todo"]
    lines = [diagnosis["summary"]]
    following = todo[1:]
    if todo:
        lines.append(messages.text("diag_how", lang, how=todo[0]["how"]))
        if todo[0]["paste"]:
            lines.append(messages.text("diag_paste", lang, paste=todo[0]["paste"]))
    shown = {todo[0]["paste"]} if todo else set()
    lines += [messages.text("diag_need", lang, need=need) for need in diagnosis["needs"] if need not in shown]
    made = [c for c in checks if c["status"] != "todo"]
    if made:
        lines.append(messages.text("diag_checked", lang, checks=_joined([_made(c, lang) for c in made], lang)))
    if following:
        titles = [c["title"] for c in following[:LATER_CHECKS_SHOWN]]
        lines.append(messages.text("diag_later", lang, checks=_joined(titles, lang)))
    return lines


def _made(check: DiagnosisCheck, lang: Language) -> str:
    status = messages.text(f"check_{check['status']}", lang)
    return messages.text("diag_check_status", lang, title=check["title"], status=status)


def _joined(items: list[str], lang: Language) -> str:
    return ("；" if lang == "zh" else "; ").join(items)
