"""Every paginator stops: at the last page, when the API stops advancing, or at max_pages."""

from __future__ import annotations

import pytest

from servicetitan_pipeline.servicetitan.errors import PaginationError
from servicetitan_pipeline.servicetitan.paginators import ExportPaginator, PageNumberPaginator


class TestExportPaginator:
    def test_follows_continue_from_until_has_more_is_false(self) -> None:
        paginator = ExportPaginator()
        assert paginator.first_params() == {}
        assert paginator.next_params({"hasMore": True, "continueFrom": "t1", "data": [1]}) == {"from": "t1"}
        assert paginator.next_params({"hasMore": True, "continueFrom": "t2", "data": [1]}) == {"from": "t2"}
        assert paginator.next_params({"hasMore": False, "continueFrom": "t3", "data": []}) is None

    def test_resumes_from_a_stored_token(self) -> None:
        assert ExportPaginator("stored").first_params() == {"from": "stored"}

    def test_a_repeated_token_stops_instead_of_looping(self) -> None:
        paginator = ExportPaginator()
        paginator.next_params({"hasMore": True, "continueFrom": "same"})
        with pytest.raises(PaginationError, match="twice"):
            paginator.next_params({"hasMore": True, "continueFrom": "same"})

    def test_the_start_token_coming_back_stops(self) -> None:
        paginator = ExportPaginator("start")
        with pytest.raises(PaginationError, match="twice"):
            paginator.next_params({"hasMore": True, "continueFrom": "start"})

    def test_has_more_without_token_stops(self) -> None:
        with pytest.raises(PaginationError, match="no continueFrom"):
            ExportPaginator().next_params({"hasMore": True, "continueFrom": ""})

    def test_max_pages_bounds_an_endless_feed(self) -> None:
        paginator = ExportPaginator(max_pages=3)
        paginator.next_params({"hasMore": True, "continueFrom": "a"})
        paginator.next_params({"hasMore": True, "continueFrom": "b"})
        with pytest.raises(PaginationError, match="after 3 pages"):
            paginator.next_params({"hasMore": True, "continueFrom": "c"})


class TestPageNumberPaginator:
    def test_counts_pages_while_has_more(self) -> None:
        paginator = PageNumberPaginator(page_size=100)
        assert paginator.first_params() == {"page": "1", "pageSize": "100"}
        assert paginator.next_params({"hasMore": True, "data": [1]}) == {"page": "2", "pageSize": "100"}
        assert paginator.next_params({"hasMore": False, "data": [1]}) is None

    def test_empty_page_stops_even_if_has_more(self) -> None:
        assert PageNumberPaginator(page_size=10).next_params({"hasMore": True, "data": []}) is None

    def test_max_pages(self) -> None:
        paginator = PageNumberPaginator(page_size=10, max_pages=2)
        paginator.next_params({"hasMore": True, "data": [1]})
        with pytest.raises(PaginationError, match="after 2 pages"):
            paginator.next_params({"hasMore": True, "data": [1]})

    @pytest.mark.parametrize("size", [0, 5001])
    def test_page_size_within_servicetitans_limit(self, size: int) -> None:
        with pytest.raises(ValueError, match="between 1 and 5000"):
            PageNumberPaginator(page_size=size)
