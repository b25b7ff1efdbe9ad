"""The index manifest: what an index directory holds and how to trust it.

Every file of an index is listed with its size and SHA-256, so an index copied from elsewhere,
half-written, or edited is detected before any of its bytes are used.
"""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath, PureWindowsPath

from pydantic import BaseModel, Field

from citeproof.errors import IndexCorruptError, IndexNotFoundError
from citeproof.index.layout import MANIFEST

__all__ = ["FORMAT_VERSION", "FileEntry", "Manifest", "file_entry", "load_manifest"]

FORMAT_VERSION = 1


class FileEntry(BaseModel):
    size: int
    sha256: str


class Manifest(BaseModel):
    format_version: int = FORMAT_VERSION
    citeproof_version: str
    model: str
    # Which weights `model` named when the index was built (None: unknown, e.g. a user's model path):
    # a name can outlive its weights (a new static-model recipe), and vectors of two versions don't mix.
    model_version: str | None = None
    dim: int
    count: int
    sources: list[str] = Field(default_factory=list)
    formats: list[str] = Field(default_factory=list)
    skipped: int = 0
    duplicates: int = 0
    resumed: int = 0  # records whose shards an earlier, interrupted run of the build had finished
    skipped_examples: list[str] = Field(default_factory=list)
    built_at: str
    build_seconds: float
    timings: dict[str, float] = Field(default_factory=dict)
    year_range: tuple[int | None, int | None] = (None, None)
    index_type: str = "flat"
    # Scopes the builder declared completely indexed (`--complete`; citeproof.index.coverage.parse_scope):
    # 'dblp', 'crossref-member:98', 'doi-prefix:10.1145', 'venue:NeurIPS', 'arxiv:cs.LG'.
    complete: list[str] = Field(default_factory=list)
    files: dict[str, FileEntry] = Field(default_factory=dict)


def file_entry(path: Path) -> FileEntry:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return FileEntry(size=path.stat().st_size, sha256=h.hexdigest())


def _plain_name(name: str) -> bool:
    """Whether `name` is a bare file name. A manifest travels with the index, so it is as untrusted
    as the files: a listed `../x` or `/etc/passwd` must not make opening an index stat or hash
    files outside its directory."""
    return name not in ("", ".", "..") and PurePosixPath(name).name == name and PureWindowsPath(name).name == name


def load_manifest(directory: Path, verify_checksums: bool = False) -> Manifest:
    """Read and validate a manifest; sizes are always checked, checksums on request (they read every byte)."""
    path = directory / MANIFEST
    if not path.is_file():
        raise IndexNotFoundError(
            f"{directory} is not a citeproof index (no {MANIFEST}); build one with `citeproof index build`"
        )
    try:
        manifest = Manifest.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise IndexCorruptError(f"{path}: unreadable manifest: {e}") from e
    if manifest.format_version != FORMAT_VERSION:
        raise IndexCorruptError(
            f"{directory}: index format {manifest.format_version}, this citeproof reads {FORMAT_VERSION}; rebuild it"
        )
    for name, entry in manifest.files.items():
        if not _plain_name(name):
            raise IndexCorruptError(
                f"{path}: lists {name!r}, which is not a file of the index directory; the manifest is damaged or hostile"
            )
        f = directory / name
        if f.is_symlink():  # e.g. unpacked from an archive: it could point anywhere
            raise IndexCorruptError(f"{f}: is a symbolic link; an index holds its own files")
        if not f.is_file() or f.stat().st_size != entry.size:
            raise IndexCorruptError(f"{f}: missing or size differs from the manifest; the index is damaged")
        if verify_checksums and file_entry(f).sha256 != entry.sha256:
            raise IndexCorruptError(f"{f}: checksum differs from the manifest; the index is damaged")
    return manifest
