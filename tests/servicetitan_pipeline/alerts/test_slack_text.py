"""Counts, plurals, tenant names and error reasons as the Slack messages write them."""

from __future__ import annotations

from servicetitan_pipeline.alerts.slack_text import count, escape, plural, reason, tenant_label, tenant_of


def test_counts_and_plurals_as_a_person_writes_them() -> None:
    assert plural(1, "sync") == "1 sync"
    assert plural(0, "sync") == "0 syncs"
    assert plural(3000, "record") == "3,000 records"
    assert count(1234567) == "1,234,567"
    assert count(2.5) == "2.5"
    assert count(93.89) == "93.89"


def test_a_tenant_is_named_once() -> None:
    assert tenant_label("Crest Electric", "integration", 1003) == "Crest Electric (integration, tenant 1003)"
    assert tenant_of("integration:1003") == ("integration", "1003")
    assert tenant_of("customers:production:1001") == ("production", "1001")


def test_a_reason_is_the_first_line_with_secrets_redacted() -> None:
    error = 'token request failed: client_secret=abc123&grant_type=x, "access_token": "eyJ.x"\nTraceback: ...'
    assert reason(error) == 'token request failed: client_secret=***&grant_type=x, "access_token": "***"'
    assert reason("Authorization: Bearer eyJhbGciOi.abc") == "Authorization: Bearer ***"
    # Words about secrets are not secrets.
    assert reason("check the client secret in the connection") == "check the client secret in the connection"
    assert reason("\n\n  boom  \nmore") == "boom"
    assert reason(None) == ""
    assert reason("tenant 1003 (integration, connection 'st_1003'): refused") == "refused"
    assert reason("x" * 400).endswith("…")
    assert len(reason("x" * 400)) == 300


def test_control_and_direction_characters_are_shown_as_escapes() -> None:
    # A bad record's bytes echoed in an error: a terminal colour code, a bell, a right-to-left override.
    text = "field 'name' = 'Acme\x1b[31m\x07 \u202eevil'"
    assert reason(text) == "field 'name' = 'Acme\\x1b[31m\\x07 \\u202eevil'"
    assert escape("<tag>\x0c") == "&lt;tag&gt;\\x0c"
    assert escape("tab\tstays") == "tab\tstays"
