"""Support deflection: hand-off records (analytics come later)."""

from deflection.handoffs import Handoff, HandoffError, HandoffStore, TranscriptLine

__all__ = ["Handoff", "HandoffError", "HandoffStore", "TranscriptLine"]
