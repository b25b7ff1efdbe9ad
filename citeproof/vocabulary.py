"""Shared vocabulary of names and years: name particles, name suffixes, the publication-year pattern.

The extractor, the reference parser, the author-name parser and the record readers all need to know
which lower-case words belong to a family name ("van der Maaten"), which trailing words are not part
of it ("Jr", "III"), and what a publication year looks like. Each list used to be written out where it
was needed, and the copies had drifted apart (five particle lists of 10 to 31 words). Here each word
is written once; the sets the callers read are built from these definitions.

One vocabulary does not mean one set everywhere. How safe a particle is depends on the context: in a
parsed author list a lower-case "e" or "y" between names is a particle, but in running prose every
word in front of a capitalised name can be pulled into a citation's span, so prose patterns use
smaller sets. The particles therefore come in nested tiers, each a superset of the one before:

    NARRATIVE_PARTICLES  ⊂  CASELESS_PARTICLES  ⊂  PROSE_PARTICLES  ⊂  PARTICLES

Each tier's comment says why its words are left out of the narrower sets. Changing which tier a word
belongs to changes extraction spans or verdicts: measure it with `python -m bench.extraction` and the
extraction tests before and after.

Regex fragments (`*_PATTERN`, `YEAR`) are non-capturing groups, so they can be dropped into a larger
pattern without renumbering its groups; wrap one in parentheses to capture it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "AND_AFTER_INITIAL_PATTERN",
    "CASELESS_PARTICLES",
    "COLLEAGUES_PATTERN",
    "ET_AL_AFTER_NAMES_PATTERN",
    "NAME_SUFFIXES",
    "NARRATIVE_PARTICLES",
    "NARRATIVE_PARTICLE_PATTERN",
    "OTHERS_PATTERN",
    "PARTICLES",
    "PROSE_PARTICLES",
    "PROSE_PARTICLE_PATTERN",
    "WRITTEN_NAME_SUFFIXES",
    "YEAR",
]


def _alternation(words: Iterable[str]) -> str:
    """A non-capturing regex group matching any of `words`, built the same way every time: escaped,
    longest first (so that no word loses to a shorter word it starts with), ties in alphabetical order."""
    return "(?:" + "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w))) + ")"


# --- name particles ----------------------------------------------------------------------------------
# Lower-case words that belong to the family name ("van der Maaten", "de Freitas", "von Luxburg").
# BibTeX's rule is "any lower-case word"; we need lists because titles and prose are full of
# lower-case words, and a parser has to tell a name from the words around it.

# The commonest Dutch, German, French and Italian particles. Narrative citations ("van der Maaten et
# al. (2008)") are found by a capitalised word and a year alone, and up to three particles in front
# of it join the citation's span, so only these qualify there: "ten" and "dos" are number words in
# English and Spanish, and any word admitted here is taken into the span whenever it precedes a name.
_COMMON_PARTICLES = frozenset({"van", "von", "de", "der", "den", "di", "da", "du", "le", "la"})

# Further particles, safe to recognise in any case ("del Castillo", "della Pietra", "dos Santos", "ten
# Brink", "ter Haar"). Kept out of the narrative tier: see above.
_OTHER_PARTICLES = frozenset({"del", "della", "dos", "ten", "ter"})

# Arabic and Malay particles ("bin Laden", "el Baz"). Capitalised they are given names ("Bin Yu",
# "Al Gore") and "al" is the "al." of "et al.", so they are left out of the set that is looked up
# case-insensitively; the prose patterns match them lower-case only, and the author-name parser
# only as lower-case words.
_ARABIC_PARTICLES = frozenset({"bin", "al", "el"})

# Particles the author-name parser knows but running prose does not. Several are ordinary words in
# running text: "do" (English), "e" and "y" ("and" in Portuguese and Spanish, also single letters),
# "das" and "zu" (German), "av" and "af" (Scandinavian "of"); "st." and the elided "'t", "van't"
# carry punctuation the prose patterns do not expect; "zum", "vom" and "ibn" were added for the parser
# alone. The parser accepts them only as lower-case words between the parts of a name in an author
# list, where they are particles. Adding any of them to a prose set moves extraction spans.
_AUTHOR_LIST_PARTICLES = frozenset(
    {"das", "do", "zu", "zum", "vom", "ibn", "st.", "y", "e", "av", "af", "'t", "van't"}
)

NARRATIVE_PARTICLES: frozenset[str] = _COMMON_PARTICLES
"""Particles allowed in front of the family name of a narrative citation in prose ("van der Maaten
et al. (2008)", "de Vries's (2019)"). The smallest set: each one can extend a citation's span."""

CASELESS_PARTICLES: frozenset[str] = NARRATIVE_PARTICLES | _OTHER_PARTICLES
"""Particles recognised whatever their case (the caller lower-cases the token before looking it
up): leaves out "bin", "al", "el", which capitalised are given names ("Bin Yu", "Al Gore")."""

PROSE_PARTICLES: frozenset[str] = CASELESS_PARTICLES | _ARABIC_PARTICLES
"""Particles in author lists written in running prose ('by Laurens van der Maaten and ...'), and the
words dropped from a folded family name to key a mention ("van der Maaten et al. (2008)") to its
reference entry. Leaves out the parser-only words, several of them common words in running text
("do", "e", "y", ...)."""

PARTICLES: frozenset[str] = PROSE_PARTICLES | _AUTHOR_LIST_PARTICLES
"""Every known particle, for the author-name parser, which accepts one only when written lower-case
inside an author list (where "e" and "y" are particles, not words)."""

NARRATIVE_PARTICLE_PATTERN: str = _alternation(NARRATIVE_PARTICLES)
"""`NARRATIVE_PARTICLES` as a non-capturing regex alternation of lower-case words (compile it without
re.IGNORECASE, or capitalised words would count as particles)."""

PROSE_PARTICLE_PATTERN: str = _alternation(PROSE_PARTICLES)
"""`PROSE_PARTICLES` as a non-capturing regex alternation of lower-case words (compile it without
re.IGNORECASE: "Al", "Bin" are given names)."""


# --- name suffixes -----------------------------------------------------------------------------------

# Generational suffixes that follow a name and are not its family name ("Martin Luther King Jr",
# "John Smith III"). The abbreviations take a full stop; Roman numerals are written without one.
_ABBREVIATED_SUFFIXES = frozenset({"jr", "sr"})
_ROMAN_SUFFIXES = frozenset({"ii", "iii", "iv"})

NAME_SUFFIXES: frozenset[str] = _ABBREVIATED_SUFFIXES | _ROMAN_SUFFIXES
"""Generational name suffixes, lower-case and without punctuation: compare a token lower-cased and
stripped of its trailing full stop or comma."""

WRITTEN_NAME_SUFFIXES: frozenset[str] = NAME_SUFFIXES | {s + "." for s in _ABBREVIATED_SUFFIXES}
"""`NAME_SUFFIXES` as written, with the full stop the abbreviations take ("jr."): for callers that
compare a lower-cased token without stripping its punctuation."""


# --- "and colleagues" ---------------------------------------------------------------------------------

COLLEAGUES_PATTERN: str = (
    r"(?:and|&|y|e|et|und)\s{1,3}(?:colleagues|co-?workers|co-?authors|colaboradores|collaborateurs|colleghi|Kollegen|coautores)"
)
"""What stands for the other authors after a first one in prose, as a non-capturing regex fragment:
"and colleagues", "and co-workers", and as LLMs answering in Spanish, Portuguese, French, Italian or
German write it ("y colaboradores", "e colaboradores", "et collaborateurs", "e colleghi", "und
Kollegen"). Like "et al.", it sets `et_al` on the author list."""


OTHERS_PATTERN: str = (
    r"(?:u\.\s{0,2}a\.|und\s{1,3}andere|m\.\s{0,2}fl\.|og\s{1,3}andre|och\s{1,3}andra|en\s{1,3}anderen"
    r"|y\s{1,3}otros|e\s{1,3}outros|e\s{1,3}altri|et\s{1,3}coll\.|i\s{1,3}in\.|a\s{1,3}kol\.|и\s{1,3}др\.)"
)
""""And others" in the other languages reference lists are written in, as a non-capturing regex
fragment: German "u. a." / "und andere", Swedish, Danish and Norwegian "m.fl.", "och andra", "og
andre", Dutch "en anderen", Spanish "y otros", Portuguese "e outros", Italian "e altri", French "et
coll.", Polish "i in.", Czech "a kol.", Russian "и др.". Like "et al.", it sets `et_al` on the author
list ("Akula, A. R. u. a. (2021)": the first author, not a given name "u. a.")."""


AND_AFTER_INITIAL_PATTERN: str = r"(?:y|e|et|en|och|og|i|и|und|and)"
""""And" between two authors in the languages reference lists are written in (Spanish "y", Portuguese
and Italian "e", French "et", Dutch "en", Swedish "och", Danish and Norwegian "og", Polish "i",
Russian "и", German "und"), as a non-capturing regex fragment. Some of these also join the parts of
one family name ("Ortega y Gasset", "Sousa e Silva"), so the readers take it for "and" only where the
names around it say so: after an initial's full stop ("Zhou, X. y Ji, B."), before a family name in
capitals ("KHAN, Zaid et FU, Yun"), in an author-year mention ("Zhou y Ji (2022)"), and between
given-first names as `verifier.names` decides."""


ET_AL_AFTER_NAMES_PATTERN: str = r"(?:et\.?\s{0,3}al\b|(?:and|&)\s{1,3}others\b|" + COLLEAGUES_PATTERN + r"|" + OTHERS_PATTERN + r"|等人|ほか)"
"""What ends a first author's name and stands for the others, right after it: "et al.", "and others",
`COLLEAGUES_PATTERN`, `OTHERS_PATTERN`, and Chinese 等人 and Japanese ほか ("Vaswani 等人 (2017)"). Non-capturing; match it
case-insensitively."""


# --- years -------------------------------------------------------------------------------------------

YEAR: str = r"(?:1[89]\d\d|20\d\d)"
"""A publication year as cited in text, 1800-2099, as a non-capturing regex fragment; wrap it in
parentheses to capture it. In text every four-digit number is a candidate (page numbers, counts,
identifiers), so the range is kept to the years cited works have; record metadata, where the field
is known to be a date, is read with the wider range of `citeproof.connectors` (`year_of`)."""
