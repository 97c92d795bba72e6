"""Errors of the deflection package; api/errors.py maps them to HTTP status codes."""

from __future__ import annotations


class DeflectionError(Exception):
    """Base class: something about records, tickets or suggestions went wrong."""


class StoreUnavailableError(DeflectionError):
    """The database cannot be reached or migrated."""


class DatabaseUnreachableError(StoreUnavailableError):
    """The database does not answer (down, or not up yet); the same call may work later."""


class RecordNotFoundError(DeflectionError):
    """No ticket or suggestion has the id asked for."""


class InvalidEventsError(DeflectionError):
    """A batch of Rasa events is malformed; nothing of it was stored."""


class SuggestionConflictError(DeflectionError):
    """A suggestion cannot be accepted or rejected as asked (already decided, or the FAQ refuses it)."""
