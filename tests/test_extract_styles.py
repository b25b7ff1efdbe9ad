"""Citation extraction across reference styles: one realistic answer per style, built from real
HALLMARK dev entries; in-text mentions ('Smith et al. (2020)', '[2, 5-7]') linked to the answer's own
reference list; the styles dev set (bench/make_styles.py) as a regression guard; and input built to
make the new patterns backtrack."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from citeproof.models import Citation
from citeproof.text import fold, title_key
from citeproof.verifier.extract import extract_citations, link_mentions
from tests.conftest import assert_extracts_linearly

STYLES_SET = Path(__file__).resolve().parents[1] / "bench" / "data" / "answers_styles.jsonl.gz"

# Real dev entries (shared/data/hallmark/dev_public.jsonl): (title, first author's family name, year).
DHARIWAL = ("Diffusion Models Beat GANs on Image Synthesis", "dhariwal", 2021)  # fc4aaf478a08
ZBONTAR = ("Barlow Twins: Self-Supervised Learning via Redundancy Reduction", "zbontar", 2021)  # eaa48be036ab
YANG = ("Cross-Modal Mutual Learning for Audio-Visual Speech Recognition and Manipulation", "yang", 2022)  # aa27de4ff20f
AITCHISON = ("A statistical theory of cold posteriors in deep neural networks", "aitchison", 2021)  # c458964a3269
MARQUES = ("Delivering Trustworthy AI through Formal XAI", "marques-silva", 2022)  # ed45f4174b1d
ALAYRAC = ("Flamingo: a Visual Language Model for Few-Shot Learning", "alayrac", 2022)  # a24129d1c5e5
MULLER = ("Disambiguating Symbolic Expressions in Informal Documents", "muller", 2021)  # bf7643d69f5f

INTRO = "Here is a short reading list on generative and self-supervised models.\n\n"
NOISE = (
    "Since 2017, attention-based models have dominated; between 2019 and 2022 submissions doubled.\n\n"
    "```python\nfor year in range(2015, 2024):\n    print(f\"results for {year}\")  # see Section 3.2\n```\n\n"
)
OUTRO = "\n\nLet me know if you want BibTeX entries for any of these."


def _first_family(c: Citation) -> str:
    return fold(c.authors[0].family) if c.authors else ""


def _check(text: str, refs: list[str], golds: list[tuple[str, str, int]]) -> list[Citation]:
    """Exactly one citation per reference, spanning it exactly, with the right title, first author, year."""
    cites = extract_citations(text)
    assert [c.raw for c in cites] == refs
    for c, ref, (title, first, year) in zip(cites, refs, golds, strict=True):
        assert (c.start, c.end) == (text.index(ref), text.index(ref) + len(ref))
        assert title_key(c.title) == title_key(title), c.raw
        assert _first_family(c) == first, c.raw
        assert c.year == year, c.raw
    return cites


def _answer(refs: list[str], marker: str = "", sep: str = "\n") -> str:
    items = [marker.format(i=i) + r for i, r in enumerate(refs, 1)]
    return INTRO + NOISE + "## References\n\n" + sep.join(items) + OUTRO


# --- one answer per style ------------------------------------------------------------------------


def test_mla() -> None:
    refs = [
        'Dhariwal, Prafulla, and Alexander Nichol. "Diffusion Models Beat GANs on Image Synthesis." *Advances in '
        "Neural Information Processing Systems*, vol. 34, 2021, pp. 8780–8794.",
        'Zbontar, Jure, et al. "Barlow Twins: Self-Supervised Learning via Redundancy Reduction." *Proceedings of the '
        "38th International Conference on Machine Learning*, 2021, https://doi.org/10.48550/arXiv.2103.03230.",
        'Aitchison, Laurence. "A Statistical Theory of Cold Posteriors in Deep Neural Networks." *International '
        "Conference on Learning Representations*, 2021.",
    ]
    cites = _check(_answer(refs, sep="\n\n"), refs, [DHARIWAL, ZBONTAR, AITCHISON])
    assert cites[1].et_al and cites[1].arxiv_id == "2103.03230"
    assert [a.family for a in cites[0].authors] == ["Dhariwal", "Nichol"]


def test_chicago_author_date() -> None:
    refs = [
        'Dhariwal, Prafulla, and Alexander Nichol. 2021. "Diffusion Models Beat GANs on Image Synthesis." In '
        "*Advances in Neural Information Processing Systems 34*, 8780–94.",
        'Marques-Silva, João, and Alexey Ignatiev. 2022. "Delivering Trustworthy AI through Formal XAI." *Proceedings '
        "of the AAAI Conference on Artificial Intelligence* 36 (11): 12342–50. https://doi.org/10.1609/aaai.v36i11.21499.",
        'Müller, Dennis, and Cezary Kaliszyk. 2021. "Disambiguating Symbolic Expressions in Informal Documents." In '
        "*International Conference on Learning Representations*.",
    ]
    cites = _check(_answer(refs, marker="- "), refs, [DHARIWAL, MARQUES, MULLER])
    assert [a.family for a in cites[1].authors] == ["Marques-Silva", "Ignatiev"]  # not '.' for the last author
    assert cites[1].doi == "10.1609/aaai.v36i11.21499"


def test_chicago_notes_footnotes() -> None:
    refs = [
        'Prafulla Dhariwal and Alexander Nichol, "Diffusion Models Beat GANs on Image Synthesis," in *Advances in '
        "Neural Information Processing Systems 34* (Curran Associates, 2021), 8781.",
        'Jean-Baptiste Alayrac et al., "Flamingo: A Visual Language Model for Few-Shot Learning," in *Advances in '
        "Neural Information Processing Systems 35* (2022), 23716.",
    ]
    text = (
        INTRO + "Diffusion models now beat GANs on sample quality.[^1] Few-shot visual language models followed.[^2] "
        "A later study revisited both.[^1]\n\n" + NOISE + "\n".join(f"[^{i}]: {r}" for i, r in enumerate(refs, 1)) + OUTRO
    )
    a, b = _check(text, refs, [DHARIWAL, ALAYRAC])
    assert [text[s:e] for s, e in a.mentions] == ["1", "1"] and [text[s:e] for s, e in b.mentions] == ["2"]
    assert a.mentions[0][0] == text.index("[^1]") + 2


def test_harvard() -> None:
    refs = [
        "Dhariwal, P. and Nichol, A. (2021) 'Diffusion models beat GANs on image synthesis', *Advances in Neural "
        "Information Processing Systems*, 34, pp. 8780–8794.",
        "Yang, C.-C., Fan, W.-C., Yang, C.-F. and Wang, Y.-C.F. (2022) Cross-modal mutual learning for audio-visual "
        "speech recognition and manipulation. In: *Proceedings of the AAAI Conference on Artificial Intelligence*. "
        "doi:10.1609/AAAI.V36I3.20210.",
        "Aitchison, L. (2021) A statistical theory of cold posteriors in deep neural networks. ICLR.",
    ]
    cites = _check(_answer(refs, marker="• "), refs, [DHARIWAL, YANG, AITCHISON])
    assert cites[1].doi == "10.1609/aaai.v36i3.20210"


def test_harvard_elsevier_year_after_names() -> None:
    ref = "Dhariwal, P. and Nichol, A., 2021. Diffusion models beat GANs on image synthesis. In NeurIPS (pp. 8780-8794)."
    _check(_answer([ref]), [ref], [DHARIWAL])


def test_vancouver() -> None:
    refs = [
        "Dhariwal P, Nichol A. Diffusion models beat GANs on image synthesis. Adv Neural Inf Process Syst. "
        "2021;34:8780-94.",
        "Zbontar J, Jing L, Misra I, LeCun Y, Deny S. Barlow twins: self-supervised learning via redundancy reduction. "
        "In: Proceedings of the 38th International Conference on Machine Learning; 2021. p. 12310-20.",
        "Marques-Silva J, Ignatiev A. Delivering trustworthy AI through formal XAI. Proc AAAI Conf Artif Intell. "
        "2022;36(11):12342-50. doi:10.1609/AAAI.V36I11.21499",
        "Aitchison L. A statistical theory of cold posteriors in deep neural networks. In: ICLR; 2021.",
    ]
    cites = _check(_answer(refs, marker="{i}. "), refs, [DHARIWAL, ZBONTAR, MARQUES, AITCHISON])
    assert [(a.family, a.given) for a in cites[1].authors][:2] == [("Zbontar", "J"), ("Jing", "L")]



def test_gb_t_7714() -> None:
    # the Chinese national standard: a type code after the title ('[C]' a proceedings paper, '[J]' a journal
    # article, '[EB/OL]' online), '//' before the proceedings, an access date in brackets
    refs = [
        "DHARIWAL P, NICHOL A. Diffusion models beat GANs on image synthesis[C]//Advances in Neural Information "
        "Processing Systems. 2021, 34: 8780-8794.",
        "ZBONTAR J, JING L, MISRA I, et al. Barlow twins: self-supervised learning via redundancy reduction[C]//"
        "International Conference on Machine Learning. PMLR, 2021: 12310-12320.",
        "MARQUES-SILVA J, IGNATIEV A. Delivering trustworthy AI through formal XAI[J]. Proceedings of the AAAI "
        "Conference on Artificial Intelligence, 2022, 36(11): 12342-12350.",
        "AITCHISON L. A statistical theory of cold posteriors in deep neural networks[EB/OL]. (2021-01-01)"
        "[2024-05-01]. https://openreview.net/forum?id=Rd138pWXMvG.",
    ]
    text = "参考文献\n\n" + "\n".join(f"[{i}] {r}" for i, r in enumerate(refs, 1))
    cites = _check(text, refs, [DHARIWAL, ZBONTAR, MARQUES, AITCHISON])
    assert [c.venue for c in cites[:3]] == [
        "Advances in Neural Information Processing Systems",
        "International Conference on Machine Learning. PMLR",
        "Proceedings of the AAAI Conference on Artificial Intelligence",
    ]
    assert cites[1].et_al and [a.family for a in cites[1].authors] == ["ZBONTAR", "JING", "MISRA"]


def test_and_others_in_other_languages() -> None:
    # 'u. a.' (German), 'm.fl.' (Swedish), 'и др.' (Russian) ... end the author list as 'et al.' does
    for others in ("u. a.", "u.a.", "m.fl.", "i in.", "и др.", "y otros", "e altri"):
        ref = f"Dhariwal, P., Nichol, A. {others} (2021): Diffusion Models Beat GANs on Image Synthesis. In: NeurIPS."
        (c,) = _check(_answer([ref], marker="- "), [ref], [DHARIWAL])
        assert c.et_al and [(a.family, a.given) for a in c.authors] == [("Dhariwal", "P."), ("Nichol", "A.")], others

def test_and_and_in_in_other_languages() -> None:
    # 'y', 'et', 'und', 'e', 'en', 'och' join the last two names after an initial; 'En', 'Dans', 'Im', 'W:'
    # stand for 'In' before the venue; a mention's names may be joined by them too
    for conj, into in (("y", "En"), ("et", "Dans"), ("und", "In:"), ("e", "Em"), ("en", "In"), ("och", "I"), ("i", "W:")):
        ref = f"Dhariwal, P. {conj} Nichol, A. (2021). Diffusion Models Beat GANs on Image Synthesis. {into} NeurIPS."
        (c,) = _check(_answer([ref], marker="- "), [ref], [DHARIWAL])
        assert [(a.family, a.given) for a in c.authors] == [("Dhariwal", "P."), ("Nichol", "A.")], conj
        if into != "I":  # (Swedish 'I' is also a pronoun: not read as 'In')
            assert c.venue == "NeurIPS", (into, c.venue)
    for text in ("Según Dhariwal y Nichol (2021), la difusión supera a las GAN.",
                 "Selon Dhariwal et Nichol (2021), la diffusion bat les GAN."):
        (c,) = extract_citations(text)
        assert [a.family for a in c.authors] == ["Dhariwal", "Nichol"] and c.year == 2021 and not c.et_al
    # not after an initial, 'y' may be part of a family name
    (c,) = extract_citations("- Ortega y Gasset, J. (1930). La rebelión de las masas. Revista de Occidente.")
    assert [(a.family, a.given) for a in c.authors] == [("Ortega y Gasset", "J.")]


def test_iso_690_family_names_in_capitals() -> None:
    # French and Spanish lists (ISO 690): 'FAMILY, Given, FAMILY, Given et FAMILY, Given. Title. In : Venue. Year.'
    refs = [
        "DHARIWAL, Prafulla et NICHOL, Alex. Diffusion Models Beat GANs on Image Synthesis. In : *Advances in Neural "
        "Information Processing Systems*. 2021, vol. 34, p. 8780-8794.",
        "ZBONTAR, Jure, JING, Li, MISRA, Ishan, et al. Barlow Twins: Self-Supervised Learning via Redundancy Reduction. "
        "In : *International Conference on Machine Learning*. PMLR, 2021. p. 12310-12320.",
    ]
    cites = _check(_answer(refs, marker="{i}. "), refs, [DHARIWAL, ZBONTAR])
    assert [(a.family, a.given) for a in cites[0].authors] == [("DHARIWAL", "Prafulla"), ("NICHOL", "Alex")]
    assert [(a.family, a.given) for a in cites[1].authors] == [("ZBONTAR", "Jure"), ("JING", "Li"), ("MISRA", "Ishan")]
    assert cites[1].et_al


def test_three_family_names_and_a_parenthetical_of_names_venue_and_year() -> None:
    # 'Sun, Mu & Hua' is three family names, not 'Sun, Mu' inverted; a parenthetical after a marked title
    # names all the authors before its venue and year
    ref = "*Delivering Trustworthy AI through Formal XAI* (Marques-Silva, Ignatiev & Smith, AAAI 2022)"
    (c,) = _check(_answer([ref], marker="- "), [ref], [MARQUES])
    assert [(a.family, a.given) for a in c.authors] == [("Marques-Silva", ""), ("Ignatiev", ""), ("Smith", "")]
    assert c.venue == "AAAI"
    for names in ("Sun, Mu & Hua", "Sun, Mu, and Hua"):
        (c,) = extract_citations(f"as shown before ({names}, 2023).")
        assert [a.family for a in c.authors] == ["Sun", "Mu", "Hua"], names


def test_names_ended_by_a_colon_lncs_and_din() -> None:
    # Springer LNCS ('Zbontar, J., Jing, L.: Title. In: Venue (Year)') and DIN 1505 ('Family, Given; Family,
    # Given u. a.: Title. In: Venue, Year.'); a title's own colon after the names stays in the title
    refs = [
        "Zbontar, J., Jing, L., Misra, I., LeCun, Y., Deny, S.: Barlow Twins: Self-Supervised Learning via Redundancy "
        "Reduction. In: International Conference on Machine Learning, pp. 12310-12320. PMLR (2021)",
        "Dhariwal, Prafulla; Nichol, Alex: Diffusion Models Beat GANs on Image Synthesis. In: Advances in Neural "
        "Information Processing Systems 34, 2021, S. 8780-8794.",
        "Alayrac, Jean-Baptiste; Donahue, Jeff; Luc, Pauline u. a.: Flamingo: a Visual Language Model for Few-Shot "
        "Learning. In: NeurIPS, 2022.",
        "Aitchison, L.; Smith, J. B. A statistical theory of cold posteriors in deep neural networks. *ICLR* **2021**.",
    ]
    cites = _check(_answer(refs, marker="- "), refs, [ZBONTAR, DHARIWAL, ALAYRAC, AITCHISON])
    assert [(a.family, a.given) for a in cites[0].authors][-1] == ("Deny", "S.")
    assert [(a.family, a.given) for a in cites[1].authors] == [("Dhariwal", "Prafulla"), ("Nichol", "Alex")]
    assert [(a.family, a.given) for a in cites[2].authors] == [
        ("Alayrac", "Jean-Baptiste"), ("Donahue", "Jeff"), ("Luc", "Pauline")
    ] and cites[2].et_al
    # ACS: ';' between names, and a title with a colon of its own after an initial
    (c,) = extract_citations("- Zhang, D.; Fu, Y.; Zheng, Z. UAST: Uncertainty-Aware Siamese Tracking. *ICML* **2022**.")
    assert c.title == "UAST: Uncertainty-Aware Siamese Tracking" and [a.family for a in c.authors] == ["Zhang", "Fu", "Zheng"]


def test_a_phrase_quoted_inside_an_apa_title_is_not_the_title() -> None:
    ref = 'Dhariwal, P., & Nichol, A. (2021). Diffusion Models Beat "GANs" on Image Synthesis. In NeurIPS.'
    (c,) = extract_citations("## References\n\n- " + ref + "\n")
    assert c.title == 'Diffusion Models Beat "GANs" on Image Synthesis' and [a.family for a in c.authors] == ["Dhariwal", "Nichol"]
    # a quoted title after the date is still the marked title
    (c,) = extract_citations('## References\n\n- Dhariwal, P., & Nichol, A. (2021). "Diffusion Models Beat GANs on Image Synthesis." NeurIPS.\n')
    assert c.title == "Diffusion Models Beat GANs on Image Synthesis"


def test_abnt_bold_venue_and_ama_run_together_initials() -> None:
    # ABNT (Brazil) sets the venue in bold after 'In:': the title is the plain text before it
    ref = "DHARIWAL, P.; NICHOL, A. Diffusion Models Beat GANs on Image Synthesis. In: **NEURIPS**, 2021, p. 8780-8794."
    (c,) = _check(_answer([ref], marker="- "), [ref], [DHARIWAL])
    assert c.venue == "NEURIPS" and [a.family for a in c.authors] == ["DHARIWAL", "NICHOL"]


def test_initials_run_together_match_the_full_given_names() -> None:
    from citeproof.models import Author
    from citeproof.verifier.compare import compare_authors

    # 'Chan KCK' (Vancouver, AMA) is Kelvin C. K. Chan, not a given name 'Kck' that conflicts with 'Kelvin'
    found = [Author(family="Chan", given="Kelvin C. K."), Author(family="Acar", given="Durmus Alp Emre")]
    assert compare_authors([Author(family="Chan", given="KCK"), Author(family="Acar", given="DAE")], False, found).agrees
    assert not compare_authors([Author(family="Chan", given="Mei"), Author(family="Acar", given="DAE")], False, found).agrees


def test_chat_list_items_in_other_languages() -> None:
    # 'by' and 'presented at' as French, German, Portuguese answers write them, with their own quotes
    refs = [
        "« Diffusion Models Beat GANs on Image Synthesis », de Prafulla Dhariwal et Alex Nichol (NeurIPS 2021).",
        "„Diffusion Models Beat GANs on Image Synthesis“ von Prafulla Dhariwal und Alex Nichol (NeurIPS 2021)",
        "**Diffusion Models Beat GANs on Image Synthesis** – Dhariwal e Nichol (2021), apresentado na NeurIPS.",
    ]
    for ref in refs:
        (c,) = _check(_answer([ref], marker="- "), [ref], [DHARIWAL])
        assert [a.family for a in c.authors] == ["Dhariwal", "Nichol"] and c.venue == "NeurIPS", ref
    # ('y' joins Spanish family names: 'Blaise Agüera y Arcas' is one person)
    from citeproof.verifier.names import parse_authors

    assert [a.family for a in parse_authors("Andrew Jackson and Blaise Agüera y Arcas")[0]][-1].endswith("Arcas")
    assert len(parse_authors("Andrew Jackson and Blaise Agüera y Arcas")[0]) == 2


def test_title_variants_an_ampersand_and_a_dash_before_a_subtitle() -> None:
    from citeproof.verifier.compare import compare_titles

    real = "Diversify and Disambiguate: Out-of-Distribution Robustness via Disagreement"
    assert compare_titles("Diversify & Disambiguate: Out-of-Distribution Robustness via Disagreement", real).exact
    assert not compare_titles("Diversify & Distill: Out-of-Distribution Robustness via Disagreement", real).agrees
    # ' — ' before a subtitle in sentence case stays in the title (a dash before names or a venue does not)
    (c,) = extract_citations(
        "## References\n\n- Dhariwal, P., & Nichol, A. (2021). Diffusion models beat GANs — on image synthesis. NeurIPS.\n"
    )
    assert c.title == "Diffusion models beat GANs — on image synthesis" and c.venue == "NeurIPS"


def test_ieee() -> None:
    refs = [
        'P. Dhariwal and A. Nichol, "Diffusion models beat GANs on image synthesis," in *Proc. NeurIPS*, 2021, '
        "pp. 8780–8794.",
        'J.-B. Alayrac *et al.*, "Flamingo: A visual language model for few-shot learning," in *Proc. NeurIPS*, 2022. '
        "doi: 10.48550/arXiv.2204.14198.",
        'D. Müller and C. Kaliszyk, "Disambiguating symbolic expressions in informal documents," in *Proc. ICLR*, '
        "2021, pp. 1932–1950.",
    ]
    cites = _check(_answer(refs, marker="[{i}] "), refs, [DHARIWAL, ALAYRAC, MULLER])
    assert cites[1].et_al and cites[1].arxiv_id == "2204.14198"
    assert cites[2].year == 2021  # not the pages '1932–1950'


def test_acm() -> None:
    refs = [
        "Prafulla Dhariwal and Alexander Nichol. 2021. Diffusion Models Beat GANs on Image Synthesis. In *Advances in "
        "Neural Information Processing Systems (NeurIPS '21)*, Vol. 34. 8780–8794.",
        "João Marques-Silva and Alexey Ignatiev. 2022. Delivering Trustworthy AI through Formal XAI. In *Proceedings of "
        "the AAAI Conference on Artificial Intelligence*, Vol. 36. 12342–12350. https://doi.org/10.1609/AAAI.V36I11.21499",
        "Laurence Aitchison. 2021. A Statistical Theory of Cold Posteriors in Deep Neural Networks. In *International "
        "Conference on Learning Representations (ICLR '21)*.",
    ]
    _check(_answer(refs, sep="\n\n"), refs, [DHARIWAL, MARQUES, AITCHISON])


def test_nature() -> None:
    refs = [
        "Dhariwal, P. & Nichol, A. Diffusion models beat GANs on image synthesis. *Adv. Neural Inf. Process. Syst.* "
        "**34**, 8780–8794 (2021).",
        "Zbontar, J., Jing, L., Misra, I., LeCun, Y. & Deny, S. Barlow twins: self-supervised learning via redundancy "
        "reduction. In *Proc. 38th International Conference on Machine Learning* 12310–12320 (PMLR, 2021).",
        "Yang, C.-C., Fan, W.-C., Yang, C.-F. & Wang, Y.-C. F. Cross-modal mutual learning for audio-visual speech "
        "recognition and manipulation. *Proc. AAAI Conf. Artif. Intell.* **36**, 3036–3044 (2022).",
        "Alayrac, J.-B. *et al.* Flamingo: a visual language model for few-shot learning. In *Advances in Neural "
        "Information Processing Systems* (2022).",
    ]
    cites = _check(_answer(refs, marker="{i}. "), refs, [DHARIWAL, ZBONTAR, YANG, ALAYRAC])
    assert [a.family for a in cites[1].authors] == ["Zbontar", "Jing", "Misra", "LeCun", "Deny"]
    assert [a.family for a in cites[2].authors][-1] == "Wang"


def test_apa_with_italics() -> None:
    refs = [
        "Dhariwal, P., & Nichol, A. (2021). Diffusion models beat GANs on image synthesis. *Advances in Neural "
        "Information Processing Systems*, *34*, 8780–8794.",
        "Alayrac, J.-B., Donahue, J., Luc, P., Miech, A., Barr, I., Hasson, Y., Lenc, K., Mensch, A., Millican, K., "
        "Reynolds, M., et al. (2022). *Flamingo: A visual language model for few-shot learning* [Conference paper]. "
        "NeurIPS 2022. https://doi.org/10.48550/arXiv.2204.14198",
        "Aitchison, L. (2021). *A statistical theory of cold posteriors in deep neural networks*. International "
        "Conference on Learning Representations.",
    ]
    cites = _check(_answer(refs, marker="* "), refs, [DHARIWAL, ALAYRAC, AITCHISON])
    assert cites[1].et_al and len(cites[1].authors) == 10


def test_prose() -> None:
    a = '"Diffusion Models Beat GANs on Image Synthesis" by Prafulla Dhariwal and Alexander Nichol (NeurIPS, 2021)'
    b = "*Barlow Twins: Self-Supervised Learning via Redundancy Reduction* (2021), Zbontar and colleagues"
    c = "Aitchison's *A statistical theory of cold posteriors in deep neural networks* (2021)"
    d = "Müller and Kaliszyk (2021), in *Disambiguating Symbolic Expressions in Informal Documents*"
    text = (
        INTRO + f"For image generation, start with {a}, which compares against BigGAN. In {b} show that a simple "
        f"redundancy-reduction loss suffices. {c} questions the cold posterior effect.\n\n"
        f"{d}, study notation in mathematical text. In 2020, the term \"foundation model\" (coined in 2021) was new."
        + OUTRO
    )
    cites = _check(text, [a, b, c, d], [DHARIWAL, ZBONTAR, AITCHISON, MULLER])
    assert (cites[0].venue, cites[1].et_al) == ("NeurIPS", True)


def test_markdown_table_rows_are_works() -> None:
    rows = [
        "1 | Diffusion Models Beat GANs on Image Synthesis | Dhariwal, Nichol | NeurIPS | 2021",
        "2 | **Barlow Twins: Self-Supervised Learning via Redundancy Reduction** | Zbontar et al. | ICML | 2021",
        "3 | [Delivering Trustworthy AI through Formal XAI](https://doi.org/10.1609/AAAI.V36I11.21499) | "
        "João Marques-Silva, Alexey Ignatiev | AAAI | 2022",
    ]
    text = INTRO + "| # | Paper | Authors | Venue | Year |\n|---|---|---|---|---|\n" + "".join(f"| {r} |\n" for r in rows) + OUTRO
    cites = _check(text, rows, [DHARIWAL, ZBONTAR, MARQUES])
    assert cites[2].doi == "10.1609/aaai.v36i11.21499" and cites[1].et_al


def test_markdown_table_reference_column() -> None:
    rows = [
        "Dhariwal, P., & Nichol, A. (2021). Diffusion models beat GANs on image synthesis. *NeurIPS*. | Strong baseline",
        "Aitchison, L. (2021). A statistical theory of cold posteriors in deep neural networks. *ICLR*. | Theory",
    ]
    text = "| Reference | Why it matters |\n|---|---|\n" + "".join(f"| {r} |\n" for r in rows)
    _check(text, rows, [DHARIWAL, AITCHISON])


def test_bibtex_in_fence_next_to_other_code() -> None:
    entries = [
        "@inproceedings{dhariwal2021diffusion,\n  title = {Diffusion Models Beat {GAN}s on Image Synthesis},\n"
        "  author = {Dhariwal, Prafulla and Nichol, Alexander},\n  booktitle = {NeurIPS},\n  year = {2021}\n}",
        '@inproceedings{zbontar2021barlow,\n  author = "Jure Zbontar and Li Jing and Ishan Misra and Yann LeCun and '
        'St{\\\'e}phane Deny",\n  title = "Barlow Twins: Self-Supervised Learning via Redundancy Reduction",\n'
        "  year = 2021,\n  doi = {10.48550/arXiv.2103.03230}\n}",
    ]
    text = INTRO + NOISE + "```bibtex\n" + "\n\n".join(entries) + "\n```\n" + OUTRO
    cites = _check(text, entries, [DHARIWAL, ZBONTAR])
    assert [c.key for c in cites] == ["dhariwal2021diffusion", "zbontar2021barlow"]


def test_latex_bibliography_and_cite_commands() -> None:
    refs = [
        "P. Dhariwal and A. Nichol, ``Diffusion models beat GANs on image synthesis,'' in \\emph{NeurIPS}, 2021.",
        "L. Aitchison, ``A statistical theory of cold posteriors in deep neural networks,'' in \\emph{ICLR}, 2021.",
    ]
    text = (
        "Diffusion beats GANs \\cite{dhariwal2021}; on posteriors see \\citep[p.~3]{aitchison2021,dhariwal2021}.\n\n"
        "\\begin{thebibliography}{9}\n\\bibitem{dhariwal2021} " + refs[0] + "\n\\bibitem{aitchison2021} " + refs[1]
        + "\n\\end{thebibliography}"
    )
    a, b = _check(text, refs, [DHARIWAL, AITCHISON])
    assert [text[s:e] for s, e in a.mentions] == ["dhariwal2021", "dhariwal2021"]
    assert [text[s:e] for s, e in b.mentions] == ["aitchison2021"]


# --- in-text mentions ----------------------------------------------------------------------------

APA_LIST = [
    "Aitchison, L. (2021). A statistical theory of cold posteriors in deep neural networks. *ICLR*.",
    "Dhariwal, P., & Nichol, A. (2021). Diffusion models beat GANs on image synthesis. *NeurIPS*.",
    "Marques-Silva, J., & Ignatiev, A. (2022). Delivering trustworthy AI through formal XAI. *AAAI*.",
    "Zbontar, J., Jing, L., Misra, I., LeCun, Y., & Deny, S. (2021). Barlow twins: Self-supervised learning via "
    "redundancy reduction. *ICML*.",
]


def test_author_year_mentions_link_to_the_reference_list() -> None:
    prose = (
        "Diffusion models now beat GANs (Dhariwal & Nichol, 2021), and Zbontar et al. (2021) showed that redundancy "
        "reduction suffices [e.g., Zbontar et al., 2021]. Aitchison (2021) questions cold posteriors; Zbontar and "
        "colleagues' (2021) loss is simple (see also Marques-Silva & Ignatiev, 2022; Smith & Lee, 2020)."
    )
    text = prose + "\n\n## References\n\n" + "\n".join(APA_LIST) + OUTRO
    cites = extract_citations(text)
    orphan = next(c for c in cites if not c.title)
    assert (orphan.raw, orphan.year, _first_family(orphan)) == ("Smith & Lee, 2020", 2020, "smith")
    entries = [c for c in cites if c.title]
    assert [c.raw for c in entries] == APA_LIST
    linked = {_first_family(c): [text[s:e] for s, e in c.mentions] for c in entries}
    assert linked == {
        "aitchison": ["Aitchison (2021)"],
        "dhariwal": ["Dhariwal & Nichol, 2021"],
        "marques-silva": ["Marques-Silva & Ignatiev, 2022"],
        "zbontar": ["Zbontar et al. (2021)", "Zbontar et al., 2021", "Zbontar and colleagues' (2021)"],
    }
    assert len(cites) == len(APA_LIST) + 1  # the linked mentions are not citations of their own


def test_year_suffixes_pick_the_entry() -> None:
    refs = [
        "Yang, C.-C., Fan, W.-C., Yang, C.-F., & Wang, Y.-C. F. (2022a). Cross-modal mutual learning for audio-visual "
        "speech recognition and manipulation. *AAAI*.",
        "Yang, C.-C., Chen, Y., & Wang, Y.-C. F. (2022b). A made-up second paper on speech. *ICML*.",
    ]
    text = "Both (Yang et al., 2022b) and Yang et al. (2022a) matter, unlike (Yang et al., 2022c).\n\n" + "\n".join(refs)
    cites = extract_citations(text)
    a, b = (c for c in cites if c.title)
    assert [text[s:e] for s, e in a.mentions] == ["Yang et al. (2022a)"]
    assert [text[s:e] for s, e in b.mentions] == ["Yang et al., 2022b"]
    assert [c.raw for c in cites if not c.title] == ["Yang et al., 2022c"]  # no '2022c' entry: still a citation


def test_numeric_markers_with_ranges() -> None:
    names = ["Smith", "Jones", "Brown", "Wilson", "Taylor", "Clark", "Lewis"]
    refs = [f'A. {n}, "A made-up paper number {i} on image synthesis," in *Proc. NeurIPS*, 2021.' for i, n in enumerate(names, 1)]
    prose = "Diffusion [1] and contrastive methods [2, 5-7] differ; see also [3]–[4] and [2,5–6]. In 2020, [9] was lost."
    text = prose + "\n\nReferences:\n\n" + "\n".join(f"[{i}] {r}" for i, r in enumerate(refs, 1))
    cites = extract_citations(text)
    assert [c.raw for c in cites] == refs  # markers are not citations, and '[9]' has no entry
    spans = {i: [text[s:e] for s, e in c.mentions] for i, c in enumerate(cites, 1)}
    assert spans == {1: ["1"], 2: ["2", "2"], 3: ["3"], 4: ["4"], 5: ["5-7", "5–6"], 6: ["5-7", "5–6"], 7: ["5-7"]}
    first_two = cites[1].mentions[0]
    assert first_two[0] == text.index("[2, 5-7]") + 1
    assert cites[2].mentions == [(text.index("[3]") + 1, text.index("[3]") + 2)]


def test_numeric_markers_superscripts_and_numbered_notes() -> None:
    refs = [
        "Dhariwal, P. & Nichol, A. Diffusion models beat GANs on image synthesis. *NeurIPS* (2021).",
        "Aitchison, L. A statistical theory of cold posteriors in deep neural networks. *ICLR* (2021).",
    ]
    text = (
        "Diffusion beats GANs<sup>1</sup> and cold posteriors are explained²; x² and 10² are not markers.\n\n"
        "1. Install the toolkit (version 2.1).\n\n## References\n\n" + "\n".join(f"{i}. {r}" for i, r in enumerate(refs, 1))
    )
    a, b = extract_citations(text)
    assert [text[s:e] for s, e in a.mentions] == ["1"] and [text[s:e] for s, e in b.mentions] == ["²"]


def test_link_mentions_keeps_unmatched_mentions_and_is_idempotent() -> None:
    text = "As Hinton et al. (2006) showed.\n\n" + APA_LIST[0]
    cites = extract_citations(text)
    assert [c.raw for c in cites] == ["Hinton et al. (2006)", APA_LIST[0]]
    assert link_mentions(text, cites) == cites
    assert link_mentions(text, []) == []


def test_mentions_without_a_reference_list_stay_citations() -> None:
    text = "Diffusion models beat GANs (Dhariwal & Nichol, 2021); see [3] and Aitchison (2021) for more."
    assert [c.raw for c in extract_citations(text)] == ["Dhariwal & Nichol, 2021"]


# --- the styles dev set --------------------------------------------------------------------------


def _styles_rows() -> list[dict]:
    with gzip.open(STYLES_SET, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


@pytest.mark.skipif(not STYLES_SET.exists(), reason="bench/data/answers_styles.jsonl.gz not built")
def test_styles_set_meets_targets_in_every_style() -> None:
    """bench/extraction.py's figures on the styles set: recall >= 0.99, spurious <= 1%, title >= 0.97, and
    >= 0.97 of in-text mentions linked, in each style."""
    by_style: dict[str, list[int]] = {}
    for r in _styles_rows():
        preds = extract_citations(r["text"])
        t = by_style.setdefault(r["style"], [0] * 6)  # gold, found, predicted, spurious, mentions, unlinked
        hits = {}
        for g in r["citations"]:
            t[0] += 1
            hit = next((c for c in preds if 2 * (min(c.end, g["end"]) - max(c.start, g["start"])) >= g["end"] - g["start"]), None)
            if hit:
                hits[g["key"]] = hit
                t[1] += 1
        t[2] += len(preds)
        t[3] += sum(not any(c.start < g["end"] and g["start"] < c.end for g in r["citations"]) for c in preds)
        for m in r["mentions"]:
            e = hits.get(m["key"])
            t[4] += 1
            t[5] += e is None or not any(a < m["end"] and m["start"] < b for a, b in e.mentions)
    assert len(by_style) == 15
    for style, (gold, found, pred, spurious, mentions, unlinked) in by_style.items():
        assert found / gold >= 0.99, style
        assert spurious / max(pred, 1) <= 0.01, style
        assert unlinked <= 0.03 * mentions, style


@pytest.mark.skipif(not STYLES_SET.exists(), reason="bench/data/answers_styles.jsonl.gz not built")
def test_styles_set_titles() -> None:
    gold_titles = {}
    shared = Path(__file__).resolve().parents[2] / "shared" / "data" / "hallmark" / "dev_public.jsonl"
    if not shared.exists():
        pytest.skip("shared HALLMARK data not present")
    with shared.open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            gold_titles[d["bibtex_key"]] = d["fields"]["title"]
    n = exact = 0
    for r in _styles_rows():
        preds = extract_citations(r["text"])
        for g in r["citations"]:
            hit = next((c for c in preds if 2 * (min(c.end, g["end"]) - max(c.start, g["start"])) >= g["end"] - g["start"]), None)
            if hit and not g.get("mention"):
                n += 1
                exact += title_key(hit.title) == title_key(gold_titles[g["key"]])
    assert exact / n >= 0.97


# --- robustness ----------------------------------------------------------------------------------

N = 1_000_000
HEAD = "1. Smith, J., & Lee, K. (2020). A study of things. NeurIPS.\n2. Wu, A. (2021). Another study. ICML.\n\n"
HOSTILE = {
    "possessive_titles": "Smith et al.'s \"Some Long Title\" " * (N // 33),
    "by_names": '"Some Long Title Here" by Aaa Bbb, Ccc Ddd, and Eee Fff (ICML 2020) ' * (N // 70),
    "by_endless_names": '"Some Long Title Here" by ' + "Aaaa " * (N // 5),
    "numeric_ranges": HEAD + "[1-999] " * (N // 8),
    "numeric_bracket_ranges": HEAD + "[1]–[2] " * (N // 8),
    "superscripts": HEAD + "word¹,²⁻³ " * (N // 10),
    "cite_commands": HEAD + "\\cite{a,b,c} " * (N // 13),
    "pandoc_keys": HEAD + "[@a; @b] " * (N // 9),
    "footnote_refs": "[^1]: Smith, J. (2020). Title. Venue.\n" + "[^1] " * (N // 5),
    "one_name_mentions": HEAD + "Smith (2020) " * (N // 13),
    "bracket_author_year": HEAD + "[Smith & Lee, 2020] " * (N // 20),
    "comma_tail": "1. S. Jain, B. Wallace, " + "Aaa, " * (N // 5) + "2019.",
    "indented_lines": "1. Smith, J. (2020). Title.\n" + "   more text\n" * (N // 13),
    "bibitems": "\\bibitem{k} " * (N // 12),
    # this session's forms: 'and' in other languages, GB/T type codes, DIN colons, templates, 'u. a.'
    "other_ands": "1. " + "Aaa Bbb e Ccc Ddd et " * (N // 22) + "(2020). Title.",
    "gbt_codes": HEAD + "Title[C]//Venue[J]. " * (N // 20),
    "din_colons": "1. " + "Aaa, Bbb; " * (N // 10) + "Ccc, Ddd: Title. In: Venue, 2020.",
    "wiki_templates": "{{cite journal |title=A paper on things |last1=Smith |first1=Ann |year=2020}} " * (N // 76),
    "others_forms": "1. " + "Smith, J. u. a. m.fl. i in. " * (N // 28) + "(2020). Title.",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_is_linear(name: str) -> None:
    assert_extracts_linearly(HOSTILE[name])


def test_verifier_reports_linked_mentions_on_their_entry(verifier) -> None:
    """End to end: a mention linked to its entry is not checked on its own; one without an entry is a
    title-less author-year claim, which the verifier can only call unverifiable."""
    text = (
        "Diffusion models now beat GANs (Dhariwal & Nichol, 2021), unlike earlier claims (Smith & Lee, 2020).\n\n"
        "## References\n\n" + APA_LIST[1]
    )
    report = verifier.verify(text)
    assert [c.raw for c in report.citations] == ["Smith & Lee, 2020", APA_LIST[1]]
    orphan, entry = report.citations
    assert orphan.status.value == "unverifiable"
    assert entry.status.value == "verified"
    assert [text[s:e] for s, e in entry.mentions] == ["Dhariwal & Nichol, 2021"]


def test_mentions_past_the_cap_are_counted_not_read(caplog) -> None:
    """A flood of markers stops being read at MAX_MENTIONS, with a warning that says where; the
    reference list itself is still read in full."""
    from citeproof.verifier.extract import MAX_MENTIONS

    body = "As shown [1]. " * (MAX_MENTIONS + 50)
    text = body + "\n\n1. Smith, J., & Lee, K. (2020). A study of things. NeurIPS.\n"
    with caplog.at_level("WARNING", logger="citeproof.verifier.extract"):
        cites = extract_citations(text)
    assert [c.title for c in cites] == ["A study of things"]
    assert len(cites[0].mentions) == MAX_MENTIONS
    assert f"more than {MAX_MENTIONS} in-text mentions" in caplog.text
    caplog.clear()
    few = "As shown [1]. " * 300 + "\n\n1. Smith, J., & Lee, K. (2020). A study of things. NeurIPS.\n"
    with caplog.at_level("WARNING", logger="citeproof.verifier.extract"):
        assert len(extract_citations(few)[0].mentions) == 300
    assert "in-text mentions" not in caplog.text


def test_a_link_whose_text_is_its_url_closes_a_reference() -> None:
    ref = (
        "Dhariwal, P., & Nichol, A. (2021). Diffusion models beat GANs on image synthesis. *NeurIPS*. "
        "[https://doi.org/10.48550/arXiv.2105.05233](https://doi.org/10.48550/arXiv.2105.05233)."
    )
    (c,) = _check(_answer([ref], marker="1. "), [ref], [DHARIWAL])
    assert c.arxiv_id == "2105.05233" and c.venue == "NeurIPS"


def test_a_sentence_case_phrase_beside_a_mention_does_not_replace_it() -> None:
    # in prose of another language the tagger may read a sentence-case phrase as a title; the mention
    # stays (kept tentative instead, and not in the index, both were dropped)
    (c,) = extract_citations("Wie Dhariwal und Nichol (2021) zeigen, schlagen Diffusionsmodelle die GANs.")
    assert c.raw == "Dhariwal und Nichol (2021)" and [a.family for a in c.authors] == ["Dhariwal", "Nichol"]


def test_one_line_of_prose_is_read_sentence_by_sentence_when_a_reading_would_merge_two() -> None:
    text = (
        "In the guidance paper, Dhariwal et al. (2021) compare samplers. The \"Barlow Twins\" method by "
        "Jure Zbontar (2021) is often cited too."
    )
    cites = extract_citations(text)
    assert (cites[0].raw, cites[0].year) == ("Dhariwal et al. (2021)", 2021)
    assert [a.family for a in cites[-1].authors] == ["Zbontar"] and cites[-1].title == "Barlow Twins"
    assert all(not (c.title and "Dhariwal" in [a.family for a in c.authors]) for c in cites)


def test_y_joins_two_people_but_not_two_family_names() -> None:
    from citeproof.verifier.names import parse_authors

    names = parse_authors("Zhicheng Sun, Yadong Mu y Gang Hua")[0]
    assert [(a.family, a.given) for a in names] == [("Sun", "Zhicheng"), ("Mu", "Yadong"), ("Hua", "Gang")]
    assert len(parse_authors("Andrew Jackson and Blaise Agüera y Arcas")[0]) == 2
    assert [a.family for a in parse_authors("Agüera y Arcas, B.")[0]] == ["Agüera y Arcas"]
