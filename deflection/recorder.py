"""Turn Rasa's events (as its event broker publishes them) into turn records.

One turn per ``user`` event; the ``bot`` events after it say what became of it
(their ``custom`` payload carries ``kind``, ``faq_id``, ``score``, ``candidates``...,
see actions/replies.py). Feedback is attached to the last answered turn, and a
"did you mean" choice teaches an alternate phrasing: the question the user had
asked, for the entry they chose. "diagnosis" replies give their turn its cause and the
conversation its connectivity case (deflection/cases.py).

Events of one conversation arrive in order (the broker sends batches one at a
time), but a turn's bot events may come in a later batch than its user event, so
the state between batches lives in the database, not in memory.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from contract.language import detect_language
from deflection import cases
from deflection import outcomes as oc
from deflection.event_checks import Refusal, check_events, clean, finite, mapping
from deflection.models import Conversation, Feedback, IngestedBatch, Suggestion, Turn
from deflection.records_health import RecordsHealth, keep_refused
from knowledge.models import normalize_question

MAX_TEXT = 4000
_UNKNOWN = "unknown"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordResult:
    """What one batch of events did."""

    events: int  # events accepted (recorded, or ignored as not being turns)
    turns: int
    duplicate: bool = False
    refused: tuple[Refusal, ...] = ()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def utc(ts: float) -> datetime:
    """A Rasa timestamp (seconds since the epoch) as naive UTC."""
    return datetime.fromtimestamp(ts, UTC).replace(tzinfo=None)


def epoch(at: datetime) -> float:
    return at.replace(tzinfo=UTC).timestamp()


@dataclass
class _ConversationState:
    conversation: Conversation | None = None
    current: Turn | None = None
    loaded: bool = False
    batch_turns: list[Turn] = field(default_factory=list)


class EventRecorder:
    """Records batches of Rasa events; thread-safe (one session per call)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self.health = RecordsHealth(sessions)  # what waits in the brokers' spools, what was refused

    def record(self, events: Sequence[Any], batch_id: str | None = None) -> RecordResult:
        """Record ``events`` (Rasa's event dicts with ``sender_id``) in one transaction.

        An event the recorder cannot take is refused alone (``RecordResult.refused``, and kept
        in ``refused_events`` for the admin API); the others are recorded. A batch whose
        ``batch_id`` was recorded before is skipped (the broker retried it).
        """
        checked = check_events(events)
        refused = checked.refused
        with self._sessions() as session:
            if batch_id is not None and session.get(IngestedBatch, batch_id) is not None:
                return RecordResult(checked.valid, 0, duplicate=True, refused=refused)
            turns = self._turns(session, checked.to_record)
            if refused:
                keep_refused(session, events, refused, batch_id)
            if batch_id is not None:
                session.add(IngestedBatch(id=batch_id, at=_now(), events=len(events)))
            try:
                session.commit()
            except IntegrityError:
                # The same batch, recorded by another worker a moment ago.
                session.rollback()
                if batch_id is not None and session.get(IngestedBatch, batch_id) is not None:
                    return RecordResult(checked.valid, 0, duplicate=True, refused=refused)
                raise
        if refused:
            log.warning(
                "%d of %d events of batch %s refused (recorded the rest); first: events[%d] %s",
                len(refused),
                len(events),
                batch_id,
                refused[0].index,
                refused[0].reason,
            )
        return RecordResult(checked.valid, turns, refused=refused)

    def _turns(self, session: Session, events: Sequence[Mapping[str, Any]]) -> int:
        turns = 0
        states: dict[str, _ConversationState] = {}
        for event in events:  # user and bot events only (check_events)
            state = states.setdefault(event["sender_id"], _ConversationState())
            if event["event"] == "user":
                self._user(session, event, state)
                turns += 1
            else:
                self._bot(session, event, state)
        return turns

    # --- user messages -------------------------------------------------------------

    def _user(self, session: Session, event: Mapping[str, Any], state: _ConversationState) -> None:
        sender: str = event["sender_id"]
        at = utc(float(event["timestamp"]))
        text = clean(str(event.get("text") or "")[:MAX_TEXT])
        intent_data = mapping(mapping(event.get("parse_data")).get("intent"))
        intent = clean(intent_data["name"]) if isinstance(intent_data.get("name"), str) else None
        confidence = finite(intent_data.get("confidence"))
        conversation = self._conversation(session, sender, state)
        channel = clean(str(event.get("input_channel") or (conversation.channel if conversation else _UNKNOWN))[:50])
        language = detect_language(text) or (conversation.language if conversation else _UNKNOWN)
        if conversation is None:
            conversation = Conversation(
                id=sender,
                started_at=at,
                day=at.date(),
                last_at=at,
                channel=channel,
                language=language,
                turns=0,
                questions=0,
                handed_off=False,
                useful=0,
                not_useful=0,
            )
            session.add(conversation)
            state.conversation = conversation
        conversation.turns += 1
        conversation.last_at = max(conversation.last_at, at)
        turn = Turn(
            conversation_id=sender,
            seq=conversation.turns,
            at=at,
            day=at.date(),
            channel=channel,
            language=language,
            text=text,
            intent=intent[:100] if intent else None,
            intent_confidence=confidence,
            outcome=oc.OTHER,
            n_candidates=0,
            handed_off=False,
        )
        session.add(turn)
        state.current = turn
        state.batch_turns.append(turn)
        if intent in (oc.POSITIVE_FEEDBACK_INTENT, oc.NEGATIVE_FEEDBACK_INTENT):
            turn.outcome = oc.FEEDBACK
            self._feedback(session, conversation, state, turn, intent == oc.POSITIVE_FEEDBACK_INTENT)

    def _feedback(
        self, session: Session, conversation: Conversation, state: _ConversationState, turn: Turn, useful: bool
    ) -> None:
        target = self._last(session, state, lambda t: t.outcome in oc.FEEDBACK_TARGETS, oc.FEEDBACK_TARGETS)
        if target is not None:
            target.useful = useful
            if target.id is None:
                session.flush()
        session.add(
            Feedback(
                conversation_id=conversation.id,
                turn_id=target.id if target is not None else None,
                faq_id=target.faq_id if target is not None else None,
                useful=useful,
                text=turn.text,
                at=turn.at,
                day=turn.day,
                channel=turn.channel,
                language=turn.language,
            )
        )
        if useful:
            conversation.useful += 1
        else:
            conversation.not_useful += 1
        conversation.last_feedback = useful

    # --- bot messages --------------------------------------------------------------

    def _bot(self, session: Session, event: Mapping[str, Any], state: _ConversationState) -> None:
        answered = self._answered(session, event["sender_id"], state)
        if answered is None:
            return  # a bot message before any user message (a greeting on session start)
        conversation, turn = answered
        custom = mapping(mapping(event.get("data")).get("custom"))
        kind, intent = custom.get("kind"), custom.get("intent")
        self._note_latency(turn, float(event["timestamp"]))
        self._note_language(conversation, turn, custom.get("language"))
        if kind == "handoff":
            self._note_handoff(conversation, turn, custom.get("ticket_id"))
        elif kind == "diagnosis":
            cause = custom.get("cause")  # null or an id: check_events refused anything else
            cases.note_diagnosis(conversation, turn, cause if isinstance(cause, str) else None)
        elif kind == "text" and intent == "goodbye":
            cases.note_goodbye(conversation)
        self._settle(session, conversation, state, turn, oc.outcome_of(kind, intent), custom)

    def _answered(self, session: Session, sender: str, state: _ConversationState) -> tuple[Conversation, Turn] | None:
        """The conversation and the turn a bot message answers: its latest, of this batch or stored."""
        conversation = self._conversation(session, sender, state)
        if conversation is None:
            return None
        if state.current is None:
            state.current = session.scalars(
                select(Turn).where(Turn.conversation_id == sender).order_by(Turn.seq.desc()).limit(1)
            ).first()
        return (conversation, state.current) if state.current is not None else None

    @staticmethod
    def _note_latency(turn: Turn, ts: float) -> None:
        """The time to the turn's first reply."""
        if turn.latency_ms is None:
            turn.latency_ms = round(max(0.0, ts - epoch(turn.at)) * 1000.0, 3)

    @staticmethod
    def _note_language(conversation: Conversation, turn: Turn, language: object) -> None:
        """The language the bot answered in is the turn's (and, on the first turn, the conversation's)."""
        if language in ("zh", "en"):
            turn.language = str(language)
            if conversation.turns == 1:
                conversation.language = str(language)

    @staticmethod
    def _note_handoff(conversation: Conversation, turn: Turn, ticket: object) -> None:
        turn.handed_off = True
        turn.ticket_id = clean(str(ticket)[:40]) if ticket else None
        conversation.handed_off = True
        cases.note_handoff(conversation, turn)

    def _settle(
        self,
        session: Session,
        conversation: Conversation,
        state: _ConversationState,
        turn: Turn,
        outcome: str | None,
        custom: Mapping[str, Any],
    ) -> None:
        """Give the turn this reply's outcome, unless an earlier reply decided it (a hand-off still may)."""
        if outcome is None:
            return
        if turn.outcome == oc.OTHER:
            self._decide(session, conversation, state, turn, outcome, custom)
        elif outcome == oc.HANDOFF and turn.outcome in (oc.SMALLTALK, oc.ERROR):
            turn.outcome = oc.HANDOFF

    def _decide(
        self,
        session: Session,
        conversation: Conversation,
        state: _ConversationState,
        turn: Turn,
        outcome: str,
        custom: Mapping[str, Any],
    ) -> None:
        if outcome == oc.ANSWERED and turn.intent == oc.CHOOSE_FAQ_INTENT:
            outcome = oc.CANDIDATE_CHOSEN
        turn.outcome = outcome
        if outcome in oc.QUESTION_OUTCOMES:
            conversation.questions += 1
        if outcome in (oc.ANSWERED, oc.CANDIDATE_CHOSEN):
            faq_id = custom.get("faq_id")
            turn.faq_id = clean(str(faq_id)[:64]) if faq_id else None
            score = custom.get("score")
            turn.score = finite(score)
        if outcome == oc.DECLINED:
            candidates = [
                {
                    "id": clean(str(c.get("id"))),
                    "question": clean(str(c.get("question", ""))),
                    "score": finite(c.get("score")),
                }
                for c in (custom.get("candidates") or [])
                if isinstance(c, Mapping) and c.get("id")
            ][:10]
            turn.candidates = candidates
            turn.n_candidates = len(candidates)
        if outcome == oc.CANDIDATE_CHOSEN and turn.faq_id:
            self._learn(session, state, turn)

    def _learn(self, session: Session, state: _ConversationState, chosen: Turn) -> None:
        """The declined question whose candidates the user chose from becomes a suggested alternate."""
        offered = self._last(
            session,
            state,
            lambda t: t is not chosen and t.outcome == oc.DECLINED and t.n_candidates > 0,
            frozenset({oc.DECLINED}),
            before=chosen,
        )
        if offered is None or not offered.text.strip() or offered.text.startswith("/"):
            return
        if chosen.faq_id not in {c.get("id") for c in offered.candidates or []}:
            return
        phrasing = " ".join(offered.text.split())[:1000]
        normalized = normalize_question(phrasing)[:1000]
        now = datetime.now(UTC).replace(tzinfo=None)
        faq_id = str(chosen.faq_id)
        existing = session.scalars(
            select(Suggestion).where(Suggestion.faq_id == faq_id, Suggestion.normalized == normalized)
        ).first()
        if existing is None:
            session.add(
                Suggestion(
                    faq_id=faq_id,
                    phrasing=phrasing,
                    normalized=normalized,
                    count=1,
                    status="pending",
                    created_at=now,
                    updated_at=now,
                )
            )
            session.flush()
        else:
            existing.count += 1
            existing.updated_at = now

    # --- lookups -----------------------------------------------------------------

    def _conversation(self, session: Session, sender: str, state: _ConversationState) -> Conversation | None:
        if not state.loaded:
            state.conversation = session.get(Conversation, sender)
            state.loaded = True
        return state.conversation

    def _last(
        self,
        session: Session,
        state: _ConversationState,
        match: Any,
        outcomes: frozenset[str],
        before: Turn | None = None,
    ) -> Turn | None:
        """The latest turn of the conversation that ``match``es: this batch first, then the database."""
        turns = [t for t in state.batch_turns if before is None or t.seq < before.seq]
        for turn in reversed(turns):
            if match(turn):
                return turn
        conversation = state.conversation
        if conversation is None:
            return None
        first_in_batch = state.batch_turns[0].seq if state.batch_turns else conversation.turns + 1
        limit_seq = min(first_in_batch, before.seq) if before is not None else first_in_batch
        found: Turn | None = session.scalars(
            select(Turn)
            .where(Turn.conversation_id == conversation.id, Turn.seq < limit_seq, Turn.outcome.in_(outcomes))
            .order_by(Turn.seq.desc())
            .limit(1)
        ).first()
        return found if found is not None and match(found) else None
