"""Security: where the proxy may listen, who may call it, whose keys go upstream, what it refuses,
and that no key reaches a log."""

from __future__ import annotations

import logging
import socket

import anthropic
import httpx
import openai
import pytest

from controlplane.errors import SecretMissing
from runtime.errors import ProxyConfigError
from runtime.proxy.server import ProxyServer
from tests.runtime.proxy.conftest import ANTHROPIC_KEY, CLIENT_MODEL, UPSTREAM_MODEL, Serve, World
from tests.support.served import ServedProxy

TOKEN = "rp-token-0123456789abcdef0123456789abcdef"
UPSTREAM_KEY = "sk-ant-api03-proxy-own-key-9876543210zyxwvu"
OPENAI_KEY = "sk-proj-proxy-openai-key-abcdefghijklmnop"
GUARDED = "  auth_token_env: PROXY_TOKEN\n  anthropic_api_key_env: UP_ANTHROPIC\n  openai_api_key_env: UP_OPENAI\n"


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROXY_TOKEN", TOKEN)
    monkeypatch.setenv("UP_ANTHROPIC", UPSTREAM_KEY)
    monkeypatch.setenv("UP_OPENAI", OPENAI_KEY)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TestWhereItListens:
    def test_refuses_a_non_loopback_bind_without_a_token(self, world: World) -> None:
        with pytest.raises(
            ProxyConfigError, match=r"refusing to listen on 0\.0\.0\.0: off loopback the proxy needs a token"
        ):
            ProxyServer(world.write(), "0.0.0.0:0")

    def test_refuses_a_non_loopback_bind_when_the_token_variable_is_empty(
        self, world: World, secrets: None, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        manifest = world.write(proxy_extra=GUARDED)
        monkeypatch.setenv("PROXY_TOKEN", "")
        with pytest.raises(SecretMissing, match="PROXY_TOKEN"):
            ProxyServer(manifest, "0.0.0.0:0")

    def test_listens_off_loopback_behind_a_token(self, world: World, secrets: None) -> None:
        manifest = world.write(proxy_extra=GUARDED)
        with ServedProxy(manifest, "0.0.0.0:0") as proxy:
            port = proxy.proxy.address[1]
            assert httpx.get(f"http://127.0.0.1:{port}/healthz").json() == {"status": "ok"}

    def test_refuses_an_upstream_that_resolves_to_its_own_address(self, world: World) -> None:
        port = _free_port()
        # listen comes from --listen, which the manifest's own check cannot see; localhost resolves to it
        manifest = world.write(proxy_extra="").model_copy(deep=True)
        manifest = manifest.model_copy(
            update={"proxy": manifest.proxy.model_copy(update={"anthropic_upstream": f"http://localhost:{port}"})}
        )
        server = ProxyServer(manifest, f"127.0.0.1:{port}")
        with pytest.raises(ProxyConfigError, match=r"is the proxy's own address 127\.0\.0\.1:\d+; requests would loop"):
            server.bind()

    def test_a_token_without_an_upstream_key_is_refused(self, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("PROXY_TOKEN", TOKEN)
        with pytest.raises(ProxyConfigError, match=r"proxy\.anthropic_api_key_env must name"):
            ProxyServer(world.write(proxy_extra="  auth_token_env: PROXY_TOKEN\n"))


class TestWhoMayCall:
    @pytest.fixture
    def guarded(self, world: World, serve: Serve, secrets: None) -> ServedProxy:
        manifest = world.write(proxy_extra=GUARDED)
        return serve(manifest)

    def test_a_client_without_the_token_gets_401_in_each_apis_shape(self, guarded: ServedProxy) -> None:
        with pytest.raises(anthropic.AuthenticationError) as anthropic_error:
            anthropic.Anthropic(base_url=guarded.base_url, api_key=ANTHROPIC_KEY, max_retries=0).messages.create(
                model=UPSTREAM_MODEL, max_tokens=10, messages=[{"role": "user", "content": "hi"}]
            )
        assert anthropic_error.value.body == {
            "type": "error",
            "error": {"type": "authentication_error", "message": anthropic_error.value.body["error"]["message"]},  # type: ignore[index]
        }
        with pytest.raises(openai.AuthenticationError) as openai_error:
            openai.OpenAI(base_url=guarded.base_url + "/v1", api_key="wrong", max_retries=0).chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "hi"}]
            )
        assert openai_error.value.code is None and openai_error.value.type == "authentication_error"
        assert httpx.get(f"{guarded.base_url}/metrics").status_code == 401
        assert httpx.get(f"{guarded.base_url}/healthz").status_code == 200

    def test_the_token_lets_clients_in_and_the_proxys_own_keys_go_upstream(
        self, guarded: ServedProxy, world: World
    ) -> None:
        claude = anthropic.Anthropic(base_url=guarded.base_url, api_key=TOKEN, max_retries=0)
        answer = claude.messages.create(
            model=UPSTREAM_MODEL, max_tokens=10, messages=[{"role": "user", "content": "hi"}]
        )
        assert answer.content[0].text == "Upstream says: hi"  # type: ignore[union-attr]
        forwarded = world.anthropic.received[-1].headers
        assert forwarded["x-api-key"] == UPSTREAM_KEY and "authorization" not in forwarded
        gpt = openai.OpenAI(base_url=guarded.base_url + "/v1", api_key=TOKEN, max_retries=0)
        gpt.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": "hi"}])
        assert world.openai.received[-1].headers["authorization"] == f"Bearer {OPENAI_KEY}"
        routed = claude.messages.create(model=CLIENT_MODEL, max_tokens=50, messages=[{"role": "user", "content": "hi"}])
        assert routed.content


class TestWhatItRefuses:
    def post(self, proxy: ServedProxy, path: str, content: bytes, **headers: str) -> httpx.Response:
        return httpx.post(
            f"{proxy.base_url}{path}", content=content, headers={"content-type": "application/json", **headers}
        )

    def test_a_body_over_the_limit_gets_413_with_or_without_a_length(self, world: World, serve: Serve) -> None:
        manifest = world.write(proxy_extra="  max_body_bytes: 1024\n")
        proxy = serve(manifest)
        big = b'{"model": "x", "messages": [], "pad": "' + b"a" * 2000 + b'"}'
        response = self.post(proxy, "/v1/messages", big)
        assert response.status_code == 413 and response.json()["error"]["type"] == "request_too_large"
        chunked = httpx.post(f"{proxy.base_url}/v1/chat/completions", content=iter([big[:800], big[800:]]))
        assert chunked.status_code == 413 and chunked.json()["error"]["code"] is None
        assert "1024" in chunked.json()["error"]["message"]

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            (b"{not json", "not valid JSON"),
            (b"[1, 2]", "must be a JSON object"),
            (b'{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}', "model: Field required"),
            (b'{"model": "claude-coder", "max_tokens": 5}', "messages: Field required"),
            (b'{"model": "m", "messages": [{"role": "user", "content": "hi"}]}', "max_tokens: Field required"),
            (b'{"model": "m", "max_tokens": 5, "stream": "yes", "messages": [{"role": "user", "content": "x"}]}',
             "stream: Input should be a boolean"),
            (b'{"model": "claude-coder", "max_tokens": 5, "messages": [{"role": "bot", "content": "hi"}]}',
             "messages.0.role"),
        ],
    )  # fmt: skip
    def test_malformed_anthropic_requests_get_400_in_anthropics_shape(
        self, proxy: ServedProxy, body: bytes, message: str
    ) -> None:
        response = self.post(proxy, "/v1/messages", body)
        assert response.status_code == 400, response.text
        assert response.json()["type"] == "error" and response.json()["error"]["type"] == "invalid_request_error"
        assert message in response.json()["error"]["message"]
        assert response.headers["x-reasoning-role"] == "proxy"

    def test_malformed_openai_requests_get_400_in_openais_shape(self, proxy: ServedProxy) -> None:
        response = self.post(proxy, "/v1/chat/completions", b'{"model": "gpt-4o", "messages": "hi"}')
        assert response.status_code == 400
        assert response.json() == {
            "error": {
                "message": "messages: Input should be a non-empty list",
                "type": "invalid_request_error",
                "param": "messages",
                "code": None,
            }
        }

    def test_unknown_paths_and_methods_get_their_4xx(self, proxy: ServedProxy) -> None:
        assert httpx.get(f"{proxy.base_url}/v1/messages").status_code == 405
        assert httpx.get(f"{proxy.base_url}/nowhere").status_code == 404


class TestSecretsStayOutOfLogs:
    def test_no_key_or_token_is_logged_even_when_things_fail(
        self, world: World, serve: Serve, secrets: None, caplog: pytest.LogCaptureFixture
    ) -> None:
        for name in ("runtime", "controlplane", "uvicorn", "aiohttp"):  # the proxy's side, not the SDK's
            caplog.set_level(logging.DEBUG, logger=name)
        manifest = world.write(proxy_extra=GUARDED + "  circuit: {failures: 1}\n")
        proxy = serve(manifest)
        claude = anthropic.Anthropic(base_url=proxy.base_url, api_key=TOKEN, max_retries=0)
        fault = {"method": "POST", "path_regex": "/v1/chat/completions", "status": 500, "times": 1}
        httpx.post(f"{proxy.services.target.base_url}/_simulator/faults", json=fault).raise_for_status()
        for model in (CLIENT_MODEL, CLIENT_MODEL, UPSTREAM_MODEL):
            claude.messages.create(
                model=model, max_tokens=20, messages=[{"role": "user", "content": f"my key is {ANTHROPIC_KEY}"}]
            )
        world.anthropic.fail_status = 502
        with pytest.raises(anthropic.APIStatusError):
            claude.messages.create(model=UPSTREAM_MODEL, max_tokens=5, messages=[{"role": "user", "content": "x"}])
        with pytest.raises(anthropic.AuthenticationError):
            anthropic.Anthropic(base_url=proxy.base_url, api_key=UPSTREAM_KEY, max_retries=0).messages.create(
                model=UPSTREAM_MODEL, max_tokens=5, messages=[{"role": "user", "content": "x"}]
            )
        proxy.flush()
        with world.store() as store:
            stored = repr(store.usage("proxytest")) + repr(store.samples("proxytest"))
        ours = ("runtime", "controlplane", "uvicorn", "aiohttp")
        logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(ours))
        logged += repr(proxy.services.target)
        for secret in (TOKEN, UPSTREAM_KEY, OPENAI_KEY, ANTHROPIC_KEY):
            assert secret not in logged and secret not in stored
        assert "[REDACTED" in stored  # the key a user pasted into a prompt was scrubbed, not dropped
