"""``servicetitan credentials``: onboard and manage ServiceTitan credentials."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from servicetitan_pipeline.cli.output import format_table, print_json
from servicetitan_pipeline.credentials import management
from servicetitan_pipeline.credentials.bulk_file import BulkFileError, read_bulk_file
from servicetitan_pipeline.credentials.secret_store import AirflowConnectionSecretStore, SecretStoreError
from servicetitan_pipeline.db.engine import DatabaseConfigError, session_scope
from servicetitan_pipeline.db.models import InvalidFieldValue, ServiceTitanCredential

USER_ERRORS = (
    management.CredentialInputError,
    management.CredentialNotFound,
    InvalidFieldValue,
    SecretStoreError,
    DatabaseConfigError,
    BulkFileError,
)

SECRET_ENV = {"client_secret": "SERVICETITAN_CLIENT_SECRET", "app_key": "SERVICETITAN_APP_KEY"}


def register(groups: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    credentials = groups.add_parser("credentials", help="onboard and manage ServiceTitan credentials")
    commands = credentials.add_subparsers(dest="command", required=True, metavar="COMMAND")

    add = commands.add_parser(
        "add",
        help="onboard a tenant",
        description=(
            "Onboard a ServiceTitan tenant. Secrets are never taken as arguments (they would show in `ps` and "
            f"shell history): set {SECRET_ENV['client_secret']} and {SECRET_ENV['app_key']}, or type them when "
            "asked. They are stored in an Airflow connection, encrypted; --connection-id instead names a "
            "connection that already holds them (for example in a secrets backend)."
        ),
    )
    add.add_argument("--company", required=True, help="company name, as admins know it")
    add.add_argument("--environment", required=True, help="integration or production")
    add.add_argument("--tenant-id", required=True, help="numeric ServiceTitan tenant id")
    add.add_argument("--client-id", default=os.environ.get("SERVICETITAN_CLIENT_ID"), help="OAuth client id")
    add.add_argument("--company-id", help="UUID of the company (default: reuse the company's, or a new one)")
    add.add_argument("--client-secret-expires-at", type=_parse_datetime, help="when the client secret expires")
    add.add_argument("--base-url", help="API base URL override (a sandbox); default: ServiceTitan's hosts")
    add.add_argument("--connection-id", help="use this existing Airflow connection for the secrets")
    add.set_defaults(handler=_add)

    add_many = commands.add_parser(
        "add-many",
        help="onboard many tenants from a CSV or YAML file",
        description=(
            "Onboard one tenant per row of a CSV file (header: company, environment, tenant_id, client_id, "
            "client_secret, app_key, optionally company_id, base_url) or per item of a YAML list with those keys. "
            "Secrets come from the file and are never printed. A bad row is reported with its line and skipped; "
            "the others are added, each in its own transaction. Exit status 1 when any row was skipped. Keep "
            "the file out of version control and delete it afterwards."
        ),
    )
    add_many.add_argument("--file", required=True, type=Path, help="CSV (.csv) or YAML (.yaml, .yml) file")
    add_many.set_defaults(handler=_add_many)

    listing = commands.add_parser("list", help="list credentials (never their secrets)")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.add_argument("--active", action="store_true", help="only active credentials")
    listing.set_defaults(handler=_list)

    disable = commands.add_parser("disable", help="stop syncing a credential, keeping its history")
    disable.add_argument("credential", help="credential id, or environment:tenant_id")
    disable.set_defaults(handler=_disable)

    enable = commands.add_parser("enable", help="sync a disabled credential again")
    enable.add_argument("credential", help="credential id, or environment:tenant_id")
    enable.set_defaults(handler=_enable)

    remove = commands.add_parser("remove", help="delete a credential, its sync logs and its stored secrets")
    remove.add_argument("credential", help="credential id, or environment:tenant_id")
    remove.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    remove.set_defaults(handler=_remove)

    upgrade = commands.add_parser(
        "upgrade-connections",
        help="store connections made by an earlier version as this one does (the app key where Airflow hides it)",
        description=(
            "Rewrite the servicetitan connections in Airflow's metadata database that an earlier version stored: "
            "the app key moves from 'app_key' (which Airflow shows in plain text) to 'app_api_key' (which Airflow "
            "hides), and a tenant id stored as text becomes a number (as text, Airflow warns of it as a too short "
            "secret on every read). Connections in a secrets backend or AIRFLOW_CONN_* variable are not touched: "
            "change them there."
        ),
    )
    upgrade.set_defaults(handler=_upgrade_connections)

    choices = commands.add_parser(
        "publish-choices",
        help="rewrite the trigger form's list of credentials (the Variable servicetitan_sync_credential_choices)",
        description=(
            "The commands that add, disable, enable or remove credentials keep the list current; this rewrites it "
            "from the database, e.g. after restoring the database or Airflow's Variables."
        ),
    )
    choices.set_defaults(handler=_publish_choices_command)


def _publish_choices() -> None:
    """Rewrite the trigger form's list. A failure is reported, not raised: the change itself is committed,
    and `servicetitan credentials publish-choices` can retry."""
    from servicetitan_pipeline.sync import trigger_form

    try:
        with session_scope() as session:
            names = management.trigger_form_choices(session)
        trigger_form.publish(names)
    except Exception as exc:  # the Variable is a convenience; the credential change stands
        print(
            f"warning: the trigger form's list of credentials was not updated ({type(exc).__name__}): "
            "run `servicetitan credentials publish-choices`",
            file=sys.stderr,
        )
        return
    print(f"trigger form: lists {len(names)} credential(s) (Variable {trigger_form.CHOICES_VARIABLE})")


def _publish_choices_command(args: argparse.Namespace) -> int:
    _publish_choices()
    return 0


def _upgrade_connections(args: argparse.Namespace) -> int:
    upgraded = AirflowConnectionSecretStore().upgrade_connections()
    if not upgraded:
        print("every servicetitan connection in Airflow's metadata database is up to date: nothing changed")
        return 0
    for conn_id in upgraded:
        print(
            f"upgraded Airflow connection {conn_id!r}: app key hidden in the UI and the REST API, "
            "tenant id stored as a number"
        )
    return 0


def _parse_datetime(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD or an ISO 8601 timestamp") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _read_secret(name: str, label: str) -> str | None:
    value = os.environ.get(SECRET_ENV[name])
    if value is None and sys.stdin.isatty():
        value = getpass.getpass(f"{label}: ")
    return value


def _add_many(args: argparse.Namespace) -> int:
    rows = read_bulk_file(args.file)
    store = AirflowConnectionSecretStore()
    added = 0
    for row in rows:
        problems = [row.problem] if row.problem else []
        if row.new is not None:
            try:
                _onboard_one(row.new, store)
                added += 1
            except (management.CredentialInputError, InvalidFieldValue) as exc:
                problems = getattr(exc, "problems", None) or [str(exc)]
        for problem in problems:  # problems name fields, never their values: rows hold secrets
            print(f"{args.file}: line {row.line}: {problem}: skipped", file=sys.stderr)
    skipped = len(rows) - added
    print(
        f"onboarded {added} of {len(rows)} credential(s) from {args.file}" + (f"; {skipped} skipped" if skipped else "")
    )
    if added:
        _publish_choices()
    return 1 if skipped else 0


def _onboard_one(new: management.NewCredential, store: AirflowConnectionSecretStore) -> ServiceTitanCredential:
    """One credential in its own transaction; its secrets are not left behind if the commit fails."""
    credential = None
    try:
        with session_scope() as session:
            credential = management.onboard(session, new, store)
    except Exception:
        if credential is not None and not new.existing_conn_id:
            # onboard() stored the secrets last, so only the commit failed: do not leave them behind.
            store.delete(credential.airflow_conn_id)
        raise
    return credential


def _add(args: argparse.Namespace) -> int:
    client_secret = app_key = None
    if not args.connection_id:
        client_secret = _read_secret("client_secret", "Client secret")
        app_key = _read_secret("app_key", "App key")
    new = management.NewCredential(
        company_name=args.company,
        environment=args.environment,
        tenant_id=args.tenant_id,
        client_id=None if args.connection_id else args.client_id,
        client_secret=client_secret,
        app_key=app_key,
        company_id=args.company_id,
        existing_conn_id=args.connection_id,
        client_secret_expires_at=args.client_secret_expires_at,
        base_url=args.base_url,
    )
    management.validate(new)  # refuse bad input before touching any database
    credential = _onboard_one(new, AirflowConnectionSecretStore())
    print(f"onboarded {credential.label}")
    print(f"  credential id: {credential.id}")
    print(f"  company id:    {credential.company_id}")
    print(f"  secrets in:    Airflow connection {credential.airflow_conn_id!r}")
    _publish_choices()
    return 0


def _describe(credential: ServiceTitanCredential) -> dict[str, object]:
    return {
        "id": str(credential.id),
        "company_id": str(credential.company_id),
        "company_name": credential.company_name,
        "environment": credential.environment.value,
        "tenant_id": credential.tenant_id,
        "connection_status": credential.connection_status.value,
        "is_active": credential.is_active,
        "last_connected_at": _iso(credential.last_connected_at),
        "last_error": credential.last_error,
        "token_expires_at": _iso(credential.token_expires_at),
        "client_secret_expires_at": _iso(credential.client_secret_expires_at),
        "airflow_conn_id": credential.airflow_conn_id,
        "created_at": _iso(credential.created_at),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _list(args: argparse.Namespace) -> int:
    with session_scope() as session:
        credentials = [_describe(c) for c in management.list_credentials(session, include_inactive=not args.active)]
    if args.json:
        print_json(credentials)
        return 0
    if not credentials:
        print("no credentials yet: onboard one with `servicetitan credentials add`")
        return 0
    headers = ["ID", "COMPANY", "ENVIRONMENT", "TENANT", "STATUS", "ACTIVE", "LAST CONNECTED", "SECRET EXPIRES"]
    rows = [
        [
            c["id"],
            c["company_name"],
            c["environment"],
            c["tenant_id"],
            c["connection_status"],
            "yes" if c["is_active"] else "no",
            c["last_connected_at"] or "never",
            c["client_secret_expires_at"] or "-",
        ]
        for c in credentials
    ]
    print(format_table(headers, rows))
    return 0


def _disable(args: argparse.Namespace) -> int:
    return _switch(management.disable, args.credential, "disabled {}: it will not be synced; its history is kept")


def _enable(args: argparse.Namespace) -> int:
    return _switch(management.enable, args.credential, "enabled {}: the next run syncs it")


def _switch(change: Callable[[Session, str], ServiceTitanCredential], credential: str, said: str) -> int:
    """Disable or enable one credential, say so, and keep the trigger form's list current."""
    with session_scope() as session:
        label = change(session, credential).label
    print(said.format(label))
    _publish_choices()
    return 0


def _remove(args: argparse.Namespace) -> int:
    if not args.yes:
        if not sys.stdin.isatty():
            raise management.CredentialInputError(["removing deletes the sync history too: pass --yes to confirm"])
        answer = input(f"Delete credential {args.credential} and all its sync logs? [y/N] ")
        if answer.strip().lower() not in {"y", "yes"}:
            print("nothing removed")
            return 1
    with session_scope() as session:
        credential, log_count = management.remove(session, args.credential, AirflowConnectionSecretStore())
        label = credential.label
    print(f"removed {label} and {log_count} sync log row(s)")
    _publish_choices()
    return 0
