"""Runs in the Rasa environment: one check per hook of bot/rasa_compat.py, and of the NLU
components that replace a slow part of Rasa, against the installed Rasa.

    cd bot && PYTHONPATH=.:.. ../.venv-rasa/bin/python ../tests/bot/rasa_compat_checks.py [names...]

Prints one JSON line per check, ``{"check": name, "ok": bool, "detail": str}``; the app
environment's tests/bot/test_rasa_compat.py runs it and turns each line into a test. Rasa's
own private code may be called here: these checks are where the hooks are held to it.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
BOT = Path(__file__).resolve().parents[2] / "bot"
MODEL = BOT / "models" / "current.tar.gz"
CHECKS: dict[str, Callable[[], str]] = {}


def check(fn: Callable[[], str]) -> Callable[[], str]:
    CHECKS[fn.__name__] = fn
    return fn


def graph_parts(tmp: Path, name: str) -> tuple[Any, Any, Any]:
    """A model storage, resource and execution context, as Rasa's graph gives a component."""
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    (tmp / name).mkdir(parents=True, exist_ok=True)
    return LocalModelStorage(tmp / name), Resource(name), ExecutionContext(GraphSchema({}), name)


# --- the version check and the process-wide hooks ---------------------------------------------


@check
def version() -> str:
    import rasa_compat

    rasa_compat.check_version()
    try:
        rasa_compat.check_version("3.7.0")
    except rasa_compat.RasaVersionError as e:
        missing = [h.name for h in rasa_compat.HOOKS if h.name not in str(e)]
        assert not missing, f"the refusal does not name {missing}"
    else:
        raise AssertionError("Rasa 3.7.0 was accepted")
    # A name a hook relies on that the installed Rasa lacks is refused too, and named.
    bogus = rasa_compat.Hook("bogus", ("rasa.core.processor:MessageProcessor.no_such_method",), "test")
    saved = rasa_compat.HOOKS
    rasa_compat.HOOKS = (*saved, bogus)
    try:
        rasa_compat.check_version()
    except rasa_compat.RasaVersionError as e:
        assert "MessageProcessor.no_such_method" in str(e), e
    else:
        raise AssertionError("a missing name was accepted")
    finally:
        rasa_compat.HOOKS = saved
    return f"Rasa {rasa_compat.PINNED_RASA} accepted; 3.7.0 and a missing name refused, with the hooks to review"


@check
def install_once_and_only_over_rasa_methods() -> str:
    import rasa_compat
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor

    rasa_compat.install({"HELPDESK_MAX_MESSAGE_CHARS": "100"})
    rasa_compat.install()  # a second call changes nothing
    assert RemoteAction.run.__qualname__ == "RemoteAction.run.guarded"
    assert RemoteAction._validate_action_result.__qualname__ == "RemoteAction._validate_action_result.guarded"
    assert MessageProcessor.handle_message.__qualname__ == "MessageProcessor.handle_message.guarded"
    assert MessageProcessor.handle_message.__wrapped__.__qualname__ == "MessageProcessor.handle_message"

    class Other:
        async def run(self) -> None: ...

    Other.run.__qualname__ = "Patched.run"  # what someone else's patch would look like
    try:
        rasa_compat._wrap(Other, "run", lambda original: original)
    except rasa_compat.RasaVersionError as e:
        assert "Other.run" in str(e)
    else:
        raise AssertionError("a method that is not Rasa's own was wrapped")
    return "each wrapped once; a foreign method refused"


@check
def action_timeout() -> str:
    import rasa_compat
    from rasa.core.actions.action import RemoteAction
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    rasa_compat.install({"HELPDESK_MAX_MESSAGE_CHARS": "100"})
    os.environ["ACTION_TIMEOUT_S"] = "0.5"

    async def hung(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)  # accepts, never answers

    async def run() -> tuple[list[Any], list[Any], float]:
        server = await asyncio.start_server(hung, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        tracker = DialogueStateTracker("t", [])
        tracker.update(UserUttered("445端口能用吗", {"name": "ask_port", "confidence": 1.0}))
        nlg, domain = TemplatedNaturalLanguageGenerator({}), Domain.empty()
        down = RemoteAction("action_answer", EndpointConfig("http://127.0.0.1:9/webhook"))
        failed = await down.run(CollectingOutputChannel(), nlg, tracker, domain)
        slow = RemoteAction("action_answer", EndpointConfig(f"http://127.0.0.1:{port}/webhook"))
        start = time.monotonic()
        timed_out = await slow.run(CollectingOutputChannel(), nlg, tracker, domain)
        server.close()
        return failed, timed_out, time.monotonic() - start

    failed, timed_out, took = asyncio.run(run())
    for events in (failed, timed_out):
        assert len(events) == 1 and isinstance(events[0], BotUttered), events
        assert events[0].data["custom"] == {"kind": "error", "language": "zh", "error": "unavailable"}
    assert took < 5, f"the hung action took {took:.1f} s (ACTION_TIMEOUT_S=0.5)"
    return f"down: one polite reply; hung: the same after {took:.2f} s"


@check
def action_result_schema() -> str:
    import rasa_compat
    from jsonschema import ValidationError, validators
    from rasa.core.actions.action import RemoteAction

    rasa_compat.install({"HELPDESK_MAX_MESSAGE_CHARS": "100"})
    schema_class = validators.validator_for(RemoteAction.action_response_format_spec())
    checked = []
    original_check = schema_class.check_schema

    def counting(schema: Any, *args: Any, **kwargs: Any) -> None:
        checked.append(schema)
        original_check(schema, *args, **kwargs)

    schema_class.check_schema = counting  # type: ignore[method-assign]
    action = RemoteAction("action_answer", None)
    valid = {
        "events": [{"event": "slot", "timestamp": None, "name": "language", "value": "zh"}],
        "responses": [{"text": "445 端口被封", "buttons": [], "custom": {"kind": "port_verdict"}}],
    }
    invalid = {"events": [{"event": "slot", "timestamp": "soon", "name": "language"}], "responses": "none"}
    try:
        for _ in range(3):
            assert action._validate_action_result(valid) is True
        assert not checked, "the schema was checked again on a call"
        errors = []
        rasas = RemoteAction._validate_action_result.__wrapped__
        for validate in (action._validate_action_result, lambda result: rasas(action, result)):
            try:
                validate(invalid)
            except ValidationError as e:
                errors.append(e.message)
            else:
                raise AssertionError("an invalid answer was accepted")
    finally:
        schema_class.check_schema = original_check  # type: ignore[method-assign]
    assert errors[0] == errors[1] and "Failed to validate Action server response" in errors[0], errors
    return "a valid answer passes without checking the schema again; an invalid one gets Rasa's own error"


@check
def message_cap() -> str:
    import rasa_compat
    from guards import message_size
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    for bad in ("0", "-5", "lots", "1.5"):
        try:
            message_size.max_message_chars({"HELPDESK_MAX_MESSAGE_CHARS": bad})
        except ValueError as e:
            assert "HELPDESK_MAX_MESSAGE_CHARS" in str(e)
        else:
            raise AssertionError(f"HELPDESK_MAX_MESSAGE_CHARS={bad!r} accepted")
    assert message_size.max_message_chars({}) == 20_000
    rasa_compat.install({"HELPDESK_MAX_MESSAGE_CHARS": "100"})
    agent = Agent.load(str(MODEL))
    parses: list[str] = []
    parse = agent.processor.parse_message

    async def counting(message: Any, *args: Any, **kwargs: Any) -> Any:
        parses.append(message.text)
        return await parse(message, *args, **kwargs)

    agent.processor.parse_message = counting

    async def say(text: str, sender: str) -> list[dict[str, Any]]:
        return await agent.handle_message(UserMessage(text, CollectingOutputChannel(), sender)) or []

    async def run() -> tuple[list[Any], list[Any], list[Any], Any]:
        long_zh = await say("端口" * 60, "cap-zh")  # 120 characters
        long_en = await say("port " * 30 + "x", "cap-en")  # 151 characters
        after = await say("445端口能用吗", "cap-zh")
        return long_zh, long_en, after, await agent.tracker_store.retrieve("cap-zh")

    long_zh, long_en, after, tracker = asyncio.run(run())
    assert [m.get("custom") for m in long_zh if "custom" in m] == [
        {"kind": "text", "language": "zh", "intent": "too_long"}
    ], long_zh
    assert "120 个字" in long_zh[0]["text"] and "100" in long_zh[0]["text"]
    assert long_en[-1]["custom"]["language"] == "en" and "151 characters" in long_en[0]["text"]
    assert parses == ["445端口能用吗"], f"NLU ran on {parses}"
    assert after, "the conversation goes on after an over-long message"
    users = [e for e in tracker.events if e.type_name == "user"]
    assert users[0].intent["name"] == "too_long" and users[0].parse_data["message_too_long"]["chars"] == 120
    assert users[1].intent["name"] == "ask_port"
    return "over 100 characters: answered in the user's language without NLU, recorded as too_long"


# --- Slack ------------------------------------------------------------------------------------


def slack_input(granularity: str = "sender", channel: str | None = None) -> Any:
    from connectors.slack import SlackInput

    return SlackInput(
        "xoxb-test", channel, slack_signing_secret="s", conversation_granularity=granularity, use_threads=True
    )


def slack_event(**fields: Any) -> dict[str, Any]:
    return {"type": "event_callback", "event": {"type": "message", "user": "U1", "channel": "D1", **fields}}


@check
def slack_is_user_message() -> str:
    import rasa_compat

    assert rasa_compat.slack_is_user_message(slack_event(text="hi", channel_type="im"))
    assert rasa_compat.slack_is_user_message(slack_event(type="app_mention", text="<@UBOT> hi"))
    assert not rasa_compat.slack_is_user_message(slack_event(text="hi", bot_id="B1"))  # the bot's own post
    assert not rasa_compat.slack_is_user_message(slack_event(subtype="message_changed"))  # no text
    assert not rasa_compat.slack_is_user_message({"type": "event_callback"})
    return "messages and mentions with text; not bots' posts, edits or events without a message"


@check
def slack_is_supported_channel() -> str:
    import rasa_compat

    channel = slack_input(channel="C1")
    meta = {"out_channel": "C2"}
    assert rasa_compat.slack_is_supported_channel(channel, slack_event(text="x", channel_type="im"), meta)
    assert rasa_compat.slack_is_supported_channel(channel, slack_event(type="app_mention", text="x"), meta)
    assert not rasa_compat.slack_is_supported_channel(channel, slack_event(text="x", channel_type="channel"), meta)
    assert rasa_compat.slack_is_supported_channel(channel, slack_event(text="x"), {"out_channel": "C1"})
    return "DMs, mentions and SLACK_CHANNEL; not other channels"


@check
def slack_conversation_id() -> str:
    import rasa_compat

    found = {
        g: rasa_compat.slack_conversation_id(slack_input(g), "U1", "C1", "T1") for g in ("sender", "channel", "thread")
    }
    assert found == {"sender": "U1", "channel": "U1_C1", "thread": "U1_C1_T1"}, found
    return str(found)


@check
def slack_is_interactive_message() -> str:
    import rasa_compat

    assert rasa_compat.slack_is_interactive_message({"actions": [{"type": "button", "value": "/x"}]})
    assert rasa_compat.slack_is_interactive_message({"actions": [{"type": "static_select"}]})
    assert not rasa_compat.slack_is_interactive_message({"actions": [{"type": "rich_text_input"}]})
    assert not rasa_compat.slack_is_interactive_message({"actions": []})
    return "buttons and menus; not other components"


@check
def slack_interactive_response() -> str:
    import rasa_compat

    assert rasa_compat.slack_interactive_response({"type": "button", "value": "/choose_faq"}) == "/choose_faq"
    selected = {"type": "static_select", "selected_option": {"value": "2"}}
    assert rasa_compat.slack_interactive_response(selected) == "2"
    assert rasa_compat.slack_interactive_response({"type": "button", "url": "https://x"}) is None  # a link
    return "a button's value, a menu's choice; None for a link button"


@check
def slack_sanitize_is_rasas_in_linear_time() -> str:
    from connectors.slack_events import sanitize
    from rasa.core.channels.slack import SlackInput

    samples = [
        "<@UBOT> 445端口能用吗",
        "hi <@UBOT>",
        "a <@UBOT>b <@UOTHER>",
        "see <https://cloud.tencent.com/document/product/213|the FAQ> and <mailto:a@b.c|a@b.c>",
        "<http://x|a|b> <http://y>",
        "no markup at all",
    ]
    for text in samples:
        assert sanitize(text, ["UBOT"]) == SlackInput._sanitize_user_message(text, ["UBOT"]), text
    hostile = "<http://a|" * 1250  # 12,500 characters: Rasa's pattern took 23 s of CPU on it
    start = time.process_time()
    sanitize(hostile, ["UBOT"])
    took = time.process_time() - start
    assert took < 1.0, f"{took:.2f} s"  # a bound against backtracking, not a benchmark
    return f"as Rasa's on {len(samples)} samples; 12,500 characters of '<http://a|' in {took * 1000:.0f} ms"


# --- NLU components ---------------------------------------------------------------------------


@check
def classifier_features() -> str:
    import numpy as np
    import rasa_compat
    from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
    from rasa.shared.nlu.training_data.features import Features
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from scipy.sparse import coo_matrix

    seen: list[int] = []

    class Doubled(rasa_compat.FeatureHookedLogisticRegression):
        def transform_features(self, features: Any) -> Any:
            seen.append(features.shape[0])
            return features * 2

    def example(vector: list[float], intent: str | None = None) -> Message:
        features = Features(coo_matrix([vector]), "sentence", "text", "test")
        return Message(data={"text": "x", **({"intent": intent} if intent else {})}, features=[features])

    with tempfile.TemporaryDirectory() as tmp:
        storage, resource, context = graph_parts(Path(tmp), "clf")
        config = {**LogisticRegressionClassifier.get_default_config(), "random_state": 0}
        clf = Doubled.create(config, storage, resource, context)
        clf.set_regularisation(3.0)
        assert clf.clf.C == 3.0
        data = [example([1, 0], "a"), example([1, 0.1], "a"), example([0, 1], "b"), example([0.1, 1], "b")]
        clf.train(TrainingData(data))
        predicted = clf.process([example([0.9, 0])])[0].get("intent")["name"]
    assert seen == [4, 1], f"transform_features saw {seen}: training and prediction must both go through it"
    assert predicted == "a" and np.isfinite(clf.clf.coef_).all()
    return "the feature matrix passes through transform_features in training and in prediction; C set"


def tokenized(texts: list[str], tmp: Path) -> list[Any]:
    from components.tokenizer import SegmentedJiebaTokenizer
    from rasa.shared.nlu.training_data.message import Message

    storage, resource, context = graph_parts(tmp, "tok")
    config = {**SegmentedJiebaTokenizer.get_default_config(), "token_pattern": r"(?u)[a-zA-Z]+|[0-9]+|[^\W\d_a-zA-Z]+"}
    tokenizer = SegmentedJiebaTokenizer.create(config, storage, resource, context)
    return tokenizer.process([Message(data={"text": t}) for t in texts])


@check
def count_vectors_sentence_only() -> str:
    from components.count_vectors import SentenceCountVectorsFeaturizer
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
    from rasa.shared.nlu.training_data.training_data import TrainingData

    texts = ["445端口能用吗", "how do I open port 22", "安全组删不掉", "tcp25 blocked?"]
    queries = ["端口 22 能用吗", "open 3389 please", "sg-1a2b3c4d 删除"]
    found = {}
    with tempfile.TemporaryDirectory() as tmp:
        for cls in (CountVectorsFeaturizer, SentenceCountVectorsFeaturizer):
            for analyzer in ("word", "char_wb"):
                name = f"{cls.__name__}-{analyzer}"
                storage, resource, context = graph_parts(Path(tmp), name)
                config = {**cls.get_default_config(), "analyzer": analyzer, "min_ngram": 1, "max_ngram": 4}
                featurizer = cls.create(config, storage, resource, context)
                training = TrainingData(tokenized(texts, Path(tmp) / f"t-{name}"))
                featurizer.train(training)
                messages = featurizer.process(tokenized(queries, Path(tmp) / f"q-{name}"))
                found[name] = [m.get_sparse_features("text") for m in messages]
    for analyzer in ("word", "char_wb"):
        rasa = found[f"CountVectorsFeaturizer-{analyzer}"]
        ours = found[f"SentenceCountVectorsFeaturizer-{analyzer}"]
        for (rasa_seq, rasa_sent), (our_seq, our_sent) in zip(rasa, ours, strict=True):
            assert rasa_seq is not None and our_seq is None
            assert (rasa_sent.features != our_sent.features).nnz == 0
    return "sentence features equal to Rasa's (word and char_wb); no sequence features"


@check
def segmented_tokenizer() -> str:
    from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
    from rasa.shared.nlu.training_data.message import Message

    short = ["445端口能用吗", "安全组入站规则怎么配置？", "tcp25 and udp53 blocked?"]
    with tempfile.TemporaryDirectory() as tmp:
        storage, resource, context = graph_parts(Path(tmp), "jieba")
        config = {**JiebaTokenizer.get_default_config(), "token_pattern": r"(?u)[a-zA-Z]+|[0-9]+|[^\W\d_a-zA-Z]+"}
        rasa = JiebaTokenizer.create(config, storage, resource, context)
        ours = tokenized(short, Path(tmp))
        for message in ours:
            expected = rasa.tokenize(Message(data={"text": message.get("text")}), "text")
            got = message.get("text_tokens")
            assert [(t.text, t.start, t.end) for t in got] == [(t.text, t.start, t.end) for t in expected]
        long = "445端口，" * 600 + "端" * 5000
        start = time.process_time()
        (message,) = tokenized([long], Path(tmp) / "long")
        took = time.process_time() - start
    tokens = message.get("text_tokens")
    assert all(long[t.start : t.end] == t.text for t in tokens), "offsets are those of the whole text"
    assert took < 2.0, f"{took:.2f} s"  # a bound against quadratic growth, not a benchmark
    return f"short texts as Rasa's Jieba; {len(long):,} characters in {took * 1000:.0f} ms with true offsets"


@check
def linear_regex_featurizer() -> str:
    from components.regex_featurizer import LinearRegexFeaturizer
    from rasa.nlu.featurizers.sparse_featurizer.regex_featurizer import RegexFeaturizer

    patterns = [
        {"name": "port", "pattern": r"(?<![A-Za-z0-9_.\-])[0-9]{1,5}(?![0-9.])"},
        {"name": "protocol", "pattern": r"(?<![A-Za-z])(?:tcp|udp)(?![A-Za-z])"},
        {"name": "sg_id", "pattern": r"(?<![A-Za-z0-9])sg-[0-9a-z]{8}(?![0-9a-z])"},
        {"name": "empty", "pattern": r"x*"},  # zero-length matches
    ]
    texts = ["445端口能用吗", "tcp25 和 udp 53", "sg-1a2b3c4d 删不掉", "1.2.3.4/24 80", "xx 端口 x", "没有"]
    with tempfile.TemporaryDirectory() as tmp:
        featurizers = []
        for cls in (RegexFeaturizer, LinearRegexFeaturizer):
            storage, resource, context = graph_parts(Path(tmp), cls.__name__)
            config = {**cls.get_default_config(), "case_sensitive": False}
            featurizers.append(cls(config, storage, resource, context, known_patterns=patterns))
        rasa, ours = featurizers
        for text in texts:
            (a,) = tokenized([text], Path(tmp) / f"a{len(text)}")
            (b,) = tokenized([text], Path(tmp) / f"b{len(text)}")
            expected = rasa._features_for_patterns(a, "text")
            got = ours.regex_features(b, "text")
            for e, g in zip(expected, got, strict=True):
                assert (e.toarray() == g.toarray()).all(), text
            assert [t.get("pattern") for t in a.get("text_tokens")] == [t.get("pattern") for t in b.get("text_tokens")]
        (hostile,) = tokenized(["445," * 5000], Path(tmp) / "hostile")
        start = time.process_time()
        ours.regex_features(hostile, "text")
        took = time.process_time() - start
    assert took < 1.0, f"{took:.2f} s"  # Rasa's took 4.5 s; a bound against quadratic growth
    return f"features and token flags equal to Rasa's; '445,' x 5000 in {took * 1000:.0f} ms"


# --- the tracker store ------------------------------------------------------------------------


@check
def tracker_store_stream_and_unsaved_events() -> str:
    import rasa_compat
    from rasa.core.brokers.broker import EventBroker
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    class Recording(EventBroker):
        def __init__(self) -> None:
            self.published: list[dict[str, Any]] = []

        def publish(self, event: dict[str, Any]) -> None:
            self.published.append(event)

    async def run() -> tuple[int, list[Any], list[dict[str, Any]]]:
        with tempfile.TemporaryDirectory() as tmp:
            store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(Path(tmp) / "t.db"))
            tracker = DialogueStateTracker("c1", [])
            for event in (ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"}), BotUttered("hello")):
                tracker.update(event)
            await store.save(tracker)
            tracker.update(UserUttered("445", {"name": "ask_port"}))
            tracker.update(BotUttered("blocked"))
            with store.session_scope() as session:
                unsaved = list(rasa_compat.unsaved_events(store, session, tracker))
            broker = Recording()
            await rasa_compat.stream_new_events(store, broker, unsaved, "c1")
            return len(tracker.events), unsaved, broker.published

    total, unsaved, published = asyncio.run(run())
    assert [e.type_name for e in unsaved] == ["user", "bot"], unsaved
    assert [(p["sender_id"], p["event"]) for p in published] == [("c1", "user"), ("c1", "bot")], published
    return f"{len(unsaved)} of {total} events unsaved; published with their sender_id"


@check
def helpdesk_tracker_store_sqlite_and_outage_context() -> str:
    """brokers/tracker_store.py: an SQLite file is kept open in WAL mode, durable on commit; a
    conversation's context comes back from memory, as the database had it, when it cannot be read."""
    # bot/brokers, not tests/bot/brokers (this script's folder is first on the path)
    sys.path.insert(0, str(BOT))
    try:
        from brokers.recent import RecentTrackers
        from brokers.tracker_store import HelpdeskSQLTrackerStore
    finally:
        sys.path.remove(str(BOT))
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from sqlalchemy.exc import OperationalError

    domain = Domain.load(str(BOT / "domain.yml"))
    paste = (BOT.parent / "tests" / "evidence" / "data" / "host" / "iptables_S.txt").read_text(encoding="utf-8")

    async def turn(store: Any, sender: str, text: str, intent: str, case: Any) -> None:
        tracker = await store.get_or_create_tracker(sender)
        for event in (
            UserUttered(text, {"name": intent, "confidence": 1.0}),
            ActionExecuted("action_diagnose"),
            BotUttered("诊断", data={"custom": {"kind": "diagnosis", "language": "zh"}}),
            SlotSet("case", case),
            ActionExecuted("action_listen"),
        ):
            tracker.update(event, domain)
        await store.save(tracker)

    async def run(path: Path) -> tuple[Any, ...]:
        store = HelpdeskSQLTrackerStore(domain, dialect="sqlite", db=str(path))
        with store.engine.connect() as conn:
            modes = (
                conn.exec_driver_sql("PRAGMA journal_mode").scalar(),
                conn.exec_driver_sql("PRAGMA synchronous").scalar(),
            )
        await turn(store, "c1", "8080访问不了", "report_problem", {"ports": [8080]})
        await turn(store, "c1", paste, "report_problem", {"ports": [8080], "evidence": [paste]})
        with store.session_scope() as session:
            rows = [r.data for r in session.query(store.SQLEvent).filter_by(sender_id="c1").order_by(store.SQLEvent.id)]
        remembered = list(store._recent._items["c1"].events)
        expected = await store.retrieve("c1")

        async def down(*args: Any, **kwargs: Any) -> Any:
            raise OperationalError("SELECT", {}, Exception("database down"))

        saved, SQLTrackerStore._retrieve = SQLTrackerStore._retrieve, down  # type: ignore[method-assign]
        try:
            during = await store.retrieve("c1")
            unknown = await store.retrieve("c2")
        finally:
            SQLTrackerStore._retrieve = saved  # type: ignore[method-assign]
        return type(store.engine.pool).__name__, modes, rows, remembered, expected, during, unknown

    with tempfile.TemporaryDirectory() as tmp:
        pool, modes, rows, remembered, expected, during, unknown = asyncio.run(run(Path(tmp) / "t.db"))
    assert pool == "QueuePool" and modes == ("wal", 2), (pool, modes)  # 2: synchronous=FULL
    assert remembered == rows, "what is remembered is what the database stores"
    assert during is not None and unknown is None
    assert [e.as_dict() for e in during.events] == [e.as_dict() for e in expected.events]
    assert during.current_slot_values() == expected.current_slot_values()

    class Tracker:  # just what RecentTrackers reads
        def __init__(self, sender_id: str, size: int) -> None:
            self.sender_id, self.events = sender_id, [BotUttered("x" * size)]

    recent = RecentTrackers(max_conversations=3, max_chars=10_000)
    for i in range(5):
        recent.remember(Tracker(f"s{i}", 1000))  # type: ignore[arg-type]
    assert [f"s{i}" in recent for i in range(5)] == [False, False, True, True, True], "at most 3 conversations"
    recent.remember(Tracker("big", 8_000))  # type: ignore[arg-type]
    assert "big" in recent and recent.chars <= 10_000 and len(recent) < 3, "at most 10,000 characters"
    return (
        f"SQLite kept open ({pool}, WAL, synchronous FULL); {len(rows)} events remembered as stored; "
        "the context read back during an outage equals the database's; bounded in conversations and characters"
    )


@check
def paste_tokenized_to_its_head() -> str:
    """components/tokenizer.py: a served paste is tokenized (and regex-featurized) as far as its first
    segment, a training example whole; the intent comes from the whole text, entities from the head
    (components/entity_extractor.py)."""
    from components.regex_featurizer import LinearRegexFeaturizer
    from components.tokenizer import SEGMENT_CHARS, TOKENIZED_CHARS, SegmentedJiebaTokenizer
    from rasa.core.agent import Agent
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    rules = (BOT.parent / "tests" / "evidence" / "data" / "host" / "iptables_L_nv_lines.txt").read_text(
        encoding="utf-8"
    )
    paste = "8080 连不上，规则如下：\n" + rules + "\n" + rules  # about 3,700 characters
    with tempfile.TemporaryDirectory() as tmp:
        (served,) = tokenized([paste], Path(tmp) / "served")
        storage, resource, context = graph_parts(Path(tmp), "train")
        config = {
            **SegmentedJiebaTokenizer.get_default_config(),
            "token_pattern": r"(?u)[a-zA-Z]+|[0-9]+|[^\W\d_a-zA-Z]+",
        }
        training = TrainingData([Message(data={"text": paste, "intent": "report_problem"})])
        SegmentedJiebaTokenizer.create(config, storage, resource, context).process_training_data(training)
        trained = training.training_examples[0]
        storage, resource, context = graph_parts(Path(tmp), "regex")
        config = {**LinearRegexFeaturizer.get_default_config(), "case_sensitive": False}
        tail_only = [{"name": "reject", "pattern": r"reject-with"}]  # only in the paste's rules, past its head
        featurizer = LinearRegexFeaturizer(config, storage, resource, context, known_patterns=tail_only)
        _, sentence = featurizer.regex_features(served, "text")
    covered = served.get(TOKENIZED_CHARS)
    assert covered is not None and covered <= SEGMENT_CHARS < len(paste)
    assert max(t.end for t in served.get("text_tokens")) <= covered
    assert max(t.end for t in trained.get("text_tokens")) > len(paste) - 10, "training tokenizes the whole text"
    assert sentence is not None and sentence.toarray().sum() == 0, "a pattern past the head is not searched"
    parsed = asyncio.run(Agent.load(str(MODEL)).parse_message(paste))
    ports = [e for e in parsed["entities"] if e["entity"] == "port"]
    assert parsed["intent"]["name"] == "report_problem" and parsed["intent"]["confidence"] == 1.0
    assert ports and all(e["end"] <= covered for e in ports), "entities are read from the head only"
    assert ports[0]["value"] == "8080" and ports[0]["start"] == 0, "the user's words before the paste are read"
    short = asyncio.run(Agent.load(str(MODEL)).parse_message("8080 和 443 连不上"))
    assert [e["value"] for e in short["entities"] if e["entity"] == "port"] == ["8080", "443"], "others unchanged"
    return f"served: tokens up to {covered} of {len(paste)} characters; trained whole; {len(ports)} port entities"


# Which check holds each hook of rasa_compat.HOOKS to the installed Rasa.
COVERS = {
    "action_timeout": "action_timeout",
    "action_result_schema": "action_result_schema",
    "message_cap": "message_cap",
    "slack_is_user_message": "slack_is_user_message",
    "slack_is_supported_channel": "slack_is_supported_channel",
    "slack_conversation_id": "slack_conversation_id",
    "slack_is_interactive_message": "slack_is_interactive_message",
    "slack_interactive_response": "slack_interactive_response",
    "classifier_features": "classifier_features",
    "count_vectors_sentence_only": "count_vectors_sentence_only",
    "tracker_store_stream": "tracker_store_stream_and_unsaved_events",
    "tracker_store_unsaved_events": "tracker_store_stream_and_unsaved_events",
}


@check
def every_hook_has_a_check() -> str:
    import rasa_compat

    hooks = {h.name for h in rasa_compat.HOOKS}
    assert hooks == set(COVERS), f"hooks without a check: {hooks - set(COVERS)}; stale: {set(COVERS) - hooks}"
    assert set(COVERS.values()) <= set(CHECKS)
    return f"{len(hooks)} hooks, each checked"


def main() -> None:
    import logging

    import structlog

    # Rasa logs every step at debug level through structlog, to stdout: keep stdout for the results.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    os.chdir(BOT)
    wanted = sys.argv[1:] or list(CHECKS)
    for name in wanted:
        try:
            detail, ok = CHECKS[name](), True
        except Exception as e:  # one line per check, whatever went wrong
            detail, ok = f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=4)}", False
        print(json.dumps({"check": name, "ok": ok, "detail": detail}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
