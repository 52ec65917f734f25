"""The committee paper as a tagged PDF (PDF/UA-1), typeset by Typst from
elearn/documents/training_update.typ: the cover details, numbered pages with the OFFICIAL
marking on each, headings kept with their tables, table headers repeated on every page,
figures right-aligned, and the trend chart with its alternative text."""

from __future__ import annotations

import json
from dataclasses import asdict

from elearn.documents.typesetting import tagged_pdf
from elearn.reports.dashboard import Dashboard
from elearn.reports.paper import Section, committee_paper


def training_update_pdf(figures: Dashboard, more: list[Section] = ()) -> bytes:
    paper = committee_paper(figures, more)
    return tagged_pdf(
        "training_update.typ",
        {"paper": json.dumps(asdict(paper), ensure_ascii=False)},
        figures.query.now,
    )
