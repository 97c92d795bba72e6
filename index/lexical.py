"""A lexical signal to sit beside the embeddings: TF-IDF over character n-grams.

Character n-grams need no word segmentation, so they work for Chinese (characters and
bigrams) and forgive English typos (trigrams of each word: "iptabels" still shares most
of "iptables"). On the calibration set, fusing this with the dense score raised top-1
accuracy (see ``index/retriever.py`` for the weights and how they were chosen).

Numbers are the exception: a digit run is one whole token, so "1025" shares nothing with
"25" and "4430" nothing with "443" (``index/numbers.py``). Letters and digits written
together are split ("tcp25" is "tcp" and 25).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from index.numbers import normalize_digits, numbers_in

_WORDS = re.compile(r"[0-9]+|[a-z]+|[\u3400-\u4dbf\u4e00-\u9fff]+")


def number_token(number: int) -> str:
    """The one token a whole number is indexed as (leading zeros dropped: "025" is 25)."""
    return f"<{number}>"


def char_ngrams(text: str) -> list[str]:
    """Trigrams of each Latin word (with boundary marks); characters and bigrams of Chinese
    runs; one whole token per number, and per number inside a short range ("135 - 139")."""
    text = normalize_digits(text).lower()
    grams: list[str] = []
    written: set[int] = set()
    for word in _WORDS.findall(text):
        if word.isdigit():
            written.add(int(word))
            grams.append(number_token(int(word)))
        elif word.isascii():
            marked = f"#{word}#"
            grams += [marked[i : i + 3] for i in range(max(1, len(marked) - 2))]
        else:
            grams += list(word)
            grams += [word[i : i + 2] for i in range(len(word) - 1)]
    grams += [number_token(n) for n in sorted(numbers_in(text) - written)]
    return grams


class LexicalIndex:
    """Cosine similarity of sublinear TF-IDF vectors, served from an inverted index."""

    def __init__(self, texts: Sequence[str]) -> None:
        grams = [char_ngrams(t) for t in texts]
        df = Counter(g for doc in grams for g in set(doc))
        n = len(texts)
        self._idf = {g: math.log((n + 1) / (c + 1)) + 1.0 for g, c in df.items()}
        self._size = n
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for row, doc in enumerate(grams):
            for gram, weight in self._vector(doc).items():
                postings[gram].append((row, weight))
        # Per gram: its rows (each once) and weights as arrays, so a query adds a whole posting at a time.
        self._postings: dict[str, tuple[npt.NDArray[np.intp], npt.NDArray[np.float32]]] = {
            gram: (np.array([r for r, _ in rows], dtype=np.intp), np.array([w for _, w in rows], dtype=np.float32))
            for gram, rows in postings.items()
        }

    def _vector(self, grams: list[str]) -> dict[str, float]:
        counts = Counter(grams)
        vector = {g: (1.0 + math.log(c)) * self._idf.get(g, 0.0) for g, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {g: v / norm for g, v in vector.items() if v}

    def similarities(self, text: str) -> npt.NDArray[np.float32]:
        """Cosine similarity of ``text`` to every indexed text, by row."""
        scores = np.zeros(self._size, dtype=np.float32)
        for gram, weight in self._vector(char_ngrams(text)).items():
            posting = self._postings.get(gram)
            if posting is not None:
                rows, doc_weights = posting
                scores[rows] += np.float32(weight) * doc_weights  # rows are unique within a posting
        return scores
