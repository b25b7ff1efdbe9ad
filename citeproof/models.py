"""The data contract of citeproof: every boundary speaks these pydantic v2 models.

They live in the lowest layer (connectors) because data flows one way,
connectors -> index -> verifier, and every layer needs `Record`. The verifier's own models
(`Citation`, `CitationResult`, `Report`) sit beside it so that one module holds the whole contract
and the JSON a user sees has one schema.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "Author",
    "Citation",
    "CitationResult",
    "FieldCheck",
    "ReadStats",
    "Record",
    "Report",
    "Status",
    "Suggestion",
    "Summary",
]


class Author(BaseModel):
    """One author as a bibliographic database stores it: family name plus given names."""

    model_config = ConfigDict(frozen=True)

    family: str
    given: str = ""

    def display(self) -> str:
        return f"{self.given} {self.family}".strip()


class Record(BaseModel):
    """A real work, as read from a dump or an API. The unit stored in an index."""

    id: str
    title: str
    authors: list[Author] = Field(default_factory=list)
    year: int | None = None
    venue: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    pmid: str | None = None
    url: str | None = None
    type: str | None = None
    source: str | None = None

    @field_validator("doi")
    @classmethod
    def _lower_doi(cls, v: str | None) -> str | None:
        # DOIs are case-insensitive by specification; store one canonical form.
        return v.strip().lower() if v else None

    def reference(self) -> str:
        """A short human-readable reference string (authors. title. venue, year.)."""
        names = ", ".join(a.display() for a in self.authors[:6])
        if len(self.authors) > 6:
            names += " et al."
        parts = [p.rstrip(". ") for p in (names, self.title, self.venue, str(self.year) if self.year else None) if p]
        ref = ". ".join(p for p in parts if p) + "."
        if self.doi:
            ref += f" https://doi.org/{self.doi}"
        elif self.arxiv_id:
            ref += f" arXiv:{self.arxiv_id}"
        return ref


class Status(str, Enum):
    verified = "verified"
    mismatch = "mismatch"
    fabricated = "fabricated"
    unverifiable = "unverifiable"


class Citation(BaseModel):
    """What a piece of text claims: the raw span plus the fields parsed out of it."""

    raw: str
    start: int
    end: int
    key: str | None = None
    title: str | None = None
    authors: list[Author] = Field(default_factory=list)
    et_al: bool = False
    year: int | None = None
    venue: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    url: str | None = None
    pmid: str | None = None
    isbn: str | None = None  # ISBN-13 digits (an ISBN-10 is converted)
    # Spans of the in-text mentions ('[3]', 'Smith et al. (2020)') that point to this reference-list entry.
    mentions: list[tuple[int, int]] = Field(default_factory=list)
    # The extractor saw a title-like span but no other sign that it names a work (no authors with a
    # year, no identifier, no list of works or 'References' heading around it): it is a citation only
    # if the index holds a work with this title, and is otherwise dropped from the report, never
    # called fabricated (a quoted phrase, a game or song name, a slogan).
    tentative: bool = False


class FieldCheck(BaseModel):
    """Agreement of one cited field with the matched record."""

    field: str
    cited: str | None
    found: str | None
    similarity: float = Field(ge=0.0, le=1.0)
    agrees: bool


class Suggestion(BaseModel):
    record: Record
    score: float


class CitationResult(Citation):
    """A citation with its verdict and the evidence behind it."""

    status: Status
    record: Record | None = None
    fields: list[FieldCheck] = Field(default_factory=list)
    suggestions: list[Suggestion] = Field(default_factory=list)
    confidence: float = Field(ge=0.0, le=1.0)
    reasons: list[str] = Field(default_factory=list)
    # `unverifiable` because no record matches and the index does not cover where the citation places
    # the work (venue and year, DOI registrant, arXiv month, author): its absence says nothing about
    # whether the work exists, unlike `fabricated`, so people are shown it apart ("not in this index")
    out_of_coverage: bool = False
    # which source settled the verdict: "index" (the local index), or the live source whose record
    # decided it ("crossref", "datacite", "openalex", "arxiv") when run online; a citation looked up
    # online and found nowhere stays "index", its reasons naming the sources asked
    settled_by: str = "index"

    @property
    def flagged(self) -> bool:
        return self.status in (Status.mismatch, Status.fabricated)


class Summary(BaseModel):
    total: int = 0
    verified: int = 0
    mismatch: int = 0
    fabricated: int = 0
    unverifiable: int = 0
    # of the `unverifiable`, those not in this index where it covers nothing (`out_of_coverage`)
    not_in_index: int = 0

    @property
    def flagged(self) -> int:
        return self.mismatch + self.fabricated


class Report(BaseModel):
    """Everything `verify()` found in one text."""

    text: str
    citations: list[CitationResult] = Field(default_factory=list)
    summary: Summary = Field(default_factory=Summary)
    index: dict[str, Any] = Field(default_factory=dict)
    timings: dict[str, float] = Field(default_factory=dict)

    @property
    def flagged(self) -> list[CitationResult]:
        return [c for c in self.citations if c.flagged]


class ReadStats(BaseModel):
    """What a dump reader saw: how many records it yielded and which it had to skip, and why."""

    read: int = 0
    skipped: int = 0
    errors: list[str] = Field(default_factory=list)
    max_errors_kept: int = 100

    def skip(self, where: str, why: str) -> None:
        self.skipped += 1
        if len(self.errors) < self.max_errors_kept:
            self.errors.append(f"{where}: {why}")
