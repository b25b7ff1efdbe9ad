"""A `Record` as a BibTeX entry: what the web page's "copy corrected references" button hands out.

Only writing lives here; reading BibTeX is `citeproof.connectors.bibtex`. The entry holds the
fields the index knows (authors, title, venue, year, DOI, arXiv id, URL) and nothing guessed.
"""

from __future__ import annotations

import re

from citeproof.models import Record
from citeproof.text import fold

__all__ = ["bibtex_entry", "bibtex_key"]

# record type (CSL, Crossref, DBLP or BibTeX spelling) -> (BibTeX entry type, field the venue goes in)
_TYPES: dict[str, tuple[str, str]] = {
    "paper-conference": ("inproceedings", "booktitle"),
    "proceedings-article": ("inproceedings", "booktitle"),
    "inproceedings": ("inproceedings", "booktitle"),
    "conference": ("inproceedings", "booktitle"),
    "article-journal": ("article", "journal"),
    "journal-article": ("article", "journal"),
    "article": ("article", "journal"),
    "chapter": ("incollection", "booktitle"),
    "book-chapter": ("incollection", "booktitle"),
    "incollection": ("incollection", "booktitle"),
    "book": ("book", "publisher"),
    "thesis": ("phdthesis", "school"),
    "phdthesis": ("phdthesis", "school"),
    "report": ("techreport", "institution"),
    "techreport": ("techreport", "institution"),
}
_MISC = ("misc", "howpublished")
_SPECIAL = re.compile(r"([&%$#_])")
_KEY_UNSAFE = re.compile(r"[^a-z0-9]+")
_STOP = {"a", "an", "the", "on", "of", "for", "in", "to", "and", "with", "from", "towards", "toward"}


def _value(s: str) -> str:
    """Escape what LaTeX treats specially; braces stay only when they balance (BibTeX needs that)."""
    s = _SPECIAL.sub(r"\\\1", " ".join(s.split()))
    depth = 0
    for ch in s:
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            break
    return s if depth == 0 else s.replace("{", r"\{").replace("}", r"\}")


def bibtex_key(record: Record) -> str:
    """A Google-Scholar-style key (`vaswani2017attention`): first author, year, first content word."""
    family = _KEY_UNSAFE.sub("", fold(record.authors[0].family)) if record.authors else ""
    words = [w for w in _KEY_UNSAFE.split(fold(record.title)) if w and w not in _STOP]
    key = f"{family}{record.year or ''}{words[0] if words else ''}"
    return key or _KEY_UNSAFE.sub("", fold(record.id)) or "ref"


def bibtex_entry(record: Record, key: str | None = None) -> str:
    """One BibTeX entry for `record`, under `key` (the citing document's own key, when it had one)."""
    kind, venue_field = _TYPES.get((record.type or "").lower(), _MISC)
    if kind == "article" and not record.venue:
        kind, venue_field = _MISC  # an "article" with no journal is a preprint
    fields: list[tuple[str, str]] = []
    if record.authors:
        fields.append(("author", " and ".join(f"{a.family}, {a.given}" if a.given else a.family for a in record.authors)))
    fields.append(("title", record.title))
    if record.venue:
        fields.append((venue_field, record.venue))
    if record.year:
        fields.append(("year", str(record.year)))
    if record.doi:
        fields.append(("doi", record.doi))
    if record.arxiv_id:
        fields += [("eprint", record.arxiv_id), ("archiveprefix", "arXiv")]
    if record.url:
        fields.append(("url", record.url))
    body = ",\n".join(f"  {name} = {{{_value(v) if name not in ('doi', 'url') else v}}}" for name, v in fields)
    return f"@{kind}{{{key or bibtex_key(record)},\n{body}\n}}\n"
