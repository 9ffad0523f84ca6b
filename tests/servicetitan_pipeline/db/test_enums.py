"""The data type to resources map, and what derives from it (pure: no database)."""

from __future__ import annotations

from servicetitan_pipeline.db.enums import RESOURCES_FOR, DataType
from servicetitan_pipeline.servicetitan.resources import RESOURCES


def test_every_data_type_syncs_resources_the_client_declares() -> None:
    assert set(RESOURCES_FOR) == set(DataType)
    for data_type in DataType:
        assert data_type.resources, data_type
        assert set(data_type.resources) <= set(RESOURCES), data_type


def test_both_loads_customers_before_the_invoices_that_reference_them() -> None:
    assert DataType.BOTH.resources == ("customers", "invoices")


def test_overlapping_data_types_are_those_sharing_a_resource() -> None:
    assert DataType.INVOICES.overlapping == [DataType.INVOICES, DataType.BOTH]
    assert DataType.CUSTOMERS.overlapping == [DataType.CUSTOMERS, DataType.BOTH]
    assert DataType.BOTH.overlapping == [DataType.INVOICES, DataType.CUSTOMERS, DataType.BOTH]
