"""The profile of a page's raw records: paths, JSON types, occurrences per record, and its bounds."""

from __future__ import annotations

import json

from servicetitan_pipeline.anomalies.profiles import ARRAY_ITEMS, MAX_DEPTH, profile_page, sample


def raw(record: object) -> bytes:
    return json.dumps(record).encode()


def test_paths_and_types_of_nested_objects_and_arrays() -> None:
    record = {
        "id": 7,
        "active": True,
        "total": "12.50",
        "ratio": 0.5,
        "memo": None,
        "customer": {"id": 3, "name": "Ann"},
        "items": [{"skuId": 1, "tags": ["a"]}],
        "tagTypeIds": [4, 5],
    }
    profile = profile_page([raw(record)])
    assert profile.records_profiled == 1
    assert profile.fields == {
        ("id", "number"): 1,
        ("active", "boolean"): 1,
        ("total", "string"): 1,
        ("ratio", "number"): 1,
        ("memo", "null"): 1,
        ("customer", "object"): 1,
        ("customer.id", "number"): 1,
        ("customer.name", "string"): 1,
        ("items", "array"): 1,
        ("items[].skuId", "number"): 1,
        ("items[].tags", "array"): 1,
        ("items[].tags[]", "string"): 1,
        ("tagTypeIds", "array"): 1,
        ("tagTypeIds[]", "number"): 1,
    }


def test_a_path_counts_once_per_record_whatever_its_array_holds() -> None:
    records = [raw({"items": [{"skuId": 1}, {"skuId": 2}]}), raw({"items": [{"skuId": None}]}), raw({"items": []})]
    profile = profile_page(records)
    assert profile.records_profiled == 3
    assert profile.fields[("items", "array")] == 3
    assert profile.fields[("items[].skuId", "number")] == 1
    assert profile.fields[("items[].skuId", "null")] == 1


def test_a_retyped_field_shows_both_types_with_their_shares() -> None:
    records = [raw({"id": 1, "zip": "02139"}), raw({"id": 2, "zip": 2139}), raw({"id": 3, "zip": "10001"})]
    fields = profile_page(records).fields
    assert fields[("zip", "string")] == 2
    assert fields[("zip", "number")] == 1


def test_depth_and_array_elements_are_bounded() -> None:
    deep: dict[str, object] = {"leaf": 1}
    for level in range(10):
        deep = {f"l{level}": deep}
    items = [{f"only_in_{n}": n} for n in range(ARRAY_ITEMS + 3)]
    fields = profile_page([raw({"deep": deep, "items": items})]).fields
    assert max(path.count(".") + 1 for path, _ in fields if path.startswith("deep")) == MAX_DEPTH
    seen_items = {path for path, _ in fields if path.startswith("items[].")}
    assert seen_items == {f"items[].only_in_{n}" for n in range(ARRAY_ITEMS)}


def test_distinct_fields_are_capped_but_known_ones_keep_counting() -> None:
    records = [raw({"id": n, f"key{n}": n}) for n in range(10)]
    fields = profile_page(records, max_fields=4).fields
    assert len(fields) == 4
    assert fields[("id", "number")] == 10


def test_a_record_that_is_no_object_is_not_profiled() -> None:
    profile = profile_page([b"[1, 2]", raw({"id": 1})])
    assert profile.records_profiled == 1


def test_rows_are_parallel_and_sorted() -> None:
    fields, types, counts = profile_page([raw({"b": 1, "a": "x"}), raw({"a": None})]).rows()
    assert list(zip(fields, types, counts, strict=True)) == [("a", "null", 1), ("a", "string", 1), ("b", "number", 1)]


def test_a_sample_is_spread_over_the_page_and_bounded() -> None:
    page = list(range(1000))
    picked = sample(page, 100)
    assert len(picked) == 100
    assert picked[0] == 0
    assert picked[-1] >= 990
    assert picked == sample(page, 100)  # deterministic
    assert sample(page[:50], 100) == page[:50]
