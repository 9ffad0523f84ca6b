"""``servicetitan sandbox``: serve the local ServiceTitan sandbox over HTTP until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from servicetitan_sandbox.config import SandboxConfig

EXIT_BAD_INPUT = 2
# Loopback only by default: the sandbox has no real security and its admin endpoints need no auth.
DEFAULT_HOST = "127.0.0.1"


def register(groups: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sandbox = groups.add_parser(
        "sandbox",
        help="serve the local ServiceTitan sandbox (token endpoint, customers and invoices APIs)",
        description=(
            "Serve a local ServiceTitan: POST /connect/token and the customers and invoices APIs under one base "
            "URL, with the tenants, data and faults of the config file (default: one healthy tenant, 1001). "
            "Its own endpoints are under /sandbox (see docs/sandbox.md)."
        ),
    )
    sandbox.add_argument("--port", type=int, required=True, help="TCP port (0: any free port)")
    sandbox.add_argument("--config", type=Path, help="YAML file of tenants and faults (see sandbox.example.yaml)")
    sandbox.add_argument("--host", default=DEFAULT_HOST, help=f"interface to listen on (default {DEFAULT_HOST})")
    sandbox.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    # Imported here so that other commands do not pay for uvicorn and Starlette.
    from servicetitan_sandbox.config import ConfigError, default_config, load_config
    from servicetitan_sandbox.server import serve

    try:
        config = load_config(args.config) if args.config else default_config()
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        serve(config, host=args.host, port=args.port, on_ready=lambda base_url: _announce(base_url, config))
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0


def _announce(base_url: str, config: SandboxConfig) -> None:
    # Tenant ids only: client ids, secrets and app keys stay in the config file.
    print(f"ServiceTitan sandbox at {base_url}  (token: {base_url}/connect/token; Ctrl-C stops)")
    listed = ", ".join(str(tenant.tenant_id) for tenant in config.tenants)
    generated = config.generated_tenants
    if generated is not None:
        first, last = generated.ids[0], generated.ids[-1]
        listed = ", ".join(part for part in (listed, f"{generated.count} generated ({first}..{last})") if part)
    print(f"tenants: {listed}", flush=True)
