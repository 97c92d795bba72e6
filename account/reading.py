"""What a use case read, and when: a thin wrapper that remembers the actions it called."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from account.client import AccountClient


@dataclass(frozen=True)
class ReadRecord:
    """What was read for one answer.

    Attributes:
        region: The region read.
        at: When the reading started (UTC).
        actions: The actions called, in the order first used.
    """

    region: str
    at: datetime
    actions: tuple[str, ...]

    @property
    def stamp(self) -> str:
        """The time as replies show it, e.g. ``10:32 UTC``."""
        return f"{self.at:%H:%M} UTC"


class Reader:
    """Calls the client for one use case and keeps the list of actions used."""

    def __init__(self, client: AccountClient, region: str | None) -> None:
        self.client = client
        self.region = region or client.region
        self.started = client.now()
        self._actions: list[str] = []

    def one(self, action: str, params: Mapping[str, Any], ids: Sequence[str]) -> dict[str, Any]:
        """One call; see :meth:`AccountClient.describe`."""
        self._note(action)
        return self.client.describe(action, params, region=self.region, resource_ids=ids)

    def all(self, action: str, params: Mapping[str, Any], ids: Sequence[str]) -> list[dict[str, Any]]:
        """Every page; see :meth:`AccountClient.describe_all`."""
        self._note(action)
        return self.client.describe_all(action, params, region=self.region, resource_ids=ids)

    def record(self) -> ReadRecord:
        """What was read so far."""
        return ReadRecord(self.region, self.started, tuple(self._actions))

    def _note(self, action: str) -> None:
        if action not in self._actions:
            self._actions.append(action)


def id_filter(name: str, values: Sequence[str]) -> list[dict[str, Any]]:
    """``Filters`` with one filter (values are OR-ed by the API)."""
    return [{"Name": name, "Values": list(values)}]


def chunks(values: Sequence[str], size: int = 50) -> list[list[str]]:
    """``values`` in lists of at most ``size`` (the API caps ids per request)."""
    return [list(values[i : i + size]) for i in range(0, len(values), size)]
