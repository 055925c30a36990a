"""The runtime's errors: its branch of the one tree that `controlplane.errors` draws.

    ReasoningError
    ├── PermanentError
    │   ├── ProxyConfigError        the proxy will not start as configured: an unsafe bind, an
    │   │                           upstream that is the proxy itself
    │   ├── NoFallback              the custom model could not decide and nothing else is configured to
    │   ├── ParseError              a decision model's answer holds no usable decision
    │   └── TranslationError        a client's Anthropic request is malformed (answered 400, naming
    │       │                       the field); also a ValueError
    │       └── UnsupportedContent  well-formed, but not answerable faithfully by a custom model
    │                               (`feature` names what): the request goes to the upstream
    └── TemporaryError
        ├── ModelCallFailed         a model (a role's, or a fallback upstream) gave no usable answer:
        │                           unreachable, an error status, not JSON; `counts_against` says
        │                           whether it trips the role's circuit breaker
        ├── UpstreamFormatError     a model's answer cannot become a client's: no choice, broken
        │                           chunks, an error inside the stream, tool arguments not an object
        ├── FallbackFailed          the custom model could not decide, nor could the fallback
        └── SimulatorUnavailable    the simulator this process starts did not come up

Temporary means the next request may well succeed (the runtime falls back and the circuit breaker
counts); permanent means nothing changes until the request or the configuration does. Control flow
that never leaves the proxy is not an error here: `proxy.errors.Refusal` (the proxy answers a
request itself), `proxy.asgi.ClientGone` (the client hung up).
"""

from __future__ import annotations

from controlplane.errors import PermanentError, ReasoningError, TemporaryError

__all__ = [
    "FallbackFailed",
    "ModelCallFailed",
    "NoFallback",
    "ParseError",
    "PermanentError",
    "ProxyConfigError",
    "ReasoningError",
    "SimulatorUnavailable",
    "TemporaryError",
    "TranslationError",
    "UnsupportedContent",
    "UpstreamFormatError",
]

_SNIPPET = 60


class ProxyConfigError(PermanentError):
    """The proxy will not start as configured: an unsafe bind, an upstream that is itself."""


class NoFallback(PermanentError):
    """The custom model could not decide and nothing else was configured to."""


class ParseError(PermanentError):
    """A model's answer holds no usable decision. `reason` is a short phrase without the answer's
    content (it goes into usage records); `str()` adds the start of the answer to help debugging."""

    def __init__(self, role: str, reason: str, raw: str) -> None:
        self.role, self.reason = role, reason
        flat = " ".join(raw.split())
        shown = flat if len(flat) <= _SNIPPET else flat[: _SNIPPET - 1] + "…"
        super().__init__(
            f"{role} answer: {reason} (answer of {len(raw)} chars: {shown!r})",
            hint="the model must answer in the template's <response> format",
        )


class TranslationError(PermanentError, ValueError):
    """The client's request cannot be translated; `field` is the path Anthropic would name."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class UnsupportedContent(TranslationError):
    """Well-formed input the custom route cannot answer faithfully; `feature` names it for the
    fallback's reason (`fallback: unsupported <feature>`)."""

    def __init__(self, field: str, problem: str, *, feature: str = "content") -> None:
        super().__init__(field, problem)
        self.feature = feature


class ModelCallFailed(TemporaryError):
    """A model call that got no usable answer; `reason` is the short why a fallback reports."""

    def __init__(self, reason: str, *, counts_against: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        #: connect errors, 5xx, 429 and timeouts trip the circuit; another 4xx is about the request
        self.counts_against = counts_against


class UpstreamFormatError(TemporaryError):
    """The upstream's answer cannot be turned into what the client expects."""


class FallbackFailed(TemporaryError):
    """The custom model could not decide, and neither could the fallback."""


class SimulatorUnavailable(TemporaryError):
    """The simulator this process starts (simulator provider, no `base_url`) did not come up."""
