"""Incremental cursors: where a read starts, and the checkpoint to store after each committed page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from servicetitan_pipeline.servicetitan.paginators import ExportPaginator, PageNumberPaginator, Paginator


@dataclass(frozen=True)
class ExportCursor:
    """Export endpoints resume from a stored ``continueFrom`` token, or start at a modification date."""

    continue_from: str | None = None
    modified_since: datetime | None = None

    def paginator(self, max_pages: int) -> Paginator:
        start = self.continue_from or (self.modified_since.isoformat() if self.modified_since else None)
        return ExportPaginator(start, max_pages=max_pages)

    def filters(self) -> dict[str, str]:
        return {}

    @staticmethod
    def checkpoint(body: dict[str, Any]) -> str | None:
        """The token to store once this page's rows are committed."""
        token = body.get("continueFrom")
        return str(token) if token else None


@dataclass(frozen=True)
class ModifiedSinceCursor:
    """List endpoints: a bounded query of what changed since a time (``modifiedOnOrAfter``)."""

    modified_since: datetime | None = None
    page_size: int = 5000

    def paginator(self, max_pages: int) -> Paginator:
        return PageNumberPaginator(self.page_size, max_pages=max_pages)

    def filters(self) -> dict[str, str]:
        # Oldest change first: a record changed while the pages are read moves to the end and is read again
        # (loading is idempotent). In the default order (by id) an old record newly changed would slot in
        # among the pages already read and push an unread one back onto them: read by nobody.
        since = {"modifiedOnOrAfter": self.modified_since.isoformat()} if self.modified_since else {}
        return {"sort": "+ModifiedOn", **since}

    @staticmethod
    def checkpoint(body: dict[str, Any]) -> str | None:
        # No order is promised, so no page is a safe resume point; the caller keeps the start time.
        return None
