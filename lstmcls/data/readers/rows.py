"""What every reader shares: the labelled texts it returns, the checks of a row (`data.on_bad_rows`), the files a
path or a glob of shards names, and their fingerprint."""

from __future__ import annotations

import glob
import gzip
import hashlib
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from lstmcls.errors import DataError

UNDECODABLE = re.compile("[\udc80-\udcff]")
Label = str | tuple[str, ...]  # one label, or with `multi_label` a set of labels


@dataclass(frozen=True)
class LabelledTexts:
    """Texts and their labels as the source spells them (strings), before encoding to class ids."""

    texts: list[str]
    labels: list[str] | list[tuple[str, ...]]  # one label per text, or with `multi_label` a set of labels per text
    origin: str
    dropped: dict[str, int] = field(default_factory=dict)  # rows skipped, by reason
    multi_label: bool = False


@dataclass(frozen=True)
class UnlabelledTexts:
    """Texts without labels, for pretraining word vectors, and what identifies them (for tracing)."""

    texts: list[str]
    origin: str
    fingerprint: str


@dataclass(frozen=True)
class RawSplits:
    train: LabelledTexts
    validation: LabelledTexts | None
    test: LabelledTexts | None
    label_names: list[str] | None = None  # the class order, when the source defines one
    fingerprint: dict[str, str] = field(default_factory=dict)


class Rows:
    """The rows of one file that pass the checks. A bad row stops the read, naming where it is, or with
    `on_bad_rows="skip"` is dropped and counted by reason, the same way for every format."""

    def __init__(self, on_bad_rows: str, max_text_chars: int, multi_label: bool = False) -> None:
        self.on_bad_rows, self.max_text_chars, self.multi_label = on_bad_rows, max_text_chars, multi_label
        self.texts: list[str] = []
        self.labels: list = []
        self.dropped: Counter[str] = Counter()

    def add(self, text: str, label: Label, where: str) -> None:
        """Keep a row, or deal with its problem; `where` names it (`file: row 3 (line 4)`)."""
        if self.passes(text, label, where):
            self.texts.append(text)
            self.labels.append(label)

    def passes(self, text: str, label: Label, where: str) -> bool:
        """Whether a row passes the checks (a row that does not is counted, or stops the read)."""
        return not self.bad(row_problem(text, label, self.max_text_chars), where)

    def collect(self, rows: Iterable[tuple[str, Label]]) -> Rows:
        """Keep rows a reader has checked already (with `passes`), as they come."""
        for text, label in rows:
            self.texts.append(text)
            self.labels.append(label)
        return self

    def bad(self, problem: str | None, where: str) -> bool:
        """Whether the row has a problem: counted with `skip`, else a DataError naming it and the fix."""
        if problem is None:
            return False
        if self.on_bad_rows != "skip":
            raise DataError(f"{where}: {problem}; fix the row or set data.on_bad_rows: skip")
        self.dropped[problem] += 1
        return True

    def result(self, origin: Path | str, empty: str = "no usable data rows") -> LabelledTexts:
        if not self.texts:
            counts = f" ({_counts(self.dropped)})" if self.dropped else ""
            raise DataError(f"{origin}: {empty}{counts}")
        return LabelledTexts(self.texts, self.labels, str(origin), dict(self.dropped), self.multi_label)


def row_problem(text: str, label: Label, max_text_chars: int) -> str | None:
    """What is wrong with a row (text and label already stripped), or None."""
    labels = (label,) if isinstance(label, str) else label
    if has_undecodable_bytes(text) or any(map(has_undecodable_bytes, labels)):
        return "bytes that are not UTF-8"
    if not text:
        return "empty text"
    if not label:
        return "empty label" if isinstance(label, str) else "empty label set"
    if len(text) > max_text_chars:
        return f"text longer than data.max_text_chars ({max_text_chars:,} characters)"
    return None


def label_set(value: str | list, separator: str) -> tuple[str, ...]:
    """A multi-label cell as its labels, in the order written, blanks and repeats dropped: a string split on
    `separator` (a CSV cell), or a list as a JSON file holds it."""
    parts = value.split(separator) if isinstance(value, str) else [part for part in value if part is not None]
    return tuple(dict.fromkeys(str(part).strip() for part in parts if str(part).strip()))


def has_undecodable_bytes(value: str) -> bool:
    """`surrogateescape` decoding maps each byte that is not UTF-8 to a lone surrogate U+DC80..U+DCFF."""
    return not value.isascii() and UNDECODABLE.search(value) is not None


def check_columns(
    path: Path, columns: list[str], *wanted: str, setting: str = "data.text_column / data.label_column"
) -> None:
    for column in wanted:
        if column not in columns:
            raise DataError(
                f"{path}: no column {column!r}; the header has {', '.join(map(repr, columns)) or 'nothing'} "
                f"(set {setting})"
            )


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{count} {reason}" for reason, count in counter.most_common())


# === Files and shards ===


def matched_files(pattern: Path) -> list[Path]:
    """The files a split names: one path, or every file a glob of shards matches, sorted (a stable order)."""
    if glob.has_magic(str(pattern)):
        found = sorted(Path(name) for name in glob.glob(str(pattern)) if Path(name).is_file())
        if not found:
            raise DataError(f"no files match {pattern}; check the pattern in data.train / data.validation / data.test")
        return found
    if not pattern.is_file():
        raise DataError(f"data file not found: {pattern}")
    return [pattern]


def read_split(pattern: Path, read_one: Callable[[Path], LabelledTexts]) -> tuple[LabelledTexts, str]:
    """Every file of a split read and joined in order, and their fingerprint."""
    files = matched_files(pattern)
    parts = [read_one(path) for path in files]
    if len(parts) == 1:
        return parts[0], fingerprint(files)
    dropped: Counter[str] = Counter()
    for part in parts:
        dropped.update(part.dropped)
    joined = LabelledTexts(
        [text for part in parts for text in part.texts],
        [label for part in parts for label in part.labels],
        f"{pattern} ({len(files)} files)",
        dict(dropped),
        parts[0].multi_label,
    )
    return joined, fingerprint(files)


def fingerprint(files: list[Path]) -> str:
    """`sha256:` of one file's bytes, as runs have always recorded; for shards, of their names and hashes."""
    if len(files) == 1:
        return f"sha256:{sha256(files[0])}"
    digest = hashlib.sha256()
    for path in files:
        digest.update(f"{path.name} {sha256(path)}\n".encode())
    return f"sha256:{digest.hexdigest()}"


def open_text(path: Path) -> io.TextIOBase:
    """A text file (gzip detected by content) whose bytes that are not UTF-8 survive as lone surrogates."""
    with open(path, "rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    raw = gzip.open(path, "rb") if gzipped else open(path, "rb")
    return io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
