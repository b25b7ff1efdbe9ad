"""Building `Record`s from raw items: shared field helpers (years, names, identifiers) and the
skip-and-count loop every reader runs its records through.

`parse_item` is the one step that decides whether an item is a record, is skipped (and why) or is
ignored: the readers run it through `convert`, and the Ray engine, which parses JSON lines apart from
their file, through `DumpFormat.read_line`, so a skip reads the same whichever engine met it.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from citeproof.connectors.source import Source
from citeproof.errors import DumpFormatError
from citeproof.identifiers import norm_doi
from citeproof.models import Author, ReadStats, Record
from citeproof.text import clean_text, latex_to_unicode
from citeproof.vocabulary import WRITTEN_NAME_SUFFIXES

__all__ = [
    "WRONG_FORMAT_AFTER",
    "BadRecordError",
    "convert",
    "end_of_file",
    "first_text",
    "make_record",
    "note",
    "parse_item",
    "split_name",
    "split_outside_braces",
    "year_of",
]

WRONG_FORMAT_AFTER = 100  # records that all fail before a file counts as being in another format


class BadRecordError(DumpFormatError):
    """One record cannot become a `Record` (no title, no id, wrong types).

    Readers skip and count it in `ReadStats`; a live API client treats it as "no usable result".
    """


def note(stats: ReadStats, where: str, what: str) -> None:
    """Record something worth telling the user that is not a skipped record."""
    if len(stats.errors) < stats.max_errors_kept:
        stats.errors.append(f"{where}: {what}")


def parse_item(
    where: str, item: Any, parse: Callable[[Any], Record | None], stats: ReadStats
) -> tuple[Record | None, str | None]:
    """One raw item through `parse`, as every reader runs it: `(record, None)`, where the record is
    None for an item that is deliberately ignored (dblp homepages, deleted OAI records), or
    `(None, why)` for an unusable item, which is skipped and counted in `stats` under `where`.

    Dump records arrive in every shape a producer ever wrote, so any type confusion inside one record
    (a title that is a number, a date that is a string) skips that record, never the file. This is
    the step `convert` runs on every item of a file; an engine that parses items apart from their
    file (the Ray engine, line by line) runs it too, so that its skip reasons are the reader's own.
    """
    try:
        rec = parse(item)
    except BadRecordError as e:
        why = str(e)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, ArithmeticError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        why = f"unusable record ({type(e).__name__}: {first})"
    else:
        if rec is not None:
            stats.read += 1
        return rec, None
    stats.skip(where, why)
    return None, why


def end_of_file(src: Source, stats: ReadStats) -> None:
    """What a reader notes once a file is read: how many undecodable bytes were replaced, if any (the
    records are kept; the user should still know the dump is damaged)."""
    if src.replaced:
        note(stats, src.name, f"{src.replaced} undecodable bytes replaced by U+FFFD")


def convert(
    src: Source,
    items: Iterable[tuple[str, Any]],
    parse: Callable[[Any], Record | None],
    stats: ReadStats,
    fmt: str,
) -> Iterator[Record]:
    """Turn raw items into Records, skipping and counting the unusable ones (see `parse_item`).

    When the first `WRONG_FORMAT_AFTER` records of a file all fail, the file is in another format
    than `fmt`: that raises `DumpFormatError` instead of skipping through gigabytes.
    """
    good = bad = 0
    first_error = ""
    for where, item in items:
        rec, why = parse_item(where, item, parse, stats)
        if why is None:
            if rec is not None:
                good += 1
                yield rec
            continue
        bad += 1
        first_error = first_error or why
        if good == 0 and bad >= WRONG_FORMAT_AFTER:
            raise DumpFormatError(
                f"{src.name}: none of the first {bad} records could be read as {fmt} ({first_error}); "
                "is this the right format?"
            )
    end_of_file(src, stats)


# ---------------------------------------------------------------------------------------------------
# Record helpers shared by several formats

_YEAR = re.compile(r"(?<!\d)(1[4-9]\d\d|20\d\d|2100)(?!\d)")


def year_of(value: Any) -> int | None:
    """A plausible publication year from an int, a date string, or a CSL/Crossref date object
    (`{"date-parts": [[2021, 5]]}`, `{"raw": "May 2021"}`)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value if 1400 <= value <= 2100 else None
    if isinstance(value, float):  # JSON allows 1e999 (inf) and NaN, which int() refuses
        return year_of(int(value)) if math.isfinite(value) else None
    if isinstance(value, str):
        m = _YEAR.search(value)
        return int(m.group(1)) if m else None
    if isinstance(value, dict):
        parts = value.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            y = parts[0][0]
            return year_of(int(y) if isinstance(y, str) and y.strip().isdigit() else y)
        for k in ("raw", "literal", "date-time", "season"):
            if k in value:
                y = year_of(value[k])
                if y:
                    return y
    return None


def first_text(value: Any) -> str | None:
    """A string, or the first non-empty string of a list (Crossref and CSL store titles both ways)."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, list):
        for v in value:
            if isinstance(v, str) and v.strip():
                return v
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


_DEPTH_SPLIT = re.compile(r"[{}]|,|\s+")


def split_outside_braces(s: str, tokens: re.Pattern[str], is_separator: Callable[[str], bool]) -> list[str]:
    """Split `s` at the separators `tokens` finds outside BibTeX braces (`tokens` must also match
    `{` and `}`), so that `{Barack Obama} Foundation` or `{Smith and Sons}` stays whole."""
    out: list[str] = []
    depth = 0
    start = 0
    for m in tokens.finditer(s):
        tok = m.group(0)
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth = max(0, depth - 1)
        elif depth == 0 and is_separator(tok):
            out.append(s[start : m.start()])
            start = m.end()
    out.append(s[start:])
    return out


def _split_depth0(s: str, *, on_comma: bool) -> list[str]:
    """Split at commas (or at whitespace) outside braces: `{Barack Obama} Foundation` stays one token."""
    parts = split_outside_braces(s, _DEPTH_SPLIT, lambda tok: (tok == ",") == on_comma)
    return [p.strip() for p in parts if p.strip()]


def _starts_lower(token: str) -> bool:
    if token.startswith("{"):
        return False  # braced words are protected from case rules (BibTeX)
    for ch in latex_to_unicode(token):
        if ch.isalpha():
            return ch.islower()
    return False


def _braced_whole(s: str) -> bool:
    if not (s.startswith("{") and s.endswith("}")):
        return False
    depth = 0
    for i, ch in enumerate(s):
        depth += (ch == "{") - (ch == "}")
        if depth == 0 and i < len(s) - 1:
            return False
    return True


_NAME_MARKUP = re.compile(r"[{},\\<&~$]")
_SPACE_RUN = re.compile(r"\s+")


def _split_plain(s: str) -> Author:
    """Fast path of `split_name` for the common plain-text 'First von Last' name (dblp, S2, arXiv):
    millions of dump names need no LaTeX decoding or brace tracking."""
    toks = _SPACE_RUN.split(unicodedata.normalize("NFC", s))
    if len(toks) > 2 and toks[-1].lower() in WRITTEN_NAME_SUFFIXES:
        toks = toks[:-1]
    if len(toks) == 1:
        return Author(family=toks[0])
    i = next((k for k in range(1, len(toks) - 1) if toks[k][:1].islower()), len(toks) - 1)
    return Author(family=" ".join(toks[i:]), given=" ".join(toks[:i]))


def split_name(name: str) -> Author | None:
    """One personal name in any common form -> Author.

    'Last, First', 'von Last, Jr, First', 'First von Last' (the von part joins the family name:
    'Ludwig van Beethoven' -> 'van Beethoven'), and a fully braced BibTeX corporate name
    ('{Barack Obama Foundation}') kept whole as the family name. LaTeX and markup are decoded.
    """
    s = name.strip()
    if not s:
        return None
    if not _NAME_MARKUP.search(s):
        return _split_plain(s)
    if _braced_whole(s):
        family = clean_text(s)
        return Author(family=family) if family else None
    parts = _split_depth0(s, on_comma=True)
    if len(parts) >= 2 and parts[-1].lower() not in WRITTEN_NAME_SUFFIXES:
        family_s, given_s = parts[0], parts[-1]
    else:
        toks = _split_depth0(parts[0] if parts else s, on_comma=False)
        if len(toks) > 2 and toks[-1].lower() in WRITTEN_NAME_SUFFIXES:
            toks = toks[:-1]
        if len(toks) <= 1:
            family_s, given_s = (toks[0] if toks else s), ""
        else:
            i = next((k for k in range(1, len(toks) - 1) if _starts_lower(toks[k])), len(toks) - 1)
            family_s, given_s = " ".join(toks[i:]), " ".join(toks[:i])
    family, given = clean_text(family_s), clean_text(given_s)
    if not family:
        family, given = given, ""
    return Author(family=family, given=given) if family else None


def _opt(s: Any) -> str | None:
    return clean_text(s) or None if isinstance(s, str) else None


def make_record(
    *,
    id: str | None,
    title: Any,
    authors: Iterable[Author | None] = (),
    year: int | None = None,
    venue: Any = None,
    doi: Any = None,
    arxiv_id: str | None = None,
    pmid: Any = None,
    url: Any = None,
    type: Any = None,
    source: str,
) -> Record:
    """Clean and validate the fields every reader produces, in one place.

    A record without a usable title cannot be matched against anything, so it is rejected here
    (`BadRecordError`) rather than indexed as noise. Without an id the record gets a stable one
    from its DOI or a hash of title and year, so re-reading a dump yields the same ids.
    """
    clean_title = clean_text(title) if isinstance(title, str) else ""
    if not clean_title:
        raise BadRecordError("no title")
    doi_n = norm_doi(doi) if isinstance(doi, str) else None
    pmid_s = str(pmid).strip() if isinstance(pmid, (str, int)) and not isinstance(pmid, bool) else ""
    if not id:
        if doi_n:
            id = f"doi:{doi_n}"
        else:
            digest = hashlib.sha1(f"{clean_title}|{year}".encode()).hexdigest()[:16]
            id = f"{source}:{digest}"
    return Record(
        id=id,
        title=clean_title,
        authors=[a for a in authors if a is not None],
        year=year,
        venue=_opt(venue),
        doi=doi_n,
        arxiv_id=arxiv_id or None,
        pmid=pmid_s if pmid_s.isdigit() else None,
        url=url.strip() if isinstance(url, str) and url.strip() else None,
        type=_opt(type),
        source=source,
    )
