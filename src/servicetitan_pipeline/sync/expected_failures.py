"""Failures the pipeline expects (a refused trigger form, a batch whose tenants failed): one readable line in the
task log, no traceback, and no Airflow retry.

Airflow 3.3's task runner logs a full traceback for every exception, AirflowFailException included, except
``SystemExit``: that it logs as one line (``Task exited``) and hands to the task's ``retry_policy``. So an
expected failure is a ``SystemExit`` (code 1, a failed task; its ``str()`` is the reason, which the Slack
failure line reads), and ``NOT_RETRIED`` is the retry policy that fails it at once; every other error keeps
the DAG's retries. The caller logs the reason before raising: Airflow's own line only says the task exited.

This module imports nothing of the package: the DAG file imports it at its top level.
"""

from __future__ import annotations

from airflow.sdk.definitions.retry_policy import ExceptionRetryPolicy, RetryAction, RetryRule


class ExpectedFailure(SystemExit):
    """A task failure the pipeline expects and explains itself: failed at once, without a traceback."""

    def __init__(self, reason: str) -> None:
        super().__init__(1)  # the exit code: a SystemExit's code is its first argument
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


# The DAG's tasks' retry_policy (default_args): an expected failure is final; anything else falls through to the
# task's retries.
NOT_RETRIED = ExceptionRetryPolicy(
    rules=[
        RetryRule(
            exception=ExpectedFailure,
            action=RetryAction.FAIL,
            reason="an expected failure, explained above: not retried",
        )
    ]
)
