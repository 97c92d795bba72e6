"""Everything the bot writes itself, in Chinese and English.

FAQ answers are not here: they are quoted from the API as written.
Keep each message one paragraph (single newlines): channels such as Rasa's REST
split a text on blank lines into several messages.
"""

from __future__ import annotations

from actions.api_client import Language

_HELP = {
    "zh": (
        "我可以帮您：\n"
        "- 查端口能不能用（例如“445 端口能用吗”“135-139 UDP”）\n"
        "- 解答云服务器端口和安全组的常见问题\n"
        "- 排查安全组为什么删不掉（可附上 sg-xxxxxxxx 和实例 ID）\n"
        "- 排查连不上的问题（例如“8443 访问不了”，可以粘贴安全组规则、iptables 或 ss 的输出）\n"
        "- 转人工客服（说“转人工”即可）"
    ),
    "en": (
        "I can help you:\n"
        '- check whether a port can be used (e.g. "can I listen on 445?", "135-139 UDP")\n'
        "- answer common questions about CVM ports and security groups\n"
        "- find out why a security group cannot be deleted (add its sg-xxxxxxxx and instance IDs)\n"
        '- work out why a connection fails (e.g. "can\'t reach port 8443"; paste security group rules, '
        "iptables or ss output)\n"
        '- reach a human colleague (just say "human")'
    ),
}

TEXTS: dict[str, dict[Language, str]] = {
    "greet": {
        "zh": "您好！我是腾讯云 CVM 端口与安全组助手。\n" + _HELP["zh"],
        "en": "Hello! I'm the Tencent Cloud CVM ports and security groups assistant.\n" + _HELP["en"],
    },
    "goodbye": {"zh": "再见，祝您使用顺利！", "en": "Goodbye, and good luck with your servers!"},
    "thanks_reply": {
        "zh": "不客气，很高兴能帮上忙！还有其他问题随时问我。",
        "en": "You're welcome, glad it helped! Ask me anything else any time.",
    },
    "sorry_not_helpful": {
        "zh": (
            "抱歉没能帮上忙。您可以换个说法再问一次，或者告诉我哪个端口或服务连不上，我来一步步排查；"
            "也可以说“转人工”让同事来处理。"
        ),
        "en": (
            "Sorry that didn't help. You can rephrase your question, or tell me which port or service fails and "
            'I\'ll work through it with you; or say "human" and a colleague will take over.'
        ),
    },
    "decline": {
        "zh": "抱歉，这个问题超出了我能回答的范围。\n" + _HELP["zh"],
        "en": "Sorry, that's outside what I can answer.\n" + _HELP["en"],
    },
    "empty_input": {
        "zh": "我没看到具体的问题，请用文字描述一下您遇到的情况。\n" + _HELP["zh"],
        "en": "I couldn't find a question in that. Please describe your problem in words.\n" + _HELP["en"],
    },
    "api_down": {
        "zh": "抱歉，我现在暂时无法回答，请稍后再试，或说“转人工”。",
        "en": 'Sorry, I can\'t answer right now. Please try again in a moment, or say "human".',
    },
    "api_rejected": {
        "zh": "抱歉，这条消息我处理不了，请换个简短些的说法再试一次。",
        "en": "Sorry, I couldn't process that message. Please try again with a shorter wording.",
    },
    "faq_intro": {"zh": "常见问题：{question}", "en": "From the Tencent Cloud FAQ: {question}"},
    # An English reader of an entry with a curated translation.
    "faq_intro_translated": {
        "zh": "常见问题（译文）：{question}",
        "en": "From the Tencent Cloud FAQ (translated from Chinese): {question}",
    },
    # An English reader of an entry with no translation yet: the source, said to be Chinese.
    "faq_intro_untranslated": {
        "zh": "常见问题（原文，尚无中文译文）：{question}",
        "en": "From the Tencent Cloud FAQ (in Chinese, not translated yet): {question}",
    },
    "source": {"zh": "来源：{url}", "en": "Source: {url}"},
    "source_translated": {
        "zh": "来源：{url}（原文：{original}）",
        "en": "Source: {url} (original, in Chinese: {original})",
    },
    "faq_not_found": {
        "zh": "抱歉，没有找到这条常见问题，请重新描述您的问题。",
        "en": "Sorry, I can't find that FAQ entry any more. Please ask your question again.",
    },
    "fallback_candidates": {
        "zh": "我不太确定您问的是哪一个，您是想问下面这些问题吗？",
        "en": "I'm not sure which question you mean. Is it one of these?",
    },
    "fallback_none": {
        "zh": "抱歉，我没有找到相关的答案。您可以换个说法，或者说“转人工”。",
        "en": 'Sorry, I didn\'t find an answer to that. You can rephrase it, or say "human".',
    },
    "human_button": {"zh": "转人工", "en": "Talk to a human"},
    "handoff_done": {
        "zh": "已为您转接人工客服，工单号：{ticket_id}。同事会尽快在这里回复您。",
        "en": "I've passed this conversation to a human colleague (ticket {ticket_id}). They'll reply here soon.",
    },
    # The hand-off carried the troubleshooting case: the colleague starts where the bot stopped.
    "handoff_done_with_case": {
        "zh": (
            "已为您转接人工客服，工单号：{ticket_id}。这次排查的记录（问题、您粘贴的内容、已做的检查和结论）"
            "已一并转给同事，不用再重复描述。同事会尽快在这里回复您。"
        ),
        "en": (
            "I've passed this conversation to a human colleague (ticket {ticket_id}), with this troubleshooting case "
            "(the problem, what you pasted, the checks made and the conclusion), so you won't need to explain it "
            "again. They'll reply here soon."
        ),
    },
    "handoff_after_failures": {
        "zh": "看来我没能解决您的问题，我来请人工客服帮忙。",
        "en": "It looks like I couldn't solve this, so I'm bringing in a human colleague.",
    },
    "handoff_failed": {
        "zh": "抱歉，现在无法转接人工客服，请稍后再试。",
        "en": "Sorry, I can't reach a human colleague right now. Please try again later.",
    },
    "port_which": {
        "zh": "请告诉我要查询的端口号，例如“445 端口能用吗”或“135-139 UDP”。",
        "en": 'Which port should I check? For example "can I listen on 445?" or "135-139 UDP".',
    },
    "port_invalid": {
        "zh": "端口号 {port} 无效，端口范围是 1-65535。",
        "en": "{port} is not a valid port number; ports range from 1 to 65535.",
    },
    "port_too_many": {
        "zh": "一次最多查询 {limit} 个端口（您问了 {count} 个），请把范围缩小一些。",
        "en": "I can check at most {limit} ports at once (you asked about {count}). Please narrow the range.",
    },
    "port_header": {"zh": "端口查询结果：", "en": "Here is what I found:"},
    "port_line": {
        "zh": "- {protocol} {port}：{verdict}。{reason}{advice}",
        "en": "- {protocol} {port}: {verdict}. {reason}{advice}",
    },
    "verdict_blocked": {"zh": "被拦截，无法使用", "en": "blocked"},
    "verdict_restricted": {"zh": "默认受限", "en": "restricted by default"},
    "verdict_open": {"zh": "未被平台拦截", "en": "not blocked by the platform"},
    "sg_intro": {"zh": "安全组无法删除，常见原因有：", "en": "A security group cannot be deleted while:"},
    "sg_diagnosis": {
        "zh": "根据您提供的信息，{sg_id} 暂时无法删除，原因：",
        "en": "From what you told me, {sg_id} cannot be deleted yet because:",
    },
    "sg_deletable": {
        "zh": "根据您提供的信息，没有发现阻止删除 {sg_id} 的原因。",
        "en": "From what you told me, nothing prevents deleting {sg_id}.",
    },
    "sg_no_blocker": {
        "zh": "您提供的实例没有阻止删除 {sg_id}。仍可能的原因：",
        "en": "None of the instances you named keeps {sg_id} from being deleted. Still possible:",
    },
    "sg_hint_ids": {
        "zh": "如需具体排查，请告诉我安全组 ID（sg-xxxxxxxx）以及关联实例的 ID 和状态（如“ins-xxxxxxxx 在回收站”）。",
        "en": (
            "To diagnose it, tell me the group ID (sg-xxxxxxxx) and the IDs and states of its instances "
            '(e.g. "ins-xxxxxxxx is in the recycle bin").'
        ),
    },
    "reason_bound_instance": {
        "zh": "仍有云服务器实例绑定了该安全组，请先解绑或更换安全组",
        "en": "an instance is still bound to it: unbind it or switch the instance to another group first",
    },
    "reason_recycle_bin": {
        "zh": "回收站中仍有绑定该安全组的云服务器（已退还的实例会先进入回收站）",
        "en": "an instance in the recycle bin is still bound to it (returned instances go to the recycle bin first)",
    },
    "reason_referenced_by_rule": {
        "zh": "其他安全组的规则引用了该安全组，请先删除这些规则",
        "en": "a rule in another security group references it: remove those rules first",
    },
    # Retrieval declined a question about another provider's cloud (its name from the app).
    "other_cloud": {
        "zh": (
            "抱歉，这里只解答腾讯云云服务器（CVM）端口与安全组的问题，{provider}的安全组和防火墙请查阅{provider}"
            "的官方文档或联系其客服。\n如果您的服务器在腾讯云上，请直接告诉我哪里连不上，我来帮您一步步排查。"
        ),
        "en": (
            "Sorry, this desk covers Tencent Cloud only (CVM ports and security groups), so I can't advise on "
            "{provider}: please see {provider}'s own documentation or support.\nIf your server is on Tencent Cloud, "
            "tell me what fails and I'll work through it with you."
        ),
    },
    # The user asked for the other language: it is kept until they ask again.
    "language_switched": {
        "zh": "好的，接下来我用中文回答。",
        "en": "Sure, I'll answer in English from now on.",
    },
    # Frustration: a human is offered (a button), the case goes with them.
    "offer_human": {
        "zh": "抱歉让您折腾了这么久。需要的话我可以请人工客服来帮您：点“转人工”或直接说“转人工”即可。",
        "en": 'Sorry this is taking so long. If you like, I can bring in a human colleague: press "Talk to a human" '
        'or just say "human".',
    },
    "offer_human_with_case": {
        "zh": (
            "抱歉让您折腾了这么久。需要的话我可以请人工客服来帮您：点“转人工”或直接说“转人工”，"
            "这次排查的记录（问题、您贴的内容、已做的检查）会一起转过去，不用重复描述。也可以继续：把上面要的内容贴给我。"
        ),
        "en": (
            'Sorry this is taking so long. If you like, I can bring in a human colleague: press "Talk to a human" '
            'or just say "human", and this case (the problem, what you pasted, the checks made) goes with it, so '
            "you won't need to explain again. Or we carry on: paste what I asked for above."
        ),
    },
    # A follow-up that retrieval could not settle: entries related to the topic.
    "follow_up_related": {
        "zh": "我不确定您具体指哪一点，和刚才的问题相关的有这些：",
        "en": "I'm not sure which part you mean. These are related to what we were discussing:",
    },
    # Troubleshooting (actions/diagnosis_text.py): the bot's words around the engine's.
    "diag_conclusion": {"zh": "结论：{title}", "en": "Conclusion: {title}"},
    "diag_rule": {"zh": "依据：{label}：{text}", "en": "Decided by {label}: {text}"},
    "diag_fix": {"zh": "修复方法：{summary}", "en": "How to fix it: {summary}"},
    "diag_command": {"zh": "命令（{tool}）：{command}", "en": "Command ({tool}): {command}"},
    "diag_how": {"zh": "怎么查：{how}", "en": "How to check: {how}"},
    "diag_paste": {"zh": "然后：{paste}", "en": "Then: {paste}"},
    "diag_need": {"zh": "还需要：{need}", "en": "Still needed: {need}"},
    "diag_checked": {"zh": "已查：{checks}", "en": "Checked so far: {checks}"},
    "diag_check_status": {"zh": "{title}（{status}）", "en": "{title} ({status})"},
    "diag_later": {"zh": "之后还会查：{checks}", "en": "After that: {checks}"},
    "diag_unknown": {
        "zh": "说“转人工”，我会把这次排查的记录一起转给同事，不用您重复描述。",
        "en": 'Say "human" and I\'ll pass this case, with every check made, to a colleague: no need to explain again.',
    },
    "check_passed": {"zh": "没问题", "en": "fine"},
    "check_failed": {"zh": "有问题", "en": "the problem"},
    "check_unknown": {"zh": "已查，未能确定", "en": "done, not settled"},
    "check_todo": {"zh": "待查", "en": "to do"},
    # The stored case was refused (e.g. after an upgrade): the case starts again from this message.
    "case_restarted": {
        "zh": "之前的排查记录已无法继续使用，我从这条消息重新开始排查。",
        "en": "I couldn't carry on with the earlier troubleshooting record, so I've started again from this message.",
    },
    # The app's advice says what to paste instead (a command that prints less).
    "paste_too_long": {
        "zh": "这段内容太长了（{length} 个字，我最多读 {limit} 个字）。{advice}",
        "en": "That's too long for me to read ({length:,} characters; I read at most {limit:,}). {advice}",
    },
    # The app's 413 did not say the lengths: its message alone.
    "paste_too_long_plain": {
        "zh": "这段内容太长了，我读不完，请只粘贴相关的部分。{advice}",
        "en": "That's too long for me to read. Please paste only the part that matters. {advice}",
    },
}


def text(key: str, lang: Language, **values: object) -> str:
    """The message ``key`` in ``lang``, formatted with ``values``."""
    return TEXTS[key][lang].format(**values)


def reason_text(code: str, lang: Language) -> str:
    """Human wording of a deletion-check reason code; unknown codes are shown as is."""
    entry = TEXTS.get(f"reason_{code}")
    return entry[lang] if entry else code
