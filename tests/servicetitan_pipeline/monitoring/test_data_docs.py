"""The Great Expectations data docs, served by the plugin's app behind Airflow's authentication."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from servicetitan_pipeline.data_quality.locations import data_docs_dir


@pytest.fixture
def gx_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SERVICETITAN_GX_DIR", str(tmp_path / "gx_project"))
    return tmp_path


@pytest.fixture
def site(gx_dir: Path) -> Path:
    """A small site as GX lays it out, and a secret next to it that must never be served."""
    root = data_docs_dir()
    (root / "validations" / "servicetitan_customers").mkdir(parents=True)
    (root / "static" / "styles").mkdir(parents=True)
    (root / "index.html").write_text("<html><body>GX index</body></html>")
    (root / "validations" / "servicetitan_customers" / "run 1.html").write_text("<html>customers run</html>")
    (root / "static" / "styles" / "data_docs.css").write_text("body { color: black; }")
    (root / "static" / "app.js").write_text("console.log('docs');")
    (root / "static" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (gx_dir / "secret.txt").write_text("client_secret=hunter2")
    return root


@pytest.mark.parametrize(
    "path", ["/servicetitan/data-docs/", "/servicetitan/data-docs/index.html", "/servicetitan/data-docs/static/app.js"]
)
def test_without_a_token_is_401(airflow_api: TestClient, site: Path, path: str) -> None:
    assert airflow_api.get(path).status_code == 401


@pytest.mark.parametrize("path", ["/servicetitan/data-docs/", "/servicetitan/data-docs/index.html"])
def test_the_index(airflow_api: TestClient, airflow_api_headers: dict[str, str], site: Path, path: str) -> None:
    answer = airflow_api.get(path, headers=airflow_api_headers)
    assert answer.status_code == 200
    assert answer.text == "<html><body>GX index</body></html>"
    assert answer.headers["content-type"] == "text/html; charset=utf-8"


def test_without_the_slash_redirects_under_it(
    airflow_api: TestClient, airflow_api_headers: dict[str, str], site: Path
) -> None:
    answer = airflow_api.get("/servicetitan/data-docs", headers=airflow_api_headers, follow_redirects=False)
    assert answer.status_code == 307
    assert answer.headers["location"] == "data-docs/"  # so the site's relative links resolve


@pytest.mark.parametrize(
    ("page", "content_type", "body"),
    [
        ("validations/servicetitan_customers/run%201.html", "text/html", b"<html>customers run</html>"),
        ("static/styles/data_docs.css", "text/css", b"body { color: black; }"),
        ("static/app.js", "javascript", b"console.log('docs');"),
        ("static/logo.png", "image/png", b"\x89PNG\r\n\x1a\n"),
    ],
)
def test_files_with_their_content_types(
    airflow_api: TestClient, airflow_api_headers: dict[str, str], site: Path, page: str, content_type: str, body: bytes
) -> None:
    answer = airflow_api.get(f"/servicetitan/data-docs/{page}", headers=airflow_api_headers)
    assert answer.status_code == 200
    assert content_type in answer.headers["content-type"]
    assert answer.content == body


@pytest.mark.parametrize(
    "page",
    [
        "..%2F..%2Fsecret.txt",
        "%2E%2E/%2E%2E/secret.txt",
        "validations/..%2F..%2F..%2Fsecret.txt",
        "%2Fetc%2Fpasswd",
        "%2F%2Fetc%2Fpasswd",
        "linked_out/secret.txt",
        "secret_link.txt",
        "nul%00.html",
        "validations/",  # a folder with no index.html
        "no-such-page.html",
    ],
)
def test_nothing_outside_the_site_is_served(
    airflow_api: TestClient, airflow_api_headers: dict[str, str], site: Path, gx_dir: Path, page: str
) -> None:
    (site / "linked_out").symlink_to(gx_dir, target_is_directory=True)
    (site / "secret_link.txt").symlink_to(gx_dir / "secret.txt")
    answer = airflow_api.get(f"/servicetitan/data-docs/{page}", headers=airflow_api_headers)
    assert answer.status_code == 404
    assert "hunter2" not in answer.text
    assert "root:" not in answer.text
    assert "<h1>Not found</h1>" in answer.text


def test_a_symlink_inside_the_site_is_served(
    airflow_api: TestClient, airflow_api_headers: dict[str, str], site: Path
) -> None:
    (site / "latest.html").symlink_to(site / "validations" / "servicetitan_customers" / "run 1.html")
    answer = airflow_api.get("/servicetitan/data-docs/latest.html", headers=airflow_api_headers)
    assert (answer.status_code, answer.text) == (200, "<html>customers run</html>")


@pytest.mark.parametrize(
    ("path", "dashboard_link"),
    [
        ("/servicetitan/data-docs/", "../dashboard"),
        ("/servicetitan/data-docs/validations/x/y.html", "../../../dashboard"),
    ],
)
def test_before_any_validation_a_page_says_how_to_get_one(
    airflow_api: TestClient, airflow_api_headers: dict[str, str], gx_dir: Path, path: str, dashboard_link: str
) -> None:
    answer = airflow_api.get(path, headers=airflow_api_headers)
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "No data-quality validation has run yet" in answer.text
    assert "servicetitan_sync" in answer.text
    assert f'href="{dashboard_link}"' in answer.text
