"""``runbookkit serve``: the HTTP face of the receiver (Starlette on uvicorn).

``POST /`` (also ``/alerts``, ``/alertmanager``, ``/grafana``, ``/pagerduty``) takes a webhook:
401 without credentials, 403 with wrong ones, 413 over :data:`MAX_BODY`, 400 for a body that
is not a payload, 409 for a replay, else 202 with what became of its alerts. ``GET /healthz``
and ``GET /metrics`` (Prometheus text) let the receiver itself be watched. Each refusal is one
log line, never a traceback; the routing and queueing run in a worker thread, so the event loop
keeps taking requests while runs go on.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runbookkit.alerts.auth import Credentials, ReplayGuard
from runbookkit.errors import ConfigError, PayloadError, RunbookError

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

    from runbookkit.alerts.receiver import Log, Receiver, ReceiverOptions
    from runbookkit.parsing.safety import Policy

MAX_BODY = 1 << 20  # 1 MiB
DEFAULT_PORT = 9095
PATHS = ("/", "/alerts", "/alertmanager", "/grafana", "/pagerduty")


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def app(receiver: Receiver, credentials: Credentials, replays: ReplayGuard, log: Log) -> Starlette:
    """The ASGI application over ``receiver``."""
    from anyio import CapacityLimiter
    from anyio.to_thread import run_sync
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, PlainTextResponse
    from starlette.routing import Route

    # One thread takes alerts in: their writes are one after the other on the queue's connection
    # anyway, and more threads would only crowd out the workers' writes to the same store.
    intake = CapacityLimiter(1)

    async def post(request: Request) -> Response:
        client = request.client.host if request.client else "?"
        key = None
        try:
            body = await _authorised_body(request, credentials)
            key = replays.key(body, request.headers, _pagerduty_event_id(body))
            if replays.seen(key):
                raise _Refused(409, "replayed delivery (same event id, or same body and time)")
            summary = await run_sync(receiver.accept, body, limiter=intake)
        except _Refused as refused:
            return _refuse(refused.status, refused.reason, client, request, log, receiver)
        except PayloadError as exc:
            if key is not None:
                replays.forget(key)
            return _refuse(400, str(exc), client, request, log, receiver)
        except RunbookError as exc:  # the store is away: the sender should retry
            if key is not None:
                replays.forget(key)
            log("error", message=str(exc))
            return JSONResponse({"error": "the alert queue cannot be written now"}, 503)
        return JSONResponse(summary, 202)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def metrics(request: Request) -> Response:
        depth = await run_sync(receiver.queue.counts)
        return PlainTextResponse(
            receiver.metrics.render(depth), media_type="text/plain; version=0.0.4"
        )

    routes = [Route(path, post, methods=["POST"]) for path in PATHS]
    routes += [Route("/healthz", healthz), Route("/metrics", metrics)]
    return Starlette(routes=routes, exception_handlers={Exception: _internal(log)})


async def _authorised_body(request: Request, credentials: Credentials) -> bytes:
    """The request's body once its credentials are checked, read up to :data:`MAX_BODY`."""
    length = request.headers.get("content-length")
    # (uvicorn's HTTP parser answers 400 itself to a Content-Length that is not a number.)
    if length is not None and length.isdigit() and int(length) > MAX_BODY:
        raise _Refused(413, f"body over {MAX_BODY} bytes (Content-Length {length})")
    verdict = credentials.check_headers(request.headers)
    if verdict is not None and verdict.status is not None:
        raise _Refused(verdict.status, verdict.reason)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise _Refused(413, f"body over {MAX_BODY} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    if verdict is not None:  # no token: the PagerDuty signature must match the body
        signed = credentials.check_signature(request.headers, body)
        if signed is not None and signed.status is not None:
            raise _Refused(signed.status, signed.reason)
    return body


def _pagerduty_event_id(body: bytes) -> str | None:
    if b'"event_type"' not in body:
        return None
    try:
        event = json.loads(body).get("event")
    except (ValueError, AttributeError):
        return None
    found = event.get("id") if isinstance(event, dict) else None
    return found if isinstance(found, str) else None


def _refuse(
    status: int, reason: str, client: str, request: Request, log: Log, receiver: Receiver
) -> Response:
    from starlette.responses import JSONResponse

    receiver.metrics.add("runbookkit_requests_rejected_total", status=str(status))
    log("rejected", status=status, reason=reason, client=client, path=request.url.path)
    return JSONResponse({"error": reason}, status)


def _internal(log: Log) -> Any:
    from starlette.responses import JSONResponse

    async def handler(request: Request, exc: Exception) -> Response:
        log("error", message=f"internal error: {type(exc).__name__}: {exc}")
        return JSONResponse({"error": "internal error"}, 500)

    return handler


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (port 0: any free one), listening.

    Raises:
        ConfigError: the address cannot be bound (in use, not this machine's).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


@dataclass
class ServeOptions:
    """Where ``serve`` listens, who may post, and what it runs (:class:`ReceiverOptions`)."""

    receiver: ReceiverOptions
    runbooks_dir: Path
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    token: str | None = field(default=None, repr=False)
    pagerduty_secret: str | None = field(default=None, repr=False)
    replay_window: float = 300.0
    policy: Policy | None = None


def run(options: ServeOptions, log: Log) -> None:
    """Load the catalog, open the queue, resume it, and serve until SIGINT or SIGTERM.

    Raises:
        ConfigError: no token nor PagerDuty secret, or the address cannot be bound.
        HistoryError: the store cannot be opened.
        NotFoundError: no runbooks directory.
    """
    from runbookkit.alerts.queue import AlertQueue
    from runbookkit.alerts.receiver import Receiver
    from runbookkit.alerts.route import Router

    if not options.token and not options.pagerduty_secret:
        raise ConfigError(
            "serve needs a bearer token or a PagerDuty signing secret: nobody may post alerts "
            "without one"
        )
    credentials = Credentials(options.token, options.pagerduty_secret)
    router, errors = Router.from_directory(options.runbooks_dir, options.policy)
    for error in errors:
        log("runbook skipped", message=str(error))
    sock = listen(options.host, options.port)
    queue = AlertQueue.open(options.receiver.history)
    receiver = Receiver(router, queue, options.receiver, log)
    try:
        receiver.start()
        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        log(
            "listening",
            url=f"http://{shown}:{port}",
            runbooks=len(router.runbooks),
            history=queue.path,
            concurrency=options.receiver.concurrency,
        )
        serve(app(receiver, credentials, ReplayGuard(options.replay_window), log), sock)
    finally:
        receiver.stop()
        queue.close()
        sock.close()
        log("stopped")


def serve(asgi: Starlette, sock: socket.socket) -> None:
    """Serve ``asgi`` on ``sock`` until SIGINT or SIGTERM."""
    import uvicorn

    config = uvicorn.Config(
        asgi, log_config=None, log_level="critical", access_log=False, lifespan="off"
    )
    uvicorn.Server(config).run(sockets=[sock])
