"""Serve the Lambda handler on http://127.0.0.1:3000/<stage>/ the way API Gateway would.

Each HTTP request becomes the event a REST API (v1) Lambda proxy integration sends from
the execute-api URL, for an API with `ANY /` and `ANY /{proxy+}`; the function's answer
becomes the HTTP response. Like `sam local start-api`, without Docker. Usage:

    make lambda-local      # or: uv run python scripts/local_api_gateway.py --stage dev --port 3000

The events come from the builder the tests use (scripts/apigateway_events.py). Mirrored:
the stage is in `requestContext.path`, not in `path`; a path outside the stage gets API
Gateway's own 403; repeated query keys and headers arrive single-valued (the last value)
and multi-valued; Content-Length is not passed on; bodies arrive base64-encoded, as under
the deployed API's binary media types `*/*` (--binary-media-type names others instead:
bodies of the types it does not match arrive as text); a failing function is a 502; one
invocation runs at a time, always on the same thread, as in one execution environment.
Not mirrored: HTTPS (X-Forwarded-Proto says `http`) and timeouts.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.apigateway_events import (
    BINARY_MEDIA_TYPES,
    Answer,
    Event,
    Gateway,
    LambdaContext,
    gateway_error,
    http_response,
)

LambdaHandler = Callable[[Event, Any], Event]
# Set by this server for the connection it answers on, never passed on from the function.
OWN_HEADERS = frozenset({"content-length", "connection", "transfer-encoding", "date"})
INTERNAL_ERROR: Answer = (
    502,
    {"Content-Type": ["application/json"]},
    b'{"message": "Internal server error"}',
)


class LocalApiGateway(ThreadingHTTPServer):
    """An HTTP server that invokes a Lambda handler with API Gateway REST proxy events."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: LambdaHandler,
        *,
        stage: str = "dev",
        binary_media_types: tuple[str, ...] = BINARY_MEDIA_TYPES,
    ) -> None:
        super().__init__(address, _RequestHandler)
        self.handler = handler
        self.gateway = local_gateway(
            stage=stage, port=self.server_address[1], binary_media_types=binary_media_types
        )
        # Browsers open several connections at once; invocations still run one at a time on
        # one thread, with an event loop of its own for Mangum (it asks for the thread's loop).
        self.invoker = ThreadPoolExecutor(
            max_workers=1,
            thread_name_prefix="lambda",
            initializer=lambda: asyncio.set_event_loop(asyncio.new_event_loop()),
        )

    def invoke(self, event: Event, context: LambdaContext) -> Event:
        """Run the handler on the invocation thread and return its result."""
        return self.invoker.submit(self.handler, event, context).result()

    def server_close(self) -> None:
        """Stop listening and wait for the invocation in progress."""
        super().server_close()
        self.invoker.shutdown()


class _RequestHandler(BaseHTTPRequestHandler):
    server: LocalApiGateway
    protocol_version = "HTTP/1.1"  # keep-alive, as API Gateway offers

    def _serve(self) -> None:
        started = time.perf_counter()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        gateway = self.server.gateway
        answer = gateway_error(self.path, gateway.stage)
        request_id: dict[str, list[str]] = {}
        if answer is None:
            event = gateway.event(
                self.command,
                self.path,
                headers=list(self.headers.items()),
                body=body,
                source_ip=self.client_address[0],
            )
            try:
                answer = http_response(self.server.invoke(event, LambdaContext()))
            except Exception:  # a function error or a malformed result: API Gateway's 502
                traceback.print_exc()
                answer = INTERNAL_ERROR
            request_id = {"x-amzn-RequestId": [event["requestContext"]["requestId"]]}
        status, headers, content = answer
        headers = {**headers, **request_id}
        self.send_response_only(status)
        self.send_header("Date", self.date_time_string())
        for name, values in headers.items():
            for value in values if name.lower() not in OWN_HEADERS else ():
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)
        elapsed = (time.perf_counter() - started) * 1000
        print(
            f'{self.client_address[0]} "{self.requestline}" {status} {len(content)} '
            f"{elapsed:.1f}ms",
            flush=True,
        )

    # The methods `ANY` stands for, under http.server's names for their handlers.
    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve  # noqa: N815


def local_gateway(
    *, stage: str, port: int, binary_media_types: tuple[str, ...] = BINARY_MEDIA_TYPES
) -> Gateway:
    """Return the REST API whose execute-api URL this server stands in for, on plain HTTP."""
    return Gateway(
        "rest",
        "localhost",
        stage,
        binary_media_types=binary_media_types,
        forwarded_port=port,
        forwarded_proto="http",  # API Gateway says https; this server speaks plain HTTP
    )


@contextmanager
def running_gateway(handler: LambdaHandler, *, stage: str = "dev", port: int = 0) -> Iterator[str]:
    """Serve `handler` on 127.0.0.1 from a background thread; yield the stage's base URL."""
    server = LocalApiGateway(("127.0.0.1", port), handler, stage=stage)
    thread = threading.Thread(target=server.serve_forever, name="local-api-gateway", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{stage}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def production_like_settings() -> None:
    """Default the settings to a deployed function's, but for the hosts served here.

    No debug pages, a throwaway key, JSON logs; the environment still wins.
    """
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ.setdefault("LOG_FORMAT", "json")


def main() -> None:
    """Serve the project's Lambda handler until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument(
        "--binary-media-type",
        action="append",
        metavar="TYPE",
        help=f"instead of the deployed API's {' '.join(BINARY_MEDIA_TYPES)}; repeatable",
    )
    args = parser.parse_args()
    production_like_settings()
    from config.aws_lambda.handler import handler

    server = LocalApiGateway(
        (args.host, args.port),
        handler,
        stage=args.stage,
        binary_media_types=tuple(args.binary_media_type or BINARY_MEDIA_TYPES),
    )
    print(
        f"Serving the Lambda handler on http://{args.host}:{args.port}/{args.stage}/ "
        f"(Swagger UI: /{args.stage}/api/docs); Ctrl-C stops.",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
