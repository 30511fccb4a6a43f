"""Pretrained word vectors: reading vector files with gensim, matching them to a vocabulary, the coverage report.

A vector file is word2vec text or binary, GloVe text (no header line) or fastText `.vec`; the format is told
from the file's first bytes, so the name does not matter (`.gz` and `.bz2` are read as they are). A pretrain
run (`lstmcls pretrain`) stores its vectors in word2vec binary format, so both take one path here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from lstmcls import runs
from lstmcls.config.schema import OWN_VECTORS
from lstmcls.data.encoding import ENCODING_BATCH
from lstmcls.data.text import standardize_texts
from lstmcls.errors import ConfigError, DataError
from lstmcls.reporting import progress

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

    from lstmcls.config.schema import EmbeddingConfig

log = logging.getLogger("lstmcls")

MISSING_SHOWN = 20  # most frequent vocabulary words without a vector, in the report
LOW_COVERAGE = 0.5  # warn when fewer training tokens than this found a vector
_CONTROL_BYTES = set(range(0, 9)) | set(range(14, 32))  # never in a text vector file, common in binary floats


@dataclass(frozen=True)
class Vectors:
    words: KeyedVectors
    origin: str  # the file, or the pretrain run, they came from


# === Reading ===


def load_pretrained(config: EmbeddingConfig) -> Vectors | None:
    """The vectors `model.embedding.pretrained` names (None when it names none), checked against `dim`.

    Called before a run directory exists, so a bad file or dimension leaves nothing behind.
    """
    if config.pretrained is None:
        return None
    if config.pretrained == OWN_VECTORS:
        raise ConfigError(
            "model.embedding.pretrained: own is pretrained before training by `lstmcls train` and `lstmcls.train` "
            "(lstmcls.tools.own_vectors.with_own_vectors); call one of those"
        )
    path, origin = config.pretrained, str(config.pretrained)
    run = runs.pretrain_run(path, "model.embedding.pretrained")
    if run is not None:
        path, origin = run.file(runs.VECTORS), f"pretrain run {run.path}"
    elif not path.is_file():
        raise ConfigError(
            f"model.embedding.pretrained: not found: {path} (give a word2vec, GloVe or fastText .vec file, "
            "a run made by `lstmcls pretrain`, or runs/NAME for the newest complete pretrain run named NAME)"
        )
    header, binary, dim = _sniff(path)
    if dim != config.dim:
        raise ConfigError(
            f"{origin} holds {dim}-dimensional vectors but model.embedding.dim is {config.dim}: "
            f"set model.embedding.dim: {dim}, or use {config.dim}-dimensional vectors"
        )
    log.info("reading word vectors from %s", origin)
    with progress.step("reading word vectors"):
        return Vectors(read_vectors(path, header, binary), origin)


def read_vectors(path: Path, header: bool, binary: bool) -> KeyedVectors:
    """Every vector in the file; a truncated or malformed file is a DataError."""
    from gensim.models import KeyedVectors

    try:
        return KeyedVectors.load_word2vec_format(str(path), binary=binary, no_header=not header)
    except (ValueError, EOFError, TypeError, UnicodeDecodeError, OSError) as exc:  # gensim's parse errors
        raise DataError(
            f"{path}: not a complete vector file ({type(exc).__name__}: {exc}); expected word2vec text or binary, "
            "GloVe or fastText .vec: download or make it again"
        ) from None


def _sniff(path: Path) -> tuple[bool, bool, int]:
    """(has a `count dim` header, binary, dim) from the first line and the bytes after it."""
    from gensim.utils import open as open_compressed  # reads .gz and .bz2 too

    try:
        with open_compressed(str(path), "rb") as handle:
            first = handle.readline()
            after = handle.read(4096)
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc}") from None
    fields = first.split()
    if len(fields) == 2 and all(field.isdigit() for field in fields):  # word2vec / fastText: `count dim`
        return True, bool(_CONTROL_BYTES & set(after)), int(fields[1])
    if len(fields) > 2 and all(_is_number(field) for field in fields[1:]):  # GloVe: `word v1 ... vd`
        return False, False, len(fields) - 1
    raise DataError(
        f"{path}: not a vector file (its first line is neither `count dim` nor `word v1 v2 ...`); "
        "expected word2vec text or binary, GloVe or fastText .vec"
    )


def _is_number(field: bytes) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


def write_vectors(words: KeyedVectors, path: Path) -> None:
    """word2vec binary: exact float32, compact, read by most tools and by `read_vectors`, no pickle."""
    words.save_word2vec_format(str(path), binary=True)


# === Matching to a vocabulary ===


def embedding_matrix(
    vectors: Vectors, vocabulary: list[str], counts: np.ndarray, standardize: str, seed: int
) -> tuple[np.ndarray, dict[str, Any]]:
    """One row per vocabulary id: the word's vector, or a small random one when the file has none.

    A vocabulary word (already standardized) takes the file's vector for the same word; failing that, the vector
    of the first word in the file (files list frequent words first) that standardizes to it, so GloVe's "good"
    or a word2vec file's "Good" serve the vocabulary's "good". Words without a vector, and [UNK], get normal
    noise scaled to the found vectors' spread, seeded by `seed`; padding (id 0) stays zero.

    Args:
        vocabulary: the vectorizer's vocabulary, padding and [UNK] first.
        counts: training tokens per vocabulary id, for the token coverage.
    Returns:
        The matrix and the coverage report that training logs and records in `run.json`.
    """
    words = vectors.words
    rows = {i: words.key_to_index[word] for i, word in enumerate(vocabulary) if i > 1 and word in words.key_to_index}
    exact = len(rows)
    missing = [i for i in range(2, len(vocabulary)) if i not in rows]
    if missing:
        standardized: dict[str, int] = {}
        for index, word in enumerate(standardize_texts(list(words.index_to_key), standardize)):
            standardized.setdefault(word, index)
        rows |= {i: standardized[vocabulary[i]] for i in missing if vocabulary[i] in standardized}
    found = np.array(sorted(rows), dtype=np.int64)
    matched = words.vectors[[rows[i] for i in found]]
    scale = float(np.std(matched if len(found) else words.vectors))
    matrix = np.random.default_rng(seed).normal(0.0, scale, (len(vocabulary), words.vector_size)).astype("float32")
    matrix[found] = matched
    matrix[0] = 0.0
    return matrix, _coverage(vectors.origin, vocabulary, counts, found, exact)


def _coverage(origin: str, vocabulary: list[str], counts: np.ndarray, found: np.ndarray, exact: int) -> dict:
    words = len(vocabulary) - 2  # padding and [UNK] are no words
    unmatched = np.setdiff1d(np.arange(2, len(vocabulary)), found)
    unmatched = unmatched[np.argsort(-counts[unmatched], kind="stable")]  # ties in vocabulary order
    return {
        "vectors": origin,
        "vocabulary_words": words,
        "words_found": len(found),
        "words_found_after_standardizing": len(found) - exact,
        "vocabulary_coverage": round(len(found) / max(1, words), 4),
        "token_coverage": round(int(counts[found].sum()) / max(1, int(counts[2:].sum())), 4),
        "most_frequent_missing": [vocabulary[i] for i in unmatched[:MISSING_SHOWN]],
    }


def log_coverage(coverage: dict[str, Any]) -> None:
    """The report at train start: how much of the vocabulary the vectors cover, and what they lack."""
    log.info(
        "word vectors from %s: %d of %d vocabulary words (%.1f%%, %d after standardizing), %.1f%% of training tokens",
        coverage["vectors"],
        coverage["words_found"],
        coverage["vocabulary_words"],
        100 * coverage["vocabulary_coverage"],
        coverage["words_found_after_standardizing"],
        100 * coverage["token_coverage"],
    )
    if coverage["most_frequent_missing"]:
        log.info("most frequent words without a vector: %s", " ".join(coverage["most_frequent_missing"]))
    if coverage["token_coverage"] < LOW_COVERAGE:
        log.warning(
            "only %.1f%% of training tokens found a vector: check vectorizer.standardize and the vectors' language",
            100 * coverage["token_coverage"],
        )


def token_counts(vectorizer, texts: list[str]) -> np.ndarray:
    """How often each vocabulary id occurs in `texts`, as the vectorizer (whole texts, before the window) sees them."""
    from lstmcls.data.splits import text_dataset

    counts = np.zeros(vectorizer.vocabulary_size(), dtype=np.int64)
    for batch in text_dataset(texts, ENCODING_BATCH):
        ids = np.asarray(vectorizer(batch)).ravel()
        counts += np.bincount(ids, minlength=len(counts))
    counts[0] = 0  # padding
    return counts
