"""List queries counted arithmetically give exactly what filtering every record one by one gives."""

from __future__ import annotations

import random

import pytest

from servicetitan_sandbox.collection import RecordState
from servicetitan_sandbox.dataset import Advance, TenantDataset
from servicetitan_sandbox.listing import (
    ActiveFilter,
    ListQuery,
    ListSort,
    SortField,
    count_matching,
    list_page,
)
from servicetitan_sandbox.timestamps import parse_query_datetime
from tests.servicetitan_sandbox.session import config, tenant


@pytest.fixture(scope="module")
def dataset() -> TenantDataset:
    """Small, with three generations of changes (so changed records are in every filter's way)."""
    data = TenantDataset(config(tenant(customers=300, invoices=400)).tenants[0])
    at = parse_query_datetime("2026-11-02T00:00:00Z")
    for hour in range(3):
        data.advance(
            Advance(
                new_customers=20,
                new_invoices=30,
                modified_customers=60,
                modified_invoices=80,
                at=at + hour * 3600 * 10_000_000,
            )
        )
    return data


def one_by_one(states: list[RecordState], query: ListQuery) -> list[int]:
    """The reference: every record's current state, filtered."""
    matching = []
    for index, state in enumerate(states):
        if (
            query.active.accepts(state.active)
            and (query.created_from is None or state.created >= query.created_from)
            and (query.created_before is None or state.created < query.created_before)
            and (query.modified_from is None or state.modified >= query.modified_from)
            and (query.modified_before is None or state.modified < query.modified_before)
        ):
            matching.append(index)
    key = {
        SortField.ID: lambda index: states[index].record_id,
        SortField.CREATED_ON: lambda index: states[index].created,
        SortField.MODIFIED_ON: lambda index: states[index].modified,
    }[query.sort.field]
    return sorted(matching, key=key, reverse=query.sort.descending)


@pytest.mark.parametrize("kind", ["customers", "invoices"])
def test_random_queries_match_filtering_one_by_one(dataset: TenantDataset, kind: str) -> None:
    collection = dataset.collection(kind)
    states = [collection.state(i) for i in range(collection.size)]
    instants = [s.created for s in states] + [s.modified for s in states]
    draw = random.Random(kind)
    for _ in range(80):
        bounds = {
            name: draw.choice(instants) + draw.choice((-1, 0, 1))
            for name in ("created_from", "created_before", "modified_from", "modified_before")
            if draw.random() < 0.4
        }
        page_size = draw.choice((1, 7, 50))
        query = ListQuery(page_size=page_size, active=draw.choice(list(ActiveFilter)), **bounds)
        expected = one_by_one(states, query)
        assert count_matching(collection, query) == len(expected)
        last_page = max(1, -(-len(expected) // page_size))
        for page in {1, 2, draw.randint(1, last_page), last_page, last_page + 1}:
            paged = ListQuery(page=page, page_size=page_size, active=query.active, **bounds)
            served = [collection.index_of(record["id"]) for record in list_page(collection, paged).records]
            assert served == expected[(page - 1) * page_size : page * page_size]


def test_pages_report_has_more_and_total_only_when_asked(dataset: TenantDataset) -> None:
    total = count_matching(dataset.customers, ListQuery(active=ActiveFilter.ANY))
    last_page = -(-total // 50)
    assert list_page(dataset.customers, ListQuery(page=1, active=ActiveFilter.ANY)).has_more
    last = list_page(dataset.customers, ListQuery(page=last_page, include_total=True, active=ActiveFilter.ANY))
    assert not last.has_more
    assert last.total_count == total
    assert list_page(dataset.customers, ListQuery(page=1)).total_count is None
    assert list_page(dataset.customers, ListQuery(page=last_page + 1)).records == []


def test_ids_filter_returns_those_records_that_match(dataset: TenantDataset) -> None:
    wanted = [dataset.invoices.id_of(i) for i in (3, 150, 399)] + [999]
    page = list_page(dataset.invoices, ListQuery(ids=tuple(wanted), active=ActiveFilter.ANY))
    assert [record["id"] for record in page.records] == wanted[:3]


SORTS = [ListSort(field, descending) for field in SortField for descending in (False, True)]


@pytest.mark.parametrize("kind", ["customers", "invoices"])
@pytest.mark.parametrize("sort", SORTS, ids=lambda sort: f"{'-' if sort.descending else '+'}{sort.field.value}")
def test_sorted_pages_match_sorting_one_by_one(dataset: TenantDataset, kind: str, sort: ListSort) -> None:
    collection = dataset.collection(kind)
    states = [collection.state(i) for i in range(collection.size)]
    instants = [s.created for s in states] + [s.modified for s in states]
    draw = random.Random(f"{kind} {sort}")
    for _ in range(25):
        bounds = {
            name: draw.choice(instants)
            for name in ("created_from", "created_before", "modified_from", "modified_before")
            if draw.random() < 0.3
        }
        page_size = draw.choice((1, 7, 50))
        query = ListQuery(page_size=page_size, active=draw.choice(list(ActiveFilter)), sort=sort, **bounds)
        expected = one_by_one(states, query)
        last_page = max(1, -(-len(expected) // page_size))
        for page in {1, 2, draw.randint(1, last_page), last_page, last_page + 1}:
            paged = ListQuery(page=page, page_size=page_size, active=query.active, sort=sort, **bounds)
            served = list_page(collection, paged)
            assert [collection.index_of(record["id"]) for record in served.records] == expected[
                (page - 1) * page_size : page * page_size
            ]
            assert served.has_more is (page * page_size < len(expected))


def test_ids_filter_follows_the_sort(dataset: TenantDataset) -> None:
    wanted = tuple(dataset.invoices.id_of(i) for i in (3, 150, 399))
    newest_first = ListQuery(ids=wanted, active=ActiveFilter.ANY, sort=ListSort(SortField.ID, descending=True))
    assert [record["id"] for record in list_page(dataset.invoices, newest_first).records] == sorted(wanted)[::-1]
