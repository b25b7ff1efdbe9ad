"""Text normalisation shared by the dump readers and the verifier.

Bibliographic strings arrive as LaTeX (`Sch{\\"o}lkopf`), HTML/JATS (`<i>in vivo</i>`), Unicode in
several normal forms, or ASCII-folded. Every comparison citeproof makes goes through these
functions so that formatting never decides a verdict.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

__all__ = [
    "clean_text",
    "fold",
    "has_letters",
    "latex_to_unicode",
    "single_spaced",
    "strip_markup",
    "title_key",
    "token_tuple",
    "tokens",
]

# Accent commands: \"o, \'{e}, {\"o}, \c{c}, \v{s}, \~n ...
_ACCENTS = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331",
}
_SPECIAL = {
    r"\ss": "ß", r"\o": "ø", r"\O": "Ø", r"\aa": "å", r"\AA": "Å", r"\ae": "æ", r"\AE": "Æ",
    r"\oe": "œ", r"\OE": "Œ", r"\l": "ł", r"\L": "Ł", r"\i": "ı", r"\j": "ȷ", r"\&": "&",
    r"\%": "%", r"\$": "$", r"\#": "#", r"\_": "_", r"\textendash": "–", r"\textemdash": "—",
    r"\textquoteright": "’", r"\textquoteleft": "‘",
}
# Symbol accents take the next letter directly (\"o); letter accents (\v, \c, \u ...) only a braced or
# space-separated single letter, so \varepsilon or \url are never read as accents.
_ACCENT_RE = re.compile(
    r"\\([\"'`^~=.])\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))"
    r"|\\([uvHckrdb])(?:\s*\{\s*(\\?[A-Za-z])\s*\}|\s+(\\?[A-Za-z])(?![A-Za-z]))"
)
_SPECIAL_RE = re.compile(r"\\(ss|o|O|aa|AA|ae|AE|oe|OE|l|L|i|j|textendash|textemdash|textquoteright|textquoteleft)(?![A-Za-z])|\\[&%$#_]")
_CMD_WITH_ARG_RE = re.compile(r"\\(?:emph|textit|textbf|textsc|textrm|texttt|mathrm|mathbf|mathcal|mbox|text|url|it|bf|em)\s*\{([^{}]*)\}")
_BARE_CMD_RE = re.compile(r"\\[A-Za-z]+\s*")
_GREEK = {
    name: unicodedata.lookup(f"GREEK SMALL LETTER {name.upper().replace('LAMBDA', 'LAMDA')}")
    for name in ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda",
                 "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega")
}
_GREEK.update({"varepsilon": "ε", "vartheta": "ϑ", "varphi": "φ", "varrho": "ϱ", "varsigma": "ς", "ell": "ℓ"})
_GREEK.update({n.capitalize(): unicodedata.lookup(f"GREEK CAPITAL LETTER {n.upper().replace('LAMBDA', 'LAMDA')}") for n in ("gamma", "delta", "theta", "lambda", "xi", "pi", "sigma", "phi", "psi", "omega")})
_GREEK_RE = re.compile(r"\\(" + "|".join(sorted(_GREEK, key=len, reverse=True)) + r")(?![A-Za-z])\s*")
_TAG_RE = re.compile(r"<[^<>]{1,200}>")
_TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)


def latex_to_unicode(s: str) -> str:
    """Decode the LaTeX accents and escapes that BibTeX dumps carry, then drop braces."""
    if "\\" not in s and "{" not in s and "~" not in s:
        return s

    def accent(m: re.Match[str]) -> str:
        cmd = m.group(1) or m.group(4)
        base = m.group(2) or m.group(3) or m.group(5) or m.group(6)
        base = {"\\i": "i", "\\j": "j"}.get(base, base.lstrip("\\"))
        return unicodedata.normalize("NFC", base + _ACCENTS[cmd])

    s = _ACCENT_RE.sub(accent, s)
    s = _SPECIAL_RE.sub(lambda m: _SPECIAL.get(m.group(0).rstrip(), m.group(0)[1:]), s)
    for _ in range(3):  # nested \emph{\textbf{...}}
        s2 = _CMD_WITH_ARG_RE.sub(r"\1", s)
        if s2 == s:
            break
        s = s2
    s = _GREEK_RE.sub(lambda m: _GREEK[m.group(1)], s)
    s = _BARE_CMD_RE.sub("", s)
    s = s.replace("{", "").replace("}", "").replace("$", "")
    s = re.sub(r"(?<!\\)~", " ", s).replace("---", "—").replace("--", "–")
    return s


def strip_markup(s: str) -> str:
    """Remove HTML/JATS/MathML tags and decode entities (Crossref titles carry `<i>`, `<sub>`)."""
    if "<" in s:
        s = _TAG_RE.sub("", s)
    if "&" in s:
        s = html.unescape(s)
    return s


def clean_text(s: str | None) -> str:
    """Markup-free, LaTeX-free, NFC, single-spaced text for display and storage."""
    if not s:
        return ""
    s = latex_to_unicode(strip_markup(s))
    s = unicodedata.normalize("NFC", s)
    return single_spaced(s)


def has_letters(s: str, n: int = 3) -> bool:
    """Whether `s` has at least `n` letters (`str.isalpha`): `sum(ch.isalpha() for ch in s) >= n`,
    stopped at the n-th (a title tested this way has them in its first few characters)."""
    for ch in s:
        if ch.isalpha():
            n -= 1
            if n <= 0:
                return True
    return n <= 0


def single_spaced(s: str) -> str:
    """`s` with each run of whitespace made one space and none at either end: what
    `re.sub(r"\\s+", " ", s).strip()` gives (str.split and the regex's \\s agree on every code point,
    both being `str.isspace`), at a fifth of its cost; every name and title passes through it."""
    return " ".join(s.split())


def fold(s: str) -> str:
    """Lower-case and strip diacritics: 'Schölkopf' -> 'scholkopf', 'ß' -> 'ss'."""
    if s.isascii():  # the common case, and the same result: ASCII has no diacritics and casefolds to lower
        return s.lower()
    s = unicodedata.normalize("NFKD", s.casefold())
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return s.replace("ø", "o").replace("ł", "l").replace("æ", "ae").replace("œ", "oe").replace("ı", "i")


def tokens(s: str | None) -> list[str]:
    """Folded word tokens of a cleaned string; hyphens and punctuation split words."""
    if not s:
        return []
    return list(token_tuple(s))


@lru_cache(maxsize=1 << 17)
def token_tuple(s: str) -> tuple[str, ...]:
    """`tokens(s)` as the tuple it is cached as (no copy: for the hot loops that only read it)."""
    # Cached: verification compares the same names and titles against many candidates.
    return tuple(_TOKEN_RE.findall(fold(clean_text(s))))


def title_key(title: str | None) -> str:
    """An exact-match key for titles: folded alphanumerics only, so case/punctuation/accents don't count."""
    return "".join(tokens(title))
