"""The floor for `bench/proxy_overhead.py`: the least a pass-through proxy can cost in Python.

    python bench/floor_relay.py --port 9200 --upstream 127.0.0.1:9100 [--no-uvloop]

Raw asyncio streams: each client connection's requests are read by their framing (head, then
`content-length` bytes) and written to an idle keep-alive connection of the pool to the one
upstream (a new one when none is idle); the answer comes back by its framing (`content-length`
or chunked) and the connection goes back to the pool. No routing, no headers rewritten, no
metrics: what is left is the cost of moving the bytes, which no proxy can go under.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


def _length(head: bytes) -> int:
    return next((int(line[15:]) for line in head.split(b"\r\n") if line.startswith(b"content-length:")), 0)


async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, upstream: tuple[str, int],
                pool: list[Connection]) -> None:  # fmt: skip
    with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            body = await reader.readexactly(_length(head.lower()))
            up_reader, up_writer = pool.pop() if pool else await asyncio.open_connection(*upstream)
            up_writer.write(head + body)
            answer = await up_reader.readuntil(b"\r\n\r\n")
            writer.write(answer)
            if b"transfer-encoding: chunked" in (answer := answer.lower()):
                size = -1
                while size != 0:
                    size_line = await up_reader.readuntil(b"\r\n")
                    size = int(size_line.split(b";")[0], 16)
                    writer.write(size_line + await up_reader.readexactly(size + 2))
            else:
                writer.write(await up_reader.readexactly(_length(answer)))
            pool.append((up_reader, up_writer))
    writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="host:port")
    parser.add_argument("--no-uvloop", action="store_true")
    args = parser.parse_args()
    host, port = args.upstream.rsplit(":", 1)
    pool: list[Connection] = []

    async def serve() -> None:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await relay(reader, writer, (host, int(port)), pool)

        server = await asyncio.start_server(handle, "127.0.0.1", args.port, backlog=2048)
        async with server:
            await server.serve_forever()

    if not args.no_uvloop:
        try:
            import uvloop

            uvloop.install()
        except ImportError:
            pass
    asyncio.run(serve())


if __name__ == "__main__":
    main()
