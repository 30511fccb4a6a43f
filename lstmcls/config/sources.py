"""The data source blocks of a config (`data:`): one block class per source, told apart by its `source` key.

A new source is one block class here, registered with `@SOURCES.register("name")`, and one reader in
`lstmcls.data.readers` attached to the same name with `@SOURCES.builds("name")`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from lstmcls.config.section import Section
from lstmcls.registry import Registry


class SourceBase(Section):
    on_bad_rows: Literal["error", "skip"] = Field(
        "error", description="A bad row (empty, not UTF-8, unseen label in validation/test): stop, or skip and count."
    )
    validation_fraction: float = Field(
        0.1, gt=0.0, lt=1.0, description="Share of train held out (stratified) when no validation split is given."
    )
    bucketing: int = Field(
        8, ge=0, le=64, description="Training batches group texts of similar length, in this many buckets (0: off)."
    )


SOURCES: Registry[type[SourceBase]] = Registry("data source")


@SOURCES.register("imdb")
class ImdbSource(SourceBase):
    source: Literal["imdb"] = Field("imdb", description="Data source: imdb (tfds imdb_reviews) or csv.")
    data_dir: Path | None = Field(
        None, description="TFDS data dir; defaults to $TFDS_DATA_DIR, then ~/tensorflow_datasets."
    )
    download: bool = Field(False, description="Download and prepare imdb_reviews if the data dir lacks it.")


@SOURCES.register("csv")
class CsvSource(SourceBase):
    source: Literal["csv"] = Field(description="Data source.")
    train: Path = Field(description="Training CSV (plain or gzip).")
    validation: Path | None = Field(None, description="Validation CSV; carved from train when absent.")
    test: Path | None = Field(None, description="Test CSV used by `lstmcls eval`.")
    text_column: str = Field("text", min_length=1, description="Column holding the text.")
    label_column: str = Field("label", min_length=1, description="Column holding the label (string or integer).")
    multi_label: bool = Field(
        False, description="Each text has a set of labels (one sigmoid per label; see docs/multilabel.md)."
    )
    label_separator: str = Field(
        "|", min_length=1, description="With multi_label: what separates the labels in a label cell, e.g. a|b."
    )
    delimiter: str = Field(",", min_length=1, max_length=1, description="Field separator.")
    max_text_chars: int = Field(1_000_000, ge=1, description="Longer texts are bad rows (a broken quote, a dump).")

    @field_validator("train", "validation", "test")
    @classmethod
    def _absolute(cls, path: Path | None) -> Path | None:
        """Relative paths mean the working directory; the run records them absolute so eval works anywhere."""
        return path.expanduser().absolute() if path else None
