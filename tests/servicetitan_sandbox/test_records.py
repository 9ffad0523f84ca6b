"""Generated records look like a real tenant's and are internally consistent."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from servicetitan_sandbox.dataset import TenantDataset
from servicetitan_sandbox.timestamps import parse_query_datetime
from tests.servicetitan_sandbox.session import config, tenant

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$")
MONEY = re.compile(r"^-?\d+\.\d{2}$")
INVOICE_MONEY_FIELDS = ("subTotal", "salesTax", "total", "balance", "discountTotal")
ITEM_MONEY_FIELDS = ("cost", "totalCost", "price", "total")


@pytest.fixture(scope="module")
def dataset() -> TenantDataset:
    return TenantDataset(config(tenant(customers=400, invoices=600)).tenants[0])


@pytest.fixture(scope="module")
def customers(dataset: TenantDataset) -> list[dict]:  # type: ignore[type-arg]
    return [dataset.customers.render(i) for i in range(dataset.customers.size)]


@pytest.fixture(scope="module")
def invoices(dataset: TenantDataset) -> list[dict]:  # type: ignore[type-arg]
    return [dataset.invoices.render(i) for i in range(dataset.invoices.size)]


def test_customers_look_real(customers: list[dict]) -> None:  # type: ignore[type-arg]
    assert {c["type"] for c in customers} == {"Residential", "Commercial"}
    residential_names = [c["name"] for c in customers if c["type"] == "Residential"]
    assert all(re.fullmatch(r"[A-Z][\w']+ [A-Z][\w']+", name) for name in residential_names)
    assert len({c["name"] for c in customers}) > len(customers) * 0.8
    for customer in customers:
        address = customer["address"]
        assert re.fullmatch(r"\d+ \w+ \w+", address["street"])
        assert re.fullmatch(r"\d{5}", address["zip"])
        assert address["country"] == "USA"
        assert len(address["state"]) == 2
        assert TIMESTAMP.match(customer["createdOn"])
        assert TIMESTAMP.match(customer["modifiedOn"])
        assert customer["createdOn"] <= customer["modifiedOn"]
    assert any(c["address"]["unit"] for c in customers)
    assert any(c["balance"] for c in customers)


def test_some_customers_are_inactive_and_most_of_those_merged_into_existing_ones(
    customers: list[dict],  # type: ignore[type-arg]
) -> None:
    ids = {c["id"] for c in customers}
    inactive = [c for c in customers if not c["active"]]
    merged = [c for c in inactive if c["mergedToId"] is not None]
    assert 0.02 * len(customers) <= len(inactive) <= 0.1 * len(customers)
    assert len(merged) >= len(inactive) / 3
    assert all(c["mergedToId"] in ids and c["mergedToId"] != c["id"] for c in merged)
    assert all(c["mergedToId"] is None for c in customers if c["active"])


def test_invoice_money_adds_up_exactly_with_two_decimals(invoices: list[dict]) -> None:  # type: ignore[type-arg]
    for invoice in invoices:
        assert all(MONEY.match(invoice[field]) for field in INVOICE_MONEY_FIELDS), invoice
        assert Decimal(invoice["subTotal"]) + Decimal(invoice["salesTax"]) == Decimal(invoice["total"])
        assert 1 <= len(invoice["items"]) <= 5
        assert sum(Decimal(item["total"]) for item in invoice["items"]) == Decimal(invoice["subTotal"])
        for item in invoice["items"]:
            assert all(MONEY.match(item[field]) for field in ITEM_MONEY_FIELDS), item
            assert item["skuName"]
            assert item["description"]
            assert Decimal(item["quantity"]) * Decimal(item["price"]) == Decimal(item["total"])
        assert 0 <= Decimal(invoice["balance"]) <= Decimal(invoice["total"])


def test_invoice_dates_are_consistent(invoices: list[dict]) -> None:  # type: ignore[type-arg]
    for invoice in invoices:
        assert TIMESTAMP.match(invoice["createdOn"])
        assert TIMESTAMP.match(invoice["modifiedOn"])
        assert invoice["invoiceDate"] <= invoice["dueDate"]
        assert invoice["invoiceDate"][:10] == invoice["createdOn"][:10]
        assert invoice["createdOn"] <= invoice["modifiedOn"]


def test_invoices_name_customers_that_existed_when_they_were_created(
    customers: list[dict],  # type: ignore[type-arg]
    invoices: list[dict],  # type: ignore[type-arg]
) -> None:
    by_id = {c["id"]: c for c in customers}
    for invoice in invoices:
        customer = by_id[invoice["customer"]["id"]]
        assert invoice["customer"]["name"] == customer["name"]
        assert invoice["customerAddress"]["street"] == customer["address"]["street"]
        # "Existed then", give or take the jitter of one slot of the history.
        slack = 3 * 24 * 3600 * 10_000_000
        assert parse_query_datetime(customer["createdOn"]) <= parse_query_datetime(invoice["createdOn"]) + slack
    assert len({invoice["customer"]["id"] for invoice in invoices}) > len(customers) / 3


def test_ids_are_unique_and_grow_with_creation(customers: list[dict], invoices: list[dict]) -> None:  # type: ignore[type-arg]
    for records in (customers, invoices):
        ids = [record["id"] for record in records]
        assert ids == sorted(ids)
        assert len(set(ids)) == len(ids)
        created = [record["createdOn"] for record in records]
        assert created == sorted(created)
