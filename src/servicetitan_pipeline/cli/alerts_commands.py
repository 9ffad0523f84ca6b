"""``servicetitan alerts``: see alerts and silences; silence and unsilence."""

from __future__ import annotations

import argparse
import getpass

import sqlalchemy as sa

from servicetitan_pipeline.alerts import silences
from servicetitan_pipeline.alerts.state import closed_because
from servicetitan_pipeline.cli.output import format_table
from servicetitan_pipeline.db.engine import session_scope
from servicetitan_pipeline.db.models import ServiceTitanAlert


def register(groups: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    alerts = groups.add_parser("alerts", help="alerts and silences")
    commands = alerts.add_subparsers(dest="command", required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="firing alerts and active silences")
    listing.add_argument("--all", action="store_true", help="also resolved alerts and expired silences")
    listing.set_defaults(handler=_list)

    silence = commands.add_parser("silence", help="mute alerts for a while")
    silence.add_argument("--rule", choices=silences.RULES, help="which rule (default: every rule)")
    silence.add_argument("--credential", help="environment:tenant_id (default: every credential)")
    silence.add_argument("--for", dest="duration", required=True, help="how long: 30m, 6h, 2d")
    silence.add_argument("--reason", required=True, help="why, for the next admin")
    silence.set_defaults(handler=_silence)

    unsilence = commands.add_parser("unsilence", help="end a silence now")
    unsilence.add_argument("silence_id")
    unsilence.set_defaults(handler=_unsilence)


def _list(args: argparse.Namespace) -> int:
    with session_scope() as session:
        query = sa.select(ServiceTitanAlert).order_by(ServiceTitanAlert.state, ServiceTitanAlert.key)
        if not args.all:
            query = query.where(ServiceTitanAlert.state == "firing")
        alerts = [
            [
                a.key,
                a.severity,
                "closed (credential disabled)" if closed_because(a) else a.state,
                f"{a.first_seen_at:%Y-%m-%d %H:%M}",
                a.send_count,
                a.pending_notification or "",
            ]
            for a in session.scalars(query)
        ]
        active = [
            [str(s.id), s.key_prefix, f"{s.expires_at:%Y-%m-%d %H:%M} UTC", s.created_by or "", s.reason]
            for s in silences.list_silences(session, include_expired=args.all)
        ]
    print(
        format_table(["ALERT", "SEVERITY", "STATE", "FIRST SEEN", "SENT", "PENDING"], alerts) if alerts else "no alerts"
    )
    print()
    print(format_table(["SILENCE", "MATCHES", "UNTIL", "BY", "REASON"], active) if active else "no silences")
    return 0


def _silence(args: argparse.Namespace) -> int:
    pattern = silences.key_pattern(args.rule, args.credential)
    duration = silences.parse_duration(args.duration)
    with session_scope() as session:
        silence = silences.add_silence(session, pattern, duration, args.reason, getpass.getuser())
        print(f"silenced {pattern} until {silence.expires_at:%Y-%m-%d %H:%M} UTC (id {silence.id})")
    return 0


def _unsilence(args: argparse.Namespace) -> int:
    with session_scope() as session:
        silence = silences.end_silence(session, args.silence_id)
        print(f"ended the silence of {silence.key_prefix}")
    return 0
