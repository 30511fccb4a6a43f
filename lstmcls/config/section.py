"""The base of every config block, shared by the schema and the data source blocks, and the path type they share."""

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict


def _absolute(path: Path) -> Path:
    return path.expanduser().absolute()


AbsolutePath = Annotated[Path, AfterValidator(_absolute)]
"""A path given relative to the working directory, kept absolute: a run records it so that eval, resume and
export find it from anywhere."""


class Section(BaseModel):
    """A config block: unknown keys are errors, values are checked on assignment too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
