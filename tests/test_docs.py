"""The README stays a front page, every relative link in the docs leads to an existing file (and heading), and
no page cites a story or issue number that readers cannot look up."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]

MAX_README_LINES = 250
# Inline links and images: [text](target) or ![alt](target "title").
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCED_BLOCK = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto: ...
STORY_OR_ISSUE = re.compile(r"\bST-\d+|\bissue #?\d+", re.IGNORECASE)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _local_links(markdown: str) -> list[str]:
    """Link targets outside code that stay in the repository: files, files#heading and #heading."""
    text = INLINE_CODE.sub("", FENCED_BLOCK.sub("", markdown))
    return [match.group(1) for match in LINK.finditer(text) if not EXTERNAL.match(match.group(1))]


def _relative_links(markdown: str) -> list[str]:
    return [target for target in _local_links(markdown) if not target.startswith("#")]


def _anchors(markdown: str) -> set[str]:
    """The fragment ids GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens,
    repeats numbered."""
    seen: dict[str, int] = {}
    anchors: set[str] = set()
    for heading in HEADING.findall(FENCED_BLOCK.sub("", markdown)):
        slug = re.sub(r"[^\w\- ]", "", heading.replace("`", "").strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def test_the_docs_pages_exist() -> None:
    names = {page.name for page in PAGES}
    assert {
        "README.md",
        "architecture.md",
        "data-model.md",
        "operations.md",
        "sandbox.md",
        "benchmarks.md",
        "development.md",
        "deploying.md",
    } <= names


def test_readme_is_a_front_page() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_README_LINES, f"README.md has {len(lines)} lines; move detail into docs/"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_relative_links_point_to_existing_files(page: Path) -> None:
    broken = [
        target
        for target in _relative_links(page.read_text(encoding="utf-8"))
        if not (page.parent / target.split("#", 1)[0]).resolve().exists()
    ]
    assert broken == [], f"{page.relative_to(ROOT)} links to missing files: {broken}"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_links_into_markdown_pages_name_existing_headings(page: Path) -> None:
    markdown = page.read_text(encoding="utf-8")
    wrong = []
    for target in _local_links(markdown):
        path, _, fragment = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        checkable = fragment and linked.suffix == ".md" and linked.exists()
        if checkable and fragment not in _anchors(linked.read_text(encoding="utf-8")):
            wrong.append(target)
    assert wrong == [], f"{page.relative_to(ROOT)} links to headings that do not exist: {sorted(set(wrong))}"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_no_story_or_issue_numbers(page: Path) -> None:
    cited = [
        f"line {number}: {line.strip()}"
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1)
        if STORY_OR_ISSUE.search(line)
    ]
    assert cited == [], f"{page.relative_to(ROOT)} cites story or issue numbers; say what they were instead"


def test_link_check_reads_relative_links_outside_code_only() -> None:
    markdown = (
        "See [ops](operations.md#runbook), [web](https://example.com), [top](#top), `[no](x.md)`, ![img](a.png).\n"
        "```bash\n[inside](fenced.md)\n```\n"
    )
    assert _relative_links(markdown) == ["operations.md#runbook", "a.png"]


def test_anchors_follow_github_headings() -> None:
    markdown = "# ServiceTitan → PostgreSQL\n## What `make demo` shows\n## Scale-out: with Celery\n## Notes\n## Notes\n"
    assert _anchors(markdown) == {
        "servicetitan--postgresql",
        "what-make-demo-shows",
        "scale-out-with-celery",
        "notes",
        "notes-1",
    }
