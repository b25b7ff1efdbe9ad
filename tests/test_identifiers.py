"""`citeproof.identifiers.web_page`: which URLs are ordinary web pages rather than where a scholarly
work is published (the open world's coverage rule for works located only by a URL)."""

from __future__ import annotations

import pytest

from citeproof.identifiers import web_page


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://towardsdatascience.com/getting-started-with-pytorch-lightning", "towardsdatascience.com"),
        ("https://medium.com/@someone/a-gentle-guide-to-dropout", "medium.com"),
        ("https://github.com/pytorch/pytorch", "github.com"),
        ("www.tensorflow.org/guide/keras", "tensorflow.org"),
        ("https://en.wikipedia.org/wiki/Transformer_(deep_learning_architecture)", "en.wikipedia.org"),
        ("http://user@blog.example.co.uk:8080/post?id=3#top", "blog.example.co.uk"),
    ],
)
def test_ordinary_web_pages(url: str, host: str) -> None:
    assert web_page(url) == host


@pytest.mark.parametrize(
    "url",
    [
        "https://doi.org/10.1038/nature14539",
        "https://www.nature.com/articles/nature14539",
        "arxiv.org/abs/1706.03762",
        "https://openaccess.thecvf.com/content_cvpr_2016/html/He_Deep_Residual_Learning_CVPR_2016_paper.html",
        "https://proceedings.neurips.cc/paper/2017/hash/3f5ee243547dee91fbd053c1c4a845aa-Abstract.html",
        "https://dl.acm.org/doi/10.1145/3065386",
        "https://www.cs.toronto.edu/~hinton/absps/JMLRdropout.pdf",
        "https://www.robots.ox.ac.uk/~vgg/publications/2015/Simonyan15/",
        "https://example.com/files/paper.pdf",
        "https://example.com/resolve/10.1145/3065386",  # a DOI in it
        "https://pubmed.ncbi.nlm.nih.gov/31452104/",
        "not a url at all",
        "",
        None,
    ],
)
def test_scholarly_pages_and_non_urls_are_not_web_pages(url: str | None) -> None:
    assert web_page(url) is None


def test_an_overlong_host_is_no_url() -> None:
    # a host is at most 253 characters: a longer one is junk, answered at once by the bounded pattern
    assert web_page("https://" + "a." * 50_000 + "com/x") is None
    assert web_page("https://" + "a" * 100_000) is None
    assert web_page("https://" + "a" * 240 + ".com/x") == "a" * 240 + ".com"
