"""`reasoning simulator serve`: Together's API, played locally, for tests and demos."""

from __future__ import annotations

from pathlib import Path

import typer

from controlplane.cli.output import err
from controlplane.cli.process import long_lived

app = typer.Typer(help="The Together.ai simulator.", no_args_is_help=True)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to bind."),
    port: int = typer.Option(8002, help="Port to listen on (0: any free port; the line printed says which)."),
    state_file: Path = typer.Option(None, "--state-file", help="Keep the world in this file (default: memory)."),
    provision_seconds: float = typer.Option(3.0, help="Simulated seconds from create to READY."),
    exit_with_stdin: bool = typer.Option(
        False, "--exit-with-stdin", help="Also stop when standard input closes (the process that started it ended)."
    ),
) -> None:
    """Serve the simulated Together API (v2 endpoints, hardware, models, chat) over HTTP.

    Prints `Together simulator on <url>` once the port is bound.
    """
    from controlplane.cli.proxy import _cannot_listen
    from controlplane.provider.simulator.server import serve as run

    bound = False

    def announce(url: str) -> None:  # called once the socket is bound and listening, never before
        nonlocal bound
        bound = True
        err.print(f"Together simulator on {url} (world: {state_file or 'in memory'})", markup=False)

    long_lived()  # serving until a signal: collect
    try:
        run(host, port, state_file, provision_seconds=provision_seconds, announce=announce,
            exit_with_stdin=exit_with_stdin)  # fmt: skip
    except OSError as error:
        if bound:
            raise
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        raise _cannot_listen(where, error, "--port N (0: any free port)") from None
