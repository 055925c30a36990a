"""What pass-through would cost below ASGI: a measurement for issue 11 item 5, not part of the product.

    python bench/below_asgi.py -f reasoning.yaml --port 9300

Serves POST /v1/messages pass-through only, with the proxy's own parts (`ProxyServer`'s context:
the router with its affinity table, the upstream pool, metrics, the access log) but no uvicorn and
no ASGI: an asyncio protocol with httptools' request parser, the body parsed and routed as
`ProxyApp._api` does, the upstream's answer written to the client's transport in one write. No
hand-off for anything else (another path, a routed request, a malformed one gets a bare 400), no
streaming, no limits, no graceful shutdown, the `Date` of its start and every status line "OK":
what is left is what a fast path taking pass-through away from uvicorn would cost, beside
`reasoning proxy serve` and `bench/floor_relay.py` on the same request.

Measured with callgrind (instructions per request: load-independent), 2000 of bench/proxy_overhead.py's
requests on 16 keep-alive connections after 400 unmeasured, `callgrind_control -z` then `-d`:
floor 89k, this 278k, `reasoning proxy serve` 416k (481k before issue 11 item 5's first cuts), a bare
ASGI app answering from memory on uvicorn 136k, uvicorn relaying through the pool with no app logic 210k.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
from email.utils import formatdate
from pathlib import Path

import httptools
import uvloop

from controlplane import clock
from controlplane.cli import proxy as cli
from controlplane.manifest import load
from runtime.proxy.app import _parse
from runtime.proxy.asgi import HOP_BY_HOP, decision
from runtime.proxy.context import HeaderView, ProxyContext
from runtime.proxy.exchange import Exchange
from runtime.proxy.server import ProxyServer

BAD = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n"


class PassThrough(asyncio.Protocol):
    def __init__(self, context: ProxyContext) -> None:
        self.context = context
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def on_message_begin(self) -> None:
        self.url, self.headers, self.body = b"", [], []

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        method = self.parser.get_method().decode()
        asyncio.get_running_loop().create_task(self.answer(method, self.url, self.headers, b"".join(self.body)))

    async def answer(self, method: str, url: bytes, headers: list[tuple[bytes, bytes]], raw: bytes) -> None:
        assert self.transport is not None
        context, started = self.context, clock.monotonic()
        path = url.decode("latin-1")
        try:
            body = _parse("anthropic", raw)
        except Exception:
            self.transport.write(BAD)
            return
        scope = {"path": path, "raw_path": url, "query_string": b"", "method": method}
        exchange = Exchange("anthropic", context.project, scope, self.send, headers, raw, body, clock.now(), started)
        exchange.role, exchange.reason, exchange.score = context.route("anthropic", body, HeaderView(headers))
        origin = context.origins["anthropic"]
        if exchange.role is not None or origin is None:
            self.transport.write(BAD)  # a routed request: the product's fast path would hand it to ASGI
            return
        head = decision("upstream", exchange.reason)
        upstream = context.guard.upstream_headers("anthropic", headers)
        response = await context.pool.send(origin, method, exchange.target, upstream, raw)
        relayed = [h for h in response.headers if h[0] not in HOP_BY_HOP and h[0] != b"date"] + head
        chunk = await response.readany()
        lines = [b"HTTP/1.1 %d OK" % response.status, b"date: " + DATE[0], *map(b": ".join, relayed), b"", chunk]
        self.transport.write(b"\r\n".join(lines))
        exchange.mark_first_byte()
        response.close()
        context.finish(exchange, "ok")
        context.access.line(method, path, response.status, b"upstream", head[1][1], (clock.monotonic() - started) * 1e3)

    async def send(self, message: object) -> None:
        raise AssertionError("answers are written to the transport")


DATE = [formatdate(usegmt=True).encode()]


async def serve(server: ProxyServer, port: int) -> None:
    await server.context.start()
    loop = asyncio.get_running_loop()
    listening = await loop.create_server(lambda: PassThrough(server.context), "127.0.0.1", port, backlog=2048)
    gc.collect()
    gc.freeze()  # as `ProxyApp` does when it owns its process
    gc.set_threshold(20_000, 10, 10)
    async with listening:
        await listening.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-f", "--file", type=Path, required=True, help="the manifest (bench/proxy_overhead.py's)")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format=cli._FORMAT)
    cli._batch_access_log()
    server = ProxyServer(load(args.file), f"127.0.0.1:{args.port}")
    uvloop.run(serve(server, args.port))


if __name__ == "__main__":
    main()
