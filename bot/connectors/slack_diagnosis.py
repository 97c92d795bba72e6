"""A diagnosis reply (``custom.kind == "diagnosis"``) as Slack Block Kit.

The conclusion (or, while undecided, the next check), the deciding rule as the user wrote
it in a code block, the fix with each command in a code block under its tool, the checks
with status marks, what to paste next. Every text comes from the payload: the engine's
words and the user's own pastes, so everything is escaped (``&``, ``<``, ``>``: no ping,
no fake link) and code blocks cannot be closed from inside (a run of three backticks in a
pasted rule is shown with look-alike accents).
"""

from __future__ import annotations

from typing import Any

MAX_SECTION_CHARS = 3000
FENCE = "```"
_CODE_CHARS = MAX_SECTION_CHARS - 2 * len(FENCE) - 2

LABELS: dict[str, dict[str, str]] = {
    "conclusion": {"zh": "结论：", "en": "Conclusion: "},
    "decided_by": {"zh": "依据：", "en": "Decided by "},
    "fix": {"zh": "修复方法：", "en": "How to fix it:"},
    "command": {"zh": "命令（{tool}）", "en": "Command ({tool})"},
    "checks": {"zh": "检查项", "en": "Checks"},
    "next": {"zh": "下一步：", "en": "Next: "},
    "how": {"zh": "怎么查：", "en": "How to check: "},
    "needs": {"zh": "请发给我：", "en": "What to paste next:"},
}
STATUS: dict[str, tuple[str, dict[str, str]]] = {
    "passed": (":white_check_mark:", {"zh": "没问题", "en": "fine"}),
    "failed": (":x:", {"zh": "有问题", "en": "the problem"}),
    "unknown": (":grey_question:", {"zh": "已查，未能确定", "en": "done, not settled"}),
    "todo": (":white_large_square:", {"zh": "待查", "en": "to do"}),
}


def escape(text: object) -> str:
    """Slack's three control characters; and a run of three backticks (which would open a
    preformatted block running to the end of the section) shown with look-alike accents."""
    text = str(text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace(FENCE, "ˋˋˋ")


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_SECTION_CHARS]}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:MAX_SECTION_CHARS]}]}


def code_blocks(text: str) -> list[dict[str, Any]]:
    """``text`` as preformatted sections (more than one when it is long), escaped; a fence in
    it cannot end the block."""
    safe = escape(text)
    pieces = [safe[i : i + _CODE_CHARS] for i in range(0, len(safe), _CODE_CHARS)] or [""]
    return [_section(f"{FENCE}\n{piece}\n{FENCE}") for piece in pieces if piece.strip()]


def _lines(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


def headline_blocks(custom: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The conclusion and its summary; undecided: the summary, which names the next check."""
    summary = escape(custom.get("summary"))
    if custom.get("cause") is None:
        return [_section(summary)] if summary else []
    title = escape(custom.get("title") or custom.get("cause"))
    return [_section(_lines(f"*{LABELS['conclusion'][lang]}{title}*", summary))]


def decided_by_blocks(custom: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The rule or line that decides, labelled, as the user wrote it."""
    decided = custom.get("decided_by") or {}
    if not isinstance(decided, dict) or not decided.get("text"):
        return []
    return [_context(f"{LABELS['decided_by'][lang]}{escape(decided.get('label'))}"), *code_blocks(decided["text"])]


def fix_blocks(custom: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The fix's summary and numbered console steps, then each command under its tool."""
    fix = custom.get("fix") or {}
    if not isinstance(fix, dict) or custom.get("cause") == "unknown":
        return []
    steps = [f"{n}. {escape(step)}" for n, step in enumerate(fix.get("console_steps") or [], start=1)]
    blocks = []
    if fix.get("summary") or steps:
        space = " " if lang == "en" else ""
        blocks.append(_section(_lines(f"*{LABELS['fix'][lang]}*{space}{escape(fix.get('summary'))}", *steps)))
    for command in fix.get("commands") or []:
        tool = escape(command.get("tool"))
        blocks += [_context(LABELS["command"][lang].format(tool=tool)), *code_blocks(str(command.get("command", "")))]
    return blocks


def check_blocks(custom: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The checks with their status; while undecided, how to make the next one."""
    checks = [c for c in custom.get("checks") or [] if isinstance(c, dict)]
    if not checks:
        return []
    rows = []
    for check in checks:
        mark, label = STATUS.get(str(check.get("status")), (":grey_question:", {"zh": "", "en": ""}))
        rows.append(f"{mark} {escape(check.get('title'))} _({label[lang]})_")
    blocks = [_section(_lines(f"*{LABELS['checks'][lang]}*", *rows))]
    todo = next((c for c in checks if c.get("status") == "todo"), None)
    if custom.get("cause") is None and todo is not None:
        blocks.append(
            _section(
                _lines(
                    f"*{LABELS['next'][lang]}{escape(todo.get('title'))}*",
                    f"{LABELS['how'][lang]}{escape(todo.get('how'))}" if todo.get("how") else "",
                )
            )
        )
    return blocks


def needs_blocks(custom: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """What the user should paste or say next."""
    needs = [escape(n) for n in custom.get("needs") or [] if n]
    if custom.get("cause") is None:
        todo = next((c for c in custom.get("checks") or [] if c.get("status") == "todo"), None)
        paste = escape(todo.get("paste")) if todo else ""
        needs = [paste, *[n for n in needs if n != paste]] if paste else needs
    if not needs:
        return []
    return [_section(_lines(f"*{LABELS['needs'][lang]}*", *[f"• {n}" for n in needs]))]


def account_blocks(custom: dict[str, Any]) -> list[dict[str, Any]]:
    """What was read from the user's account for this answer (or why it could not be)."""
    account = custom.get("account")
    if not isinstance(account, dict):
        return []
    said = [escape(account[k]) for k in ("summary", "error") if account.get(k)]
    return [_context(" ".join(said))] if said else []


def diagnosis_blocks(custom: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """Every block of a diagnosis reply, in reading order (buttons are added by the caller)."""
    return [
        *headline_blocks(custom, lang),
        *decided_by_blocks(custom, lang),
        *fix_blocks(custom, lang),
        *check_blocks(custom, lang),
        *needs_blocks(custom, lang),
        *account_blocks(custom),
    ]
