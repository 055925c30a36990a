"""Who may use the proxy, where it may listen, and whose credentials go upstream.

Checked once, at start-up (`Guard.from_manifest`, `check_bind`, `check_not_itself`), then on every
request (`Guard.allows`, `Guard.upstream_headers`):

- The proxy listens on loopback unless `proxy.auth_token_env` names a non-empty env var: anything
  else would hand an Anthropic key's worth of traffic to whoever can reach the port.
- With a token, clients send it as `Authorization: Bearer <token>` or `x-api-key: <token>` (what
  the Anthropic and OpenAI SDKs send as their API key), compared in constant time. Those headers
  then carry the proxy's token, so they are never forwarded: upstream credentials come from
  `proxy.anthropic_api_key_env` / `proxy.openai_api_key_env`, which must be set for each upstream
  the proxy falls back to.
- Without a token, each client's own `x-api-key` / `authorization` is forwarded untouched, unless
  the manifest names an upstream key env var, which then replaces them.
- An upstream that resolves to the address the proxy is bound to would loop; refused.

Secrets stay in this module's objects: nothing here formats a key into a message.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from controlplane.errors import SecretMissing
from controlplane.manifest import Manifest
from runtime.errors import ProxyConfigError
from runtime.proxy.asgi import HOP_BY_HOP, Headers
from runtime.wire import Api

log = logging.getLogger(__name__)

CREDENTIALS = frozenset({b"authorization", b"x-api-key"})
#: never forwarded: hop-by-hop, and what the relay writes itself; and with credentials replaced
_DROPPED = HOP_BY_HOP | {b"host", b"content-length"}
_REPLACED = _DROPPED | CREDENTIALS


def split_listen(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 <= int(port) < 65536:
        raise ProxyConfigError(f"--listen {listen!r} is not host:port", hint="e.g. --listen 127.0.0.1:8001")
    return host, int(port)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Guard:
    token: bytes | None
    anthropic_key: str | None
    openai_key: str | None

    @classmethod
    def from_manifest(cls, manifest: Manifest) -> Guard:
        proxy = manifest.proxy
        token = _secret(proxy.auth_token_env, manifest, "auth_token_env") if proxy.auth_token_env else None
        anthropic_key = (
            _secret(proxy.anthropic_api_key_env, manifest, "anthropic_api_key_env")
            if proxy.anthropic_api_key_env
            else None
        )
        openai_key = (
            _secret(proxy.openai_api_key_env, manifest, "openai_api_key_env") if proxy.openai_api_key_env else None
        )
        if token is not None:
            # Clients' credential headers now carry the proxy's token: without a key of its own,
            # every fallback would reach the upstream unauthenticated and fail.
            for field, key, needed in (
                ("anthropic_api_key_env", anthropic_key, True),
                ("openai_api_key_env", openai_key, proxy.openai_upstream is not None),
            ):
                if needed and key is None:
                    raise ProxyConfigError(
                        f"{manifest.where('proxy', 'auth_token_env')}: proxy.auth_token_env is set, so clients' "
                        f"keys carry the proxy's token and are not forwarded upstream; proxy.{field} must name "
                        "the env var holding the key the proxy sends upstream",
                        hint=f"add `{field}: NAME` under proxy: and export NAME",
                    )
        return cls(token.encode() if token else None, anthropic_key, openai_key)

    def allows(self, headers: Headers) -> bool:
        """True when no token is configured, or the request presents it."""
        if self.token is None:
            return True
        for name, value in headers:
            if name == b"x-api-key":
                candidate = value
            elif name == b"authorization" and value[:7].lower() == b"bearer ":
                candidate = value[7:].strip()
            else:
                continue
            if hmac.compare_digest(candidate, self.token):
                return True
        return False

    def upstream_headers(self, api: Api, headers: Headers) -> Headers:
        """The client's headers as the upstream should get them: hop-by-hop, host, length and our
        own control headers dropped; credentials kept, dropped or replaced by the rules above."""
        key = self.anthropic_key if api == "anthropic" else self.openai_key
        replace = self.token is not None or key is not None
        dropped = _REPLACED if replace else _DROPPED
        forwarded = [(name, value) for name, value in headers if name not in dropped and name[:12] != b"x-reasoning-"]
        if key is not None:
            forwarded.append(
                (b"x-api-key", key.encode("latin-1"))
                if api == "anthropic"
                else (b"authorization", b"Bearer " + key.encode("latin-1"))
            )
        return forwarded


def _secret(env: str, manifest: Manifest, field: str) -> str:
    value = os.environ.get(env, "")
    if not value:
        raise SecretMissing(
            f"{env} is not set (proxy.{field}, {manifest.where('proxy', field)})",
            hint=f"export {env}=...",
        )
    return value


def check_bind(manifest: Manifest, host: str) -> None:
    """Off loopback only behind a token (whose env var `Guard.from_manifest` has checked)."""
    if is_loopback(host):
        return
    if manifest.proxy.auth_token_env is None:
        raise ProxyConfigError(
            f"refusing to listen on {host}: off loopback the proxy needs a token "
            f"(proxy.auth_token_env, {manifest.where('proxy')})",
            hint="set proxy.auth_token_env to the name of an env var holding a long random token, or listen on "
            "127.0.0.1",
        )
    if not os.environ.get(manifest.proxy.auth_token_env):
        raise SecretMissing(
            f"refusing to listen on {host}: {manifest.proxy.auth_token_env} (proxy.auth_token_env) is not set",
            hint=f"export {manifest.proxy.auth_token_env}=<a long random token>",
        )


def check_not_itself(manifest: Manifest, bound: tuple[str, int]) -> None:
    """Refuse an upstream that is the proxy's own bound address: every request would loop."""
    host, port = bound
    ours = _addresses(host)
    wildcard = host in ("0.0.0.0", "::")
    for field, url in (
        ("anthropic_upstream", manifest.proxy.anthropic_upstream),
        ("openai_upstream", manifest.proxy.openai_upstream),
    ):
        if url is None:
            continue
        parts = urlsplit(url)
        up_port = parts.port or (443 if parts.scheme == "https" else 80)
        if up_port != port or parts.hostname is None:
            continue  # a different port is never us; this also spares a DNS lookup per start
        theirs = _addresses(parts.hostname)
        local = wildcard and any(ipaddress.ip_address(a).is_loopback or a in _local_addresses() for a in theirs)
        if local or theirs & ours:
            raise ProxyConfigError(
                f"{manifest.where('proxy', field)}: proxy.{field} {url} is the proxy's own address "
                f"{host}:{port}; requests would loop",
                hint=f"point proxy.{field} at the real API, or listen on another port",
            )


def _addresses(host: str) -> set[str]:
    try:
        return {str(info[4][0]) for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)}
    except OSError as error:  # a name that does not resolve is not the proxy's own address
        log.debug("security: %s does not resolve (%s)", host, error)
        return set()


def _local_addresses() -> set[str]:
    return _addresses(socket.gethostname()) | {"0.0.0.0", "::"}
