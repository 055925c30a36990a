"""A labeled corpus for redaction: secrets in the surroundings people paste them in, and the
look-alikes agents' traffic is full of, with the scoring both the tests and
`bench/redact_eval.py` use.

Secrets are generated from each vendor's documented format with a fixed seed rather than written
out, so the source holds no string a secret scanner would flag and every run sees the same
corpus. `source="gitleaks"` marks look-alikes taken from gitleaks' own false-positive lists
(github.com/gitleaks/gitleaks, cmd/generate/config/rules/generic.go; MIT licence, (c) 2019
Zachary Rice): examples the patterns were not written against.
"""

from __future__ import annotations

import base64
import json
import random
import string
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

KINDS = ("private_key", "api_key", "token", "password", "national_id", "credit_card", "email", "ip_address", "phone")
CREDENTIAL_KINDS = ("private_key", "api_key", "token", "password")


@dataclass(frozen=True)
class Secret:
    kind: str
    value: str


@dataclass(frozen=True)
class Case:
    """One string; `secrets` must all be gone from its redacted form, and nothing else may go.
    A look-alike has no secrets and says which kind it `looks_like`."""

    text: str
    secrets: tuple[Secret, ...] = ()
    looks_like: str = ""
    source: str = "ours"


_rng = random.Random(12)
_B64 = string.ascii_letters + string.digits + "+/"
_B64URL = string.ascii_letters + string.digits + "-_"
_ALNUM = string.ascii_letters + string.digits
_HEX = "0123456789abcdef"
_UPPER = string.ascii_uppercase + string.digits


def _r(alphabet: str, n: int) -> str:
    while True:
        value = "".join(_rng.choice(alphabet) for _ in range(n))
        # a real key mixes what its alphabet has; a draw of letters only would test less
        mixed = all(
            any(c in kind for c in value) for kind in (string.digits, string.ascii_letters) if set(kind) & set(alphabet)
        )
        if n < 8 or mixed:
            return value


def _luhn_complete(prefix: str, length: int) -> str:
    body = prefix + "".join(_rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    for check in string.digits:
        candidate = body + check
        total = 0
        for index, char in enumerate(reversed(candidate)):
            digit = int(char)
            if index % 2:
                digit = digit * 2 - 9 if digit > 4 else digit * 2
            total += digit
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


def _b64url_json(value: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode().rstrip("=")


def _jwt() -> str:
    header = _b64url_json({"alg": "HS256", "typ": "JWT"})
    payload = _b64url_json({"sub": str(_rng.randint(10**6, 10**7)), "name": "Ana", "iat": 1732435200})
    return f"{header}.{payload}.{_r(_B64URL, 43)}"


def _pem_lines(first: str, lines: int, width: int = 64) -> list[str]:
    body = first + _r(_B64, width * lines - len(first))
    return [body[i : i + width] for i in range(0, len(body), width)]


def _pem(label: str, first: str, lines: int = 6, width: int = 64) -> str:
    body = "\n".join(_pem_lines(first, lines, width))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----"


def _ssn() -> str:
    area = _rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{_rng.randint(1, 99):02d}-{_rng.randint(1, 9999):04d}"


def _ipv4() -> str:
    first = _rng.choice([23, 34, 52, 81, 104, 151, 185, 198, 203, 212])
    return f"{first}.{_rng.randint(0, 255)}.{_rng.randint(0, 255)}.{_rng.randint(1, 254)}"


# -- generators: one per secret shape, each a (kind, value) ----------------------------------

Gen = Callable[[], Secret]


def _s(kind: str, make: Callable[[], str]) -> Gen:
    return lambda: Secret(kind, make())


GENERATORS: dict[str, Gen] = {
    "rsa_pem": _s("private_key", lambda: _pem("RSA PRIVATE KEY", "MIIEowIBAAKCAQEA", 8)),
    "ec_pem": _s("private_key", lambda: _pem("EC PRIVATE KEY", "MHcCAQEEI", 3)),
    "pkcs8_pem": _s("private_key", lambda: _pem("PRIVATE KEY", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", 8)),
    "openssh_pem": _s(
        "private_key", lambda: _pem("OPENSSH PRIVATE KEY", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ", 5, 70)
    ),
    "pgp_pem": _s(
        "private_key",
        lambda: (
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n"
            + "\n".join(_pem_lines("lQOYBG", 6))
            + f"\n={_r(_B64, 4)}\n-----END PGP PRIVATE KEY BLOCK-----"
        ),
    ),
    "encrypted_pem": _s(
        "private_key",
        lambda: (
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,"
            + _r(_HEX, 32).upper()
            + "\n\n"
            + "\n".join(_pem_lines("", 6))
            + "\n-----END RSA PRIVATE KEY-----"
        ),
    ),
    "age": _s("private_key", lambda: "AGE-SECRET-KEY-1" + _r("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58)),
    "aws_id": _s("api_key", lambda: "AKIA" + _r(string.ascii_uppercase + "234567", 16)),
    "aws_sts_id": _s("api_key", lambda: "ASIA" + _r(string.ascii_uppercase + "234567", 16)),
    "aws_secret": _s("api_key", lambda: _r(_B64, 40)),
    "azure_account_key": _s("api_key", lambda: _r(_B64, 86) + "=="),
    "azure_ad_secret": _s("api_key", lambda: _r(_ALNUM, 3) + "8Q~" + _r(_ALNUM + "_~.-", 34)),
    "azure_sas_sig": _s("api_key", lambda: _r(_ALNUM, 30) + "%3D"),
    "github_classic": _s("api_key", lambda: "ghp_" + _r(_ALNUM, 36)),
    "github_oauth": _s("api_key", lambda: "gho_" + _r(_ALNUM, 36)),
    "github_fine": _s("api_key", lambda: "github_pat_11" + _r(_UPPER, 20) + "_" + _r(_ALNUM, 59)),
    "gitlab": _s("api_key", lambda: "glpat-" + _r(_ALNUM + "-_", 20)),
    "slack_bot": _s(
        "api_key", lambda: f"xoxb-{_rng.randint(10**10, 10**11)}-{_rng.randint(10**11, 10**12)}-{_r(_ALNUM, 24)}"
    ),
    "slack_user": _s(
        "api_key", lambda: f"xoxp-{_rng.randint(10**10, 10**11)}-{_rng.randint(10**11, 10**12)}-{_r(_HEX, 32)}"
    ),
    "slack_webhook": _s(
        "api_key", lambda: f"https://hooks.slack.com/services/T{_r(_UPPER, 8)}/B{_r(_UPPER, 8)}/{_r(_ALNUM, 24)}"
    ),
    "stripe_live": _s("api_key", lambda: "sk_live_" + _r(_ALNUM, 24)),
    "stripe_restricted": _s("api_key", lambda: "rk_live_" + _r(_ALNUM, 24)),
    "stripe_webhook": _s("api_key", lambda: "whsec_" + _r(_ALNUM, 32)),
    "openai_project": _s("api_key", lambda: "sk-proj-" + _r(_B64URL, 58) + "T3BlbkFJ" + _r(_B64URL, 58)),
    "openai_legacy": _s("api_key", lambda: "sk-" + _r(_ALNUM, 20) + "T3BlbkFJ" + _r(_ALNUM, 20)),
    "anthropic": _s("api_key", lambda: "sk-ant-api03-" + _r(_B64URL, 93) + "AA"),
    "together": _s("api_key", lambda: _r(_HEX, 64)),
    "together_v1": _s("api_key", lambda: "tgp_v1_" + _r(_B64URL, 43)),
    "huggingface": _s("api_key", lambda: "hf_" + _r(string.ascii_letters, 34)),
    "npm": _s("api_key", lambda: "npm_" + _r(_ALNUM, 36)),
    "pypi": _s("api_key", lambda: "pypi-AgEIcHlwaS5vcmc" + _r(_B64URL, 70)),
    "google_api": _s("api_key", lambda: "AIza" + _r(_B64URL, 35)),
    "google_oauth_secret": _s("api_key", lambda: "GOCSPX-" + _r(_B64URL, 28)),
    "sendgrid": _s("api_key", lambda: f"SG.{_r(_B64URL, 22)}.{_r(_B64URL, 43)}"),
    "twilio": _s("api_key", lambda: "SK" + _r(_HEX, 32)),
    "mailgun": _s("api_key", lambda: "key-" + _r(_HEX, 32)),
    "mailchimp": _s("api_key", lambda: _r(_HEX, 32) + "-us21"),
    "telegram": _s("api_key", lambda: f"{_rng.randint(10**8, 10**9)}:AA{_r(_B64URL, 33)}"),
    "shopify": _s("api_key", lambda: "shpat_" + _r(_HEX, 32)),
    "digitalocean": _s("api_key", lambda: "dop_v1_" + _r(_HEX, 64)),
    "databricks": _s("api_key", lambda: "dapi" + _r(_HEX, 32)),
    "linear": _s("api_key", lambda: "lin_api_" + _r(_ALNUM, 40)),
    "groq": _s("api_key", lambda: "gsk_" + _r(_ALNUM, 52)),
    "replicate": _s("api_key", lambda: "r8_" + _r(_ALNUM, 37)),
    "xai": _s("api_key", lambda: "xai-" + _r(_ALNUM, 80)),
    "perplexity": _s("api_key", lambda: "pplx-" + _r(_ALNUM, 48)),
    "vault": _s("api_key", lambda: "hvs." + _r(_B64URL, 90)),
    "doppler": _s("api_key", lambda: "dp.pt." + _r(_ALNUM, 43)),
    "postman": _s("api_key", lambda: f"PMAK-{_r(_HEX, 24)}-{_r(_HEX, 34)}"),
    "mistral": _s("api_key", lambda: _r(_ALNUM, 32)),
    "datadog": _s("api_key", lambda: _r(_HEX, 32)),
    "jwt": _s("token", _jwt),
    "bearer": _s("token", lambda: _r(_B64URL, 40)),
    "opaque_token": _s("token", lambda: _r(_ALNUM, 24)),
    "google_oauth_token": _s("api_key", lambda: "ya29." + _r(_B64URL, 80)),
    "session_cookie": _s("token", lambda: _r(_HEX, 40)),
    "client_secret": _s("token", lambda: _r(_ALNUM + "-_", 40)),
    "hex_secret": _s("token", lambda: _r(_HEX, 64)),
}

PASSWORDS = [
    "Hunter2RELpass!",
    "hunter2",
    "Tr0ub4dor&3",
    "P@ssw0rd2024",
    "s3cr3t-pa55",
    "Winter2025!",
    "correct-horse-7-battery",
    "qwerty123",
    "MyDogRex#1",
    "zX9!kLm2#qR",
    "letmein99",
    "Admin@123",
    "ch4ng3m3",
    "dr4g0n_fly",
    "N0t$oSecret",
    "pa55w0rd!",
]


def _luhn_cards() -> list[str]:
    return [
        _luhn_complete("4", 16),
        _luhn_complete("51", 16),
        _luhn_complete("2221", 16),
        _luhn_complete("37", 15),
        _luhn_complete("6011", 16),
        _luhn_complete("3530", 16),
        _luhn_complete("36", 14),
        _luhn_complete("62", 16),
        _luhn_complete("4", 13),
    ]


def _grouped(number: str) -> str:
    if len(number) == 15:
        return f"{number[:4]} {number[4:10]} {number[10:]}"
    if len(number) == 14:
        return f"{number[:4]} {number[4:10]} {number[10:]}"
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


# -- positives ---------------------------------------------------------------------------------


def _one(template: str, secret: Secret) -> Case:
    return Case(template.format(s=secret.value), (secret,))


def _positives() -> Iterable[Case]:
    g = {name: make for name, make in GENERATORS.items()}

    # private keys, pasted whole, inside JSON, cut off, as a body without its header
    for name in ("rsa_pem", "ec_pem", "pkcs8_pem", "openssh_pem", "pgp_pem", "encrypted_pem"):
        yield _one("Here is the key from the server, why does ssh reject it?\n\n{s}\n\nThanks!", g[name]())
    key = g["rsa_pem"]()
    yield _one("```\n{s}\n```", key)
    sa_key = g["pkcs8_pem"]()
    service_account = {
        "type": "service_account",
        "project_id": "acme-prod-123",
        "private_key_id": _r(_HEX, 40),
        "private_key": sa_key.value + "\n",
        "client_email": "deployer@acme-prod-123.iam.gserviceaccount.com",
        "client_id": str(_rng.randint(10**20, 10**21)),
    }
    yield Case(
        "my GOOGLE_APPLICATION_CREDENTIALS file: " + json.dumps(service_account, indent=2),
        # as the text holds it: inside a JSON string, its line breaks are `\n` escapes
        (
            Secret("private_key", json.dumps(sa_key.value)[1:-1]),
            Secret("email", "deployer@acme-prod-123.iam.gserviceaccount.com"),
        ),
    )
    cut = g["rsa_pem"]().value.rsplit("\n", 3)[0]
    yield Case(f"the key starts like this:\n{cut}\n", (Secret("private_key", cut.split("\n", 1)[1]),))
    body = g["rsa_pem"]().value.split("\n", 1)[1].rsplit("\n", 1)[0]
    yield Case(f"pasting just the base64 of id_rsa:\n{body}\n", (Secret("private_key", body),))
    yield _one("age key for sops: {s}", g["age"]())

    # AWS: access key ids anywhere; secrets in context
    aws_id, aws_secret = g["aws_id"](), g["aws_secret"]()
    yield Case(
        f"[default]\naws_access_key_id = {aws_id.value}\n"
        f"aws_secret_access_key = {aws_secret.value}\nregion = us-east-1",
        (aws_id, aws_secret),
    )
    aws_id, aws_secret = g["aws_id"](), g["aws_secret"]()
    yield Case(
        f"export AWS_ACCESS_KEY_ID={aws_id.value}\nexport AWS_SECRET_ACCESS_KEY={aws_secret.value}",
        (aws_id, aws_secret),
    )
    sts_id, sts_secret, sts_token = g["aws_sts_id"](), g["aws_secret"](), Secret("token", _r(_B64, 200))
    yield Case(
        json.dumps(
            {
                "Credentials": {
                    "AccessKeyId": sts_id.value,
                    "SecretAccessKey": sts_secret.value,
                    "SessionToken": sts_token.value,
                    "Expiration": "2026-11-24T10:00:00Z",
                }
            }
        ),
        (sts_id, sts_secret, sts_token),
    )
    yield _one("boto3 fails with key {s}, is it revoked?", g["aws_id"]())
    yield Case(
        "aws creds: key AKIAIOSFODNN7EXAMPLE secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        (Secret("api_key", "AKIAIOSFODNN7EXAMPLE"), Secret("api_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")),
    )
    aws_secret = g["aws_secret"]()
    yield _one("the aws secret key is {s}", aws_secret)

    # Azure
    account_key = g["azure_account_key"]()
    yield _one(
        "DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey={s};EndpointSuffix=core.windows.net",
        account_key,
    )
    yield _one(
        "Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={s}",
        g["azure_account_key"](),
    )
    yield _one(
        "https://acme.blob.core.windows.net/backups/db.bak?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-12-01&sig={s}",
        g["azure_sas_sig"](),
    )
    yield _one("AZURE_CLIENT_SECRET={s}", g["azure_ad_secret"]())
    yield _one('az login --service-principal -u 5f1c... -p "{s}" --tenant acme', g["azure_ad_secret"]())

    # vendor tokens, each in a few surroundings
    surroundings = [
        "my key is {s}",
        "export TOKEN_VALUE={s}",
        'client = Client("{s}")',
        "Error: 401 Unauthorized (key {s} is invalid)",
        "  - name: deploy\n    env:\n      KEY: {s}",
        '{{"credentials": {{"value": "{s}"}}}}',
    ]
    vendors = [
        "github_classic",
        "github_oauth",
        "github_fine",
        "gitlab",
        "slack_bot",
        "slack_user",
        "stripe_live",
        "stripe_restricted",
        "stripe_webhook",
        "openai_project",
        "openai_legacy",
        "anthropic",
        "together_v1",
        "huggingface",
        "npm",
        "pypi",
        "google_api",
        "google_oauth_secret",
        "google_oauth_token",
        "sendgrid",
        "twilio",
        "mailgun",
        "mailchimp",
        "telegram",
        "shopify",
        "digitalocean",
        "databricks",
        "linear",
        "groq",
        "replicate",
        "xai",
        "perplexity",
        "vault",
        "doppler",
        "postman",
    ]
    for index, name in enumerate(vendors):
        yield _one(surroundings[index % len(surroundings)], g[name]())
    yield _one("post to {s} when the build breaks", g["slack_webhook"]())
    yield _one("git clone https://oauth2:{s}@gitlab.com/acme/app.git", g["gitlab"]())
    yield _one("//registry.npmjs.org/:_authToken={s}", g["npm"]())
    yield _one("[pypi]\n  username = __token__\n  password = {s}", g["pypi"]())
    yield _one("TOGETHER_API_KEY={s}", g["together"]())
    yield _one("curl -H 'Authorization: Bearer {s}' https://api.together.xyz/v1/models", g["together"]())
    yield _one("MISTRAL_API_KEY={s}", g["mistral"]())
    yield _one("DD_API_KEY: {s}", g["datadog"]())
    yield _one('headers = {{"x-api-key": "{s}", "anthropic-version": "2023-06-01"}}', g["anthropic"]())
    yield _one("OPENAI_API_KEY={s} python agent.py", g["openai_project"]())
    yield _one("REL_PROXY_TOKEN={s}", Secret("token", "rel-proxy-" + _r(_ALNUM, 32)))

    # tokens: JWTs, bearer, basic auth, cookies, generic secrets
    yield _one("the id_token I get back is {s}, what's in it?", g["jwt"]())
    yield _one('{{"access_token": "{s}", "token_type": "Bearer", "expires_in": 3600}}', g["jwt"]())
    yield _one("Authorization: Bearer {s}", g["bearer"]())
    yield _one("curl -s -H 'Authorization: Bearer {s}' https://internal.acme.dev/api/users", g["opaque_token"]())
    yield _one("fetch(url, {{ headers: {{ Authorization: `Bearer {s}` }} }})", g["bearer"]())
    yield _one("Cookie: _gitlab_session={s}; path=/", g["session_cookie"]())
    yield _one("Set-Cookie: sessionid={s}; HttpOnly; Secure", g["session_cookie"]())
    yield _one('GITHUB_CLIENT_SECRET="{s}"', g["client_secret"]())
    yield _one("webhook_secret: {s}", g["hex_secret"]())
    yield _one("SECRET_KEY_BASE={s}", Secret("token", _r(_HEX, 128)))
    yield _one('app.config["SECRET_KEY"] = "{s}"', g["opaque_token"]())
    yield _one("refresh_token={s}&grant_type=refresh_token", g["opaque_token"]())
    yield _one("the token for the staging cluster is {s}", g["opaque_token"]())
    yield _one("kubectl --token={s} get pods", g["bearer"]())

    # passwords: config, code, URLs, prose
    p = iter(PASSWORDS * 3)
    password_templates = [
        "password: {s}",
        "pwd={s}",
        "passwd={s}",
        '{{"username": "admin", "password": "{s}"}}',
        "DB_PASSWORD={s}",
        "my password is {s}",
        "my password is {s} but it doesn't work on the VPN",
        "The password for the staging db is {s}",
        "Server=db;Database=app;User Id=sa;Password={s};",
        "postgres://app:{s}@db.internal:5432/app",
        "redis://default:{s}@cache.acme.io:6379/0",
        "mysql -u root -p{s} app < dump.sql",
        "curl -u admin:{s} https://jenkins.acme.io/api/json",
        'conn = psycopg.connect(host="db", user="app", password="{s}")',
        "<password>{s}</password>",
        "PGPASSWORD={s} psql -h db -U app",
        "spring.datasource.password={s}",
        "  redis:\n    host: cache\n    password: {s}\n",
        "login with password {s} then change it",
        "wifi pass: {s}",
        "smtp_pass = '{s}'",
        "docker login -u ci --password {s} registry.acme.io",
        "ftp://deploy:{s}@files.acme.io/upload",
        "the root pw is {s}",
    ]
    for template in password_templates:
        yield _one(template, Secret("password", next(p)))
    basic = base64.b64encode(f"admin:{next(p)}".encode()).decode()
    yield _one("Authorization: Basic {s}", Secret("password", basic))
    yield _one('{{"auths": {{"registry.acme.io": {{"auth": "{s}"}}}}}}', Secret("password", basic))

    # national ids
    for template in (
        "ssn: {s}",
        "SSN {s}",
        "Employee: Jane Roe, SSN: {s}, DOB 1984-02-11",
        "my social security number is {s}",
        "| Ana Lima | {s} | Payroll |",
    ):
        yield _one(template, Secret("national_id", _ssn()))
    yield _one("Social Security No. {s}", Secret("national_id", _ssn().replace("-", "")))
    yield _one("SSN: {s}", Secret("national_id", _ssn().replace("-", " ")))
    yield _one("ITIN {s} on the W-7", Secret("national_id", "912-70-" + f"{_rng.randint(1, 9999):04d}"))
    yield _one("NI number: {s}", Secret("national_id", "AB 12 34 56 C"))
    yield _one("National Insurance JT123456A", Secret("national_id", "JT123456A"))
    sin = _luhn_complete(_rng.choice("1234567"), 9)
    yield _one("my SIN is {s}", Secret("national_id", f"{sin[:3]} {sin[3:6]} {sin[6:]}"))

    # cards: every brand, grouped and not, test numbers included (a card is a card)
    for index, number in enumerate(_luhn_cards()):
        shown = _grouped(number) if index % 2 else number
        yield _one(
            ["card {s} exp 04/29 cvv 123", "charge {s} please", "pan={s}"][index % 3], Secret("credit_card", shown)
        )
    yield _one("card 4111 1111 1111 1111 exp 12/29", Secret("credit_card", "4111 1111 1111 1111"))
    yield _one("use 5500005555555559 for the demo", Secret("credit_card", "5500005555555559"))
    yield _one("Visa: 4242-4242-4242-4242", Secret("credit_card", "4242-4242-4242-4242"))

    # addresses
    for template in (
        "ssh ubuntu@{s} -i key.pem",
        "Connection refused: {s}:5432",
        "X-Forwarded-For: {s}",
        "the prod box is at {s}",
        '{{"client_ip": "{s}"}}',
    ):
        yield _one(template, Secret("ip_address", _ipv4()))
    yield _one("from 203.0.113.77", Secret("ip_address", "203.0.113.77"))
    yield _one("listen [{s}]:443", Secret("ip_address", "2001:db8:85a3::8a2e:370:7334"))
    yield _one("peer fe80::1ff:fe23:4567:890a%eth0", Secret("ip_address", "fe80::1ff:fe23:4567:890a"))

    # emails and phones
    for template, value in (
        ("mail john.doe+agents@example.co.uk today", "john.doe+agents@example.co.uk"),
        ("From: Ana <ana_b@mail.example.org>", "ana_b@mail.example.org"),
        ('{"email": "li.wei@acme.io"}', "li.wei@acme.io"),
        ("git config user.email dev.one@users.noreply.github.com", "dev.one@users.noreply.github.com"),
        ("contact: MARIA.GARCIA@EXAMPLE.ES", "MARIA.GARCIA@EXAMPLE.ES"),
    ):
        yield Case(template, (Secret("email", value),))
    for template, value in (
        ("call +1 (555) 123-4567 now", "555) 123-4567"),
        ("call 555-123-4567", "555-123-4567"),
        ("tel: (555) 987-6543", "(555) 987-6543"),
        ("ring +44 20 7946 0958", "20 7946 0958"),
        ("WhatsApp +49 30 1234567.", "30 1234567"),
        ("+33 1 23 45 67 89 (bureau)", "1 23 45 67 89"),
        ("toll free 1-800-555-1234", "800-555-1234"),
        ('{"phone": "+61 2 9374 4000"}', "2 9374 4000"),
    ):
        yield Case(template, (Secret("phone", value),))

    # gitleaks' own true positives for its generic rule (generic.go), the random parts drawn here
    for template, kind, value in (
        ("'access_token': '{s}'", "token", "eyJ0eXAioiJKV1slS3oASx=="),
        ('"user_auth": "{s}"', "token", "am9obmRvZTpkMDY5NGIxYi1jMTcxLTQ4ODYt+TMyYS0wMmUwOWQ1/mIwNjc="),
        ('"credentials" : "{s}"', "token", _r(_HEX, 64)),
        ("creds = {s}", "token", _r(_ALNUM, 30)),
        ("private-key: {s}", "token", _r(_ALNUM + "-_.=", 100)),
        ("passwd = {s}", "password", _r(_ALNUM + "-_.=", 30)),
        ('"client_secret" : "{s}",', "token", _r(_HEX, 64)),
        ("mySecretString={s}", "token", _r(_ALNUM, 30)),
        ("todo_secret_do_not_commit = {s}", "token", _r(_ALNUM, 30)),
        (' utils.GetEnvOrDefault("api_token", "{s}")', "token", "dafa7817-e246-48f3-91a7-e87653d587b8"),
    ):
        yield Case(template.format(s=value), (Secret(kind, value),), source="gitleaks")

    # several kinds in one paste
    aws_id, github = g["aws_id"](), g["github_classic"]()
    password = Secret("password", next(p))
    yield Case(
        f"# .env\nAWS_ACCESS_KEY_ID={aws_id.value}\nGITHUB_TOKEN={github.value}\nDB_PASSWORD={password.value}\n"
        "ADMIN_EMAIL=ops@acme.io\n",
        (aws_id, github, password, Secret("email", "ops@acme.io")),
    )


# -- look-alikes -------------------------------------------------------------------------------

_LOOK_ALIKES: dict[str, list[str]] = {
    "api_key": [
        "uuid 123e4567-e89b-12d3-a456-426614174000 and request_id=req_0123456789abcdef",
        "commit 3fd2cc0a1b2c3d4e5f60718293a4b5c6d7e8f901 (HEAD -> main, origin/main)",
        "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  dist/app.tar.gz",
        "image: ghcr.io/acme/api@sha256:4c5f2f1d3b0e9a8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c",
        (
            '"integrity": "sha512-Xj2XQlVa7eA0F4tyG6H4X0mVz9Ud0B6pQzU5b7Wq2u8cX'
            'r1n3yLkP9sT0vN4mJ6hG2fD5aS8eW1qR3tY7uI0oP=="'
        ),
        (
            '<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUl'
            'EQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==">'
        ),
        "msg_01XFDUDYJgAACzvnptvVoYEL is the id of the message",
        '{"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather"}',
        "chatcmpl-9pZx3Q2vW8yT1uR5eN7mK0jH4gF6dS3a finished with stop",
        "customer cus_NffrFeUfNV2Hib paid invoice in_1MtHbELkdIwHu7ixl4OzzPMv",
        "pk_live_51HqLyjWDarjtT1zdp7dcXpAa9mE5m5Kf: the publishable key goes in the page",
        "arn:aws:iam::123456789012:role/deploy and arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef",
        "ULID 01ARZ3NDEKTSV4RRFFQ69G5FAV, nanoid V1StGXR8_Z5jdHi6B-myT",
        "sk-spinner-wandering-cubes-animation and the task-list",
        "OPENAI_API_KEY=sk-... (put your key here)",
        "api_key: <your-api-key>",
        "TOGETHER_API_KEY=${TOGETHER_API_KEY}",
        "api_key=os.environ['TOGETHER_API_KEY']",
        "client = Together(api_key=api_key)",
        "api_key_env: TOGETHER_API_KEY",
        "Set `ANTHROPIC_API_KEY` in your shell, then run `claude`.",
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set",
        'ETag: W/"5e15153d-120f" and If-None-Match',
        "color: #1a2b3c; background: #ffffff; --sk-accent: #0f172a;",
        "the build id is 20261124.3 and the run is 8472910385",
        "base64: SGVsbG8sIFdvcmxkISBUaGlzIGlzIGp1c3QgdGV4dC4=",
        "md5 5d41402abc4b2a76b9719d911017c592, crc32 3610a686",
        "SK-II facial treatment essence, 230 ml",
        "key-value stores like redis and the keyboard shortcut",
        "sk_learn_model_v2 = load('model.pkl')",
        "The Twilio Account SID starts with AC and the API key SID with SK.",
    ],
    "token": [
        "max_tokens=1024 input_tokens: 20 token_count=3 tokens=[1, 2, 3] num_tokens = len(x)",
        "client = Together(api_key=api_key, token=self.token)",
        "token: str = ''",
        'tokenizer.eos_token = "</s>"; tokenizer.pad_token = "<|endoftext|>"',
        '{"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}',
        "Authorization is required; send a Bearer token",
        "the Authorization header",
        "token_type: Bearer",
        "secret = settings.SECRET_KEY",
        "secretKeyRef:\n  name: db-credentials\n  key: password",
        "GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}",
        "export TOKEN=$(vault read -field=token secret/ci)",
        "csrf_token = request.cookies.get('csrftoken')",
        "The session expires after 30 minutes of inactivity.",
        "def verify(token: str) -> Claims:\n    return jwt.decode(token, key, algorithms=['HS256'])",
        "# TODO: rotate the secret every 90 days",
        "the JWT has three parts: header.payload.signature",
        "cookie consent banner: accept all cookies?",
        "next_page_token: null",
        "API_KEY_HEADER=X-Api-Key, JWT_SECRET_ROTATION_DAYS=90, AUTH_PROVIDER=google",
        "TOKEN_URL=https://github.com/login/oauth/access_token",
        "Use a secret manager; never hardcode credentials.",
    ],
    "password": [
        "password = get_password()",
        "token: str = ''  password=None",
        "def check_password(password: str, hashed: bytes) -> bool:",
        "if not password:\n    raise ValueError('password is required')",
        "password_hash = bcrypt.hashpw(password.encode(), bcrypt.gensalt())",
        '"password": {"type": "string", "minLength": 12}',
        '<input type="password" name="password" autocomplete="current-password">',
        "PASSWORD_MIN_LENGTH = 12",
        "the password is incorrect",
        "Your password is too short.",
        "Password: Enter your password",
        "password: ********",
        "passwordVariable: 'PASSWORD'",
        "The password is stored in Vault and rotated weekly.",
        "Forgot your password? Reset it from the login page.",
        "password=password",
        "user.password = new_password",
        "db_password: ${DB_PASSWORD}",
        "postgres://user:password@localhost/app (the default credentials in the docs)",
        "mysql -u root -p",
        "passwords must contain a digit",
        "bypass: true\ncompass: north",
        "PuttyPassword=0",
        "https://user@example.com/path and ssh://git@github.com:22/acme/app.git",
        "PASSWORD_RESET_URL=https://acme.io/reset and TOKEN_TTL=3600",
    ],
    "national_id": [
        "invalid SSNs 000-12-3456, 666-12-3456, 123-00-4567 and 123-45-0000",
        "on 2026-11-24 at 09:00:00Z (2026-11-24T09:00:00+01:00), or 24/11/2026",
        "zip 94103-1234, part no. 123-456-7890-12",
        "ISBN 978-0-306-40615-7 and ISBN-10 0-306-40615-2",
        "ticket SUP-12-3456 and JIRA-4521",
        "serial 900-12-3456 is not an ITIN group",
        "SIN(x) = 0.8415 for x = 1; single 123 456 789",
        "AB123456X and QQ 12 34 56 C",
    ],
    "credit_card": [
        "not a card 4111 1111 1111 1112, an order 1234567890123456",
        "plain integers 5551234567 1700000000 1700000000000 123456789012345678",
        "tracking 9400111899223100001234 via USPS",
        "UPS 1Z999AA10123456784",
        "it costs $1,234.56, €99.99 or 1.234,56 EUR",
        "epoch ms 1732435200000, snowflake id 1234567890123456789",
        "IBAN-like ref 3141 5926 5358 9793 (pi digits)",
        "invoice 2026-000123-4567",
    ],
    "email": [
        "npm install lodash@4.17.21 @types/node@20.1.0 react@latest",
        "git remote add origin git@github.com:acme/app.git",
        "def f(x):\n    return x @ self.w\n\n@property\ndef g(self): ...",
        "@media screen and (max-width: 600px) { .a { color: red } }",
        "user@localhost and root@127.0.0.1 are local",
        "pip install 'requests>=2.31' ; brew install node@20",
        "tag the reviewer @ana-lima and @dev.one in the PR",
        "docker pull nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31",
    ],
    "ip_address": [
        "version 1.2.3, v10.0.19041.1 and python 3.11.7",
        "loopback 127.0.0.1:8001, bind 0.0.0.0, ::1 and localhost",
        "at 12:30:45, mac 00:1A:2B:3C:4D:5E, std::vector<int>, a::b, http://example.com:8080/x",
        "ids 10.5.3 and 1.0.0.0.1",
        "OID 1.3.6.1.4.1.311.21.7 in the certificate",
        "version 2.0.0.1 of the driver",
        "allow 10.0.0.0/8 and 192.168.0.0/16 in the security group",
        "timestamps 10:15:30.123 and 23:59:59",
        "Rust paths like std::io::Result and tokio::sync::mpsc",
        "semver ranges ^1.2.3 || ~2.0.0 and 3.x",
    ],
    "phone": [
        "a+b=12345678 and x+12345678",
        "port 8080, pid 12345, exit code 137",
        "sum: 555 + 123 = 678; range(1, 4567)",
        "PR #4521 merged at 2026-11-24 10:15",
        "error E1234-5678 at line 42",
        "dimensions 1920x1080, 60 fps, 44100 Hz",
        "coordinates 48.8566, 2.3522",
        "the score went from 3.14 to 2.71",
    ],
}

_GITLEAKS_LOOK_ALIKES = [
    '"accessor":"rA1wk0Y45YCufyfq",',
    "report_access_id: e8e4df51-2054-49b0-ab1c-516ac95c691d",
    'accessibilityYesOptionId = "0736f5ef-7e88-499a-80cc-90c85d2a5180"',
    'this.ultraPictureBox1.Name = "ultraPictureBox1";',
    "rapidstring:marm64-uwp=fail",
    "event-bus-message-api:rc0.15.0_20231217_1420-SNAPSHOT'",
    "COMMUNICATION_API_VERSION=rc0.13.0_20230412_0712-SNAPSHOT",
    "MantleAPI_version=9a038989604e8da62ecddbe2094b16ce1b778be1",
    "[DEBUG]\t\torg.slf4j.slf4j-api:jar:1.7.8.:compile (version managed from default)",
    "apiUrl=apigee.corpint.com",
    'X-API-Name": "NRG0-Hermes-INTERNAL-API",',
    "X-MS-Exchange-Organization-AuthSource: sm02915.int.contoso.com",
    "Authentication-Results: 5h.ca.iphmx.com",
    "credentialsId: 'ff083f76-7804-4ef1-80e4-fe975bb9141b'",
    "jobCredentialsId: 'f4aeb6bc-2a25-458a-8111-9be9e502c0e7'",
    'environment {\n\tCREDENTIALS_ID = "K8S_CRED"\n}',
    "dev.credentials.url=dev-lb1.api.f4ke.com:5215",
    'keyword: "Befaehigung_P2"',
    "pub const X509_pubkey_st = struct_X509_pubkey_st;",
    "|| pIdxKey->default_rc==0",
    "monkeys-audio:mx64-uwp=fail",
    '<entry key="jetbrains.mps.v8_elimination" value="executed" />',
    "IceSSL.KeyFile=s_rsa1024_priv.pem",
    '"bucket_key": "SalesResults-1.2"',
    "schemaKey = 'DOC_Vector_5_32'",
    'sequenceKey = "18"',
    "app.keystore.file=env/cert.p12",
    "-DKEYTAB_FILE=/tmp/app.keytab",
    "\tdoc.Security.KeySize = PdfEncryptionKeySize.Key128Bit;",
    "o.keySelector=n,o.haKey=!1,",
    "key_length = XSalsa20.key_length",
    "KeyPair = X25519.KeyPair",
    "            keyPressed = kVK_Return.u16",
    "password combination.\n\nR5: Regulatory--21",
    'LLM_SECRET_NAME = "NEXUS-GPT4-API-KEY"',
    "  <UserSecretsId>79a3edd0-2092-40a2-a04d-dcb46d5ca9ed</UserSecretsId>",
    "secret_length = X25519.secret_length",
    "secretSize must be >= XXH3_SECRET_SIZE_MIN",
    "    access_token_url='https://github.com/login/oauth/access_token',",
    '<SourceFile SourceLocation="F:\\Extracts\\" TokenFile="RTL_INST_CODE.cer">',
    'notes            = "Maven - io.jsonwebtoken:jjwt-jackson-0.11.2"',
    'clientId = "73082700-1f09-405b-80d0-3131bfd6272d"',
    "GITHUB_API_KEY=\nDYNATRACE_API_KEY=",
    "snowflake.password=\njdbc.snowflake.url=",
    "import { chain_Anvil1_Key, chain_Anvil2_Key } from '../blockchain-tests/pallets/supported-chains/consts';",
    'SRCREV_moby = "43fc912ef59a83054ea7f6706df4d53a7dea4d80"',
    'LIC_FILES_CHKSUM = "file://${WORKDIR}/license.html;md5=5c94767cedb5d6987c902ac850ded2c6"',
]


def _look_alikes() -> Iterable[Case]:
    for kind, texts in _LOOK_ALIKES.items():
        for text in texts:
            yield Case(text, looks_like=kind)
    for text in _GITLEAKS_LOOK_ALIKES:
        yield Case(text, looks_like="token", source="gitleaks")


CASES: list[Case] = [*_positives(), *_look_alikes()]


# -- scoring -----------------------------------------------------------------------------------

#: What a detector returns for a text: the spans it would redact, each with the kind it names.
Spans = list[tuple[int, int, str]]


@dataclass
class Tally:
    caught: int = 0  # labeled secrets no longer in the text
    missed: int = 0
    hits: int = 0  # redacted spans that touch a labeled secret
    false: int = 0  # redacted spans that touch none

    @property
    def recall(self) -> float:
        return self.caught / (self.caught + self.missed) if self.caught + self.missed else 1.0

    @property
    def precision(self) -> float:
        return self.hits / (self.hits + self.false) if self.hits + self.false else 1.0


@dataclass
class Scores:
    by_kind: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    overall: Tally = field(default_factory=Tally)
    missed: list[tuple[Case, Secret]] = field(default_factory=list)
    false: list[tuple[Case, str]] = field(default_factory=list)

    def subset(self, kinds: Iterable[str]) -> Tally:
        total = Tally()
        for kind in kinds:
            tally = self.by_kind[kind]
            total.caught += tally.caught
            total.missed += tally.missed
            total.hits += tally.hits
            total.false += tally.false
        return total


def apply(text: str, spans: Spans) -> str:
    """`text` with `spans` replaced by markers, as a redactor would store it."""
    pieces: list[str] = []
    done = 0
    for start, end, kind in sorted(spans):
        start = max(start, done)
        if start >= end:
            continue
        pieces += [text[done:start], f"[REDACTED:{kind}]"]
        done = end
    return "".join(pieces) + text[done:]


def merged(spans: Spans) -> Spans:
    """Overlapping spans as one (the first's kind), so a detector that reports a key three times
    is not credited three hits or charged three false positives."""
    out: Spans = []
    for start, end, kind in sorted(spans):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end), out[-1][2])
        else:
            out.append((start, end, kind))
    return out


def score(detect: Callable[[str], Spans], cases: Iterable[Case] = CASES) -> Scores:
    """Recall per labeled kind: the secret's text is gone from the redacted string. Precision per
    the kind the detector named: a span is a hit when it overlaps a labeled secret."""
    scores = Scores()
    for case in cases:
        spans = merged(detect(case.text))
        redacted = apply(case.text, spans)
        for secret in case.secrets:
            tally = scores.by_kind[secret.kind]
            if secret.value in redacted:
                tally.missed += 1
                scores.overall.missed += 1
                scores.missed.append((case, secret))
            else:
                tally.caught += 1
                scores.overall.caught += 1
        where = [
            (at, at + len(secret.value)) for secret in case.secrets for at in _occurrences(case.text, secret.value)
        ]
        for start, end, kind in spans:
            tally = scores.by_kind[kind]
            if any(start < stop and begin < end for begin, stop in where):
                tally.hits += 1
                scores.overall.hits += 1
            else:
                tally.false += 1
                scores.overall.false += 1
                scores.false.append((case, case.text[start:end]))
    return scores


def _occurrences(text: str, value: str) -> Iterable[int]:
    at = text.find(value)
    while at >= 0:
        yield at
        at = text.find(value, at + 1)
