"""Render the HALLMARK dev entries as LLM answers whose reference lists are structured blocks, with gold spans.

bench/make_styles.py covers the citation styles of prose and markdown lists; this covers the forms an
LLM uses when asked for "structured" output: JSON arrays of reference objects (fenced or not), JSON
objects holding such a list under some key, YAML and YAML-like key-value blocks, HTML lists and tables,
LaTeX `thebibliography` environments and markdown tables whose header names the columns. Every family
varies its keys, markup, wording, nesting and field formats, and every answer is wrapped in prose,
headings and structured blocks that cite nothing (a JSON config, a YAML training file, an HTML list
of steps, a results table, a LaTeX equation), so that no single template is learned.

Each line of the output is `{id, style, text, citations, mentions}`, as in answers_styles.jsonl.gz; the
style is the form family. Gold spans: a JSON object from its `{` to its `}`; a JSON string (a whole
reference) inside its quotes; a YAML list item after its `- `; a key-value group from its first key to
the end of its last value; an HTML `<li>`/`<dd>`/`<p>` entry's content between its tags; an HTML table
row from its first cell's `<td` to its last `</td>`; a `\\bibitem` from after its `{key}` to the end of
the entry; a markdown table row from its first cell to its last.

Usage: `python -m bench.make_forms [--data DIR] [--out PATH] [--per-family N] [--seed S]`. Deterministic
for a given seed.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.make_styles import (
    CODE_BLOCKS,
    DEFAULT_DATA,
    HEADINGS,
    INTROS,
    OUTROS,
    PHRASES,
    TOPICS,
    YEAR_SENTENCES,
    Answer,
    Entry,
    _cite_name,
    _distinct_mentions,
    answer_row,
    apa,
    doi_url,
    full,
    ieee,
    init_first,
    init_inv,
    inverted,
    join,
    load_entries,
    long_venue,
    sentence_case,
    write_answers,
)

__all__ = ["FAMILIES", "build", "main"]

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "data" / "answers_forms.jsonl.gz"

# --- noise: structured blocks that cite nothing -------------------------------------------------------

STRUCTURED_NOISE = [
    "```yaml\ntraining:\n  epochs: 90\n  lr: 0.1\n  seed: 2021\ndataset:\n  name: imagenet\n  year: 2012\n```",
    "```json\n{\"model\": \"bert-base-uncased\", \"epochs\": 3, \"lr\": 2e-5, \"released\": 2019, \"tags\": [\"nlp\", \"baseline\"]}\n```",
    "<ul>\n  <li>Install Python 3.10 or newer</li>\n  <li>Download the 2022 release of the dataset</li>\n</ul>",
    "| Method | Top-1 (%) | Params |\n|---|---|---|\n| ResNet-50 | 76.1 | 25M |\n| ViT-B/16 | 81.8 | 86M |",
    "```latex\n\\begin{equation}\n  \\mathcal{L} = -\\sum_i y_i \\log p_i\n\\end{equation}\n```",
    "```html\n<div class=\"note\">\n  <p>Results were last updated in <b>March 2023</b>.</p>\n</div>\n```",
    "| Dataset | Year | Size |\n|:--|:-:|--:|\n| ImageNet | 2012 | 1.28M |\n| COCO | 2014 | 330K |",
    "```yaml\nexperiment:\n  title: Baseline run\n  date: 2023-05-01\n  gpus: 8\n```",
    "```json\n[{\"name\": \"ResNet-50\", \"year\": 2015, \"top1\": 76.1}, {\"name\": \"ViT-B/16\", \"year\": 2020, \"top1\": 81.8}]\n```",
    "Key settings:\n\n- batch size: 256\n- warmup: 10k steps (as in the 2019 recipe)\n- optimizer: AdamW",
]
PROSE = [
    "Most of these papers report results on the standard benchmarks, so they are easy to compare.",
    "I picked a mix of foundational work and recent results; the later entries build on the earlier ones.",
    "The list is not exhaustive, but it covers the main lines of work as of 2024.",
    "Between 2019 and 2023 the field moved from small curated datasets to web-scale pretraining.",
]
LEADS = [
    "Here is the list in the format you asked for:",
    "Below is a machine-readable version of the reading list.",
    "Structured output follows.",
    "Here you go:",
    "I formatted the references so you can import them directly:",
]


def _noise(a: Answer, rng: random.Random, topic: str) -> None:
    r = rng.random()
    if r < 0.5:
        a.add(rng.choice(STRUCTURED_NOISE) + "\n\n")
    elif r < 0.7:
        a.add(rng.choice(CODE_BLOCKS) + "\n\n")
    else:
        a.add(rng.choice(YEAR_SENTENCES).format(t=topic) + "\n\n")


def _open(a: Answer, rng: random.Random, topic: str) -> None:
    a.add(rng.choice(INTROS).format(t=topic) + "\n\n")
    if rng.random() < 0.6:
        _noise(a, rng, topic)
    if rng.random() < 0.5:
        a.add(rng.choice(HEADINGS) + "\n\n")
    if rng.random() < 0.5:
        a.add(rng.choice(LEADS) + "\n\n")


def _close(a: Answer, rng: random.Random, topic: str) -> None:
    if rng.random() < 0.4:
        a.add(rng.choice(PROSE) + "\n\n")
    if rng.random() < 0.5:
        _noise(a, rng, topic)
    a.add(rng.choice(OUTROS))


def _fence(rng: random.Random, infos: list[str], p_bare: float) -> tuple[str, str]:
    """Opening and closing fence lines (or nothing, for an unfenced block)."""
    if rng.random() < p_bare:
        return "", ""
    tick = "~~~" if rng.random() < 0.1 else "```"
    return f"{tick}{rng.choice(infos)}\n", f"{tick}\n"


def _year(e: Entry) -> int | str:
    return int(e.year) if e.year.isdigit() else e.year


def _mentions_prose(a: Answer, rng: random.Random, entries: list[Entry]) -> None:
    """A paragraph of author-year mentions ('Smith et al. (2020) show ...') of entries in the list."""
    for e in _distinct_mentions(entries)[: rng.randint(1, 3)]:
        a.add(rng.choice(["", "Notably, ", "Building on this, "]))
        a.mention(f"{_cite_name(e)} ({e.year})", [e.key])
        a.add(f" {rng.choice(PHRASES)}. ")
    a.add("\n\n")


# --- JSON --------------------------------------------------------------------------------------------

_J_TITLE = ["title", "title", "paper_title", "Title", "paperTitle", "name", "paper"]
_J_AUTHORS = ["authors", "authors", "author", "Authors", "creators", "author_list"]
_J_YEAR = ["year", "year", "published", "date", "publication_year", "Year", "issued"]
_J_VENUE = ["venue", "journal", "conference", "booktitle", "container-title", "published_in", "Venue", "source"]
_J_DOI = ["doi", "DOI"]
_J_URL = ["url", "link", "URL", "pdf_url"]
_J_EXTRA: list[tuple[str, Callable[[Entry, random.Random], Any]]] = [
    ("summary", lambda e, r: r.choice(PHRASES).capitalize() + "."),
    ("citations", lambda e, r: r.randint(5, 40000)),
    ("tags", lambda e, r: r.sample(["theory", "benchmark", "efficiency", "robustness", "survey"], 2)),
    ("relevance", lambda e, r: r.choice(["high", "medium", "foundational"])),
    ("notes", lambda e, r: r.choice(["Widely cited (2021 release)", "Strong baseline", "Code available"])),
]


def _authors_value(e: Entry, rng: random.Random, fmt: str) -> Any:
    n = e.names
    if fmt == "list_full":
        out: list[Any] = [full(x) for x in n]
    elif fmt == "list_inv":
        out = [inverted(x) for x in n]
    elif fmt == "str_and":
        return " and ".join(full(x) for x in n) + (" and others" if e.others else "")
    elif fmt == "str_comma":
        return (join([full(x) for x in n]) + (", et al." if e.others else "")) if len(n) <= 4 else f"{full(n[0])} et al."
    elif fmt == "given_family":
        out = [{"given": g, "family": f} if g else {"family": f} for g, f in n]
    elif fmt == "first_last":
        out = [{"first": g, "last": f} for g, f in n]
    elif fmt == "camel":
        out = [{"firstName": g, "lastName": f} for g, f in n]
    else:  # {"name": ...}
        out = [{"name": full(x), "affiliation": rng.choice(["MIT", "Google", "ETH Zurich", "Tsinghua University"])} if rng.random() < 0.3 else {"name": full(x)} for x in n]
    if e.others:
        out.append("et al." if fmt in ("list_full", "list_inv") else {"name": "others"})
    return out


def _json_object(e: Entry, rng: random.Random, keys: dict[str, str], afmt: str, yfmt: str) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    items: list[tuple[str, Any]] = [(keys["title"], e.title), (keys["authors"], _authors_value(e, rng, afmt))]
    y = _year(e)
    if keys["year"] == "issued":
        items.append(("issued", {"date-parts": [[y]]}))
    elif keys["year"] in ("date", "published"):
        items.append((keys["year"], f"{e.year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if yfmt == "iso" else str(y)))
    else:
        items.append((keys["year"], y if yfmt != "str" else str(y)))
    if e.venue and rng.random() < 0.8:
        items.append((keys["venue"], e.venue if rng.random() < 0.6 else long_venue(e, rng)))
    if e.doi and rng.random() < 0.6:
        items.append((keys["doi"], e.doi if rng.random() < 0.7 else f"https://doi.org/{e.doi}"))
    elif doi_url(e) and rng.random() < 0.3:
        items.append((keys["url"], doi_url(e)))
    for k, f in rng.sample(_J_EXTRA, rng.randint(0, 2)):
        items.append((k, f(e, rng)))
    if rng.random() < 0.3:
        items.insert(0, ("id", 0))  # numbered below
    if rng.random() < 0.4:
        head, tail = items[:1], items[1:]
        rng.shuffle(tail)
        items = head + tail
    for k, v in items:
        obj[k] = v
    return obj


def _json_keys(rng: random.Random) -> dict[str, str]:
    return {
        "title": rng.choice(_J_TITLE), "authors": rng.choice(_J_AUTHORS), "year": rng.choice(_J_YEAR),
        "venue": rng.choice(_J_VENUE), "doi": rng.choice(_J_DOI), "url": rng.choice(_J_URL),
    }


def _indent(s: str, pad: str) -> str:
    """Every line but the first indented by `pad` (the first is placed after `pad` by the caller)."""
    return s.replace("\n", "\n" + pad)


def _json_array(a: Answer, rng: random.Random, entries: list[Entry], pad: str, objects: list[dict[str, Any]]) -> None:
    """Writes '[ obj, obj ]' with each object's span as gold; `pad` is the indentation of the '['."""
    style = rng.choice(["indent2", "indent4", "line", "line", "compact"])
    ensure_ascii = rng.random() < 0.3
    trailing = rng.random() < 0.08  # LLMs leave a trailing comma now and then
    if style == "compact":
        a.add("[")
        for i, (e, o) in enumerate(zip(entries, objects, strict=True)):
            if i:
                a.add(", ")
            a.cite(json.dumps(o, ensure_ascii=ensure_ascii), e)
        a.add("]")
        return
    step = "    " if style == "indent4" else "  "
    a.add("[\n")
    for i, (e, o) in enumerate(zip(entries, objects, strict=True)):
        a.add(pad + step)
        body = json.dumps(o, ensure_ascii=ensure_ascii) if style == "line" else json.dumps(o, indent=len(step), ensure_ascii=ensure_ascii)
        a.cite(_indent(body, pad + step), e)
        a.add(",\n" if i < len(entries) - 1 or trailing else "\n")
    a.add(pad + "]")


def _numbered(objects: list[dict[str, Any]]) -> None:
    for i, o in enumerate(objects, 1):
        if "id" in o:
            o["id"] = i


def json_block(entries: list[Entry], rng: random.Random, topic: str) -> Answer:
    a = Answer("json_block")
    _open(a, rng, topic)
    keys = _json_keys(rng)
    afmt = rng.choice(["list_full", "list_full", "list_inv", "str_and", "str_comma", "given_family", "first_last", "camel", "name"])
    yfmt = rng.choice(["int", "int", "str", "iso"])
    objects = [_json_object(e, rng, keys, afmt, yfmt) for e in entries]
    _numbered(objects)
    o, c = _fence(rng, ["json", "json", "", "JSON", "jsonc"], 0.15)
    a.add(o)
    if rng.random() < 0.15 and o:  # JSON Lines: one object per line, no array
        for e, ob in zip(entries, objects, strict=True):
            a.cite(json.dumps(ob, ensure_ascii=False), e)
            a.add("\n")
    else:
        _json_array(a, rng, entries, "", objects)
        a.add("\n")
    a.add(c + "\n")
    _close(a, rng, topic)
    return a


_CONTAINERS = ["references", "papers", "results", "bibliography", "works", "items", "reading_list", "citations"]


def json_object_refs(entries: list[Entry], rng: random.Random, topic: str) -> Answer:
    a = Answer("json_object_refs")
    _open(a, rng, topic)
    if rng.random() < 0.3:
        _mentions_prose(a, rng, entries)
    o, c = _fence(rng, ["json", "json", ""], 0.1)
    a.add(o)
    shape = rng.choice(["objects", "objects", "nested", "strings", "id_citation"])
    key = rng.choice(_CONTAINERS)
    head = [("topic", topic)] if rng.random() < 0.5 else [("query", f"key papers on {topic}")]
    if rng.random() < 0.4:
        head.append(("generated", "2024-05-01"))
    a.add("{\n")
    for k, v in head:
        a.add(f'  {json.dumps(k)}: {json.dumps(v)},\n')
    if shape == "nested":
        a.add(f'  "results": {{\n    "count": {len(entries)},\n    {json.dumps(key)}: ')
        pad = "    "
    else:
        a.add(f"  {json.dumps(key)}: ")
        pad = "  "
    if shape == "strings":  # whole references as strings: gold is the string's content
        fmt = rng.choice([apa, ieee])
        a.add("[\n")
        for i, e in enumerate(entries):
            s = fmt(e, rng).replace("*", "")
            a.add(pad + '  "')
            a.cite(json.dumps(s, ensure_ascii=False)[1:-1], e)
            a.add('"' + (",\n" if i < len(entries) - 1 else "\n"))
        a.add(pad + "]")
    elif shape == "id_citation":
        fmt = rng.choice([apa, ieee])
        objs = [{"id": i, rng.choice(["citation", "reference", "ref"]): fmt(e, rng).replace("*", "")} for i, e in enumerate(entries, 1)]
        if rng.random() < 0.5:
            for ob in objs:
                ob["why"] = rng.choice(PHRASES)
        _json_array(a, rng, entries, pad, objs)
    else:
        keys = _json_keys(rng)
        afmt = rng.choice(["list_full", "str_and", "str_comma", "given_family", "list_inv", "name"])
        objects = [_json_object(e, rng, keys, afmt, rng.choice(["int", "str"])) for e in entries]
        _numbered(objects)
        _json_array(a, rng, entries, pad, objects)
    if shape == "nested":
        a.add("\n  }")
    if rng.random() < 0.3:
        a.add(f',\n  "note": "Years are publication years; {len(entries)} items."')
    a.add("\n}\n" + c + "\n")
    _close(a, rng, topic)
    return a


# --- YAML and key-value blocks ---------------------------------------------------------------------------

_YAML_PLAIN_RE = re.compile(r"^[A-Za-z0-9(][^\n#]*$")


def _yq(s: str, rng: random.Random, mode: str) -> str:
    """A YAML scalar: quoted as an emitter would when needed (mode 'safe'), always ('always'), or never
    (mode 'never', which an LLM does too and which is no longer valid YAML when the value holds ': ')."""
    if mode == "never" or (mode == "safe" and _YAML_PLAIN_RE.match(s) and ": " not in s and not s.endswith(":")):
        return s
    if rng.random() < 0.5 and "'" not in s:
        return f"'{s}'"
    return json.dumps(s, ensure_ascii=False)


_Y_TITLE = ["title", "title", "Title", "paper", "name"]
_Y_AUTHORS = ["authors", "author", "Authors", "by"]
_Y_YEAR = ["year", "year", "published", "date", "Year"]
_Y_VENUE = ["venue", "journal", "conference", "booktitle", "published_in", "Venue"]


def _yaml_item(e: Entry, rng: random.Random, keys: dict[str, str], afmt: str, qmode: str, pad: str) -> str:
    n = e.names
    fields = [f"{keys['title']}: {_yq(e.title, rng, qmode)}"]  # one string per field, maybe several lines
    if afmt == "flow":
        names = [full(x) for x in n] + (["others"] if e.others else [])
        fields.append(f"{keys['authors']}: [" + ", ".join(_yq(x, rng, "safe") for x in names) + "]")
    elif afmt == "block":
        fields.append("\n".join([f"{keys['authors']}:"] + [f"  - {_yq(full(x), rng, 'safe')}" for x in n] + (["  - et al."] if e.others else [])))
    elif afmt == "inverted":
        fields.append("\n".join([f"{keys['authors']}:"] + [f"  - {_yq(inverted(x), rng, 'always')}" for x in n]))
    elif afmt == "mapping":
        lines = [f"{keys['authors']}:"]
        for g, f in n:
            lines.append(f"  - family: {_yq(f, rng, 'safe')}")
            if g:
                lines.append(f"    given: {_yq(g, rng, 'safe')}")
        fields.append("\n".join(lines))
    else:
        fields.append(f"{keys['authors']}: {_yq(' and '.join(full(x) for x in n) + (' and others' if e.others else ''), rng, 'safe')}")
    fields.append(f"{keys['year']}: {e.year}")
    if e.venue and rng.random() < 0.8:
        fields.append(f"{keys['venue']}: {_yq(e.venue, rng, qmode)}")
    if e.doi and rng.random() < 0.5:
        fields.append(f"doi: {e.doi}")
    if rng.random() < 0.3:
        fields.append(f"note: {_yq(rng.choice(PHRASES).capitalize() + '.', rng, 'safe')}")
    head, tail = fields[:1], fields[1:]
    if rng.random() < 0.3:
        rng.shuffle(tail)
    return ("\n" + pad).join(line for f in head + tail for line in f.split("\n"))


_KV_LABELS = {
    "title": ["Title", "Paper", "Paper title", "Article", "Publication"],
    "authors": ["Authors", "Author(s)", "By", "Written by", "Researchers"],
    "year": ["Year", "Published", "Date", "Publication year"],
    "venue": ["Venue", "Journal/Conference", "Published in", "Conference", "Source"],
    "doi": ["DOI", "Link"],
    "note": ["Why it matters", "Summary", "Key idea", "Notes"],
}


def _kv_group(e: Entry, rng: random.Random, labels: dict[str, str], bold: str, pad: str) -> str:
    n = e.names
    authors = rng.choice([join([full(x) for x in n]), ", ".join(init_inv(x) for x in n), f"{full(n[0])} et al."]) if len(n) > 1 else full(n[0])
    if e.others and "et al" not in authors:
        authors += ", et al."
    fields = [("title", e.title), ("authors", authors), ("year", e.year)]
    if e.venue and rng.random() < 0.8:
        fields.append(("venue", e.venue))
    if e.doi and rng.random() < 0.4:
        fields.append(("doi", f"https://doi.org/{e.doi}" if labels["doi"] == "Link" else e.doi))
    if rng.random() < 0.3:
        fields.append(("note", rng.choice(PHRASES).capitalize() + "."))
    out = []
    for k, v in fields:
        label = labels[k]
        key = f"**{label}:**" if bold == "in" else (f"**{label}**:" if bold == "out" else f"{label}:")
        out.append(f"{key} {v}")
    return ("\n" + pad).join(out)


def yaml_block(entries: list[Entry], rng: random.Random, topic: str) -> Answer:
    a = Answer("yaml_block")
    _open(a, rng, topic)
    shape = rng.choice(["list", "list", "under_key", "kv", "kv_numbered"])
    if shape in ("list", "under_key"):
        keys = {"title": rng.choice(_Y_TITLE), "authors": rng.choice(_Y_AUTHORS), "year": rng.choice(_Y_YEAR), "venue": rng.choice(_Y_VENUE)}
        afmt = rng.choice(["flow", "block", "inverted", "mapping", "string"])
        qmode = rng.choice(["safe", "safe", "always", "never"])
        o, c = _fence(rng, ["yaml", "yml", "", "yaml"], 0.25)
        a.add(o)
        pad = ""
        if shape == "under_key":
            a.add(rng.choice(["references", "papers", "reading_list", "bibliography"]) + ":\n")
            pad = "  "
        for e in entries:
            a.add(pad + "- ")
            a.cite(_yaml_item(e, rng, keys, afmt, qmode, pad + "  "), e)
            a.add("\n")
        a.add(c + "\n")
    else:
        labels = {k: rng.choice(v) for k, v in _KV_LABELS.items()}
        bold = rng.choice(["", "", "in", "out"])
        sep = rng.choice(["\n\n", "\n\n", "\n"]) if shape == "kv" else rng.choice(["\n", "\n\n"])
        numbered = rng.random() < 0.6
        for i, e in enumerate(entries, 1):
            pad = ""
            if shape == "kv_numbered":
                m = f"{i}. " if numbered else "- "
                a.add(m)
                pad = " " * len(m)
            a.cite(_kv_group(e, rng, labels, bold, pad), e)
            a.add(sep if i < len(entries) else "\n")
            if shape == "kv" and sep == "\n" and i < len(entries):
                a.add("\n")  # a blank line between groups all the same: one line per field
        a.add("\n")
    _close(a, rng, topic)
    return a


# --- HTML ----------------------------------------------------------------------------------------------

_CLASS_NAMES = [
    {"authors": "authors", "title": "title", "venue": "venue", "year": "year"},
    {"authors": "csl-author", "title": "csl-title", "venue": "csl-container", "year": "csl-issued"},
    {"authors": "ref-authors", "title": "ref-title", "venue": "ref-journal", "year": "ref-year"},
]


def _h(s: str) -> str:
    return html.escape(s, quote=False)


def _html_entry(e: Entry, rng: random.Random, form: str) -> str:
    n = e.names
    names = join([full(x) for x in n]) if len(n) <= 3 and not e.others else f"{full(n[0])} et al."
    inv = ", ".join(init_inv(x) for x in n[:5]) + (", et al." if len(n) > 5 or e.others else "")
    v = e.venue
    link = doi_url(e)
    if form == "cite":
        s = f"<cite>{_h(e.title)}</cite>. {_h(names.rstrip('.'))}."
        s += f" <em>{_h(v)}</em>, {e.year}." if v else f" {e.year}."
    elif form == "apa_i":
        s = f"{_h(inv)} ({e.year}). <i>{_h(e.title)}</i>."
        s += f" {_h(long_venue(e, rng) or '')}." if v else ""
        if link and rng.random() < 0.6:
            s += f' <a href="{_h(link)}">{_h(link)}</a>'
    elif form == "classes":
        cls = rng.choice(_CLASS_NAMES)
        s = (f'<span class="{cls["authors"]}">{_h(names)}</span>. <span class="{cls["title"]}">{_h(e.title)}</span>.'
             + (f' <span class="{cls["venue"]}">{_h(v)}</span>' if v else "") + f' (<span class="{cls["year"]}">{e.year}</span>).')
    elif form == "link_title":
        href = link or f"https://www.semanticscholar.org/search?q={e.title.replace(' ', '+')}"
        s = f'<a href="{_h(href)}">{_h(e.title)}</a> — {_h(names)}, <b>{_h(v or "arXiv")} {e.year}</b>'
    elif form == "strong_br":
        s = f"<strong>{_h(e.title)}</strong><br>{_h(names)}<br>{_h(v or 'Preprint')}, {e.year}"
    else:  # ieee-like with quotes
        s = f"{_h(join([init_first(x) for x in n]))}{', et al.' if e.others else ''}, &ldquo;{_h(e.title)},&rdquo;"
        s += f" in <i>{_h(v)}</i>, {e.year}." if v else f" {e.year}."
    if rng.random() < 0.15 and "<br>" not in s:  # wrapped over two lines
        cut = s.find(". ", len(s) // 3)
        if cut > 0:
            s = s[: cut + 1] + "\n      " + s[cut + 2 :]
    return s


def html_list(entries: list[Entry], rng: random.Random, topic: str) -> Answer:
    a = Answer("html_list")
    _open(a, rng, topic)
    container = rng.choice(["ol", "ol", "ul", "p", "dl"])
    form = rng.choice(["cite", "apa_i", "classes", "link_title", "strong_br", "ieee_q"])
    if container == "ol" and rng.random() < 0.4:  # numeric markers in prose before the list
        for i in range(1, len(entries) + 1):
            a.add(rng.choice(["Early work", "A later study", "One influential paper", "A complementary view"]) + f" {rng.choice(PHRASES)} [")
            a.mention(str(i), [entries[i - 1].key])
            a.add("]. ")
        a.add("\n\n")
    o, c = _fence(rng, ["html", "html", ""], 0.5)
    a.add(o)
    if rng.random() < 0.3:
        a.add(rng.choice(["<h2>References</h2>\n", "<h3>Further reading</h3>\n", "<p>Selected papers (2015&ndash;2024):</p>\n"]))
    item_open, item_close, wrap_open, wrap_close = {
        "ol": ("<li>", "</li>", "<ol>", "</ol>"), "ul": ("<li>", "</li>", '<ul class="references">', "</ul>"),
        "p": ('<p class="reference">', "</p>", '<div class="bibliography">', "</div>"), "dl": ("<dd>", "</dd>", "<dl>", "</dl>"),
    }[container]
    a.add(wrap_open + "\n")
    for i, e in enumerate(entries, 1):
        if container == "dl":
            a.add(f"  <dt>[{i}]</dt>\n")
        a.add("  " + item_open)
        multi = rng.random() < 0.15
        if multi:
            a.add("\n    ")
        a.cite(_html_entry(e, rng, form), e)
        a.add(("\n  " if multi else "") + (item_close if rng.random() < 0.93 or container in ("p", "dl") else "") + "\n")
    a.add(wrap_close + "\n" + c + "\n")
    _close(a, rng, topic)
    return a


_H_COLS = {
    "title": ["Title", "Paper", "Paper Title", "Publication", "Work"],
    "authors": ["Authors", "Author(s)", "By", "First Author"],
    "year": ["Year", "Published", "Date", "Pub. Year"],
    "venue": ["Venue", "Journal/Conference", "Published In", "Source"],
    "doi": ["DOI", "Link"],
    "note": ["Notes", "Key contribution", "Why read it"],
}
_NOTES = ["Strong baseline", "Introduces a benchmark (2021 release)", "Theory + experiments", "Scales to 1B parameters", "Widely cited"]


def _columns(rng: random.Random) -> list[tuple[str, str]]:
    cols = ["title"] + [c for c, p in (("authors", 0.85), ("year", 0.85), ("venue", 0.6), ("doi", 0.25), ("note", 0.4)) if rng.random() < p]
    rng.shuffle(cols)
    if rng.random() < 0.5:  # the title first, as most tables have it
        cols.remove("title")
        cols.insert(0, "title")
    out = [(c, rng.choice(_H_COLS[c])) for c in cols]
    if rng.random() < 0.2:
        out.insert(0, ("#", rng.choice(["#", "No.", "Ref"])))
    return out


def _cell(c: str, label: str, e: Entry, rng: random.Random, i: int, markdown: bool) -> str:
    n = e.names
    if c == "#":
        return str(i)
    if c == "title":
        r = rng.random()
        if markdown:
            return f"**{e.title}**" if r < 0.3 else (f"[{e.title}]({doi_url(e)})" if r < 0.5 and doi_url(e) else e.title)
        return f"<b>{_h(e.title)}</b>" if r < 0.2 else (f'<a href="{_h(doi_url(e) or "")}">{_h(e.title)}</a>' if r < 0.45 and doi_url(e) else _h(e.title))
    if c == "authors":
        if label == "First Author":
            s = full(n[0])
        elif rng.random() < 0.3:
            s = "; ".join(init_inv(x) for x in n[:3]) + ("; et al." if len(n) > 3 or e.others else "")
        else:
            s = f"{full(n[0])} et al." if len(n) > 3 or e.others else join([full(x) for x in n])
        return s if markdown else _h(s)
    if c == "year":
        return e.year if label != "Date" or rng.random() < 0.5 else f"{e.year}-{rng.randint(1, 12):02d}"
    if c == "venue":
        v = e.venue or "arXiv"
        return (f"*{v}*" if markdown and rng.random() < 0.2 else v) if markdown else _h(v)
    if c == "doi":
        if e.doi:
            return e.doi if label == "DOI" else f"https://doi.org/{e.doi}"
        return "—"
    return rng.choice(_NOTES)


def html_table(entries: list[Entry], rng: random.Random, topic: str) -> Answer:
    a = Answer("html_table")
    _open(a, rng, topic)
    cols = _columns(rng)
    o, c = _fence(rng, ["html", ""], 0.5)
    a.add(o + rng.choice(["<table>\n", '<table class="papers">\n', '<table border="1">\n']))
    thead = rng.random() < 0.7
    head = "".join(f"<th>{_h(label)}</th>" for _, label in cols)
    a.add(f"  <thead>\n    <tr>{head}</tr>\n  </thead>\n  <tbody>\n" if thead else f"  <tr>{head}</tr>\n")
    ind = "    " if thead else "  "
    for i, e in enumerate(entries, 1):
        a.add(ind + "<tr>")
        cells = [f"<td>{_cell(cn, label, e, rng, i, False)}</td>" for cn, label in cols]
        a.cite("".join(cells) if rng.random() < 0.7 else "\n".join(cells).replace("\n", "\n" + ind + "  "), e)
        a.add("</tr>\n")
    a.add(("  </tbody>\n" if thead else "") + "</table>\n" + c + "\n")
    _close(a, rng, topic)
    return a


# --- LaTeX ----------------------------------------------------------------------------------------------

_TEX_ACCENTS = {"é": "\\'{e}", "è": "\\`{e}", "ö": '\\"{o}', "ü": '{\\"u}', "ä": '\\"{a}', "ñ": "\\~{n}", "ç": "\\c{c}", "á": "\\'a", "í": "\\'{\\i}", "ó": "\\'{o}"}


def _tex(s: str, rng: random.Random, accents: bool) -> str:
    s = s.replace("&", "\\&").replace("%", "\\%").replace("_", "\\_").replace("#", "\\#")
    if accents:
        s = "".join(_TEX_ACCENTS.get(ch, ch) for ch in s)
    return s


def _bib_key(e: Entry) -> str:
    fam = re.sub(r"\W", "", e.names[0][1].split()[-1]).lower() if e.names else "anon"
    word = next((w.lower() for w in re.findall(r"[A-Za-z]{4,}", e.title)), "paper")
    return f"{fam}{e.year}{word}"


def _bibitem_body(e: Entry, rng: random.Random, style: str, accents: bool) -> str:
    n = e.names
    t = _tex(e.title, rng, accents)
    v = _tex(e.venue, rng, False) if e.venue else None
    if style == "plain":
        names = _tex(join([init_first(x).replace(". ", ".~") for x in n]) + (" et~al" if e.others else ""), rng, accents)
        s = f"{names}.\n\\newblock {sentence_case(t).rstrip('.')}.\n\\newblock "
        s += f"In {{\\em {v}}}, {e.year}." if v else f"{e.year}."
    elif style == "ieee":
        names = _tex(join([init_first(x).replace(". ", ".~") for x in n[:3]]), rng, accents) + (" \\emph{et~al.}" if len(n) > 3 or e.others else "")
        s = f"{names}, ``{t},'' "
        s += f"in \\emph{{{v}}}, {e.year}" if v else f"{e.year}"
        s += f", pp. {rng.randint(1, 900)}--{rng.randint(901, 999)}." if rng.random() < 0.4 else "."
    else:  # natbib / apalike
        names = _tex(join([init_inv(x) for x in n], last=", and "), rng, accents) + (", et~al." if e.others else "")
        s = f"{names} ({e.year}).\n\\newblock {t.rstrip('.')}.\n\\newblock "
        s += f"\\textit{{{v}}}." if v else "Preprint."
    if e.doi and rng.random() < 0.4:
        s += rng.choice([f" \\doi{{{e.doi}}}", f" \\url{{https://doi.org/{e.doi}}}", f" \\href{{https://doi.org/{e.doi}}}{{doi:{e.doi}}}"])
    return s


def latex_bibitem(entries: list[Entry], rng: random.Random, topic: str) -> Answer:
    a = Answer("latex_bibitem")
    _open(a, rng, topic)
    keys = [_bib_key(e) for e in entries]
    style = rng.choice(["plain", "ieee", "natbib"])
    accents = rng.random() < 0.5
    o, c = _fence(rng, ["latex", "tex", "", "latex"], 0.3)
    cite_in_block = rng.random() < 0.5 and o
    if rng.random() < 0.5:  # \cite mentions in prose
        if o and cite_in_block:
            a.add(o)
        for i, e in enumerate(entries):
            a.add(rng.choice(["Transformers", "This line of work", "A related approach", "Later analysis"]) + rng.choice(["~\\cite{", " \\citep{", " \\cite{"]))
            a.mention(keys[i], [e.key])
            a.add(f"}} {rng.choice(PHRASES)}.\n" if cite_in_block else f"}} {rng.choice(PHRASES)}. ")
        a.add("\n" if cite_in_block else "\n\n")
        if not cite_in_block:
            a.add(o)
    else:
        a.add(o)
    env = rng.random() < 0.85
    if env:
        a.add(rng.choice(["\\begin{thebibliography}{99}\n", "\\begin{thebibliography}{10}\n\n", "\\begin{thebibliography}{9}\n"]))
    for i, e in enumerate(entries):
        label = f"[{_tex(_cite_name(e), rng, False).replace(' et al.', ' et~al.')}({e.year})]" if style == "natbib" and rng.random() < 0.7 else ""
        a.add(f"\\bibitem{label}{{{keys[i]}}}" + ("\n" if style != "ieee" or rng.random() < 0.3 else " "))
        a.cite(_bibitem_body(e, rng, style, accents), e)
        a.add("\n\n" if rng.random() < 0.6 else "\n")
    if env:
        a.add("\\end{thebibliography}\n")
    a.add(c + "\n")
    _close(a, rng, topic)
    return a


# --- markdown tables with a header --------------------------------------------------------------------


def markdown_table_header(entries: list[Entry], rng: random.Random, topic: str) -> Answer:
    a = Answer("markdown_table_header")
    _open(a, rng, topic)
    cols = _columns(rng)
    if rng.random() < 0.2 and any(c == "venue" for c, _ in cols) and any(c == "year" for c, _ in cols):
        cols = [(c, lab) for c, lab in cols if c != "year"]  # one 'Venue (Year)' column
        cols = [("vy", rng.choice(["Venue (Year)", "Conference / Year", "Published in (year)"])) if c == "venue" else (c, lab) for c, lab in cols]
    outer = rng.random() < 0.85
    bold = rng.random() < 0.2
    labels = [f"**{lab}**" if bold else lab for _, lab in cols]
    seps = [rng.choice(["---", ":---", "---:", ":---:", "-----"]) for _ in cols]
    if outer:
        a.add("| " + " | ".join(labels) + " |\n|" + "|".join(seps) + "|\n")
    else:
        a.add(" | ".join(labels) + "\n" + "|".join(seps) + "\n")
    for i, e in enumerate(entries, 1):
        cells = []
        for cn, label in cols:
            if cn == "vy":
                cells.append(f"{e.venue} ({e.year})" if e.venue else e.year)
            else:
                cells.append(_cell(cn, label, e, rng, i, True).replace("|", "/"))
        if outer:
            a.add("| ")
            a.cite(" | ".join(cells), e)
            a.add(" |\n")
        else:
            a.cite(" | ".join(cells), e)
            a.add("\n")
    a.add("\n")
    _close(a, rng, topic)
    return a


FAMILIES: dict[str, Callable[[list[Entry], random.Random, str], Answer]] = {
    "json_block": json_block,
    "json_object_refs": json_object_refs,
    "yaml_block": yaml_block,
    "html_list": html_list,
    "html_table": html_table,
    "latex_bibitem": latex_bibitem,
    "markdown_table_header": markdown_table_header,
}


def build(entries: list[Entry], per_family: int, seed: int) -> list[dict[str, Any]]:
    rows = []
    for f_i, (family, render) in enumerate(FAMILIES.items()):
        rng = random.Random(f"{seed}-{family}")
        pool = [e for e in entries if e.names]
        rng.shuffle(pool)
        pool = pool[:per_family]
        n = 0
        while pool:
            k = rng.randint(3, 7)
            chunk, pool = pool[:k], pool[k:]
            a = render(chunk, rng, rng.choice(TOPICS))
            rows.append(answer_row(a, f"frm-{f_i:02d}-{n:03d}", family))
            n += 1
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared/data/hallmark directory")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--per-family", type=int, default=400, help="entries rendered in each form family")
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args(argv)
    write_answers(build(load_entries(args.data), args.per_family, args.seed), args.out)


if __name__ == "__main__":
    main()
