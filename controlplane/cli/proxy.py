"""`reasoning proxy serve`: the Anthropic and OpenAI APIs agents call, in front of the custom models."""

from __future__ import annotations

import logging
import sys
from enum import StrEnum
from pathlib import Path

import typer

from controlplane.cli.options import FILE
from controlplane.cli.output import err
from controlplane.cli.process import long_lived


class AccessLogFormat(StrEnum):
    text = "text"
    json = "json"
    off = "off"


app = typer.Typer(help="The proxy agents call instead of Anthropic or OpenAI.", no_args_is_help=True)


@app.command()
def serve(
    file: Path = FILE,
    listen: str = typer.Option(None, "--listen", help="host:port to bind (default: proxy.listen; port 0 = any)."),
    access_log: AccessLogFormat = typer.Option(
        None, "--access-log", help="A line per request on stderr: text, json or off (default: proxy.access_log)."
    ),
) -> None:
    """Serve POST /v1/messages and /v1/chat/completions, routing to the custom models, until SIGTERM.

    Prints the address it listens on once bound. SIGTERM or Ctrl-C finish the requests in flight
    and write their usage and samples to the store before exiting.
    """
    from controlplane.manifest import load
    from runtime.proxy.server import ProxyServer

    manifest = load(file)
    logging.basicConfig(level=logging.INFO, format=_FORMAT)
    _batch_access_log()
    form = access_log.value if access_log is not None else None
    server = ProxyServer(manifest, listen, log_config=_UVICORN_LOGGING, own_process=True, access_log=form)
    try:
        host, port = server.bind()
    except OSError as error:
        server.close()
        raise _cannot_listen(
            listen or manifest.proxy.listen, error, "--listen HOST:PORT (port 0: any free port)"
        ) from None
    except BaseException:
        server.close()
        raise
    where = f"[{host}]" if ":" in host else host
    upstreams = manifest.proxy.anthropic_upstream + (
        f", {manifest.proxy.openai_upstream}" if manifest.proxy.openai_upstream else ""
    )
    err.print(
        f"reasoning proxy on http://{where}:{port} (project {manifest.project}; fallback {upstreams})", markup=False
    )
    long_lived()  # serving until a signal: collect
    server.run()


_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _batch_access_log() -> None:
    """The access log's lines on stderr as the others are, written once per event-loop turn."""
    from runtime.proxy.access import BatchedHandler, SecondsFormatter, log

    handler = BatchedHandler(sys.stderr)
    handler.setFormatter(SecondsFormatter(_FORMAT))
    log.addHandler(handler)
    log.propagate = False


# uvicorn's own lines (start, stop, errors) on stderr, in the format of ours; no access log.
_UVICORN_LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "loggers": {"uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
}


def _cannot_listen(address: str, error: OSError, option: str) -> Exception:
    """A bind error that names the address, and what to do about it."""
    from controlplane.errors import ReasoningError

    why = error.strerror or str(error)
    busy = error.errno == 98  # EADDRINUSE
    return ReasoningError(
        f"cannot listen on {address}: {why}",
        hint=("another process is listening there; stop it or " if busy else "") + f"pass {option}",
    )
