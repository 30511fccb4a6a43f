"""What the readers of files (CSV, JSON Lines, Parquet) share: each split a file or a glob of shards, read file by
file and joined, with the fingerprint the run records."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lstmcls.config.sources import FileSource
from lstmcls.data.readers.rows import Label, LabelledTexts, RawSplits, Rows, read_split


class FileReader:
    """A reader of one file format: a subclass says how to `read` one file; splits and shards come from here."""

    @staticmethod
    def read(block: FileSource, path: Path) -> LabelledTexts:
        raise NotImplementedError

    @staticmethod
    def rows(block: FileSource, path: Path, checks: Rows) -> Iterator[tuple[str, Label]]:
        """One file's rows that pass `checks`, one at a time, never all in memory (what streaming reads)."""
        raise NotImplementedError

    @classmethod
    def load(cls, block: FileSource) -> RawSplits:
        files = {"train": block.train, "validation": block.validation, "test": block.test}
        read = {
            name: read_split(pattern, lambda path: cls.read(block, path))
            for name, pattern in files.items()
            if pattern is not None
        }
        return RawSplits(
            train=read["train"][0],
            validation=read["validation"][0] if "validation" in read else None,
            test=read["test"][0] if "test" in read else None,
            fingerprint={name: found for name, (_, found) in read.items()},
        )

    @classmethod
    def load_test(cls, block: FileSource) -> LabelledTexts | None:
        return read_split(block.test, lambda path: cls.read(block, path))[0] if block.test else None
