"""Dashboard figures worked out once and shared by every worker (elearn/reports/cache.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from elearn.extensions import db
from elearn.models.types import UTCDateTime


class ReportFigures(db.Model):
    """One view's figures: `key` names the view (period, course, threshold, titles) and
    `version` the data they were worked out from."""

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(200))
    worked_out_at: Mapped[datetime] = mapped_column(UTCDateTime)
    figures: Mapped[str] = mapped_column(Text)
