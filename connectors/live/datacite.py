"""DataCite client: a DOI's metadata, and the parser of DataCite JSON:API resources.

Crossref answers 404 for DOIs registered with DataCite: datasets, software, theses, and every arXiv
paper's own DOI (10.48550/arXiv.*). Asking DataCite next keeps those real works from looking invented.
"""

from __future__ import annotations

from typing import Any

from citeproof.connectors.live.http import DoiClient, Reply
from citeproof.connectors.records import BadRecordError, first_text, make_record, split_name
from citeproof.identifiers import arxiv_id_from, norm_doi
from citeproof.models import Author, Record
from citeproof.text import clean_text

__all__ = ["DATACITE_API", "DataCite", "record_from_datacite"]

DATACITE_API = "https://api.datacite.org"


def _creator(c: Any) -> Author | None:
    if not isinstance(c, dict):
        return None
    family = clean_text(c["familyName"]) if isinstance(c.get("familyName"), str) else ""
    given = clean_text(c["givenName"]) if isinstance(c.get("givenName"), str) else ""
    if family:
        return Author(family=family, given=given)
    name = c.get("name")
    if not isinstance(name, str) or not name.strip():
        return None
    if c.get("nameType") == "Organizational":
        return Author(family=clean_text(name))  # never split an organisation's name
    return split_name(name)  # "Ollomo, Benjamin" or "Benjamin Ollomo"


def _publisher(attrs: dict[str, Any]) -> str | None:
    p = attrs.get("publisher")
    # a string in the default response, an object with `name` when asked for `publisher=true`
    return first_text(p.get("name")) if isinstance(p, dict) else first_text(p)


def record_from_datacite(resource: dict[str, Any]) -> Record:
    """A DataCite `/dois/{doi}` document (or its `data` member) -> Record with id `doi:<doi>`.

    The venue is the container's title (a journal or series) or else the publisher, which for a
    preprint or dataset is where it was published: "arXiv", "Zenodo", "Dryad".
    """
    if not isinstance(resource, dict):
        raise TypeError(f"expected a JSON object, got {type(resource).__name__}")
    data = resource.get("data", resource)
    attrs = data.get("attributes") if isinstance(data, dict) else None
    if not isinstance(attrs, dict):
        raise BadRecordError("DataCite resource without attributes")
    doi = norm_doi(first_text(attrs.get("doi")) or first_text(data.get("id")))
    if not doi:
        raise BadRecordError("no DOI")
    titles_obj = attrs.get("titles")
    titles: list[Any] = titles_obj if isinstance(titles_obj, list) else []
    # the main title has no titleType; subtitles and translations carry one
    main = [t.get("title") for t in titles if isinstance(t, dict) and not t.get("titleType")]
    every = [t.get("title") for t in titles if isinstance(t, dict)]
    creators_obj = attrs.get("creators")
    creators: list[Any] = creators_obj if isinstance(creators_obj, list) else []
    container_obj = attrs.get("container")
    container: dict[str, Any] = container_obj if isinstance(container_obj, dict) else {}
    types_obj = attrs.get("types")
    types: dict[str, Any] = types_obj if isinstance(types_obj, dict) else {}
    year = attrs.get("publicationYear")
    url = first_text(attrs.get("url"))
    return make_record(
        id=f"doi:{doi}",
        title=first_text(main) or first_text(every),
        authors=[_creator(c) for c in creators],
        year=int(year) if isinstance(year, (int, str)) and str(year).strip().isdigit() else None,
        venue=first_text(container.get("title")) or _publisher(attrs),
        doi=doi,
        arxiv_id=arxiv_id_from(doi, url),
        url=f"https://doi.org/{doi}",
        type=first_text(types.get("citeproc")) or first_text(types.get("resourceTypeGeneral")),
        source="datacite",
    )


class DataCite(DoiClient):
    """The DataCite REST API (https://api.datacite.org)."""

    name = "datacite"
    doi_url = f"{DATACITE_API}/dois/{{doi}}"
    accept = ("application/vnd.api+json", "application/json")
    interval_s = 0.1
    lookups = frozenset({"doi"})

    def record_from_reply(self, reply: Reply) -> Record:
        """`/dois/{doi}` answers a JSON:API document whose `data` is the resource."""
        return record_from_datacite(reply.data)
