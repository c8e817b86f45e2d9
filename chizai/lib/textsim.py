"""Japanese text similarity without a language model: character n-gram TF-IDF and cosine similarity.

Japanese has no spaces between words, so words are not split; overlapping character bigrams and trigrams
stand in for them (「海外展開」 → 海外, 外展, 展開, 海外展, 外展開). Texts are compared after NFKC
normalisation, so full-width and half-width forms (ＡＢＣ/ABC, ﾌﾞﾗﾝﾄﾞ/ブランド) are the same text.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

NGRAM_SIZES = (2, 3)

# Unicode categories removed before comparing: punctuation, symbols, separators (spaces) and control characters.
_DROPPED_CATEGORIES = ("P", "S", "Z", "C")


def normalize(text: str) -> str:
    """NFKC, lower case, without spaces, punctuation or symbols: the form every comparison uses."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in folded if not unicodedata.category(ch).startswith(_DROPPED_CATEGORIES))


def ngrams(text: str, sizes: Iterable[int] = NGRAM_SIZES) -> Counter[str]:
    """Character n-grams of the normalised text, counted; a one-character text is its own single gram."""
    normalized = normalize(text)
    grams: Counter[str] = Counter()
    for size in sizes:
        grams.update(normalized[i : i + size] for i in range(len(normalized) - size + 1))
    if not grams and normalized:
        grams[normalized] += 1
    return grams


def _idf(document_grams: Sequence[Counter[str]]) -> dict[str, float]:
    """Smoothed inverse document frequency: grams found in every document weigh least, never zero."""
    count = len(document_grams)
    frequency: Counter[str] = Counter()
    for grams in document_grams:
        frequency.update(grams.keys())
    return {gram: math.log((1 + count) / (1 + df)) + 1 for gram, df in frequency.items()}


def _weighted(grams: Counter[str], idf: dict[str, float], unseen: float) -> dict[str, float]:
    return {gram: tf * idf.get(gram, unseen) for gram, tf in grams.items()}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    """Cosine similarity of two sparse vectors; 0.0 when either is empty."""
    if len(a) > len(b):
        a, b = b, a
    dot = sum(weight * b.get(gram, 0.0) for gram, weight in a.items())
    norm = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return dot / norm if norm else 0.0


def rank(query: str, documents: Sequence[str], limit: int | None = None) -> list[tuple[int, float]]:
    """(index, similarity) of the documents that share anything with the query, most similar first.

    Weights are TF-IDF over `documents`, so grams common to every document (「支援」「企業」) count for
    little. Equal scores keep the documents' order. Empty queries and documents never match.
    """
    document_grams = [ngrams(document) for document in documents]
    query_grams = ngrams(query)
    if not query_grams:
        return []
    idf = _idf(document_grams)
    unseen = math.log(1 + len(documents)) + 1
    query_vector = _weighted(query_grams, idf, unseen)
    scored = [
        (index, cosine(query_vector, _weighted(grams, idf, unseen))) for index, grams in enumerate(document_grams)
    ]
    ranked = sorted((item for item in scored if item[1] > 0), key=lambda item: (-item[1], item[0]))
    return ranked if limit is None else ranked[:limit]
