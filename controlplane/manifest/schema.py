"""What a user may write in `reasoning.yaml`, as strict pydantic models.

The loader (`loader.py`) turns YAML into these; `reasoning schema` prints their JSON Schema, and
every `Field(description=...)` ends up there, in editors and in the docs. Unknown keys are errors
(`extra="forbid"`): a typo must never be silently ignored in a file that spends money.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from controlplane.values.money import Period

#: Roles every agent has; others are allowed. `should-respond` is accepted for `should_respond`.
WELL_KNOWN_ROLES = ("should_respond", "planning", "coding")

ENV_NAME = r"^[A-Z_][A-Z0-9_]*$"
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


class Strict(BaseModel):
    """Base of everything a user writes: unknown keys are errors, values are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def parse_duration(text: str) -> timedelta:
    """`90m`, `10h`, `1h30m`, `2d` -> timedelta; anything else is a ValueError."""
    match = _DURATION.match(text.strip())
    if not text.strip() or not match:
        raise ValueError(f"'{text}' is not a duration; write it like 30m, 10h or 1h30m")
    days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


Duration = Annotated[
    str,
    Field(description="A duration such as `30m`, `10h`, `1h30m`."),
]
EnvName = Annotated[
    str,
    Field(
        pattern=ENV_NAME,
        description="Name of an environment variable holding a secret; the secret itself is never written here.",
    ),
]


class SimulatorProvider(Strict):
    type: Literal["simulator"] = Field(description="Play Together.ai with the embedded simulator.")
    state_file: str = Field(
        default=".reasoning/simulator.json",
        description="Where the simulated world is kept, relative to the manifest, so separate runs share it.",
    )
    provision_seconds: Annotated[float, Field(ge=0)] = Field(
        default=3, description="Simulated time a deployment spends PROVISIONING before READY."
    )
    max_retries: Annotated[int, Field(ge=0, le=10)] = Field(
        default=0,
        description="Retries on 429, 5xx and connection errors, as against Together; 0 (the default) lets an "
        "injected fault (`/_simulator/faults`) surface at once.",
    )
    base_url: str | None = Field(
        default=None,
        description="A served simulator (`reasoning simulator serve --state-file` over the same state_file) that "
        "the runtime sends chat requests to; when unset, the runtime serves state_file itself on a loopback port.",
    )

    @field_validator("base_url")
    @classmethod
    def _served_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL such as http://127.0.0.1:8002")
        return value.rstrip("/") if value is not None else None


class TogetherProvider(Strict):
    type: Literal["together"] = Field(description="Together.ai's v2 API (or a server speaking it).")
    base_url: str = Field(default="https://api.together.ai", description="API base URL.")
    api_key_env: EnvName = Field(default="TOGETHER_API_KEY")
    project_id_env: EnvName = Field(
        default="TOGETHER_PROJECT_ID",
        description="Env var holding the v2 project id; when unset, the id comes from /v3/whoami.",
    )
    timeout_seconds: Annotated[float, Field(gt=0)] = Field(default=30, description="Per-request timeout.")
    max_retries: Annotated[int, Field(ge=0, le=10)] = Field(
        default=4, description="Retries on 429, 5xx and connection errors, with backoff."
    )

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL such as https://api.together.ai")
        return value.rstrip("/")


class Store(Strict):
    url: str = Field(
        default="sqlite:///.reasoning/state.db",
        description="SQLAlchemy URL: sqlite:///path (relative to the manifest) or postgresql+psycopg://user@host/db.",
    )
    url_env: EnvName | None = Field(
        default=None, description="Env var holding the URL instead, when it carries a password."
    )

    @field_validator("url")
    @classmethod
    def _no_password(cls, value: str) -> str:
        if re.match(r"^[a-z0-9+]+://[^/@:]+:[^/@]+@", value):
            raise ValueError("the URL holds a password; put the URL in an env var and name it in url_env")
        if not re.match(r"^(sqlite|postgresql(\+\w+)?)://", value):
            raise ValueError("must start with sqlite:// or postgresql+psycopg://")
        return value


class Budget(Strict):
    limit_usd: Annotated[float, Field(gt=0)] = Field(description="Spend allowed per period, in USD.")
    period: Period = Field(default="month", description="When the budget resets.")


class GlobalBudget(Budget):
    limit_usd: Annotated[float, Field(gt=0)] | None = Field(  # type: ignore[assignment]
        default=None, description="Spend allowed per period for all roles together, in USD."
    )
    max_cost_per_hour_usd: Annotated[float, Field(gt=0)] | None = Field(
        default=None,
        description="Plans whose worst case (max replicas x hourly price, all roles) exceeds this are refused.",
    )
    wait_seconds: Annotated[float, Field(ge=0, le=60)] = Field(
        default=2.0,
        description=(
            "How long a routed request may wait for requests in flight to settle when only their "
            "reservations keep it from the budget, before it falls back; 0: fall back at once."
        ),
    )


class Replicas(Strict):
    min: Annotated[int, Field(ge=1, le=64)] = Field(default=1, description="Replicas always running.")
    max: Annotated[int, Field(ge=1, le=64)] = Field(default=1, description="Replicas under load.")

    @model_validator(mode="after")
    def _ordered(self) -> Replicas:
        if self.max < self.min:
            raise ValueError(f"max ({self.max}) must be at least min ({self.min})")
        return self


class ShutdownWindow(Strict):
    cron: str = Field(description="When the window opens, as a 5-field cron expression.")
    duration: Duration = Field(description="How long the window stays open.")
    timezone: str = Field(default="UTC", description="IANA time zone the cron is read in.")

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        from controlplane.cron import croniter

        if len(value.split()) != 5 or not croniter.is_valid(value):
            raise ValueError(f"'{value}' is not a 5-field cron expression (minute hour day month weekday)")
        return value

    @field_validator("duration")
    @classmethod
    def _valid_duration(cls, value: str) -> str:
        span = parse_duration(value)
        if span <= timedelta(0) or span > timedelta(days=7):
            raise ValueError("must be between 1m and 7d")
        return value

    @field_validator("timezone")
    @classmethod
    def _valid_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}' (use an IANA name such as Europe/Berlin)") from None
        return value

    @property
    def span(self) -> timedelta:
        return parse_duration(self.duration)


def _replicas_shorthand(schema: dict[str, Any]) -> None:
    # Editors validate the YAML itself against the JSON schema: `replicas: 2` must pass there too.
    replicas = schema["properties"]["replicas"]
    replicas["anyOf"] = [{"type": "integer", "minimum": 1, "maximum": 64}, {"$ref": replicas.pop("$ref")}]


class TokenPrice(Strict):
    input: Annotated[float, Field(ge=0)] = Field(default=0, description="USD per million input tokens.")
    output: Annotated[float, Field(ge=0)] = Field(default=0, description="USD per million output tokens.")


class Shadow(Strict):
    share: Annotated[float, Field(gt=0, le=1)] = Field(
        description="The fraction of the role's answered requests also sent, off the request path, to the "
        "candidate's shadow deployment to measure agreement (0 < share <= 1)."
    )


class PromoteWhen(Strict):
    agreement: Annotated[float, Field(gt=0, le=1)] = Field(
        description="Start the canary when the lower 95% confidence bound of shadow agreement reaches this; "
        "drop the shadow when the upper bound stays below it."
    )
    samples: Annotated[int, Field(ge=1)] = Field(description="Decide only after this many shadow comparisons.")
    p95_latency_ms: Annotated[float, Field(gt=0)] | None = Field(
        default=None, description="The candidate's p95 latency in shadow must be at most this to start the canary."
    )


class Role(Strict):
    model_config = ConfigDict(json_schema_extra=_replicas_shorthand)

    model: Annotated[str, Field(min_length=1)] = Field(
        description="Model to serve: a model of the Together project (a fine-tune or upload), or a public base "
        "model Together hosts (e.g. Qwen/Qwen2.5-14B-Instruct)."
    )
    hardware: Annotated[str, Field(min_length=1)] = Field(
        description="Instance type id from Together's hardware catalog, e.g. 1x_nvidia_h100_80gb_sxm."
    )
    quantization: Annotated[str, Field(min_length=1)] | None = Field(
        default=None,
        description="For a public base model (one of Together's supported models): the precision of the "
        "deployment profile to run on `hardware`, e.g. BF16 or FP8.",
    )
    profile: Annotated[str, Field(min_length=1)] | None = Field(
        default=None,
        description="For a public base model: the id of the deployment profile to run (its profileId in "
        "Together's supported-models catalog); `reasoning plan` names the one it picked.",
    )
    replicas: Replicas = Field(default_factory=Replicas, description="Autoscaling range.")
    enabled: bool = Field(default=True, description="false stops the role: scaled to 0, costs nothing.")
    candidate: str | None = Field(
        default=None,
        min_length=1,
        description="A trained successor of `model` (`reasoning train` writes it), not serving yet: "
        "`reasoning rollout promote` makes it the model, `reasoning rollout abort` drops it.",
    )
    shadow: Shadow | None = Field(
        default=None,
        description="With a candidate: run it beside the live deployment, out of the traffic split "
        "(`reasoning rollout shadow`), and send it this share of the role's requests to compare.",
    )
    promote_when: PromoteWhen | None = Field(
        default=None,
        description="With a candidate in shadow: `reasoning reconcile` starts the canary once shadow agreement "
        "passes this gate, and drops the shadow once it cannot.",
    )
    priority: int = Field(
        default=0, description="Higher runs longer: the lowest priority stops first when cost must drop."
    )
    budget: Budget | None = Field(default=None, description="This role's own budget, besides the global one.")
    price_per_million_tokens: TokenPrice = Field(
        default_factory=TokenPrice,
        description="What each request costs on top of the hardware's hourly price (a charge-back rate, or "
        "Together's per-token price); the proxy reserves it against the budget before each call.",
    )
    idle_shutdown_minutes: Annotated[int, Field(ge=0)] = Field(
        default=0, description="Stop after this many minutes without a request; 0 = never."
    )
    shutdown_windows: list[ShutdownWindow] = Field(
        default_factory=list, description="Stopped while any of these windows is open."
    )

    @field_validator("replicas", mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        # `replicas: 2` is the common case; it means exactly two.
        if isinstance(value, int) and not isinstance(value, bool):
            return {"min": value, "max": value}
        return value


RedactKind = Literal[
    "private_key", "api_key", "token", "password", "national_id", "credit_card", "email", "ip_address", "phone"
]
#: Every kind. The credentials (private_key, api_key, token, password) are scrubbed even when a
#: manifest's list leaves them out; the list chooses the personal data, and replaces this default.
DEFAULT_REDACT: tuple[RedactKind, ...] = (
    "private_key",
    "api_key",
    "token",
    "password",
    "national_id",
    "credit_card",
    "email",
    "ip_address",
    "phone",
)


class TrainingData(Strict):
    collect: bool = Field(default=True, description="Record every decision as a training sample.")
    max_samples_per_model: Annotated[int, Field(gt=0)] = Field(
        default=10000, description="Samples kept per role; the oldest go first."
    )
    retention_days: Annotated[int, Field(gt=0)] = Field(
        default=30, description="Samples (and unlabeled routing decisions) older than this are deleted."
    )
    redact: list[RedactKind] = Field(
        default_factory=lambda: list(DEFAULT_REDACT),
        description=(
            "What is scrubbed from prompts and answers before anything is written (default: every kind)."
            " Credentials (private_key, api_key, token, password) always are; a list names the personal"
            " data (national_id, credit_card, email, ip_address, phone) that is too, in place of all of it."
        ),
    )


class RouteWhen(Strict):
    header: str | None = Field(
        default=None, description="Route when the request carries x-reasoning-role with this value."
    )
    models: list[str] = Field(default_factory=list, description="Route when the requested model is one of these.")
    tools_present: bool | None = Field(default=None, description="Route only when the request has (or lacks) tools.")
    min_score: Annotated[float, Field(ge=0, le=1)] | None = Field(
        default=None, description="Route when the content classifier scores the request at least this high."
    )
    max_input_tokens: Annotated[int, Field(gt=0)] | None = Field(
        default=None, description="Do not route requests larger than this."
    )


class RouteRule(Strict):
    to: str = Field(description="The role that answers when the rule matches.")
    when: RouteWhen = Field(default_factory=RouteWhen, description="Conditions, all of which must hold.")


class Circuit(Strict):
    failures: Annotated[int, Field(ge=1, le=1000)] = Field(
        default=5,
        description="Failures (connect error, 5xx, 429, timeout, broken answer) within window_seconds that open "
        "the circuit.",
    )
    window_seconds: Annotated[float, Field(gt=0, le=3600)] = Field(
        default=30, description="The window in which failures are counted."
    )
    open_seconds: Annotated[float, Field(gt=0, le=3600)] = Field(
        default=30, description="How long an open circuit sends a role's traffic to the fallback before one trial."
    )


class Proxy(Strict):
    listen: str = Field(default="127.0.0.1:8001", description="host:port the proxy binds to.")
    anthropic_upstream: str = Field(
        default="https://api.anthropic.com", description="Where requests not routed to a custom model go."
    )
    openai_upstream: str | None = Field(default=None, description="Fallback for the OpenAI-compatible API.")
    auth_token_env: EnvName | None = Field(
        default=None, description="Env var holding the token clients must send; required off loopback."
    )
    model_map: dict[str, str] = Field(
        default_factory=dict,
        description="Model name -> role, e.g. gpt-4o-mini: should_respond, on the OpenAI and the Anthropic API. "
        "Only the prompts the role takes (model_map_prompts) go to it; other calls on the name go upstream.",
    )
    model_map_prompts: dict[str, list[Literal["should_respond", "message_handler", "any"]]] = Field(
        default_factory=dict,
        description="Role -> the prompts model_map sends it: should_respond and message_handler are ElizaOS's "
        "decision templates (TS 1.7.x and Python 2.0.0a5, recognised by structure), any is every call. "
        "Default: should_respond takes should_respond, planning takes message_handler, other roles any; "
        "an empty list sends the role nothing through model_map.",
    )
    routing: list[RouteRule] = Field(default_factory=list, description="Rules tried in order.")
    anthropic_api_key_env: EnvName | None = Field(
        default=None,
        description="Env var holding the Anthropic key the proxy sends upstream. Unset: each client's own "
        "x-api-key / authorization is forwarded, which is only possible without auth_token_env (then those "
        "headers carry the proxy's token and are never forwarded).",
    )
    openai_api_key_env: EnvName | None = Field(
        default=None,
        description="Env var holding the key sent to openai_upstream; same rules as anthropic_api_key_env.",
    )
    first_byte_timeout_seconds: Annotated[float, Field(gt=0, le=600)] = Field(
        default=10,
        description="A custom model that has not sent its first byte by then is skipped: the request goes to "
        "the fallback upstream instead, before the client has seen anything.",
    )
    connect_timeout_seconds: Annotated[float, Field(gt=0, le=120)] = Field(
        default=5, description="Connecting to a custom model or an upstream."
    )
    read_timeout_seconds: Annotated[float, Field(gt=0, le=3600)] = Field(
        default=600,
        description="Longest silence allowed from an upstream (or from a custom model once it answers); "
        "then the request fails (before any byte) or its stream ends with an error event.",
    )
    max_body_bytes: Annotated[int, Field(ge=1024, le=1 << 30)] = Field(
        default=32 * 1024 * 1024, description="Larger request bodies get 413, in the API's own error shape."
    )
    body_timeout_seconds: Annotated[float, Field(gt=0, le=3600)] = Field(
        default=30,
        description="A request body that has not arrived whole by then gets 408 (a client stalled mid-body "
        "holds no connection for long).",
    )
    access_log: Literal["text", "json", "off"] = Field(
        default="text",
        description="A line per request on stderr (method, path, role, reason, status, ms; never a body, a "
        "query or a header value): text, json (one object a line), or off.",
    )
    circuit: Circuit = Field(
        default_factory=lambda: Circuit(),
        description="When a failing custom model is skipped without being tried.",
    )

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be host:port, e.g. 127.0.0.1:8001")
        return value

    @field_validator("anthropic_upstream", "openai_upstream")
    @classmethod
    def _upstream_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL")
        return value

    @model_validator(mode="after")
    def _not_itself(self) -> Proxy:
        host, _, port = self.listen.rpartition(":")
        loopback = {"127.0.0.1", "localhost", "0.0.0.0", "[::1]", "::1"}
        for field, upstream in (
            ("anthropic_upstream", self.anthropic_upstream),
            ("openai_upstream", self.openai_upstream),
        ):
            if upstream is None:
                continue
            netloc = re.sub(r"^https?://", "", upstream).split("/")[0]
            up_host, _, up_port = netloc.rpartition(":")
            if up_port == port and (up_host == host or {up_host, host} <= loopback):
                # named so the loader points at the upstream's line, not at `proxy:`
                raise ValueError(f"{field}: {upstream} is the proxy's own address {self.listen}; requests would loop")
        return self


class Defaults(Strict):
    idle_shutdown_minutes: Annotated[int, Field(ge=0)] | None = Field(
        default=None,
        description="Idle shutdown for every role that does not set its own idle_shutdown_minutes; 0 = never.",
    )


def normalize_role(name: str) -> str:
    return name.replace("-", "_")


class Manifest(Strict):
    """The whole of `reasoning.yaml`."""

    version: Literal[1] = Field(description="Manifest format version.")
    project: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,39}$")] = Field(
        description="Names every remote resource: endpoint `<project>-<role>`."
    )
    provider: SimulatorProvider | TogetherProvider = Field(
        default_factory=lambda: SimulatorProvider(type="simulator"),
        discriminator="type",
        description="Who runs the models.",
    )
    store: Store = Field(default_factory=Store, description="Where state, events and the lock live.")
    budget: GlobalBudget = Field(default_factory=GlobalBudget, description="Spend limits for all roles.")
    defaults: Defaults = Field(default_factory=Defaults, description="Values every role takes unless it sets its own.")
    models: dict[str, Role] = Field(description="Roles, each served by one endpoint.")
    training_data: TrainingData = Field(
        default_factory=TrainingData, description="What is recorded for fine-tuning, how much and for how long."
    )
    proxy: Proxy = Field(
        default_factory=Proxy, description="The gateway agents call: routing to roles, fallback upstreams."
    )

    @model_validator(mode="before")
    @classmethod
    def _role_defaults(cls, data: object) -> object:
        # `defaults:` fills what a role leaves out; a role's own value wins
        if not isinstance(data, dict) or not isinstance(data.get("defaults"), dict):
            return data
        minutes = data["defaults"].get("idle_shutdown_minutes")
        models = data.get("models")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 0 or not isinstance(models, dict):
            return data
        filled = {
            name: {"idle_shutdown_minutes": minutes, **role} if isinstance(role, dict) else role
            for name, role in models.items()
        }
        return {**data, "models": filled}

    @field_validator("project", mode="before")
    @classmethod
    def _project_name(cls, value: object) -> object:
        # runs before the pattern check, whose message would be the bare regular expression
        if isinstance(value, str) and not re.match(r"^[a-z][a-z0-9-]{0,39}$", value):
            raise ValueError("must be lower-case letters, digits and -, starting with a letter (at most 40)")
        return value

    @field_validator("models", mode="before")
    @classmethod
    def _role_names(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        # Messages start with the role's own path so the loader points at its line, not at `models:`.
        normalized: dict[str, object] = {}
        spelled: dict[str, str] = {}
        for name, role in value.items():
            if not isinstance(name, str) or not re.match(r"^[a-z][a-z0-9_-]{0,29}$", name):
                where = f"{name}: " if re.fullmatch(r"[\w-]+", str(name)) else ""
                raise ValueError(f"{where}role name '{name}' must be lower-case letters, digits, - or _ (at most 30)")
            key = normalize_role(name)
            if key in normalized:
                raise ValueError(f"{name}: role '{key}' is declared twice, as '{spelled[key]}' and as '{name}'")
            normalized[key], spelled[key] = role, name
        return normalized

    @model_validator(mode="after")
    def _references(self) -> Manifest:
        for role in self.models:
            if len(self.endpoint_name(role)) > 63:
                raise ValueError(
                    f"models.{role}: endpoint name '{self.endpoint_name(role)}' is over 63 characters; "
                    "shorten project or role"
                )
        # every reference to a role that is not there, so removing a role is one round of edits
        dangling: dict[str, list[str]] = {}
        for index, rule in enumerate(self.proxy.routing):
            if normalize_role(rule.to) not in self.models:
                dangling.setdefault(rule.to, []).append(f"proxy.routing[{index}].to")
        for name, role in self.proxy.model_map.items():
            if normalize_role(role) not in self.models:
                dangling.setdefault(role, []).append(f"proxy.model_map.{name}")
        for role in self.proxy.model_map_prompts:
            if normalize_role(role) not in self.models:
                dangling.setdefault(role, []).append(f"proxy.model_map_prompts.{role}")
        if dangling:
            role, paths = next(iter(dangling.items()))
            every = [path for paths_ in dangling.values() for path in paths_]
            also = f"; remove or change every reference: {', '.join(every)}" if len(every) > 1 else ""
            raise ValueError(
                f"{paths[0]}: no role named '{role}' in models{also} (or keep the role with enabled: false)"
            )
        return self

    # Where the manifest came from: set by the loader, used to place errors and relative paths.
    _source: Any = PrivateAttr(default=None)
    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)

    def endpoint_name(self, role: str) -> str:
        return endpoint_name(self.project, role)

    def where(self, *loc: str | int) -> str:
        """`reasoning.yaml:12` for a field path, for messages about valid-but-unusable values."""
        return self._source.where(*loc) if self._source is not None else "reasoning.yaml"

    def path(self, relative: str) -> Path:
        """A path written in the manifest, resolved against the manifest's directory."""
        return (self._base_dir / relative).resolve()


def endpoint_name(project: str, role: str) -> str:
    """The remote identity of a role: Together endpoint names allow [a-z0-9-]."""
    return f"{project}-{role.replace('_', '-')}"


__all__ = [
    "WELL_KNOWN_ROLES",
    "Budget",
    "Circuit",
    "Defaults",
    "GlobalBudget",
    "Manifest",
    "Proxy",
    "Replicas",
    "Role",
    "RouteRule",
    "ShutdownWindow",
    "SimulatorProvider",
    "Store",
    "TogetherProvider",
    "TokenPrice",
    "TrainingData",
    "endpoint_name",
    "parse_duration",
]
