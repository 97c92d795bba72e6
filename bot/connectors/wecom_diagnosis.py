"""A diagnosis reply (``custom.kind == "diagnosis"``) as WeCom (企业微信) markdown.

WeCom's markdown has bold, links, inline code (one line), quotes and three font colours;
no code blocks, tables or buttons. So the deciding rule and each command are inline code,
one per line under their label; checks carry a coloured status. Every text comes from the
payload (the engine's words and the user's own pastes), so markdown is neutralised outside
code (``*``, ``[``, ``]``, ``<``, ``>``, a leading ``#``, a stray backtick: shown with
full-width look-alikes) and, inside it, ``<``/``>`` and the shape of a link, should a client
still read them there (a command stays copyable: only a ``[text](`` shape is touched).
A text holding a backtick cannot be inline code: it is shown as plain, neutralised text.
"""

from __future__ import annotations

import re
from typing import Any

LABELS: dict[str, dict[str, str]] = {
    "conclusion": {"zh": "结论：", "en": "Conclusion: "},
    "decided_by": {"zh": "依据（{label}）：", "en": "Decided by {label}:"},
    "fix": {"zh": "修复方法：", "en": "How to fix it:"},
    "command": {"zh": "命令（{tool}）：", "en": "Command ({tool}):"},
    "checks": {"zh": "检查项", "en": "Checks"},
    "next": {"zh": "下一步：", "en": "Next: "},
    "how": {"zh": "怎么查：", "en": "How to check: "},
    "needs": {"zh": "请发给我：", "en": "What to paste next:"},
}
STATUS: dict[str, tuple[str, dict[str, str]]] = {
    "passed": ("info", {"zh": "✔ 没问题", "en": "✔ fine"}),
    "failed": ("warning", {"zh": "✘ 有问题", "en": "✘ the problem"}),
    "unknown": ("comment", {"zh": "? 已查，未能确定", "en": "? done, not settled"}),
    "todo": ("comment", {"zh": "○ 待查", "en": "○ to do"}),
}
_PLAIN = str.maketrans({"*": "＊", "[": "［", "]": "］", "<": "＜", ">": "＞", "`": "ˋ"})
_IN_CODE = str.maketrans({"<": "＜", ">": "＞"})
_LINK_SHAPE = re.compile(r"\[([^\]\n]*)\]\(")


def _in_code(text: str) -> str:
    """Inside inline code: no tag, and no link shape ("[y](https://...)"), should a client read
    markup there; brackets that are not a link's stay (a tccli command's JSON is copied as is)."""
    return _LINK_SHAPE.sub(r"［\1］(", text.translate(_IN_CODE))


def _no_heading(line: str) -> str:
    stripped = line.lstrip()
    return line[: len(line) - len(stripped)] + "＃" + stripped[1:] if stripped.startswith("#") else line


def plain(text: object) -> str:
    """Text shown as is: no markdown in it can act (one line per line of the text)."""
    return "\n".join(_no_heading(line) for line in str(text or "").translate(_PLAIN).splitlines())


def prose(text: object) -> str:
    """The engine's prose: its own inline code (paired backticks on a line) kept as code,
    everything else neutralised as :func:`plain`."""
    out = []
    for line in str(text or "").splitlines():
        parts = line.split("`")
        if len(parts) % 2 == 0:  # an odd number of backticks: no code on this line
            out.append(plain(line))
            continue
        out.append("".join(plain(p) if i % 2 == 0 else f"`{_in_code(p)}`" for i, p in enumerate(parts)))
    return "\n".join(out)


def code(text: object) -> str:
    """``text`` as inline code on its own line(s); plain when it holds a backtick."""
    value = str(text or "")
    if "`" in value or not value.strip():
        return plain(value)
    return "\n".join(f"`{_in_code(line)}`" for line in value.splitlines() if line.strip())


def _headline(custom: dict[str, Any], lang: str) -> list[str]:
    if custom.get("cause") is None:
        return [f"**{prose(custom.get('summary'))}**"] if custom.get("summary") else []
    title = plain(custom.get("title") or custom.get("cause"))
    return [f"**{LABELS['conclusion'][lang]}{title}**", prose(custom.get("summary"))]


def _decided_by(custom: dict[str, Any], lang: str) -> list[str]:
    decided = custom.get("decided_by") or {}
    if not isinstance(decided, dict) or not decided.get("text"):
        return []
    return [f"> {LABELS['decided_by'][lang].format(label=plain(decided.get('label')))}", code(decided["text"])]


def _fix(custom: dict[str, Any], lang: str) -> list[str]:
    fix = custom.get("fix") or {}
    if not isinstance(fix, dict) or custom.get("cause") == "unknown":
        return []
    space = " " if lang == "en" else ""
    lines = [f"**{LABELS['fix'][lang]}**{space}{prose(fix.get('summary'))}"] if fix.get("summary") else []
    lines += [f"{n}. {prose(step)}" for n, step in enumerate(fix.get("console_steps") or [], start=1)]
    for command in fix.get("commands") or []:
        lines += [f"> {LABELS['command'][lang].format(tool=plain(command.get('tool')))}", code(command.get("command"))]
    return lines


def _checks(custom: dict[str, Any], lang: str) -> list[str]:
    checks = [c for c in custom.get("checks") or [] if isinstance(c, dict)]
    if not checks:
        return []
    lines = [f"**{LABELS['checks'][lang]}**"]
    for check in checks:
        color, label = STATUS.get(str(check.get("status")), ("comment", {"zh": "?", "en": "?"}))
        lines.append(f'<font color="{color}">{label[lang]}</font> {plain(check.get("title"))}')
    todo = next((c for c in checks if c.get("status") == "todo"), None)
    if custom.get("cause") is None and todo is not None:
        lines.append(f"**{LABELS['next'][lang]}{plain(todo.get('title'))}**")
        if todo.get("how"):
            lines.append(f"{LABELS['how'][lang]}{prose(todo.get('how'))}")
    return lines


def _needs(custom: dict[str, Any], lang: str) -> list[str]:
    needs = [str(n) for n in custom.get("needs") or [] if n]
    if custom.get("cause") is None:
        todo = next((c for c in custom.get("checks") or [] if c.get("status") == "todo"), None)
        paste = str(todo.get("paste") or "") if todo else ""
        needs = [paste, *[n for n in needs if n != paste]] if paste else needs
    return [f"**{LABELS['needs'][lang]}**", *[f"- {prose(n)}" for n in needs]] if needs else []


def _account(custom: dict[str, Any]) -> list[str]:
    account = custom.get("account")
    if not isinstance(account, dict):
        return []
    said = [plain(account[k]) for k in ("summary", "error") if account.get(k)]
    return [f'<font color="comment">{" ".join(said)}</font>'] if said else []


def diagnosis_markdown(custom: dict[str, Any], lang: str) -> str:
    """The whole reply as WeCom markdown, one item per line (split into messages by the caller)."""
    parts = [
        *_headline(custom, lang),
        *_decided_by(custom, lang),
        *_fix(custom, lang),
        *_checks(custom, lang),
        *_needs(custom, lang),
        *_account(custom),
    ]
    return "\n".join(p for p in parts if p)
