"""The trigger form's list of credentials, kept where a DAG file may read it at parse time.

A DAG file must not query the project database when it is parsed, so ``servicetitan credentials add``,
``add-many``, ``disable``, ``enable`` and ``remove`` write the names of the credentials a run can sync to the
Airflow Variable ``servicetitan_sync_credential_choices`` (a JSON list), and ``servicetitan_sync`` reads it into
its ``credential`` Param's ``examples``: the form shows them as suggestions and still takes any text. The DAG
processor picks a change up on its next parse of the file (every 30 s by default).

This module imports nothing of the package: the DAG file imports it at its top level.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

CHOICES_VARIABLE = "servicetitan_sync_credential_choices"
ALL_CREDENTIALS = "all"


def credential_choices() -> list[str]:
    """``all`` then the Variable's names; ``all`` alone when the Variable is unset or unreadable (a form
    without suggestions is better than a DAG that fails to parse)."""
    from airflow.sdk import Variable

    try:
        raw: Any = Variable.get(CHOICES_VARIABLE, default=None)
    except Exception:  # no Variable backend reachable (a plain DagBag, a parse without the API server)
        raw = None
    return [ALL_CREDENTIALS, *parse_choices(raw)]


def parse_choices(raw: Any) -> list[str]:
    """The names in the Variable's value: a JSON list of strings; anything else counts as none."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return []
    if not isinstance(raw, list):
        return []
    return [name for name in raw if isinstance(name, str) and name and name != ALL_CREDENTIALS]


def choice_names(labels: Iterable[str]) -> list[str]:
    """What the Variable holds: the labels (``Company (environment, tenant N)``, unique per credential and
    accepted by the run's ``credential`` Param), sorted case-insensitively."""
    return sorted(set(labels), key=str.casefold)


def publish(names: list[str]) -> None:
    """Write the Variable (command-line use: Airflow's metadata database, as the connections are written)."""
    from airflow.models.variable import Variable

    Variable.set(
        CHOICES_VARIABLE,
        names,
        description="Credentials the servicetitan_sync trigger form lists; kept by `servicetitan credentials`",
        serialize_json=True,
    )
