"""A local stand-in for Slack's incoming webhooks: accepts what Slack accepts and keeps it to read back.

The ``slack_alerts`` connection (type slackwebhook) whose password is this receiver's URL makes the
Slack provider post here, over real HTTP. ``GET /messages`` lists what arrived; ``DELETE /messages``
forgets it; ``POST /outage`` with ``{"down": true}`` answers every webhook call 503 (Slack down).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_PORT = 8765
WEBHOOK_PATH = "/services/local/alerts"


class SlackReceiver:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.messages: list[dict[str, Any]] = []
        self.down = False
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def webhook_url(self) -> str:
        return f"{self.base_url}{WEBHOOK_PATH}"

    def start(self) -> SlackReceiver:
        self._thread = threading.Thread(target=self._server.serve_forever, name="slack-receiver", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> SlackReceiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def received(self, payload: dict[str, Any]) -> None:
        with self._lock:
            self.messages.append(payload)

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.messages)

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()


def _handler_for(receiver: SlackReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/outage":
                receiver.down = bool(json.loads(body or b"{}").get("down"))
                self._answer(200, "ok")
                return
            if receiver.down:
                self._answer(503, "service_unavailable")
                return
            try:
                payload = json.loads(body)
            except ValueError:
                self._answer(400, "invalid_payload")
                return
            if not isinstance(payload, dict) or not (payload.get("text") or payload.get("blocks")):
                self._answer(400, "no_text")  # Slack's answer to a message with neither
                return
            receiver.received(payload)
            self._answer(200, "ok")

        def do_GET(self) -> None:
            if self.path == "/messages":
                self._answer(200, json.dumps(receiver.snapshot()), "application/json")
            else:
                self._answer(404, "not_found")

        def do_DELETE(self) -> None:
            receiver.clear()
            self._answer(200, "ok")

        def _answer(self, status: int, text: str, content_type: str = "text/plain") -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the webhook URL is a secret in real life: never log requests

    return Handler


def as_text(message: dict[str, Any]) -> str:
    """A message as Slack would show it, in plain text: its blocks (header, sections, context) one paragraph each,
    links written ``text (url)``; just its ``text`` when it has no blocks."""
    import re

    paragraphs = []
    for block in message.get("blocks") or []:
        if "text" in block:
            paragraphs.append(str(block["text"].get("text", "")))
        paragraphs.extend(str(element.get("text", "")) for element in block.get("elements", []))
    text = "\n".join(paragraphs) or str(message.get("text", ""))
    text = re.sub(r"<([^|>]+)\|([^>]+)>", r"\2 (\1)", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
