"""Record models: usable records pass, broken ones are described field by field."""

from __future__ import annotations

import pytest

from servicetitan_pipeline.servicetitan.records import CUSTOMER, INVOICE

GOOD_INVOICE = {
    "id": 7,
    "active": True,
    "createdOn": "2026-11-01T12:34:56.1234567Z",
    "modifiedOn": "2026-11-02T08:00:00.0000001Z",
    "invoiceDate": "2026-11-01T00:00:00Z",
    "dueDate": None,
    "subTotal": "100.00",
    "salesTax": "8.25",
    "total": "108.25",
    "balance": "-3.10",
    "customer": {"id": 42, "name": "Acme"},
    "somethingNew": {"extra": "fields are fine"},
}


def test_good_invoice() -> None:
    assert INVOICE.problems(GOOD_INVOICE) == []


def test_date_without_time_zone_is_accepted() -> None:
    assert INVOICE.problems({**GOOD_INVOICE, "modifiedOn": "2026-11-02T08:00:00"}) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"id": None}, "id is missing"),
        ({"id": "abc"}, "id is not an int64: 'abc'"),
        ({"id": True}, "id is not an int64"),
        ({"total": "12,5O"}, "total is not money as a decimal string: '12,5O'"),
        ({"total": 12.5}, "total is not money as a decimal string"),
        ({"modifiedOn": "yesterday"}, "modifiedOn is not an ISO 8601 date-time: 'yesterday'"),
        ({"customer": {"name": "no id"}}, "customer is not an object with an int64 id"),
        ({"active": "yes"}, "active is not a boolean"),
    ],
)
def test_broken_invoice(change: dict[str, object], problem: str) -> None:
    record = {**GOOD_INVOICE, **change}
    if change.get("id", 0) is None:
        del record["id"]
    (found,) = INVOICE.problems(record)
    assert found.startswith(problem)


def test_not_an_object() -> None:
    assert CUSTOMER.problems(["a", "list"]) == ["record is list, not an object"]


def test_customer_lists_every_problem() -> None:
    problems = CUSTOMER.problems({"id": 1, "name": 5, "active": True, "modifiedOn": "bad", "balance": "12"})
    assert problems == [
        "name is not a string: 5",
        "modifiedOn is not an ISO 8601 date-time: 'bad'",
        "balance is not a number: '12'",
    ]
