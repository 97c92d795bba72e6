"""Troubleshooting: read a connection problem into a case, and diagnose it.

Domain code (no web framework): the case is JSON the bot carries across turns; the
engine concludes a cause from the documented vocabulary (docs/troubleshooting.md) with
the fact that decides it and the fix, or ranks the next checks. Every verdict comes from
the rule engine; every word and phrase from ``knowledge/data/troubleshooting/``.

Typical use::

    from knowledge import load_knowledge
    from diagnosis import Case, Diagnoser

    diagnoser = Diagnoser.from_knowledge(load_knowledge())
    diagnosis = diagnoser.step(Case(), "8443访问不了")
    diagnosis.cause, diagnosis.checks[0].id, diagnosis.to_payload()
    next_case = diagnosis.case.to_json()        # carried to the next turn
"""

from diagnosis.case import Case, CheckStatus
from diagnosis.engine import Diagnoser
from diagnosis.errors import CaseProblem, CaseValidationError, DiagnosisError, PasteTooLongError, VocabularyError
from diagnosis.models import CheckResult, Command, DecidedBy, Diagnosis, Fix
from diagnosis.vocabulary import CAUSE_IDS, CauseId, Vocabulary

__all__ = [
    "CAUSE_IDS",
    "Case",
    "CaseProblem",
    "CaseValidationError",
    "CauseId",
    "CheckResult",
    "CheckStatus",
    "Command",
    "DecidedBy",
    "Diagnoser",
    "Diagnosis",
    "DiagnosisError",
    "Fix",
    "PasteTooLongError",
    "Vocabulary",
    "VocabularyError",
]
