"""`reasoning proxy serve`: its help, and its refusals through the CLI's one error boundary.

Serving itself is tested in `tests/runtime/proxy/` (SIGTERM under load runs this very command).
"""

from __future__ import annotations

import socket
from pathlib import Path

from tests.support.cli import Run
from tests.support.project import edit


class TestProxyServe:
    def test_has_help_naming_its_options(self, run: Run) -> None:
        result = run("proxy", "serve", "--help")
        assert result.code == 0 and "--listen" in result.out and "--file" in result.out

    def test_refuses_to_listen_off_loopback_without_a_token(self, run: Run, quickstart: Path) -> None:
        result = run("proxy", "serve", "-f", str(quickstart), "--listen", "0.0.0.0:8001")
        assert result.code == 1
        assert "error: refusing to listen on 0.0.0.0: off loopback the proxy needs a token" in result.err
        assert "hint: set proxy.auth_token_env" in result.err and "Traceback" not in result.err

    def test_refuses_an_upstream_that_is_the_address_it_listens_on(self, run: Run, quickstart: Path) -> None:
        # The port stays reserved while the proxy binds it too (both say SO_REUSEADDR, neither
        # listens yet): no other test or process can take it in between.
        with socket.socket() as reserved:
            reserved.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            reserved.bind(("127.0.0.1", 0))
            port = reserved.getsockname()[1]
            edit(
                quickstart,
                "anthropic_upstream: https://api.anthropic.com",
                f"anthropic_upstream: http://localhost:{port}",
            )
            result = run("proxy", "serve", "-f", str(quickstart), "--listen", f"127.0.0.1:{port}")
        assert result.code == 1 and "requests would loop" in result.err

    def test_a_listen_address_without_a_port_is_an_error(self, run: Run, quickstart: Path) -> None:
        result = run("proxy", "serve", "-f", str(quickstart), "--listen", "localhost")
        assert result.code == 1 and "--listen 'localhost' is not host:port" in result.err
