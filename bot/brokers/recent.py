"""What the tracker store remembers of recent conversations, to keep their context through a database outage.

A conversation is remembered as its events in the form the database stores them (each
event's JSON, ``event.as_dict()``), not as a live ``DialogueStateTracker``: a tracker with
its parsed messages, slots and states took about 150 KB of Rasa's memory per conversation
of 3 to 5 turns, and 1,000 of them were most of Rasa's growth (benchmarks/bot_bench.py,
1,000 conversations: +166 MB). The JSON is what the save has just written (no extra work
per turn); a conversation first saved by this process is serialised once. When the
database cannot be read, the tracker is rebuilt from it as Rasa rebuilds one from its
rows (``DialogueStateTracker.from_dict``).

Bounded both in conversations and in bytes, whichever comes first; the least recently
saved are forgotten first.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

K = TypeVar("K")
V = TypeVar("V")


class Lru(Generic[K, V]):
    """A dict that forgets its least recently set keys past ``size``."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        return self._items.get(key)

    def set(self, key: K, value: V) -> tuple[K, V] | None:
        """Set ``key``; returns the entry it pushed out, if any."""
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self.size:
            return self._items.popitem(last=False)
        return None

    def pop(self, key: K) -> V | None:
        return self._items.pop(key, None)

    def keys(self) -> list[K]:
        return list(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)


def event_json(event: Event) -> str:
    """An event as the SQL tracker store writes it (its ``data`` column)."""
    return json.dumps(event.as_dict())


@dataclass
class _Remembered:
    events: list[str]  # each event's JSON, in order
    size: int  # characters of JSON
    first: float | None  # timestamps of the first and last event: that a save extends these events
    last: float | None


class RecentTrackers:
    """Conversations' events as JSON, at most ``max_conversations`` and ``max_chars`` characters of it."""

    def __init__(self, max_conversations: int, max_chars: int) -> None:
        self.max_conversations = max_conversations
        self.max_chars = max_chars
        self._items: OrderedDict[str, _Remembered] = OrderedDict()
        self._chars = 0

    def remember(self, tracker: DialogueStateTracker, written: Sequence[str] | None = None) -> None:
        """Remember ``tracker`` as saved. ``written``: the JSON of the events the save has just
        written, the tracker's last ones; they extend what is remembered when the tracker's
        earlier events are those, else the whole tracker is serialised."""
        events: list[Event] = list(tracker.events)
        old = self._items.pop(tracker.sender_id, None)
        if old is not None:
            self._chars -= old.size
        if written is not None and old is not None and self._extends(old, events, len(written)):
            kept, size = old.events, old.size
            kept.extend(written)
            size += sum(len(s) for s in written)
        elif written is not None and len(written) == len(events):
            kept, size = list(written), sum(len(s) for s in written)
        else:
            kept = [event_json(e) for e in events]
            size = sum(len(s) for s in kept)
        first, last = (events[0].timestamp, events[-1].timestamp) if events else (None, None)
        self._items[tracker.sender_id] = _Remembered(kept, size, first, last)
        self._chars += size
        while self._items and (len(self._items) > self.max_conversations or self._chars > self.max_chars):
            _, dropped = self._items.popitem(last=False)
            self._chars -= dropped.size

    @staticmethod
    def _extends(old: _Remembered, events: list[Event], added: int) -> bool:
        """Whether ``events`` are the remembered ones followed by ``added`` more."""
        known = len(old.events)
        return (
            known > 0
            and known + added == len(events)
            and events[0].timestamp == old.first
            and events[known - 1].timestamp == old.last
        )

    def tracker(self, sender_id: str, slots: Iterable[Any] | None) -> DialogueStateTracker | None:
        """The remembered tracker of ``sender_id``, rebuilt as Rasa rebuilds one from the database."""
        found = self._items.get(sender_id)
        if found is None or not found.events:
            return None
        return DialogueStateTracker.from_dict(sender_id, [json.loads(s) for s in found.events], slots)

    def forget(self, sender_id: str) -> None:
        old = self._items.pop(sender_id, None)
        if old is not None:
            self._chars -= old.size

    @property
    def chars(self) -> int:
        """Characters of JSON remembered now."""
        return self._chars

    def __contains__(self, sender_id: object) -> bool:
        return sender_id in self._items

    def __len__(self) -> int:
        return len(self._items)
