"""The vocabulary compiled for reading messages: one matcher per kind of phrase, and the
patterns that tell a port from other numbers (built from grammar.yaml's words)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from diagnosis.matcher import Matcher, fold
from diagnosis.vocabulary import Vocabulary


def _alternation(words: Iterable[str]) -> str:
    folded = sorted({fold(w).spaced for w in words}, key=len, reverse=True)
    return "|".join(re.escape(w) for w in folded)


@dataclass(frozen=True)
class Lexicon:
    """Compiled matchers and patterns of one vocabulary."""

    services: Matcher
    symptoms: Matcher
    claims: Matcher
    progress: Matcher
    directions: Matcher
    sources: Matcher
    protocols: Matcher
    regions: Matcher
    unit_after: re.Pattern[str]
    ordinal_before: re.Pattern[str]
    port_word_near: re.Pattern[str]
    change_to_before: re.Pattern[str]
    own_before: re.Pattern[str]

    @classmethod
    def of(cls, vocab: Vocabulary) -> Lexicon:
        """Compile ``vocab``'s phrases."""
        grammar = vocab.grammar
        units = _alternation(grammar.units)
        return cls(
            services=Matcher((s.id, p) for s in vocab.services.values() for p in s.phrases),
            symptoms=Matcher((s.id, p) for s in vocab.symptoms.values() for p in s.phrases),
            claims=Matcher((c.id, p) for c in vocab.claims.values() for p in c.phrases),
            progress=Matcher(("progress", p) for p in vocab.progress),
            directions=Matcher((d.id, p) for d in vocab.directions for p in d.phrases),
            sources=Matcher((s.id, p) for s in vocab.sources for p in s.phrases),
            protocols=Matcher((name, p) for name, words in grammar.protocols.items() for p in words),
            regions=Matcher((r.id, p) for r in vocab.regions.values() for p in r.phrases),
            # A unit right after the number (ASCII units as whole words: "5 min", not "5 mins…" halves).
            unit_after=re.compile(r"^\s?(?:" + units + r")(?![a-z])"),
            ordinal_before=re.compile(r"(?:" + _alternation(grammar.ordinals) + r")\s?$"),
            port_word_near=re.compile(_alternation(grammar.port_words)),
            change_to_before=re.compile(r"(?:" + _alternation(grammar.change_to) + r")\s?(?:port\s?|端口\s?)?$"),
            own_before=re.compile(_alternation(grammar.own_address)),
        )
