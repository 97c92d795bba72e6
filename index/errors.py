"""Errors of the retrieval index. Messages say what to run next."""

from __future__ import annotations


class RetrievalError(Exception):
    """Base class for every error of the index package."""


class IndexNotBuiltError(RetrievalError):
    """No index exists at the configured location."""

    def __init__(self, directory: str) -> None:
        super().__init__(f"no index in {directory}; build it with `helpdesk index build`")


class StaleIndexError(RetrievalError):
    """The index on disk does not match the knowledge files or the configured model."""

    def __init__(self, directory: str, reason: str) -> None:
        self.reason = reason
        super().__init__(f"the index in {directory} cannot be used: {reason}; rebuild it with `helpdesk index build`")


class EmbedderError(RetrievalError):
    """The embedding model could not be loaded or used."""


class EvaluationDataError(RetrievalError):
    """A labelled query file is malformed."""
