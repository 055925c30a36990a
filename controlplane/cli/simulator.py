"""`reasoning simulator serve`: Together's API, played locally, for tests and demos."""

from __future__ import annotations

from pathlib import Path

import typer

from controlplane.cli.output import err

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
    from controlplane.provider.simulator.server import serve as run

    def announce(url: str) -> None:
        err.print(f"Together simulator on {url} (world: {state_file or 'in memory'})", markup=False)

    run(host, port, state_file, provision_seconds=provision_seconds, announce=announce, exit_with_stdin=exit_with_stdin)
