"""Record models: usable records pass, broken ones are described field by field."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from servicetitan_pipeline.servicetitan.records import CUSTOMER, INVOICE, BadRecord, Record, RecordModel

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

GOOD_CUSTOMER = {"id": 1, "name": "Jane", "active": True, "modifiedOn": "2026-11-01T00:00:00Z"}


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
        ({"modifiedOn": "yesterday"}, "modifiedOn is not an RFC 3339 date-time: 'yesterday'"),
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
        "modifiedOn is not an RFC 3339 date-time: 'bad'",
        "balance is not a number: '12'",
    ]


def _split(model: RecordModel, *records: object) -> tuple[list[Record], list[BadRecord]]:
    page = msgspec.json.encode(list(records))
    return model.split(model.name + "s", "id", msgspec.json.decode(page, type=list[msgspec.Raw]))


def test_split_keeps_the_record_as_received_and_its_checked_fields() -> None:
    text = b'{"id": 7,  "active": true, "createdOn": "2026-11-01T12:34:56.1234567Z", "total": "108.25"}'
    (record,), bad = INVOICE.split("invoices", "id", [msgspec.Raw(text)])
    assert bad == []
    assert record.raw == text  # byte for byte: spacing and the seventh fractional digit included
    assert (record.fields.id, record.fields.total) == (7, "108.25")
    assert record.fields.createdOn == datetime(2026, 11, 1, 12, 34, 56, 123457, tzinfo=UTC)
    assert record.as_dict()["createdOn"] == "2026-11-01T12:34:56.1234567Z"


def test_split_describes_bad_records_and_keeps_the_rest() -> None:
    good, bad = _split(INVOICE, GOOD_INVOICE, {**GOOD_INVOICE, "id": 8, "total": "12,5O"}, ["not", "a record"])
    assert [record.fields.id for record in good] == [7]
    assert [(b.record_id, b.problems) for b in bad] == [
        (8, ["total is not money as a decimal string: '12,5O'"]),
        (None, ["record is list, not an object"]),
    ]


@pytest.mark.parametrize(
    "change",
    [
        {"id": 2**63},  # beyond int64: PostgreSQL's bigint would refuse the page
        {"total": "\u0661\u0662.50"},  # Arabic-Indic digits: a Unicode digit, not a number PostgreSQL reads
        {"customer": {"id": "42"}},
        {"referenceNumber": 1234},
        {"createdOn": "2026-11-01"},  # a date, not a date-time
    ],
    ids=str,
)
def test_what_the_database_could_not_load_is_a_bad_record(change: dict[str, object]) -> None:
    good, (bad,) = _split(INVOICE, {**GOOD_INVOICE, **change})
    assert good == []
    (field_name,) = change
    assert bad.problems[0].startswith(f"{field_name} is not ")


def test_a_nul_character_makes_a_bad_record_but_an_escaped_backslash_does_not() -> None:
    with_nul = {**GOOD_INVOICE, "summary": "cut\u0000here"}
    backslash_u = {**GOOD_INVOICE, "id": 8, "summary": "C:\\u0000 is a path"}
    good, bad = _split(INVOICE, with_nul, backslash_u)
    assert [record.fields.id for record in good] == [8]
    assert [(b.record_id, b.problems) for b in bad] == [
        (7, ["a text holds a NUL character (\\u0000), which PostgreSQL cannot store"])
    ]


def test_customer_address_fields_must_be_text() -> None:
    customer = GOOD_CUSTOMER
    good, bad = _split(CUSTOMER, {**customer, "address": {"city": "Austin", "zip": "78701", "country": "USA"}})
    assert (good[0].fields.address.city, bad) == ("Austin", [])
    _, (bad_address,) = _split(CUSTOMER, {**customer, "address": {"zip": 78701}})
    assert bad_address.problems == ["address is not an address of strings: {'zip': 78701}"]


MUTATIONS: list[object] = [None, 0, -1, 2**63, 1.5, True, "", "x", "12.50", "-3", "2026-11-01T00:00:00Z", [], {}]
MUTATIONS.append({"id": 1})


@pytest.mark.parametrize("model", [CUSTOMER, INVOICE], ids=lambda model: model.name)
def test_the_struct_and_the_field_checks_always_agree(model: RecordModel) -> None:
    base = GOOD_INVOICE if model is INVOICE else GOOD_CUSTOMER
    for spec in model.fields:
        for value in MUTATIONS:
            record = {**base, spec.name: value}
            _, bad = _split(model, record)
            assert bool(bad) == bool(model.problems(record)), (spec.name, value)
