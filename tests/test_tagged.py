"""The field tagger inside the extractor: units in forms the rules were not written for are read by
the learned tagger (`citeproof.verifier.tagged`) and cited on evidence, with the title it read trimmed
of lead-ins a sentence puts before it; what has no evidence of a work is not cited."""

from __future__ import annotations

import pytest

from citeproof.verifier.extract import extract_citations
from citeproof.verifier.tagged import read_tagged, set_tagger
from citeproof.verifier.tagger import MODEL_PATH, FieldTagger


def firm(text: str) -> list[tuple[str | None, list[str], int | None, str | None]]:
    out = []
    for c in extract_citations(text):
        assert c.raw == text[c.start : c.end]
        if not c.tentative:
            out.append((c.title, [a.family for a in c.authors], c.year, c.venue))
    return out


def test_fields_in_an_order_no_rule_reads() -> None:
    # names with initials after them, the year between names and title, no punctuation (IOP-like)
    text = "Wang S, Jin R and Valizadegan H 2010 A Potential-based Framework for Online Multi-class Learning with Partial Feedback"
    assert firm(text) == [
        ("A Potential-based Framework for Online Multi-class Learning with Partial Feedback", ["Wang", "Jin", "Valizadegan"], 2010, None)
    ]


def test_header_less_table_rows_under_a_heading_naming_works() -> None:
    text = (
        "Here are some relevant papers:\n\n"
        "2022 | Ditto: Building Digital Twins of Articulated Objects from Interaction | CVPR\n"
        "2021 | Explanations for Monotonic Classifiers | ICML"
    )
    assert firm(text) == [
        ("Ditto: Building Digital Twins of Articulated Objects from Interaction", [], 2022, "CVPR"),
        ("Explanations for Monotonic Classifiers", [], 2021, "ICML"),
    ]


@pytest.mark.parametrize(
    ("text", "title"),
    [
        # a clause before an unmarked title: the title starts at the first capitalised word after it
        (
            "I'd recommend A Data-Driven Approach to Modeling Choice by Vivek Farias and co-authors (2009); they introduce a benchmark.",
            "A Data-Driven Approach to Modeling Choice",
        ),
        (
            "One relevant work is Distribution Matching for Transduction (2009) by N. Quadrianto, J. Petterson and A. J. Smola.",
            "Distribution Matching for Transduction",
        ),
        # a title that opens with a lower-case run: no title starts with a plain lower-case word
        (
            "J. J. Steckenrider and T. Furukawa (2019) give a theoretical account of the phenomenon in Recursive Bayesian"
            " Classification for Perception of Evolving Targets using a Gaussian Toroid Prediction Model.",
            "Recursive Bayesian Classification for Perception of Evolving Targets using a Gaussian Toroid Prediction Model",
        ),
        # an emphasis mark inside the span the tagger read: the title is what it sets apart
        (
            "You may also want to read _Federated Model Distillation with Noise-Free Differential Privacy_ (L. Sun and L. Lyu, 2021)",
            "Federated Model Distillation with Noise-Free Differential Privacy",
        ),
        # titles that hold such words keep them
        (
            "Poerner, Waltinger and Schütze (2020) argue this in BERT is Not a Knowledge Base (Yet): Factual Knowledge vs."
            " Name-Based Reasoning.",
            "BERT is Not a Knowledge Base (Yet): Factual Knowledge vs. Name-Based Reasoning",
        ),
    ],
)
def test_a_lead_in_is_not_part_of_the_title(text: str, title: str) -> None:
    assert [t for t, *_ in firm(text)] == [title]


def test_bold_and_underscore_emphasis_set_titles_apart_in_a_paragraph() -> None:
    text = (
        "Background first. The paper _Data Poisoning Attacks Against Multimodal Encoders_ (Yang et al., 2023) shows"
        " gains. See **Hierarchical Imitation Learning for Stochastic Environments** by M. Igl and S. Whiteson"
        " (IROS 2023) for details."
    )
    assert firm(text) == [
        ("Data Poisoning Attacks Against Multimodal Encoders", ["Yang"], 2023, None),
        ("Hierarchical Imitation Learning for Stochastic Environments", ["Igl", "Whiteson"], 2023, "IROS"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "My favourite songs:\n1. Bohemian Rhapsody by Queen (1975)\n2. Imagine by John Lennon (1971)",
        "The NFS protocol is described in RFC 3530 and its successors.",
        "Remember: **Always back up your data before upgrading** and keep the old version around.",
        "Use snake_case_names and my_function_name here, not CamelCase.",
        # a name, a year and a sentence-case description: a reference's shape, but only the index can say
        "Kirby and the Forgotten Land (2022) - A new Kirby game that lets you explore a post-apocalyptic world.",
        # a capitalised run after lower-case words is no title by itself
        "Tip: Use Python 3.11 (2022 release) for better speed, says the Python Software Foundation.",
    ],
)
def test_no_evidence_of_a_work_no_citation(text: str) -> None:
    assert firm(text) == []


def test_another_tagger_model_can_be_set_and_unset() -> None:
    text = "Wang S, Jin R and Valizadegan H 2010 A Potential-based Framework for Online Multi-class Learning"
    shipped = read_tagged(text, 0, len(text))
    try:
        set_tagger(MODEL_PATH)  # a path: loaded (and checksummed) as a FieldTagger
        assert read_tagged(text, 0, len(text)) == shipped
        set_tagger(FieldTagger(MODEL_PATH))
        assert read_tagged(text, 0, len(text)) == shipped
    finally:
        set_tagger(None)
    assert read_tagged(text, 0, len(text)) == shipped
    assert shipped is not None and shipped.ref.title == "A Potential-based Framework for Online Multi-class Learning"
    assert [a.family for a in shipped.ref.authors] == ["Wang", "Jin", "Valizadegan"] and shipped.ref.year == 2010


@pytest.mark.parametrize(
    ("text", "raw_start", "title", "first"),
    [
        ("Relevant work: Mikolov T, Chen K, Corrado G, Dean J. Efficient estimation of word representations in vector"
         " space. 2013.", "Mikolov T", "Efficient estimation of word representations in vector space", "Mikolov"),
        ("- Original GAN paper: Goodfellow, I. et al. (2014). Generative adversarial nets. In NeurIPS.",
         "Goodfellow, I.", "Generative adversarial nets", "Goodfellow"),
        ("Update: van der Maaten, L. & Hinton, G. (2008). Visualizing data using t-SNE. JMLR.",
         "van der Maaten", "Visualizing data using t-SNE", "van der Maaten"),
    ],
)
def test_a_label_before_a_reference_is_not_part_of_it(text: str, raw_start: str, title: str, first: str) -> None:
    [c] = extract_citations(text)
    assert c.raw.startswith(raw_start) and c.raw == text[c.start : c.end] and not c.tentative
    assert c.title == title and c.authors[0].family == first


@pytest.mark.parametrize(
    ("text", "raw_start", "family", "title"),
    [
        # the word before a mention is not a given name, whatever the language
        ('Following Goodfellow and colleagues (2014) in "Generative Adversarial Nets", GANs are trained as a game.',
         "Goodfellow and colleagues (2014)", "Goodfellow", "Generative Adversarial Nets"),
        ('Según Goodfellow y colaboradores (2014) en "Generative Adversarial Nets", las GAN se entrenan así.',
         "Goodfellow y colaboradores (2014)", "Goodfellow", "Generative Adversarial Nets"),
        ("Laut Goodfellow und Kollegen (2014) in „Generative Adversarial Nets“ sind GANs ein Spiel.",
         "Goodfellow und Kollegen (2014)", "Goodfellow", "Generative Adversarial Nets"),
        ("Selon He et al. (2016), « Deep Residual Learning for Image Recognition », les réseaux profonds ...",
         "He et al. (2016)", "He", "Deep Residual Learning for Image Recognition"),
    ],
)
def test_mentions_in_other_languages_read_like_english_ones(text: str, raw_start: str, family: str, title: str) -> None:
    [c] = extract_citations(text)
    assert c.raw.startswith(raw_start) and c.raw == text[c.start : c.end] and not c.tentative
    assert [a.family for a in c.authors] == [family] and c.et_al and c.title == title


def test_full_width_punctuation_is_read_as_ascii_and_spans_stay_exact() -> None:
    text = "参考：Vaswani, A., Shazeer, N.（2017）. Attention is all you need. NeurIPS."
    [c] = extract_citations(text)
    assert c.raw == text[c.start : c.end]
    assert c.title == "Attention is all you need" and c.year == 2017 and [a.family for a in c.authors] == ["Vaswani", "Shazeer"]


@pytest.mark.parametrize(
    ("text", "family", "title"),
    [
        ("参见 Vaswani 等人 (2017) 的论文《Attention Is All You Need》。", "Vaswani", "Attention Is All You Need"),
        ("推荐阅读：He 等人（2016），《Deep Residual Learning for Image Recognition》，CVPR。", "He",
         "Deep Residual Learning for Image Recognition"),
        ("Vaswani ほか (2017)「Attention Is All You Need」NeurIPS.", "Vaswani", "Attention Is All You Need"),
    ],
)
def test_chinese_and_japanese_citations_read_title_marks_and_et_al(text: str, family: str, title: str) -> None:
    [c] = extract_citations(text)
    assert c.raw == text[c.start : c.end] and not c.tentative
    assert [a.family for a in c.authors] == [family] and c.et_al and c.title == title


def test_a_sentence_in_the_first_person_is_no_reference_title() -> None:
    text = "In the paper I'm writing, I cite Smith et al. (2020) and Jones (2019) for the baseline."
    cites = extract_citations(text)
    assert [c.raw for c in cites] == ["Smith et al. (2020)"] and cites[0].title is None
