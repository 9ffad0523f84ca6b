"""The add-many file: rows with their lines, bad rows named by line without their values. Pure."""

from __future__ import annotations

from pathlib import Path

import pytest

from servicetitan_pipeline.credentials.bulk_file import BulkFileError, read_bulk_file

HEADER = "company,environment,tenant_id,client_id,client_secret,app_key,base_url\n"


def test_csv_rows_keep_their_lines_and_bad_rows_say_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "tenants.csv"
    path.write_text(
        HEADER + "Acme,integration,2001,c1,s3cr3t-1,k3y,http://127.0.0.1:9\n"
        'Bright,integration,,c2,"multi\nline",k3y,\n'
        "Crest,integration,2003,c3,s3cr3t-3,k3y,,extra\n"
        "Delta,production,2004,c4,s3cr3t-4,k3y,\n"
    )
    rows = read_bulk_file(path)
    assert [(r.line, r.problem) for r in rows] == [
        (2, None),
        (3, "missing tenant_id"),
        (5, "more cells than the header has columns"),
        (6, None),
    ]
    first = rows[0].new
    assert first is not None
    assert (first.company_name, first.tenant_id, first.client_secret, first.base_url) == (
        "Acme",
        "2001",
        "s3cr3t-1",
        "http://127.0.0.1:9",
    )
    assert rows[3].new is not None
    assert rows[3].new.base_url is None


def test_yaml_items_keep_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "tenants.yaml"
    path.write_text(
        "- {company: Acme, environment: integration, tenant_id: 2001, client_id: c1, client_secret: s1, app_key: k}\n"
        "- company: Bright\n  environment: integration\n  tenant_id: 2002\n  client_id: c2\n  clientsecret: s2\n"
        "- just text\n"
    )
    rows = read_bulk_file(path)
    assert [(r.line, r.problem) for r in rows] == [
        (1, None),
        (2, "unknown field(s) clientsecret; missing client_secret, app_key"),
        (7, "expected a mapping of fields"),
    ]
    assert rows[0].new is not None
    assert rows[0].new.tenant_id == "2001"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("t.csv", "company,environment\nA,integration\n", "line 1: the header lacks tenant_id"),
        ("t.yaml", "company: A\n", "expected a list"),
        ("t.yaml", "- [unclosed s3cr3t\n", "not valid YAML at line"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_without_its_content(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(BulkFileError) as caught:
        read_bulk_file(path)
    assert expected in str(caught.value)
    assert "s3cr3t" not in str(caught.value)
