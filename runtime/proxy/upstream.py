"""The proxy's one HTTP client, for the custom models and the fallback upstreams alike.

aiohttp, not httpx: at 64 concurrent requests on this project's machines httpx's async pool does
130-200 req/s where aiohttp's `ClientSession` does 3,250-4,670
(`shared/reference/proxy-performance.md`), and the proxy's hot path is nothing but this. One
session, opened in the server's event loop at start-up, keeps a keep-alive pool per host.

Bytes go through as they are: responses are not decompressed (the client asked for its
encoding and gets it, `content-encoding` and all), aiohttp adds none of its default headers, and
no cookie is ever kept between one client's request and another's.
"""

from __future__ import annotations

from collections.abc import Sequence

import aiohttp

from controlplane.manifest.schema import Proxy

#: What a custom model can fail with before its first byte, each a reason to fall back.
FAILURES = (aiohttp.ClientError, TimeoutError, OSError)


class Unanswered(Exception):
    """A custom model gave no usable start of an answer; `reason` is the fallback's short why."""

    def __init__(self, reason: str, *, counts_against: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        #: connect errors, 5xx, 429 and timeouts trip the circuit; a 4xx is about the request
        self.counts_against = counts_against


class Client:
    def __init__(self, settings: Proxy) -> None:
        self.settings = settings
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("the upstream client is used before the server started it")
        return self._session

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300, keepalive_timeout=30, enable_cleanup_closed=False)
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(
                total=None,
                sock_connect=self.settings.connect_timeout_seconds,
                sock_read=self.settings.read_timeout_seconds,
            ),
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(self, url: str, body: bytes, headers: Sequence[tuple[str, str]]) -> aiohttp.ClientResponse:
        """POST and return once the response head is in; the body is still to be read."""
        return await self.session.post(url, data=body, headers=headers, allow_redirects=False)

    async def open_custom(self, url: str, body: bytes, headers: Sequence[tuple[str, str]]) -> aiohttp.ClientResponse:
        """Call a custom model; its response once the head is in, if the status is 200.

        Raises `Unanswered` with the reason to fall back otherwise: no connection, or another
        status (5xx and 429 count against the role's circuit; other 4xx do not, they are about
        the request and the model is fine). The caller bounds the wait for the first token.
        """
        try:
            response = await self.send(url, body, headers)
        except (aiohttp.ClientError, OSError) as error:
            raise Unanswered(f"custom model unreachable ({type(error).__name__})") from None
        if response.status != 200:
            response.close()
            status = response.status
            raise Unanswered(f"custom model answered {status}", counts_against=status >= 500 or status == 429)
        return response
