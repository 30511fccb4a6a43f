"""A folder with one sub-folder of `.txt` files per class (the aclImdb layout, and the convention of
`keras.utils.text_dataset_from_directory`): the sub-folder's name is the label of each file in it."""

from __future__ import annotations

import hashlib
from pathlib import Path

from lstmcls.config.sources import SOURCES, FolderSource
from lstmcls.data.readers.rows import LabelledTexts, RawSplits, Rows
from lstmcls.errors import DataError


@SOURCES.builds("folder")
class FolderReader:
    @staticmethod
    def load(block: FolderSource) -> RawSplits:
        folders = {"train": block.train, "validation": block.validation, "test": block.test}
        read = {name: read_folder(root, block) for name, root in folders.items() if root is not None}
        return RawSplits(
            train=read["train"][0],
            validation=read["validation"][0] if "validation" in read else None,
            test=read["test"][0] if "test" in read else None,
            label_names=class_folders(block.train, block.class_names),
            fingerprint={name: found for name, (_, found) in read.items()},
        )

    @staticmethod
    def load_test(block: FolderSource) -> LabelledTexts | None:
        return read_folder(block.test, block)[0] if block.test else None


def class_folders(root: Path, class_names: list[str] | None = None) -> list[str]:
    """The classes of a folder: `class_names` when given (each must be a sub-folder), else every sub-folder, sorted."""
    if not root.is_dir():
        raise DataError(f"data folder not found: {root}")
    found = sorted(child.name for child in root.iterdir() if child.is_dir() and not child.name.startswith("."))
    for name in class_names or []:
        if name not in found:
            raise DataError(f"{root}: no class folder {name!r}; it has {', '.join(map(repr, found)) or 'none'}")
    if not found:
        raise DataError(f"{root}: no class sub-folders; put each class's .txt files in a folder named for the class")
    return list(class_names) if class_names else found


def read_folder(root: Path, block: FolderSource) -> tuple[LabelledTexts, str]:
    """Every `.txt` file under each class folder of `root`, and a fingerprint of their names and bytes."""
    rows = Rows(block.on_bad_rows, block.max_text_chars)
    digest = hashlib.sha256()
    for label in class_folders(root, block.class_names):
        files = sorted((root / label).glob("*.txt"))
        if not files:
            raise DataError(
                f"{root / label}: empty class folder, no .txt files in it; add some, remove the folder or "
                "leave it out of data.class_names"
            )
        for path in files:
            data = path.read_bytes()
            digest.update(f"{label}/{path.name} {len(data)}\n".encode() + data)
            rows.add(data.decode("utf-8", errors="surrogateescape").strip(), label, str(path))
    return rows.result(root), f"sha256:{digest.hexdigest()}"
