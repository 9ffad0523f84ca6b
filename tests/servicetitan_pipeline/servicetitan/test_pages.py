"""Pages split into records without a database: one hostile record never sinks its page; a body that is
no JSON page is refused as a whole."""

from __future__ import annotations

import pytest

from servicetitan_pipeline.servicetitan.pages import PageNotJSON, PageNotObject, preview, split_page
from servicetitan_pipeline.servicetitan.records import INVOICE, MAX_NESTING_DEPTH, MAX_RECORD_BYTES

HEAD = b'"active":true,"createdOn":"2026-11-01T00:00:00Z"'


def record(record_id: int, extra: bytes = b"") -> bytes:
    return b'{"id":%d,' % record_id + HEAD + extra + b"}"


def page(*records: bytes) -> bytes:
    return b'{"hasMore":false,"continueFrom":"next","data":[' + b",".join(records) + b"]}"


# Payloads that leave the page's structure (brackets, strings, commas) intact: one record each.
HOSTILE = {
    "deep extra field": (record(2, b',"x":' + b"[" * 5000 + b"]" * 5000), "nests deeper than 64 levels"),
    "deep modelled field": (record(2, b',"customer":' + b'{"id":1,"a":' * 5000 + b"1" + b"}" * 5000), "64 levels"),
    "escaped NUL": (record(2, b',"referenceNumber":"a\\u0000b"'), "NUL character"),
    "raw NUL byte": (record(2, b',"x":"a\x00b"'), "byte 0x00 at offset 63"),
    "invalid UTF-8, extra field": (record(2, b',"x":"caf\xff\xfe"'), "not valid UTF-8 (byte 0xff at offset 65"),
    "invalid UTF-8, modelled field": (record(2, b',"referenceNumber":"\xc3("'), "not valid UTF-8 (byte 0xc3"),
    "lone surrogate": (record(2, b',"x":"\\ud800"'), "surrogate escape"),
    "lone low surrogate": (record(2, b',"x":"\\udc00 after"'), "surrogate escape"),
    "5 MB string": (record(2, b',"x":"' + b"x" * 5_000_000 + b'"'), "bytes, over the limit of 1,048,576"),
    "id beyond int64": (b'{"id":9223372036854775808,' + HEAD + b"}", "id is not an int64: 9223372036854775808"),
    "1e400 in a modelled field": (record(2, b',"total":1e400'), "Number out of range - at `$.total`"),
    "wrong type": (b'{"id":2,"active":"yes","createdOn":"2026-11-01T00:00:00Z"}', "active is not a boolean"),
    "repeated id, different": (record(2, b',"id":3'), "id appears 2 times, first as 2 and last as 3"),
    "repeated id, not first": (b'{"x":1,"id":3,' + HEAD + b',"id":2}', "id appears 2 times, first as 3 and last as 2"),
    "BOM before the record": (b"\xef\xbb\xbf" + record(2), "byte 0xef at offset 0"),
    "not an object": (b"[1,2]", "record is list, not an object"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_record_is_one_bad_record_and_the_page_loads(name: str) -> None:
    hostile, phrase = HOSTILE[name]
    parts = split_page(page(record(1), hostile, record(3)))
    assert parts.fields == {"hasMore": False, "continueFrom": "next"}
    good, bad = INVOICE.split("invoices", "id", parts.records or [])
    assert [r.fields.id for r in good] == [1, 3]
    (only,) = bad
    (problem,) = only.problems
    assert phrase in problem
    assert len(problem) < 200  # described, never echoed
    assert only.record_id in (2, 3, None)


def test_what_a_bad_record_is_named_by() -> None:
    ids = {
        name: INVOICE.split("invoices", "id", split_page(page(hostile)).records or [])[1][0].record_id
        for name, (hostile, _) in HOSTILE.items()
    }
    assert ids["id beyond int64"] is None  # not a usable id: the problem names it
    assert ids["repeated id, different"] == 3  # the one msgspec and jsonb keep
    assert ids["not an object"] is None
    assert {ids[name] for name in ids if name not in ("id beyond int64", "not an object")} <= {2, 3}


@pytest.mark.parametrize(
    "harmless",
    [
        record(2, b',"x":1e400'),  # an extra number: jsonb stores it exactly
        record(2, b',"id":2'),  # repeated with the same value: not ambiguous
        record(2, b',"x":"\\ud83d\\ude00 and C:\\\\u0000"'),  # a surrogate pair, an escaped backslash
        record(2, b',"x":' + b"[" * (MAX_NESTING_DEPTH - 1) + b"]" * (MAX_NESTING_DEPTH - 1)),  # 64 levels in all
        record(2, b',"x":"' + b"{[" * 100 + b'"'),  # brackets inside a text do not nest
        record(2, ',"x":"caf\u00e9"'.encode()),
    ],
)
def test_what_is_not_hostile_loads(harmless: bytes) -> None:
    good, bad = INVOICE.split("invoices", "id", split_page(page(harmless)).records or [])
    assert (len(good), bad) == (1, [])


def test_a_record_just_over_the_bounds_is_bad() -> None:
    deep = record(2, b',"x":' + b"[" * MAX_NESTING_DEPTH + b"]" * MAX_NESTING_DEPTH)
    big = record(2, b',"x":"' + b"x" * MAX_RECORD_BYTES + b'"')
    _, bad = INVOICE.split("invoices", "id", split_page(page(deep, big)).records or [])
    assert [b.record_id for b in bad] == [2, 2]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<!DOCTYPE html><html><body>Bad Gateway</body></html>", "does not start with a JSON object"),
        (page(record(1), record(2))[:-30], "never closed"),
        (b"\xef\xbb\xbf" + page(record(1)), "byte-order mark"),
        (page(record(1)) + b" trailing", "goes on after its JSON object"),
        (b'{"hasMore":' + b"[" * 5000 + b"]" * 5000 + b',"data":[]}', "'hasMore' cannot be read"),
        (b'{"continueFrom":"\xff","data":[' + b"[" * 5000 + b"]" * 5000 + b"]}", "cannot be read"),
        (b"", "does not start with a JSON object"),
    ],
)
def test_a_body_that_is_no_json_page_is_refused_whole(body: bytes, reason: str) -> None:
    with pytest.raises(PageNotJSON, match=reason):
        split_page(body)


def test_json_that_is_not_an_object_is_its_own_error() -> None:
    with pytest.raises(PageNotObject):
        split_page(b"[1, 2]")


def test_a_page_without_a_record_list_has_no_records() -> None:
    assert split_page(b'{"hasMore":false}').records is None
    assert split_page(b'{"data":null}').records is None
    deep_object = b'{"hasMore":false,"data":{"a":' + b"[" * 5000 + b"]" * 5000 + b"}}"
    assert split_page(deep_object).records is None  # read by structure, not msgspec: the same answer


def test_preview_is_printable_short_and_masks_secrets() -> None:
    shown = preview(b"\xef\xbb\xbf<html>\x00\x1b[31m token=s3cret-app-key \xff" + b"x" * 500, ("s3cret-app-key",))
    assert shown.startswith("\\ufeff<html>\\x00\\x1b[31m token=*** \\xff")
    assert shown.endswith("...")
    assert len(shown) <= 83
    assert shown.isprintable()
    assert preview(b'{"a":1}') == '{"a":1}'
