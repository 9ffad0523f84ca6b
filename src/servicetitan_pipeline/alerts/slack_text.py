"""How Slack messages write things: counts and plurals as a person writes them, a tenant named once, and an
error's first line with secrets redacted."""

from __future__ import annotations

import re

from servicetitan_pipeline.control_characters import escape_control_characters

# Values that follow these names are secrets wherever they appear in an error text (a query string, a form
# body echoed back, a repr); Airflow's masker also hides every secret the hook registered (mask_secret).
_SECRET_VALUE = re.compile(
    r"(?i)\b(client_secret|secret|password|app_key|appkey|st-app-key|access_token|refresh_token|token)"
    r"(\"?\s*[:=]\s*\"?)[^\s\"',;&)]+"
)
_BEARER = re.compile(r"(?i)\b(bearer)(\s+)[A-Za-z0-9._~+/=-]+")
# The client's errors start by naming their tenant and connection; the message has named the tenant already.
_TENANT_PREFIX = re.compile(r"^tenant \d+ \([^)]*\):\s*")


def count(number: int | float) -> str:
    """3000 -> "3,000"; 93.89 -> "93.89"; 2.5 -> "2.5"."""
    if isinstance(number, float) and not number.is_integer():
        return f"{number:,.2f}".rstrip("0").rstrip(".")
    return f"{int(number):,}"


def plural(number: int | float, noun: str, nouns: str | None = None) -> str:
    """plural(1, "sync") -> "1 sync"; plural(3000, "record") -> "3,000 records"."""
    word = noun if number == 1 else (nouns or noun + "s")
    return f"{count(number)} {word}"


def tenant_label(company: str, environment: str, tenant_id: int | str) -> str:
    """ "Crest Electric (integration, tenant 1003)", as the credential's own label."""
    return f"{company} ({environment}, tenant {tenant_id})"


def tenant_of(subject: str) -> tuple[str, str]:
    """(environment, tenant id) of an alert subject ``environment:tenant_id`` or ``data_type:environment:tenant_id``."""
    parts = subject.split(":")
    return (parts[-2], parts[-1]) if len(parts) >= 2 else ("", subject)


def reason(text: object, limit: int = 300) -> str:
    """An error's first line, secrets redacted, trimmed: what a reader needs to know why."""
    line = next((line.strip() for line in str(text or "").splitlines() if line.strip()), "")
    line = visible(line)
    line = _TENANT_PREFIX.sub("", line)
    for pattern in (_SECRET_VALUE, _BEARER):
        line = pattern.sub(lambda match: f"{match.group(1)}{match.group(2)}***", line)
    try:
        from airflow.sdk.log import redact

        line = str(redact(line))
    except ImportError:  # pragma: no cover - always present on Airflow 3
        pass
    return line if len(line) <= limit else line[: limit - 1] + "…"


def escape(text: str) -> str:
    """Slack mrkdwn reads <, > and & as markup (links, mentions): escaped as Slack asks; control and
    direction-changing characters shown as their escapes."""
    text = visible(text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def visible(text: str) -> str:
    """A bad record's bytes echoed in an error (ESC, a bidi override...) as their escapes, so a message reads as
    what it holds; tabs and line breaks are kept."""
    return escape_control_characters(text, keep="\t\n")


def link(url: str, text: str) -> str:
    return f"<{url}|{escape(text)}>"
