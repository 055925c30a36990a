"""The held-out split: written before the classifier, never tuned against."""

from __future__ import annotations

from tests.runtime.routing_data.build import item
from tests.runtime.routing_data.shapes import (
    AVA,
    DEX,
    ELIZA,
    KAI,
    LUNA,
    MIRA,
    SPARTAN,
    ToolCall,
    aider,
    anthropic_tools,
    ask,
    autocoder,
    chat,
    claude_code,
    claude_code_summary,
    claude_code_title,
    cline,
    eliza_plan,
    eliza_post,
    eliza_python_anthropic_bug,
    eliza_reply,
    eliza_should_respond,
    openhands,
)

C, N = "coding", "not_coding"

_USERS_TS = """import { Router } from "express";
import { db } from "../db";

const router = Router();

router.get("/users", async (req, res) => {
  const users = await db.user.findMany({ orderBy: { createdAt: "desc" } });
  res.json(users);
});

export default router;"""


def _numbered(text: str) -> str:
    return "\n".join(f"{index:>6}\u2192{line}" for index, line in enumerate(text.splitlines(), 1))


_PYTEST_FAIL = """============================= test session starts ==============================
platform linux -- Python 3.12.3, pytest-8.3.2, pluggy-1.5.0
rootdir: /home/dev/invoicer
collected 48 items

tests/test_totals.py ....F...                                            [ 16%]
tests/test_tax.py ......F.                                               [ 33%]

=================================== FAILURES ===================================
_______________________________ test_discount_cap _______________________________

    def test_discount_cap():
        inv = Invoice(lines=[Line(amount=Decimal("100.00"))], discount=Decimal("1.5"))
>       assert inv.total() == Decimal("0.00")
E       AssertionError: assert Decimal('-50.00') == Decimal('0.00')

tests/test_totals.py:41: AssertionError
____________________________ test_reverse_charge_eu _____________________________
tests/test_tax.py:77: in test_reverse_charge_eu
    assert tax_for(customer).rate == 0
E   AttributeError: 'NoneType' object has no attribute 'rate'
=========================== short test summary info ============================
FAILED tests/test_totals.py::test_discount_cap - AssertionError
FAILED tests/test_tax.py::test_reverse_charge_eu - AttributeError
========================= 2 failed, 46 passed in 1.84s ========================="""

_GREP_JWT = """src/auth/tokens.py:12:ACCESS_TOKEN_TTL = timedelta(minutes=15)
src/auth/tokens.py:13:REFRESH_TOKEN_TTL = timedelta(days=30)
src/auth/tokens.py:41:    payload = {"sub": user.id, "exp": now + ACCESS_TOKEN_TTL}
src/settings.py:88:    jwt_expiry_minutes: int = 15
tests/auth/test_tokens.py:22:    assert decoded["exp"] - decoded["iat"] == 900"""

_GIT_DIFF = """diff --git a/src/cache.py b/src/cache.py
index 3b18e51..a9c0f12 100644
--- a/src/cache.py
+++ b/src/cache.py
@@ -14,11 +14,15 @@ class TTLCache:
     def get(self, key):
-        value, expires = self._data[key]
-        if expires < time.monotonic():
-            del self._data[key]
-            return None
-        return value
+        try:
+            value, expires = self._data[key]
+        except KeyError:
+            return None
+        if expires < time.monotonic():
+            self._data.pop(key, None)
+            return None
+        return value"""

_TSC = """> webapp@0.4.0 typecheck
> tsc --noEmit

src/pages/orders.tsx:58:21 - error TS2322: Type 'string | null' is not assignable to type 'string'.
  Type 'null' is not assignable to type 'string'.

58       <OrderRow id={params.get("id")} />
                       ~~
src/lib/api.ts:14:5 - error TS7006: Parameter 'res' implicitly has an 'any' type.

14   .then(res => res.json())
       ~~~

Found 2 errors in 2 files."""

_RUFF = """app/limits.py:3:1: F401 [*] `typing.Optional` imported but unused
app/limits.py:44:9: E722 Do not use bare `except`
app/views/orders.py:120:89: E501 Line too long (131 > 120)
Found 3 errors.
[*] 1 fixable with the `--fix` option."""

_COMPOSE = """services:
  app:
    build: .
    environment:
      DATABASE_URL: postgres://app:secret@localhost:5432/app
    depends_on:
      - db
  db:
    image: postgres:16
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: secret"""

_WEBPACK_LINE = (
    "<s> [webpack.Progress] 67% building 1204/1530 entries 8811/9240 dependencies 2107/2650 modules "
    "412 active babel-loader!./node_modules/@mui/icons-material/esm/{name}.js\n"
)
_WEBPACK_LOG = "".join(_WEBPACK_LINE.format(name=f"Icon{index:04d}") for index in range(260)) + (
    "webpack 5.91.0 compiled with 2 warnings in 214381 ms\n"
    "WARNING in asset size limit: The following asset(s) exceed the recommended size limit (244 KiB).\n"
    "  main.8d1f2c.js (4.21 MiB)\n"
)

_CLI_PY = """import argparse
import logging

from .sync import run_sync


def main() -> None:
    parser = argparse.ArgumentParser(prog="syncer")
    parser.add_argument("source")
    parser.add_argument("target")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    run_sync(args.source, args.target)"""

_CART_JS = """export function cartTotal(items, discountPct) {
  const subtotal = items.reduce((sum, i) => sum + i.price * i.qty, 0);
  const discount = subtotal * discountPct / 100;
  return Math.round((subtotal - discount) * 100) / 100 || subtotal;
}"""

_DATES_PY = """from datetime import datetime


def parse_date(value: str) -> datetime:
    \"\"\"Parse the dates our partners send.\"\"\"
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise ValueError(f"unknown date format: {value}")"""

ITEMS = [
    # ---------------------------------------------------------------- ElizaOS should-respond
    item(
        "h-sr-luna-zipcode",
        eliza_should_respond(
            LUNA,
            [
                ("kira", "anyone know if the merch store ships to canada?"),
                ("bramble", "it did for me last month"),
                ("kira", "it keeps rejecting my zip code at checkout. Luna can you check?"),
            ],
        ),
        N,
        "should-respond; 'zip code' in a community chat",
    ),
    item(
        "h-sr-ava-promo",
        eliza_should_respond(
            AVA,
            [("dana_ops", "hi Ava, the promo code SPRING25 isn't applying at checkout for the Team plan")],
            "openai",
        ),
        N,
        "should-respond; promo code",
    ),
    item(
        "h-sr-dex-to-someone-else",
        eliza_should_respond(
            DEX,
            [
                ("marco", "my client keeps dropping after 30s, any ideas?"),
                ("jen_k", "@marco try `client.connect({ retries: 3, keepAlive: true })`, the default retries is 0"),
                ("marco", "ah that fixed it, thanks jen!"),
            ],
        ),
        N,
        "should-respond; inline code between two members, agent not addressed",
    ),
    item(
        "h-sr-spartan-wallet",
        eliza_should_respond(
            SPARTAN,
            [("0xwhale", "spartan what's your take on $WIF rn"), ("0xwhale", "let me check my wallet first lol")],
            "openai",
        ),
        N,
        "should-respond; crypto chat ('wallet ' contains 'let ')",
    ),
    item(
        "h-sr-eliza-ball-python",
        eliza_should_respond(
            ELIZA,
            [("neighbor_jo", "Eliza, my neighbor's ball python got out again, is it dangerous for my cat?")],
            runtime="py",
        ),
        N,
        "should-respond, Python runtime; python the snake",
    ),
    item(
        "h-sr-mira-debug-relationship",
        eliza_should_respond(
            MIRA,
            [("sam", "Mira I think I need to debug my relationship lol, we keep having the exact same fight")],
        ),
        N,
        "should-respond; 'debug' used figuratively",
    ),
    item(
        "h-sr-kai-stop",
        eliza_should_respond(
            KAI,
            [
                ("Kai", "Reminder: the Q3 board deck is due Friday 17:00 CET."),
                ("priya", "Kai please stop sending me the reminders, I got it"),
            ],
            "openai",
        ),
        N,
        "should-respond; STOP case",
    ),
    item(
        "h-sr-luna-dresscode",
        eliza_should_respond(
            LUNA,
            [
                ("orin", "who's going to the in-person meetup in Austin?"),
                ("pixelfae", "me!! what's the dress code though"),
                ("pixelfae", "Luna?"),
            ],
        ),
        N,
        "should-respond; dress code",
    ),
    item(
        "h-sr-dex-docs-link",
        eliza_should_respond(
            DEX,
            [("tomasz", "Dex, where are the docs for the websocket client? the link in #resources is 404")],
            "openai",
        ),
        N,
        "should-respond; developer community, asks for a doc link",
    ),
    item(
        "h-sr-spartan-java",
        eliza_should_respond(
            SPARTAN, [("degenmike", "gm frens \u2615 java time before the CPI print, who's long")], runtime="py"
        ),
        N,
        "should-respond, Python runtime; java as coffee",
    ),
    item(
        "h-sr-eliza-movie",
        eliza_should_respond(
            ELIZA,
            [
                ("rhea", "did you guys watch the new Dune yet"),
                ("lou", "yes!! the sound design was insane"),
                ("rhea", "@lou ok I'm going Saturday then"),
            ],
        ),
        N,
        "should-respond; group chat, agent not addressed",
    ),
    item(
        "h-sr-ava-api-down",
        eliza_should_respond(
            AVA,
            [("ops_gareth", "@Ava is the API down? our dashboard shows 502s from your endpoint since 14:00 UTC")],
        ),
        N,
        "should-respond; an outage question from a customer",
    ),
    item(
        "h-sr-dex-stacktrace",
        eliza_should_respond(
            DEX,
            [
                (
                    "noor",
                    "Dex any idea? getting this since 2.3:\nTypeError: Cannot read properties of undefined (reading "
                    "'subscribe')\n    at OrbitClient.connect (node_modules/@orbit/sdk/dist/client.js:88:21)\n"
                    "    at async main (/app/index.js:12:3)",
                )
            ],
        ),
        N,
        "should-respond; a stack trace inside the room, but the task is the respond/ignore decision",
    ),
    item(
        "h-sr-luna-class",
        eliza_should_respond(
            LUNA, [("grimtooth", "which class is best for the new raid, mage or ranger? Luna help")], "openai"
        ),
        N,
        "should-respond; game class",
    ),
    item(
        "h-sr-ava-aws-summit",
        eliza_should_respond(AVA, [("lena", "hey everyone, who's going to the AWS summit next week?")], runtime="py"),
        N,
        "should-respond, Python runtime; tech event small talk",
    ),
    item(
        "h-sr-eliza-rust-game",
        eliza_should_respond(
            ELIZA, [("vex", "anyone playing Rust tonight? new wipe at 8"), ("koda", "im in")], "openai"
        ),
        N,
        "should-respond; Rust the game",
    ),
    # ---------------------------------------------------------------- ElizaOS planning
    item(
        "h-plan-spartan-swap",
        eliza_plan(SPARTAN, [("0xwhale", "swap 2 SOL to USDC on jupiter pls, slippage 0.5")]),
        N,
        "planning; trading action",
    ),
    item(
        "h-plan-ava-refund",
        eliza_plan(
            AVA, [("billing_kim", "I was charged twice for November, invoice INV-20931, can I get a refund?")], "openai"
        ),
        N,
        "planning; billing",
    ),
    item(
        "h-plan-kai-schedule",
        eliza_plan(KAI, [("founder_ana", "book 30 min with Priya and Tom next Tuesday afternoon, Berlin time")]),
        N,
        "planning; scheduling",
    ),
    item(
        "h-plan-dex-snippet",
        eliza_plan(
            DEX,
            [
                ("wes", "hey Dex"),
                ("Dex", "hey wes! what's up?"),
                (
                    "wes",
                    "can you show me how to subscribe to a channel with the SDK in python? a short snippet is fine",
                ),
            ],
        ),
        N,
        "planning; user asks the agent for a snippet, but the request wants the planning XML",
    ),
    item(
        "h-plan-luna-event",
        eliza_plan(
            LUNA, [("moderator_ivy", "can you set up a Discord event for Friday's art contest at 7pm CET?")], "openai"
        ),
        N,
        "planning; event",
    ),
    item(
        "h-plan-eliza-chickpeas",
        eliza_plan(ELIZA, [("marta", "what can I cook tonight with chickpeas, spinach and feta?")]),
        N,
        "planning; cooking",
    ),
    item(
        "h-plan-mira-new-city",
        eliza_plan(MIRA, [("june", "rough day. moved to a new city and I don't know anyone yet")], "openai"),
        N,
        "planning; companion chat",
    ),
    item(
        "h-plan-spartan-contract",
        eliza_plan(
            SPARTAN,
            [
                (
                    "anon_77",
                    "is this token contract legit? 7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU everyone in the tg is "
                    "shilling it",
                )
            ],
        ),
        N,
        "planning; token contract address, no code",
    ),
    item(
        "h-plan-ava-sso",
        eliza_plan(AVA, [("it_admin_raj", "how do I enable SSO with Okta on our account? do we need to upgrade?")]),
        N,
        "planning; account settings",
    ),
    item(
        "h-plan-dex-hackathon",
        eliza_plan(DEX, [("lina", "when does the hackathon submission close and can teams be 5 people?")], "openai"),
        N,
        "planning; developer community logistics",
    ),
    item(
        "h-plan-py-eliza-lisbon",
        eliza_plan(ELIZA, [("user", "Hi Eliza! Any tips for a rainy weekend in Lisbon?")], runtime="py"),
        N,
        "planning, Python runtime (template with ```python in its formatting rules)",
    ),
    item(
        "h-plan-py-eliza-haiku",
        eliza_plan(ELIZA, [("user", "Eliza write me a haiku about TypeScript generics")], runtime="py"),
        N,
        "planning, Python runtime; a poem about a programming topic",
    ),
    item(
        "h-plan-py-kai-email",
        eliza_plan(
            KAI, [("ceo", "draft an email to the investors saying the board meeting moves to the 14th")], runtime="py"
        ),
        N,
        "planning, Python runtime; email",
    ),
    item(
        "h-plan-kai-followup",
        eliza_plan(
            KAI,
            [
                (
                    "legal_ops",
                    "remind me to follow up with the Acme lawyers on Thursday if they haven't sent the redlines",
                )
            ],
            "openai",
        ),
        N,
        "planning; follow-up",
    ),
    item(
        "h-plan-dex-issue",
        eliza_plan(
            DEX,
            [("kofi", "Dex can you open an issue: the python client's retry default is 0 but the docs say 3")],
        ),
        N,
        "planning; agent action CREATE_GITHUB_ISSUE",
    ),
    item(
        "h-plan-spartan-alert",
        eliza_plan(SPARTAN, [("degen_rae", "spartan can you set an alert if $JUP drops under 0.80")], "openai"),
        N,
        "planning; price alert",
    ),
    item(
        "h-plan-luna-scam",
        eliza_plan(LUNA, [("ivy_mod", "someone keeps posting scam links in #general, can you handle it")]),
        N,
        "planning; moderation",
    ),
    item(
        "h-plan-ava-export",
        eliza_plan(AVA, [("acct_bo", "how do I export all my invoices as CSV for my accountant?")], "openai"),
        N,
        "planning; CSV export of invoices",
    ),
    item(
        "h-plan-py-spartan-dca",
        eliza_plan(SPARTAN, [("newbie42", "what's the price of SOL and should I DCA")], runtime="py"),
        N,
        "planning, Python runtime; crypto",
    ),
    item(
        "h-plan-eliza-import-duties",
        eliza_plan(ELIZA, [("mo", "what are the import duties for shipping a guitar from the US to the UK?")]),
        N,
        "planning; 'import' duties",
    ),
    item("h-py-anthropic-empty", eliza_python_anthropic_bug(), N, "elizaos-plugin-anthropic bug: no text at all"),
    item(
        "h-reply-eliza-morse",
        eliza_reply(ELIZA, [("pip", "Eliza do you know Morse code? what's SOS in it")]),
        N,
        "reply template; Morse code",
    ),
    item(
        "h-post-spartan",
        eliza_post(
            SPARTAN,
            "memecoin season",
            "sarcastic",
            ["another day another dog coin", "liquidity is a state of mind"],
        ),
        N,
        "post creation",
    ),
    item(
        "h-post-dex",
        eliza_post(
            DEX,
            "the v2.3 SDK release",
            "excited",
            ["new TypeScript types landed in main", "the python client now reconnects on its own"],
        ),
        N,
        "post creation; release chatter with language names",
    ),
    # ---------------------------------------------------------------- plain chat, not coding
    item("h-chat-api-acronym", ask("what does API stand for? my manager keeps saying it in meetings"), N, "definition"),
    item(
        "h-chat-python-name",
        ask("explain how Python the language got its name", system="You are a helpful assistant."),
        N,
        "history of a programming language",
    ),
    item(
        "h-chat-aws-bill",
        ask(
            "Our AWS bill went from $1,200 to $4,800 this month. We run 3 EC2 m5.large, an RDS Postgres and S3. What "
            "usually causes jumps like that and how do I find out which service it was?",
            api="anthropic",
        ),
        N,
        "DevOps billing",
    ),
    item("h-chat-laptop", ask("best laptop for programming under $1500? I mostly do web dev"), N, "shopping"),
    item("h-chat-bootcamp", ask("is a coding bootcamp worth it at 35 or should I do a CS degree?"), N, "career"),
    item(
        "h-chat-heroku-k8s",
        ask(
            "We're a 6-person startup. Is it worth moving from Heroku to Kubernetes, cost-wise and in terms of ops "
            "time? We have 4 services and one Postgres.",
            api="anthropic",
        ),
        N,
        "infrastructure strategy, no code",
    ),
    item("h-chat-zip", ask("what's the zip code for downtown Portland Oregon"), N, "zip code"),
    item(
        "h-chat-code-of-conduct",
        ask("Draft a short code of conduct for our neighborhood book club, friendly tone, 6 rules max"),
        N,
        "code of conduct",
    ),
    item(
        "h-chat-java-island",
        ask(
            "Planning 10 days in Java and Bali in July \u2014 is that enough time? we like hiking and food",
            api="anthropic",
        ),
        N,
        "Java the island",
    ),
    item("h-chat-rust-bike", ask("How do I get rust off my bike chain without buying special stuff?"), N, "rust"),
    item("h-chat-monty", ask("Give me 5 Monty Python quotes I can use in a wedding toast"), N, "Monty Python"),
    item(
        "h-chat-resume",
        ask(
            "Review my resume summary: 'Senior backend engineer with 8 years building payment APIs in Java and Go, "
            "led the migration to Kubernetes and cut infra cost 30%.' Does it sound too generic?"
        ),
        N,
        "resume review full of tech words",
    ),
    item(
        "h-chat-story-points",
        ask("How should our team do story point estimation? people keep arguing 3 vs 5 for the same ticket"),
        N,
        "engineering process",
    ),
    item(
        "h-chat-gdpr",
        ask("Does GDPR apply if we only store user emails in a Postgres database hosted in the US?"),
        N,
        "compliance",
    ),
    item(
        "h-chat-crypto-tax",
        ask("if I swapped ETH for USDC on Uniswap do I owe taxes in Germany?", api="anthropic"),
        N,
        "crypto tax",
    ),
    item(
        "h-chat-outage-email",
        ask(
            "Write a customer email apologizing for yesterday's 3-hour outage of our API. No technical jargon, "
            "offer a 10% credit."
        ),
        N,
        "customer email about an API outage",
    ),
    item("h-chat-uptime", ask("What's the difference between 99.9% and 99.99% uptime in minutes per month?"), N, "SLA"),
    item(
        "h-chat-eng-notes-summary",
        ask(
            "Summarize these notes into 3 bullets for the exec update:\n- payments migration to the new provider is "
            "80% done, cutover planned for the 12th\n- deploy freeze during Black Friday week\n- hiring: 2 backend "
            "offers out, 1 accepted\n- PR review times went up to 2 days, we'll try a rotation",
            api="anthropic",
        ),
        N,
        "summarize engineering meeting notes",
    ),
    # ---------------------------------------------------------------- plain chat, coding
    item("h-code-reverse-list", ask("how do i reverse a list in python without changing the original"), C, "casual"),
    item(
        "h-code-regex-email",
        ask("need a regex that matches email addresses but not ones ending in .test", api="anthropic"),
        C,
        "regex",
    ),
    item(
        "h-code-sql-index",
        ask(
            "this query takes 40s on 10M rows, what index do I need?\n\nSELECT o.id, o.total FROM orders o JOIN "
            "customers c ON c.id = o.customer_id WHERE c.country = 'DE' AND o.created_at > now() - interval '30 days' "
            "ORDER BY o.created_at DESC LIMIT 50;"
        ),
        C,
        "SQL performance, none of the naive keywords",
    ),
    item(
        "h-code-css-center",
        ask("my div won't center vertically. .card { display: flex; margin: auto; } what am I missing"),
        C,
        "CSS",
    ),
    item(
        "h-code-bash-rename",
        ask(
            "can u make me a lil bash thing that renames all the jpgs in a folder to the date they were taken? im on "
            "mac",
            api="anthropic",
        ),
        C,
        "casual script request",
    ),
    item(
        "h-code-flask-traceback",
        ask(
            "why does this happen when I submit the form?\n\nTraceback (most recent call last):\n  File "
            '"/srv/app/venv/lib/python3.11/site-packages/flask/app.py", line 1473, in wsgi_app\n    response = '
            'self.full_dispatch_request()\n  File "/srv/app/app/views.py", line 58, in signup\n    email = '
            "request.form['email']\nKeyError: 'email'"
        ),
        C,
        "traceback",
    ),
    item(
        "h-code-react-effect",
        ask("useEffect runs twice in dev and I get two API calls, how do I stop that? next 14 app router"),
        C,
        "React question",
    ),
    item(
        "h-code-go-panic",
        ask(
            "my go server panics:\n\npanic: assignment to entry in nil map\n\ngoroutine 18 [running]:\n"
            "main.(*Cache).Set(...)\n\t/app/cache.go:27 +0x4c\nmain.handler(0xc0000a6000)\n\t/app/main.go:41 +0x1a5"
        ),
        C,
        "Go panic",
    ),
    item(
        "h-code-solidity-tax",
        ask(
            "write an ERC20 in solidity with a 2% transfer tax that goes to a treasury wallet, using openzeppelin",
            api="anthropic",
        ),
        C,
        "smart contract code",
    ),
    item(
        "h-code-dockerfile",
        ask(
            "docker build fails with\n\nCOPY failed: file not found in build context or excluded by .dockerignore: "
            "stat package-lock.json: file does not exist\n\nDockerfile:\nFROM node:20-alpine\nWORKDIR /app\nCOPY "
            'package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nCMD ["node", "server.js"]'
        ),
        C,
        "Dockerfile",
    ),
    item("h-code-explain-oneliner", ask("what does this do? `[...new Set(arr)].sort((a,b)=>a-b)`"), C, "explain JS"),
    item(
        "h-code-pytest-slugify",
        ask(
            "write pytest tests for this function:\n\ndef slugify(title: str) -> str:\n    s = title.strip().lower()\n"
            "    s = re.sub(r'[^a-z0-9]+', '-', s)\n    return s.strip('-')",
            system="You are a helpful assistant.",
        ),
        C,
        "write tests",
    ),
    item(
        "h-code-git-branch",
        ask("I committed to main by accident, haven't pushed. how do I move the commit to a new branch?"),
        C,
        "git",
    ),
    item(
        "h-code-ts-undefined",
        ask(
            "Type 'string | undefined' is not assignable to type 'string'. in my next.js page when reading "
            "searchParams.get('q'), what's the clean fix?",
            api="anthropic",
        ),
        C,
        "TypeScript error",
    ),
    item(
        "h-code-k8s-crashloop",
        ask(
            "my pod keeps going CrashLoopBackOff, what's wrong?\n\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
            "  name: api\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: api\n"
            '          image: registry.local/api:1.4\n          command: ["node", "dist/server.js"]\n'
            "          livenessProbe:\n            httpGet: {path: /healthz, port: 3000}\n"
            "            initialDelaySeconds: 1\n\nlogs: Error: listen EADDRINUSE: address already in use :::3000"
        ),
        C,
        "Kubernetes manifest debugging",
    ),
    item(
        "h-code-button-casual",
        chat(
            [
                (
                    "user",
                    'yo my button does nothing when i click it lol\n\n<button onclick="submitForm">Send</button>\n\n'
                    "function submitForm() { fetch('/api/send', {method:'POST'}) }",
                )
            ],
            api="anthropic",
            stream=True,
        ),
        C,
        "casual HTML/JS bug",
    ),
    # ---------------------------------------------------------------- Claude Code main loop
    item(
        "h-cc-fix-test",
        claude_code(
            "the test in tests/test_parser.py::test_empty_input is failing after my last change, can you fix it?"
        ),
        C,
        "Claude Code first turn",
    ),
    item(
        "h-cc-read-result",
        claude_code(
            "add pagination to the /users endpoint, page size 50",
            [ToolCall("Read", {"file_path": "/home/dev/project/src/routes/users.ts"}, _numbered(_USERS_TS))],
        ),
        C,
        "Claude Code, tool_result with a file",
    ),
    item(
        "h-cc-pytest",
        claude_code(
            "run the tests and fix whatever fails",
            [ToolCall("Bash", {"command": "pytest -q", "description": "Run the test suite"}, _PYTEST_FAIL)],
            cwd="/home/dev/invoicer",
        ),
        C,
        "Claude Code, pytest output",
    ),
    item(
        "h-cc-grep",
        claude_code(
            "where do we set the JWT expiry?", [ToolCall("Grep", {"pattern": "exp|TTL", "path": "src"}, _GREP_JWT)]
        ),
        C,
        "Claude Code, grep results",
    ),
    item(
        "h-cc-followup-casual",
        claude_code(
            "refactor the config loader to use pydantic settings",
            [
                ToolCall(
                    "Edit",
                    {"file_path": "/home/dev/project/app/config.py", "old_string": "os.environ", "new_string": "..."},
                    "The file /home/dev/project/app/config.py has been updated.",
                )
            ],
            follow_up="nice. also make the env prefix APP_",
        ),
        C,
        "Claude Code, short casual follow-up",
    ),
    item(
        "h-cc-git-diff",
        claude_code(
            "review my staged changes before I commit",
            [ToolCall("Bash", {"command": "git diff --staged", "description": "Show staged changes"}, _GIT_DIFF)],
        ),
        C,
        "Claude Code, diff",
    ),
    item(
        "h-cc-tsc",
        claude_code(
            "fix the type errors",
            [ToolCall("Bash", {"command": "npm run typecheck", "description": "Type-check"}, _TSC)],
            cwd="/home/dev/webapp",
        ),
        C,
        "Claude Code, tsc errors",
    ),
    item(
        "h-cc-explain",
        claude_code("explain how the retry logic in src/http/client.ts works, I don't get the jitter part"),
        C,
        "Claude Code, explain code",
    ),
    item(
        "h-cc-run-it",
        claude_code(
            "add a last_login column to users with a migration",
            [
                ToolCall(
                    "Write",
                    {"file_path": "/home/dev/project/migrations/0042_last_login.sql", "content": "ALTER TABLE ..."},
                    "File created successfully at: /home/dev/project/migrations/0042_last_login.sql",
                )
            ],
            follow_up="yes go ahead and run it",
        ),
        C,
        "Claude Code, 'yes go ahead'",
    ),
    item(
        "h-cc-ruff",
        claude_code(
            "clean up lint in app/",
            [ToolCall("Bash", {"command": "ruff check app", "description": "Lint"}, _RUFF)],
        ),
        C,
        "Claude Code, lint output",
    ),
    item("h-cc-write-tests", claude_code("write tests for the RateLimiter class in app/limits.py"), C, "write tests"),
    item(
        "h-cc-compose",
        claude_code(
            "the app container can't reach postgres in docker compose, fix it",
            [ToolCall("Read", {"file_path": "/home/dev/project/docker-compose.yml"}, _numbered(_COMPOSE))],
        ),
        C,
        "Claude Code, compose file",
    ),
    item(
        "h-cc-error-result",
        claude_code(
            "install deps and start the dev server",
            [ToolCall("Bash", {"command": "pnpm install"}, "/bin/bash: line 1: pnpm: command not found", True)],
        ),
        C,
        "Claude Code, failed command",
    ),
    item(
        "h-cc-webpack-log",
        claude_code(
            "why is the build so slow?",
            [ToolCall("Bash", {"command": "npm run build -- --progress"}, _WEBPACK_LOG)],
            cwd="/home/dev/webapp",
        ),
        C,
        "Claude Code, very long build log",
    ),
    item(
        "h-cc-title",
        claude_code_title("the login page crashes when the password has a % in it, fix it"),
        N,
        "Claude Code side call: topic title JSON, a small model's job",
    ),
    item(
        "h-cc-summary",
        claude_code_summary(
            "User: refactor the payment webhook handler to be idempotent\nAssistant: I'll add an idempotency key "
            "table and check it before processing."
        ),
        N,
        "Claude Code side call: session title",
    ),
    # ---------------------------------------------------------------- other autocoders
    item(
        "h-aider-verbose",
        aider({"syncer/cli.py": _CLI_PY}, "add a --verbose flag that sets logging to DEBUG"),
        C,
        "Aider",
    ),
    item(
        "h-aider-discount",
        aider({"src/cart.js": _CART_JS}, "total is wrong when the discount is 100%, it returns the subtotal"),
        C,
        "Aider, bug",
    ),
    item(
        "h-cline-debounce",
        cline(
            "Create a React hook useDebounce and use it in the SearchBar component so we don't hit the API on every "
            "keystroke",
            "# VSCode Visible Files\nsrc/components/SearchBar.tsx\n\n# Current Working Directory "
            "(/Users/sam/code/webapp) Files\npackage.json\ntsconfig.json\nsrc/\nsrc/components/\n"
            "src/components/SearchBar.tsx\nsrc/hooks/",
        ),
        C,
        "Cline",
    ),
    item(
        "h-cline-navbar",
        cline(
            "the navbar overlaps the hero section on mobile, fix the styles",
            "# VSCode Visible Files\nsrc/styles/layout.css\n\n# VSCode Open Tabs\nsrc/styles/layout.css\n"
            "src/components/Navbar.tsx",
        ),
        C,
        "Cline, CSS",
    ),
    item(
        "h-openhands-issue",
        openhands(
            "Fix issue #412: `parse_date` crashes on ISO strings with a Z suffix, e.g. 2024-05-01T10:00:00Z",
            [
                (
                    "execute_bash",
                    {"command": "grep -rn 'def parse_date' ."},
                    "./partners/dates.py:4:def parse_date(value: str) -> datetime:",
                )
            ],
        ),
        C,
        "OpenHands",
    ),
    item(
        "h-openhands-view",
        openhands(
            "Add support for dates like 01.05.2024 to parse_date and a test for it",
            [("str_replace_editor", {"command": "view", "path": "/workspace/partners/dates.py"}, _DATES_PY)],
        ),
        C,
        "OpenHands, viewed file",
    ),
    item(
        "h-anthropic-tools-fastapi",
        anthropic_tools("Create a FastAPI app with a /health endpoint and a Dockerfile in /repo"),
        C,
        "Messages API with text editor + bash tools",
    ),
    item(
        "h-anthropic-tools-view",
        anthropic_tools(
            "Make parse_date accept a trailing Z",
            [ToolCall("str_replace_based_edit_tool", {"command": "view", "path": "/repo/dates.py"}, _DATES_PY)],
        ),
        C,
        "Messages API, tool_result with code",
    ),
    item(
        "h-autocoder-weather",
        autocoder(
            "Create an ElizaOS plugin 'plugin-weather' with an action GET_WEATHER that calls the OpenWeather API "
            "with the OPENWEATHER_API_KEY setting and a provider that adds the current weather for the user's city "
            "to the state. Include src/index.ts, src/actions/getWeather.ts, src/providers/weather.ts and tests."
        ),
        C,
        "ElizaOS autocoder",
    ),
    item(
        "h-autocoder-discord-roles",
        autocoder(
            "Generate the provider file for a plugin that exposes the user's Discord roles to the agent as a "
            "comma-separated list.",
            "openai",
        ),
        C,
        "ElizaOS autocoder over OpenAI",
    ),
    # ---------------------------------------------------------------- other LLM tasks
    item(
        "h-task-ticket-summary",
        ask(
            "Ticket #88123 from Bluefin Ltd: 'Since this morning about 20% of our calls to your payments API return "
            "429. We haven't changed anything. This is blocking checkout for our EU customers, please advise "
            "urgently.'",
            system="You summarize support tickets in two sentences for the on-call engineer.",
        ),
        N,
        "summarize a ticket about API errors",
    ),
    item(
        "h-task-translate",
        ask("Translate to Spanish: 'Your order has shipped and will arrive on Thursday.'"),
        N,
        "translation",
    ),
    item(
        "h-task-extract-json",
        ask(
            "Hi Tom, great meeting you at the conference. Could we do a call on Wednesday at 3pm? Best, Sarah Lin, "
            "Head of Partnerships, Brightwave",
            system="Extract name, company and proposed meeting time from the email. Answer with JSON only.",
        ),
        N,
        "information extraction into JSON",
    ),
    item(
        "h-task-sentiment",
        ask(
            "Classify each tweet about $BONK as positive, negative or neutral:\n1. bonk to the moon \U0001f680\n2. "
            "sold my bags, this is dead\n3. anyone know when the unlock is?",
            api="anthropic",
        ),
        N,
        "classification",
    ),
    item(
        "h-task-linkedin",
        ask("Write a LinkedIn post announcing that I joined Stripe as a software engineer on the payments team"),
        N,
        "social post",
    ),
    item(
        "h-task-keyboard",
        ask("Write a product description for a mechanical keyboard with hot-swappable switches and a gasket mount"),
        N,
        "copywriting",
    ),
    item(
        "h-task-release-notes",
        ask(
            "Make these release notes friendlier for non-technical customers:\n- Fixed race condition in webhook "
            "retries\n- Bumped Node to 20\n- Added rate limit headers to API responses",
            api="anthropic",
        ),
        N,
        "rewrite release notes for customers",
    ),
    item(
        "h-task-interview",
        ask("Give me 10 behavioral interview questions for a senior engineering manager"),
        N,
        "interview questions",
    ),
    item(
        "h-task-nl-sql",
        ask(
            "how many users signed up last week per country?",
            system="You translate questions into PostgreSQL. Schema: users(id bigint, email text, country char(2), "
            "created_at timestamptz). Answer with one SQL query.",
        ),
        C,
        "text-to-SQL",
    ),
    item(
        "h-task-pr-review",
        ask(
            "Review this change:\n\n--- a/billing/charge.py\n+++ b/billing/charge.py\n@@ -30,7 +30,7 @@ def "
            "charge(customer, amount):\n-    if amount <= 0:\n+    if amount < 0:\n         raise ValueError('amount "
            "must be positive')\n     return gateway.charge(customer.token, amount)",
            system="You are a senior engineer reviewing pull requests. Be specific.",
            api="anthropic",
        ),
        C,
        "code review of a diff",
    ),
    item(
        "h-task-explain-rust",
        ask(
            "Explain this Rust function line by line:\n\nfn first_word(s: &str) -> &str {\n    let bytes = "
            "s.as_bytes();\n    for (i, &item) in bytes.iter().enumerate() {\n        if item == b' ' {\n"
            "            return &s[0..i];\n        }\n    }\n    &s[..]\n}"
        ),
        C,
        "explain code",
    ),
    item(
        "h-task-py-to-js",
        ask(
            "convert this to javascript:\n\nprices = {k: round(v * 1.19, 2) for k, v in net.items() if v > 0}",
            api="anthropic",
        ),
        C,
        "code conversion",
    ),
]
