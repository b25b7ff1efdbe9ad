"""Is it a citation? Decided on evidence (issue 14, items 3 and 4).

A span with reference shape (authors and a year, an identifier) cites by itself. A title alone, or a
title with one weak field, cites only with evidence: a list of works (an intro or heading naming
works, or a list that is nothing but bare titles), a sentence that calls it a work, or fields earlier
in the sentence; otherwise it is *tentative*, and the verifier keeps it only if the index holds that
title. The examples are written for these tests, after the kinds of false alarms seen in genuine chat
answers (quoted sentences, slogans, email subjects, song and product names, 'Name: ...' lines, steps).
"""

from __future__ import annotations

import pytest

from citeproof.models import Status
from citeproof.verifier.extract import extract_citations

# --- answers that cite nothing -----------------------------------------------------------------------

NOT_CITATIONS = {
    "quoted sentence": 'As the saying goes, "The early bird catches the worm." It means you should start the day early.',
    "quoted phrase with a year": 'The "Green Wave" initiative, launched in 2019, planted ten thousand trees across the city.',
    "slogans": (
        '1. "Fresh Starts Here! Shop the New Year Sale Today."\n'
        '2. "Save Big, Live Better! Deals on Every Room."\n'
        '3. "Your Home, Your Style! New Arrivals Every Week."'
    ),
    "email subject, quoted": 'Subject: "Quarterly Planning Meeting on Friday"\n\nHi team,\n\nPlease join us at 3 pm in room 4.',
    "email subject": "Subject: Quarterly Planning Meeting for the 2024 Budget Review\n\nHi team,\n\nSee you there.",
    "songs with artists": (
        "Here are some classic rock songs for your road trip:\n\n"
        '1. "Stairway to Heaven" by Led Zeppelin\n2. "Hotel California" by Eagles\n3. "Go Your Own Way" by Fleetwood Mac'
    ),
    "song in prose": 'For the wedding, "Can\'t Help Falling in Love" by Elvis Presley is a timeless choice.',
    "games with years": (
        "Here are some popular games your nephew might enjoy:\n\n"
        "1. **Kirby and the Forgotten Land** (2022) - A 3D platformer full of exploration.\n"
        "2. **Mario Kart 8 Deluxe** (2017) - Classic kart racing with friends.\n"
        "3. **Animal Crossing: New Horizons** (2020) - A relaxing island life simulation."
    ),
    "product names": "1. Apple iPhone 15 Pro Max\n2. Samsung Galaxy S24 Ultra\n3. Google Pixel 8 Pro",
    "name: description lines": (
        "1. Conductive Slime: Make a slime that conducts electricity and lights an LED.\n"
        "2. Lemon Battery: Power a small clock with a few lemons and copper coins.\n"
        "3. Paper Circuit Card: Build a greeting card that lights up when opened."
    ),
    "name: value lines": "Name: Deep Learning Study Group\nLocation: Room 204\nTime: 5 pm on Tuesdays",
    "label and quoted value": 'Mnemonic: "Every Good Boy Deserves Fudge"\n\nUse it to remember the lines of the treble staff.',
    "numbered steps": (
        '1. Open "This PC" by pressing Win + E.\n2. Right-click the system drive and select "Properties".\n'
        '3. Open the "Tools" tab and click "Check" under Error checking.'
    ),
    "quotation with attribution": (
        '"Two things are infinite: the universe and human stupidity; and I\'m not sure about the universe." - Albert Einstein'
    ),
    "bullets of plain phrases": (
        "- Climate change and extreme weather events\n- Land degradation and soil erosion\n"
        "- Limited access to finance and credit\n- Lack of effective policies and governance"
    ),
    "outline with sub-points": (
        "1. Introduction to Renewable Energy\n   - Definition and scope\n"
        "2. Benefits of Solar Power Systems\n   - Lower bills\n"
        "3. Challenges in Wind Energy Adoption\n   - Intermittency"
    ),
    "paragraph about a place": (
        "Berlin, the capital city of Germany, was not made by a single person. The city has a long history "
        "dating back over 800 years and was expanded in 1920."
    ),
}


@pytest.mark.parametrize("name", sorted(NOT_CITATIONS))
def test_false_alarm_forms_are_not_citations(name: str) -> None:
    """Nothing is extracted as a citation; at most a title-like phrase is tentative."""
    cites = extract_citations(NOT_CITATIONS[name])
    assert [c.raw for c in cites if not c.tentative] == []


@pytest.mark.parametrize("name", sorted(NOT_CITATIONS))
def test_false_alarm_forms_are_not_flagged(verifier, name: str) -> None:
    report = verifier.verify(NOT_CITATIONS[name])
    assert report.flagged == []
    assert report.citations == []  # tentative phrases the index does not hold are dropped


# --- lists of titles ----------------------------------------------------------------------------------

PAPERS = [
    "Semi-Supervised Classification with Graph Convolutional Networks",
    "Graph Attention Networks",
    "How Powerful are Graph Neural Networks?",
]


@pytest.mark.parametrize(
    "intro",
    [
        "Here are some papers on graph neural networks:\n\n",
        "Sure! Here are three references on the topic.\n\n",
        "## Further reading\n\n",
        "",  # the answer is only the list (a model told to output the titles only)
    ],
)
def test_numbered_list_of_bare_titles_is_extracted(intro: str) -> None:
    text = intro + "\n".join(f"{i}. {t}" for i, t in enumerate(PAPERS, 1))
    cites = extract_citations(text)
    assert [c.title for c in cites] == PAPERS
    assert not any(c.tentative for c in cites)
    assert all(c.raw == text[c.start : c.end] for c in cites)


def test_quoted_titles_list_is_extracted() -> None:
    text = "\n".join(f'{i}. "{t}"' for i, t in enumerate(PAPERS, 1))
    assert [c.title for c in extract_citations(text)] == PAPERS


def test_a_list_introduced_as_something_else_is_not_a_list_of_works() -> None:
    text = "Here are some fun team-building activities for your office:\n\n" + "\n".join(
        f"{i}. {t}" for i, t in enumerate(["Escape Room Challenge Day", "Office Trivia Tournament Night", "Community Garden Volunteering"], 1)
    )
    assert all(c.tentative for c in extract_citations(text))


def test_unfound_title_in_a_list_of_works_is_still_reported(verifier) -> None:
    # a bare title the index lacks cannot be placed in its coverage: reported unverifiable (issue 15),
    # not dropped as a tentative phrase would be
    text = (
        "Here are some papers on sparse routing:\n\n"
        "1. Quantum Gradient Routing for Sparse Mixture-of-Experts Transformers\n"
        "2. Attention Is All You Need"
    )
    cites = verifier.verify(text).citations
    assert [c.status for c in cites] == [Status.unverifiable, Status.verified]
    assert "a bare title cannot be placed" in cites[0].reasons[0]


# --- retrieval: a tentative title is a citation when the index holds it ---------------------------------


def test_tentative_title_kept_only_when_indexed(verifier) -> None:
    text = 'Everyone should read "Attention Is All You Need" once, and "Quantum Gradient Routing for Sparse Experts" twice.'
    cites = extract_citations(text)
    assert [c.tentative for c in cites] == [True, True]
    report = verifier.verify(text)
    assert [(c.title, c.status) for c in report.citations] == [("Attention Is All You Need", Status.verified)]


def test_a_sentence_that_calls_it_a_paper_makes_a_citation() -> None:
    (c,) = extract_citations('The paper "Quantum Gradient Routing for Sparse Experts" is often cited.')
    assert c.title == "Quantum Gradient Routing for Sparse Experts" and not c.tentative


# --- fields before the title, fields in unusual order ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "title", "families", "year", "venue"),
    [
        (
            "In their 2019 NeurIPS paper, Smith and Lee introduced *Learning to Rank with Sparse Graphs*, which was extended later.",
            "Learning to Rank with Sparse Graphs", ["Smith", "Lee"], 2019, "NeurIPS",
        ),
        (
            'The 2017 NeurIPS paper by Vaswani et al., "Attention Is All You Need", introduced the Transformer.',
            "Attention Is All You Need", ["Vaswani"], 2017, "NeurIPS",
        ),
        (
            'Smith and Lee (2019) introduced the paper "Sparse Graph Ranking for Retrieval" at ICML.',
            "Sparse Graph Ranking for Retrieval", ["Smith", "Lee"], 2019, None,
        ),
        (
            "Published at ICML 2020, *Contrastive Coding for Graphs* by Zhang and Wu showed strong results.",
            "Contrastive Coding for Graphs", ["Zhang", "Wu"], 2020, "ICML",
        ),
        (
            "1. Attention Is All You Need — NeurIPS 2017 — Vaswani, Shazeer, Parmar et al.",
            "Attention Is All You Need", ["Vaswani", "Shazeer", "Parmar"], 2017, "NeurIPS",
        ),
        (
            '- NeurIPS 2017: "Attention Is All You Need" by Ashish Vaswani et al.',
            "Attention Is All You Need", ["Vaswani"], 2017, "NeurIPS",
        ),
    ],
)
def test_fields_before_the_title_or_in_unusual_order(text: str, title: str, families: list[str], year: int, venue: str | None) -> None:
    (c,) = extract_citations(text)
    assert (c.title, [a.family for a in c.authors], c.year, c.venue) == (title, families, year, venue)
    assert not c.tentative
    assert c.raw == text[c.start : c.end]


def test_fields_before_the_title_are_checked(verifier) -> None:
    text = "In their 2017 NeurIPS paper, Vaswani et al. introduced *Attention Is All You Need*, the Transformer."
    (c,) = verifier.verify(text).citations
    assert c.status is Status.verified
    wrong = "In their 2017 NeurIPS paper, Vaswani and Shazeer introduced *Attention Is All You Need*, the Transformer."
    (c,) = verifier.verify(wrong).citations
    assert c.status is Status.mismatch  # two of eight authors, without 'et al.'
