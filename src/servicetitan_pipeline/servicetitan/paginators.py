"""How to ask for the next page. Each paginator is guaranteed to stop: at the API's last page, when the
API stops advancing, or at ``max_pages``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from servicetitan_pipeline.servicetitan.errors import PaginationError

DEFAULT_MAX_PAGES = 1_000_000


class Paginator(Protocol):
    def first_params(self) -> dict[str, str]: ...

    def next_params(self, body: Mapping[str, Any]) -> dict[str, str] | None:
        """Parameters of the next request, or None when ``body`` was the last page."""
        ...


class ExportPaginator:
    """Export endpoints: ``from`` = the previous page's ``continueFrom`` while ``hasMore``."""

    def __init__(self, start_from: str | None = None, max_pages: int = DEFAULT_MAX_PAGES) -> None:
        self._start_from = start_from
        self._max_pages = max_pages
        self._pages = 0
        self._tokens_seen: set[str] = set()

    def first_params(self) -> dict[str, str]:
        return {"from": self._start_from} if self._start_from else {}

    def next_params(self, body: Mapping[str, Any]) -> dict[str, str] | None:
        self._pages += 1
        if not body.get("hasMore"):
            return None
        token = body.get("continueFrom")
        if not token:
            raise PaginationError("export says hasMore but gave no continueFrom token; stopped")
        if token in self._tokens_seen or token == self._start_from:
            raise PaginationError(f"export returned continueFrom {token!r} twice; stopped to avoid a loop")
        if self._pages >= self._max_pages:
            raise PaginationError(f"export still has more after {self._pages} pages (max_pages); stopped")
        self._tokens_seen.add(token)
        return {"from": token}


class PageNumberPaginator:
    """List endpoints: ``page`` = 1, 2, ... while ``hasMore`` and the page is not empty."""

    def __init__(self, page_size: int, max_pages: int = DEFAULT_MAX_PAGES) -> None:
        if not 1 <= page_size <= 5000:
            raise ValueError("pageSize must be between 1 and 5000 (ServiceTitan's limit)")
        self._page_size = page_size
        self._max_pages = max_pages
        self._page = 1

    def first_params(self) -> dict[str, str]:
        return {"page": "1", "pageSize": str(self._page_size)}

    def next_params(self, body: Mapping[str, Any]) -> dict[str, str] | None:
        if not body.get("hasMore") or not body.get("data"):
            return None
        if self._page >= self._max_pages:
            raise PaginationError(f"list still has more after {self._page} pages (max_pages); stopped")
        self._page += 1
        return {"page": str(self._page), "pageSize": str(self._page_size)}
