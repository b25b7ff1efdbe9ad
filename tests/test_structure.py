"""Structured blocks (citeproof.verifier.structure): JSON, YAML and key-value groups, HTML lists and tables,
LaTeX bibliographies and headed markdown tables are read with real parsers, with exact spans, fields taken
from the keys and headers, and in-text markers linked; what holds no reference yields nothing, what is
malformed falls back to the free-text passes, and hostile input costs linear time."""

from __future__ import annotations

import json
import time

import pytest

from citeproof.models import Citation
from citeproof.verifier.extract import extract_citations
from citeproof.verifier.structure import read_structures


def _exact(text: str, cites: list[Citation]) -> None:
    for c in cites:
        assert c.raw == text[c.start : c.end]


def _families(c: Citation) -> list[str]:
    return [a.family for a in c.authors]


# --- JSON ---------------------------------------------------------------------------------------------------


def test_json_array_in_a_fence() -> None:
    text = (
        "Here they are:\n\n```json\n[\n"
        '  {"title": "Attention Is All You Need", "authors": ["Ashish Vaswani", "Noam Shazeer"], "year": 2017,\n'
        '   "venue": "NeurIPS", "doi": "https://doi.org/10.48550/arXiv.1706.03762", "summary": "Transformers."},\n'
        '  {"paperTitle": "Deep Residual Learning for Image Recognition", "author": "He, Kaiming and Zhang, Xiangyu",\n'
        '   "date": "2016-06-27", "container-title": "CVPR"},\n'
        "]\n```\nThat's all."
    )
    cites = extract_citations(text)
    _exact(text, cites)
    assert len(cites) == 2
    a, b = cites
    assert a.raw.startswith('{"title"') and a.raw.endswith('"Transformers."}')
    assert a.title == "Attention Is All You Need" and _families(a) == ["Vaswani", "Shazeer"]
    assert (a.year, a.venue, a.doi, a.arxiv_id) == (2017, "NeurIPS", "10.48550/arxiv.1706.03762", "1706.03762")
    assert b.title == "Deep Residual Learning for Image Recognition" and _families(b) == ["He", "Zhang"]
    assert (b.year, b.venue) == (2016, "CVPR")  # trailing comma tolerated


def test_json_object_with_nested_lists_csl_and_ids() -> None:
    text = json.dumps(
        {
            "query": "transformers",
            "results": {
                "papers": [
                    {"id": "vaswani2017", "title": "Attention Is All You Need",
                     "author": [{"family": "Vaswani", "given": "Ashish"}, {"family": "Shazeer", "given": "Noam"}],
                     "issued": {"date-parts": [[2017, 6]]}, "externalIds": {"ArXiv": "1706.03762"}},
                    {"id": "devlin2019", "name": "BERT", "authors": [{"firstName": "Jacob", "lastName": "Devlin"}],
                     "published": "NAACL 2019"},
                ]
            },
        },
        indent=2,
    )
    text = "Result:\n" + text + "\n\nAs \\cite{vaswani2017} shows."
    cites = extract_citations(text)
    _exact(text, cites)
    assert [c.title for c in cites] == ["Attention Is All You Need", "BERT"]
    a, b = cites
    assert a.key == "vaswani2017" and a.year == 2017 and a.arxiv_id == "1706.03762" and a.authors[0].given == "Ashish"
    assert a.mentions and text[a.mentions[0][0] : a.mentions[0][1]] == "vaswani2017"
    assert b.year == 2019 and b.venue == "NAACL" and _families(b) == ["Devlin"]


def test_json_whole_reference_strings_and_tolerant_syntax() -> None:
    ref = "Vaswani, A., Shazeer, N., & Parmar, N. (2017). Attention is all you need. NeurIPS."
    text = "```json\n{'bibliography': [\n  '" + ref + "',\n  'not a reference',\n]}\n```"
    cites = read_structures(text).citations
    _exact(text, cites)
    assert len(cites) == 1 and cites[0].raw == ref  # the string's content, inside its quotes
    assert cites[0].title == "Attention is all you need" and cites[0].year == 2017
    lines = (
        '{"title": "Attention Is All You Need", "first_author": "Vaswani", "year": 2017}\n'
        '{"title": "Deep Residual Learning for Image Recognition", "first_author": "He", "year": 2016}\n'
    )
    cites = read_structures(lines).citations  # JSON Lines, unfenced
    assert [c.year for c in cites] == [2017, 2016] and [_families(c) for c in cites] == [["Vaswani"], ["He"]]
    code = "```python\nrefs = [\n    {'title': 'Attention Is All You Need', 'authors': ['Ashish Vaswani'], 'year': 2017},\n]\n```"
    assert [c.title for c in read_structures(code).citations] == ["Attention Is All You Need"]


# --- YAML and key-value groups ----------------------------------------------------------------------------


def test_yaml_list_with_nested_authors_and_unquoted_colons() -> None:
    text = (
        "Reading list — café edition 🙂:\n\n```yaml\nreferences:\n"
        "  - title: BERT: Pre-training of Deep Bidirectional Transformers\n"  # ': ' unquoted: invalid YAML
        "    authors:\n      - family: Devlin\n        given: Jacob\n      - {family: Chang, given: Ming-Wei}\n"
        "    year: 2019\n    venue: NAACL\n"
        "  - title: 'Attention Is All You Need'\n    authors: [Ashish Vaswani, Noam Shazeer]\n    published: NeurIPS 2017\n"
        "```\n"
    )
    cites = extract_citations(text)
    _exact(text, cites)
    assert len(cites) == 2
    a, b = cites
    assert a.raw.startswith("title: BERT") and a.raw.endswith("venue: NAACL")  # from after '- ' to the last value
    assert a.title == "BERT: Pre-training of Deep Bidirectional Transformers" and _families(a) == ["Devlin", "Chang"]
    assert (a.year, a.venue) == (2019, "NAACL")
    assert b.title == "Attention Is All You Need" and (b.year, b.venue) == (2017, "NeurIPS")


@pytest.mark.parametrize(
    "block",
    [
        "Title: {t1}\nAuthors: Kaiming He, Xiangyu Zhang\nYear: 2016\n\nTitle: {t2}\nAuthors: Ashish Vaswani et al.\nPublished: 2017\n",
        "1. **Title:** {t1}\n   **Author(s):** He, K.; Zhang, X.\n   **Journal/Conference:** CVPR 2016\n"
        "2. **Title:** {t2}\n   **Author(s):** Vaswani, A. et al.\n   **Journal/Conference:** NeurIPS 2017\n",
        "- paper: {t1}\n  by: Kaiming He and Xiangyu Zhang\n  year: 2016\n- paper: {t2}\n  by: Ashish Vaswani\n  year: 2017\n",
    ],
)
def test_key_value_groups(block: str) -> None:
    t1, t2 = "Deep Residual Learning for Image Recognition", "Attention Is All You Need"
    text = "Some papers:\n\n" + block.format(t1=t1, t2=t2) + "\nHope this helps."
    cites = extract_citations(text)
    _exact(text, cites)
    assert [c.title for c in cites] == [t1, t2]
    assert [c.year for c in cites] == [2016, 2017]
    assert [c.authors[0].family for c in cites] == ["He", "Vaswani"]


# --- HTML ---------------------------------------------------------------------------------------------------


def test_html_ordered_list_with_cite_and_numeric_markers() -> None:
    text = (
        "Residual connections [1] and attention [2] changed the field.\n\n"
        "<ol>\n"
        "  <li><cite>Deep Residual Learning for Image Recognition</cite>. Kaiming He, Xiangyu Zhang. <em>CVPR</em>, 2016.</li>\n"
        '  <li>Vaswani, A., &amp; Shazeer, N. (2017). <i>Attention is all you need</i>. NeurIPS. '
        '<a href="https://doi.org/10.48550/arXiv.1706.03762">doi</a>\n'
        "</ol>\n"
    )
    cites = extract_citations(text)
    _exact(text, cites)
    assert len(cites) == 2
    a, b = cites
    assert a.raw.startswith("<cite>") and a.raw.endswith("2016.")  # the content between the tags
    assert a.title == "Deep Residual Learning for Image Recognition" and _families(a) == ["He", "Zhang"] and a.year == 2016
    assert b.title == "Attention is all you need" and b.year == 2017 and b.doi == "10.48550/arxiv.1706.03762"
    assert b.raw.endswith("doi</a>")  # an unclosed <li> ends at </ol>
    assert [k.key for k in cites] == ["1", "2"]
    assert [text[s:e] for s, e in a.mentions] == ["1"] and [text[s:e] for s, e in b.mentions] == ["2"]


def test_html_fields_named_by_class_and_table_header() -> None:
    text = (
        '<div class="bibliography">\n'
        '  <p class="reference"><span class="csl-author">He, K. and Zhang, X.</span> '
        '<span class="csl-title">Deep Residual Learning for Image Recognition</span> '
        '<span class="csl-container">CVPR</span> <span class="csl-issued">2016</span></p>\n'
        "</div>\n\n"
        "<table>\n  <thead><tr><th>Year</th><th>Paper</th><th>Who</th><th>Journal / Conference</th></tr></thead>\n"
        "  <tbody>\n    <tr><td>2017</td><td><b>Attention Is All You Need</b></td><td>Ashish Vaswani et al.</td><td>NeurIPS</td></tr>\n"
        "  </tbody>\n</table>\n"
    )
    cites = extract_citations(text)
    _exact(text, cites)
    assert len(cites) == 2
    a, b = cites
    assert a.title == "Deep Residual Learning for Image Recognition" and _families(a) == ["He", "Zhang"]
    assert (a.year, a.venue) == (2016, "CVPR")
    assert b.raw.startswith("<td>2017</td>") and b.raw.endswith("<td>NeurIPS</td>")
    assert (b.title, b.year, b.venue, b.et_al) == ("Attention Is All You Need", 2017, "NeurIPS", True)


# --- LaTeX --------------------------------------------------------------------------------------------------


def test_latex_thebibliography() -> None:
    text = (
        "Transformers~\\cite{vaswani17} and ResNets \\citep{he16} are standard.\n\n"
        "\\begin{thebibliography}{9}\n"
        "\\bibitem{he16}\n{\\sc K.~He, X.~Zhang, and J.~Sun}.\n\\newblock Deep residual learning for image recognition.\n"
        "\\newblock In {\\em CVPR}, pages 770--778, 2016.\n\n"
        "\\bibitem[Vaswani et~al.(2017)]{vaswani17} A.~Vaswani, N.~Shazeer, and N.~Parmar, ``Attention is all you need,'' "
        "in \\emph{Advances in Neural Information Processing Systems}, 2017. \\doi{10.48550/arXiv.1706.03762}\n"
        "\\end{thebibliography}\n"
    )
    cites = extract_citations(text)
    _exact(text, cites)
    assert len(cites) == 2
    he, va = cites
    assert he.raw.startswith("{\\sc K.~He") and he.raw.endswith("2016.")  # after '\bibitem{key}', to the entry's end
    assert he.key == "he16" and he.title == "Deep residual learning for image recognition" and he.year == 2016
    assert _families(he) == ["He", "Zhang", "Sun"]
    assert va.key == "vaswani17" and va.title == "Attention is all you need" and va.year == 2017
    assert va.venue == "Advances in Neural Information Processing Systems" and va.doi == "10.48550/arxiv.1706.03762"
    assert [text[s:e] for s, e in he.mentions] == ["he16"] and [text[s:e] for s, e in va.mentions] == ["vaswani17"]


def test_latex_cites_inside_the_same_fence_are_linked() -> None:
    text = (
        "```latex\nAs shown in~\\cite{a1}.\n\n\\begin{thebibliography}{1}\n"
        "\\bibitem{a1} A.~Smith. \\newblock A study of things. \\newblock In {\\em ICML}, 2020.\n\\end{thebibliography}\n```"
    )
    (c,) = extract_citations(text)
    assert c.key == "a1" and [text[s:e] for s, e in c.mentions] == ["a1"]


# --- markdown tables --------------------------------------------------------------------------------------------


def test_markdown_table_header_synonyms_any_order() -> None:
    text = (
        "Key papers:\n\n"
        "Published | Author(s) | Paper | Journal/Conference | Link\n"
        ":--|---|---|---|---\n"
        "2016 | Kaiming He, Xiangyu Zhang | **Deep Residual Learning for Image Recognition** | CVPR | — \n"
        "2017 | Vaswani, A.; Shazeer, N. | [Attention Is All You Need](https://arxiv.org/abs/1706.03762) | NeurIPS | arXiv\n"
    )
    cites = extract_citations(text)
    _exact(text, cites)
    assert [c.title for c in cites] == ["Deep Residual Learning for Image Recognition", "Attention Is All You Need"]
    assert [c.year for c in cites] == [2016, 2017] and [c.venue for c in cites] == ["CVPR", "NeurIPS"]
    assert [_families(c) for c in cites] == [["He", "Zhang"], ["Vaswani", "Shazeer"]]
    assert cites[1].arxiv_id == "1706.03762" and cites[0].raw.startswith("2016 |")


# --- tagged exchange formats: RIS, refer/EndNote ----------------------------------------------------------------


def test_ris_records_fenced_or_not() -> None:
    ris = (
        "TY  - JOUR\nAU  - Vaswani, Ashish\nAU  - Shazeer, Noam\nTI  - Attention Is All You Need\nPY  - 2017\n"
        "JO  - Advances in Neural Information Processing Systems\nER  -\n\n"
        "TY  - CONF\nAU  - He, Kaiming\nAU  - Zhang, Xiangyu\nT1  - Deep Residual Learning for Image Recognition\n"
        "Y1  - 2016/06/27\nT2  - CVPR\nDO  - 10.1109/CVPR.2016.90\nN1  - cited 200,000 times\nER  - \n"
    )
    for text in ("Here they are in RIS format:\n\n" + ris, "```ris\n" + ris + "```\n"):
        cites = extract_citations(text)
        _exact(text, cites)
        assert [(c.title, _families(c), c.year, c.venue) for c in cites] == [
            ("Attention Is All You Need", ["Vaswani", "Shazeer"], 2017, "Advances in Neural Information Processing Systems"),
            ("Deep Residual Learning for Image Recognition", ["He", "Zhang"], 2016, "CVPR"),
        ]
        assert cites[1].doi == "10.1109/cvpr.2016.90" and cites[0].authors[0].given == "Ashish"


def test_refer_endnote_records() -> None:
    text = (
        "In EndNote format:\n\n%0 Journal Article\n%A He, Kaiming\n%A Zhang, Xiangyu\n"
        "%T Deep Residual Learning for Image Recognition\n%D 2016\n%J CVPR\n\n"
        "%0 Conference Paper\n%A Bahdanau, Dzmitry\n%T Neural Machine Translation by Jointly Learning to Align and Translate\n"
        "%D 2015\n%B ICLR"
    )
    cites = extract_citations(text)
    _exact(text, cites)
    assert [(c.title, _families(c), c.year, c.venue) for c in cites] == [
        ("Deep Residual Learning for Image Recognition", ["He", "Zhang"], 2016, "CVPR"),
        ("Neural Machine Translation by Jointly Learning to Align and Translate", ["Bahdanau"], 2015, "ICLR"),
    ]


# --- Wikipedia citation templates -------------------------------------------------------------------------------


def test_citation_templates_in_wikipedia_prose() -> None:
    text = (
        "'''Residual networks''' add skip connections.<ref name=\"he\">{{cite journal |last1=He |first1=Kaiming "
        "|last2=Zhang |first2=Xiangyu |last3=Ren |first3=Shaoqing |last4=Sun |first4=Jian |title=Deep Residual Learning "
        "for Image Recognition |journal=[[Conference on Computer Vision and Pattern Recognition|CVPR]] |year=2016 "
        "|doi=10.1109/CVPR.2016.90 |pages=770{{ndash}}778}}</ref> Attention came later.<ref>{{Cite conference"
        "|vauthors=Vaswani A, Shazeer N, Parmar N|display-authors=etal|title=Attention Is All You Need"
        "|conference=NeurIPS|date=December 2017}}</ref>\n\n"
        "{{cite arXiv |author1=Tongzhou Wang |author2=Phillip Isola |title=''On the Learning and Learnability of "
        "Quasimetrics'' |eprint=2206.15478 |class=cs.LG |year=2022}}\n\n"
        "{{cite book |last=Bishop |first=Christopher M. |chapter=Graphical Models |title=Pattern Recognition and "
        "Machine Learning |publisher=Springer |year=2006 |isbn=978-0-387-31073-2}}\n\n== References ==\n{{Reflist}}\n"
    )
    cites = extract_citations(text)
    _exact(text, cites)
    assert [(c.title, _families(c), c.year, c.venue) for c in cites] == [
        ("Deep Residual Learning for Image Recognition", ["He", "Zhang", "Ren", "Sun"], 2016, "CVPR"),
        ("Attention Is All You Need", ["Vaswani", "Shazeer", "Parmar"], 2017, "NeurIPS"),
        ("On the Learning and Learnability of Quasimetrics", ["Wang", "Isola"], 2022, None),
        ("Graphical Models", ["Bishop"], 2006, "Pattern Recognition and Machine Learning"),  # the chapter, in its book
    ]
    he, vaswani, wang, bishop = cites
    assert he.doi == "10.1109/cvpr.2016.90" and he.authors[0].given == "Kaiming" and not he.et_al
    assert vaswani.et_al and vaswani.authors[0].given.startswith("A")
    assert wang.arxiv_id == "2206.15478" and wang.authors[1].given == "Phillip"
    assert bishop.isbn == "9780387310732"
    assert all(c.raw.startswith("{{") and c.raw.endswith("}}") for c in cites)


def test_templates_that_cite_nothing_or_never_close_yield_nothing() -> None:
    for text in (
        "{{Reflist}} {{Infobox software |name=PyTorch |released=2016}} {{cite journal |volume=3 |pages=1-9}}",
        "Broken: {{cite journal |title=Attention Is All You Need |year=2017 |journal=NeurIPS",
    ):
        assert read_structures(text).citations == []


# --- nothing bibliographic, malformed blocks ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '```json\n{"dataset": "imagenet-2012", "year": 2012, "classes": 1000, "split": "val"}\n```',
        '```json\n[{"name": "ResNet-50", "year": 2015, "top1": 76.1}, {"name": "ViT-B/16", "year": 2020, "top1": 81.8}]\n```',
        "```yaml\nexperiment:\n  title: Baseline run\n  date: 2023-05-01\n  gpus: 8\n```",
        "```yaml\ntraining:\n  epochs: 90\n  seed: 2021\ndataset:\n  name: imagenet\n  year: 2012\n```",
        "<ul>\n  <li>Install Python 3.10 or newer</li>\n  <li>Download the 2022 release of the dataset</li>\n</ul>",
        "| Dataset | Year | Size |\n|---|---|---|\n| ImageNet | 2012 | 1.28M |\n| COCO | 2014 | 330K |",
        "```latex\n\\begin{equation}\n  L = -\\sum_i y_i \\log p_i\n\\end{equation}\n```",
        "Key settings:\n\n- batch size: 256\n- warmup: 10k steps (as in the 2019 recipe)\n",
        "TY  - JOUR\nAB  - An abstract with no title, no author, from 2019.\nER  -",
        "%0 Generic\n%X 50% of the 2020 runs used %d format strings",
    ],
)
def test_non_bibliographic_blocks_yield_nothing(text: str) -> None:
    assert read_structures(text).citations == []
    assert extract_citations(text) == []


def test_malformed_blocks_fall_back_to_free_text() -> None:
    apa = "Vaswani, A., Shazeer, N., & Parmar, N. (2017). Attention is all you need. *NeurIPS*."
    for broken in (
        '[{"title": "Attention Is All You Need", "authors": ["Ashish Vaswani"], "year": 2017,',  # never closed
        "title: [unclosed\n  authors: {also unclosed",
        "<ol><li><cite>Attention",
        "\\bibitem{x} " + "{" * 300,
    ):
        text = broken + "\n\n- " + apa + "\n"
        cites = extract_citations(text)
        _exact(text, cites)
        assert any(c.raw == apa and c.title == "Attention is all you need" for c in cites), broken


def test_bibtex_stays_with_its_reader_and_is_not_read_twice() -> None:
    text = '```json\n[{"title": "Attention Is All You Need", "year": 2017, "bibtex": "@article{v17, title={Attention}}"}]\n```'
    cites = extract_citations(text)
    assert len(cites) == 1 and cites[0].title == "Attention Is All You Need"
    bib = "```bibtex\n@inproceedings{he16,\n  title = {Deep Residual Learning},\n  author = {He, Kaiming},\n  year = {2016}\n}\n```"
    (c,) = extract_citations(bib)
    assert c.key == "he16" and c.title == "Deep Residual Learning"


def test_crlf_and_non_ascii_offsets() -> None:
    text = "Ünïcödé 🙂 intro\r\n\r\n```yaml\r\n- title: Attention Is All You Need\r\n  year: 2017\r\n  authors: [Ashish Vaswani]\r\n```\r\n"
    (c,) = extract_citations(text)
    assert c.raw == text[c.start : c.end] and c.raw.startswith("title:") and c.year == 2017


# --- hostile input ----------------------------------------------------------------------------------------------

_REF = {"title": "A paper on things", "authors": ["Ann Smith", "Bob Jones"], "year": 2020}


@pytest.mark.reliability
@pytest.mark.parametrize(
    "text",
    [
        "<li>" * 250_000,
        "<li>item text 2020</li>\n" * 40_000,
        "<ol>\n" + "<li>Smith, J. (2020). <i>A title of a paper</i>. Venue.</li>\n" * 18_000 + "</ol>",
        "<div>" * 200_000,
        "<ul>\n<!--" * 100_000,
        "[" * 500_000 + "]" * 500_000,
        "[" + ",".join(json.dumps(_REF) for _ in range(14_000)) + "]",
        '[{"title": "' + "x" * 1_000_000,
        "[\n" * 300_000,
        "[\n" * 19_000,
        "```yaml\n" + "- title: A paper on things\n  authors: [Ann Smith]\n  year: 2020\n" * 15_000 + "```",
        "Title: A paper on things\nAuthors: Ann Smith\nYear: 2020\n\n" * 4_900,
        "TY  - JOUR\nTI  - A paper on things\n" + "AU  - Smith, Ann\n" * 50_000 + "ER  -\n",
        "%0 Journal Article\n%T A paper on things\n%A Ann Smith\n%D 2020\n\n" * 18_000,
        "| Title | Authors | Year |\n|---|---|---|\n" + "| A paper on things | Ann Smith | 2020 |\n" * 19_000,
        "\\begin{thebibliography}{9}\n" + "\\bibitem{a} A. Smith. \\newblock A title here. \\newblock In {\\em Venue}, 2020.\n" * 14_000,
        "\\bibitem{a} " + "{" * 500_000,
        "```latex\n" + "\\bibitem{a} A. Smith. Title. 2020.\n" * 500 + "\\cite{a,a,a,a,a}\n" * 18_000 + "```",
        "{{cite journal |title=A paper on things " * 50_000,
        "{{cite journal |title=A paper on things |last1=Smith |first1=Ann |year=2020}}\n" * 20_000,
        "{{cite journal |title=" + "{{" * 200_000,
        "{{cite journal |title=" + "[[a|" * 100_000 + "}}",
    ],
    ids=lambda t: repr(t[:24]),
)
def test_hostile_input_is_linear(text: str) -> None:
    t0 = time.process_time()  # CPU time: not slowed by other jobs on the machine
    out = read_structures(text)
    assert time.process_time() - t0 < 1.0
    _exact(text, out.citations)


@pytest.mark.reliability
@pytest.mark.parametrize(
    "text",
    [
        "<li>" * 12_000,
        "<ol>\n" + "<li>Smith, J. (2020). <i>A title of a paper</i>. Venue.</li>\n" * 900 + "</ol>",
        "<ul>\n<!--" * 5_000,
        '[{"title": "' + "x" * 50_000,
        "```yaml\n" + "- title: [A paper: on things\n  authors: {Ann Smith\n" * 800 + "```",
        "Title: A paper on things\nAuthors: Ann Smith\nYear: 2020\n\n" * 250,
        "\\begin{thebibliography}{9}\n" + "\\bibitem{a} {\\em " * 2_000,
        "```json\n" + '{"references": [' * 5_000 + "\n```",
    ],
    ids=lambda t: repr(t[:24]),
)
def test_hostile_input_never_breaks_extraction(text: str) -> None:
    _exact(text, extract_citations(text))


def test_a_bibliography_file_alone_is_read_as_entries_and_structures_around_entries_still_are() -> None:
    bib = (
        "% exported\n@inproceedings{he16,\n  title = {Deep Residual Learning},\n  author = {He, Kaiming},\n  year = {2016}\n}\n\n"
        "@article{v17,\n  title = {Attention Is All You Need},\n  author = {Vaswani, Ashish},\n  year = {2017}\n}\n"
    )
    assert [c.key for c in extract_citations(bib)] == ["he16", "v17"]
    mixed = bib + '\n```json\n[{"title": "Generative Adversarial Nets", "authors": ["Ian Goodfellow"], "year": 2014}]\n```\n'
    cites = extract_citations(mixed)
    _exact(mixed, cites)
    assert [c.key or c.title for c in cites] == ["he16", "v17", "Generative Adversarial Nets"]


# --- garbage ------------------------------------------------------------------------------------------------


def test_reading_structures_leaves_no_reference_cycles() -> None:
    """The verifier pauses the cyclic collector during a call and relies on reference counting to free
    what a call made: the tree and HTML walks (recursive) must not leave cycles behind."""
    import gc

    texts = [
        '```json\n[{"title": "Attention Is All You Need", "authors": ["Ashish Vaswani"], "year": 2017},\n'
        ' "He, K., Zhang, X. (2016). Deep Residual Learning for Image Recognition. CVPR."]\n```',
        "```yaml\nreferences:\n  - title: 'Attention Is All You Need'\n    authors: [Ashish Vaswani, Noam Shazeer]\n"
        "    year: 2017\n```\n",
        "<ol>\n  <li><cite>Deep Residual Learning for Image Recognition</cite>. Kaiming He. <em>CVPR</em>, 2016.</li>\n"
        "</ol>\n<table><tr><th>Title</th><th>Year</th></tr><tr><td>Attention Is All You Need</td><td>2017</td></tr></table>",
    ]
    gc.collect()
    flags = gc.get_debug()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.garbage.clear()
        assert all(extract_citations(t) for t in texts)
        gc.collect()
        cyclic = [type(o).__name__ for o in gc.garbage]
    finally:
        gc.set_debug(flags)
        gc.garbage.clear()
    assert cyclic == []
