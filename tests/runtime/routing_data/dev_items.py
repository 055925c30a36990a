"""The development split: the items the classifier's features and weights were tuned on."""

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


def _numbered(text: str) -> str:
    return "\n".join(f"{index:>6}\u2192{line}" for index, line in enumerate(text.splitlines(), 1))


_SERVICE_PY = """from dataclasses import dataclass
from decimal import Decimal

from .repo import OrderRepo


@dataclass
class OrderService:
    repo: OrderRepo

    def place(self, customer_id: int, lines: list[dict]) -> int:
        total = sum(Decimal(l["price"]) * l["qty"] for l in lines)
        if total <= 0:
            raise ValueError("empty order")
        return self.repo.insert(customer_id, total)"""

_JEST_FAIL = """ FAIL  src/utils/__tests__/format.test.ts
  \u25cf formatPrice \u203a formats euros with a comma

    expect(received).toBe(expected) // Object.is equality

    Expected: "12,50 \u20ac"
    Received: "\u20ac12.50"

      12 |   it("formats euros with a comma", () => {
    > 13 |     expect(formatPrice(12.5, "de-DE", "EUR")).toBe("12,50 \u20ac");
         |                                               ^
      14 |   });

      at Object.<anonymous> (src/utils/__tests__/format.test.ts:13:47)

Test Suites: 1 failed, 11 passed, 12 total
Tests:       1 failed, 86 passed, 87 total"""

_LS = """total 48
drwxr-xr-x  9 dev dev 4096 Aug 14 10:02 .
-rw-r--r--  1 dev dev  812 Aug 14 09:58 Cargo.toml
-rw-r--r--  1 dev dev 4521 Aug 14 09:58 Cargo.lock
drwxr-xr-x  3 dev dev 4096 Aug 14 09:58 src
drwxr-xr-x  2 dev dev 4096 Aug 14 09:58 tests
-rw-r--r--  1 dev dev 1290 Aug 14 09:58 README.md"""

_CARGO_ERR = """   Compiling ledger v0.3.1 (/home/dev/ledger)
error[E0502]: cannot borrow `self.entries` as mutable because it is also borrowed as immutable
  --> src/book.rs:42:9
   |
40 |         let last = self.entries.last();
   |                    ------------ immutable borrow occurs here
41 |         if let Some(prev) = last {
42 |             self.entries.push(Entry::after(prev, amount));
   |             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ mutable borrow occurs here

For more information about this error, try `rustc --explain E0502`.
error: could not compile `ledger` (lib) due to 1 previous error"""

_GIT_LOG = """commit 4be1f0e2 (HEAD -> feature/export)
Author: Sam Lee <sam@example.dev>
Date:   Wed Aug 13 17:41:02 2025 +0200

    export: stream rows instead of loading all

commit 0c9d77a1
Author: Sam Lee <sam@example.dev>
Date:   Wed Aug 13 11:05:44 2025 +0200

    export: add CSV writer"""

_NPM_ERR = """npm ERR! code ERESOLVE
npm ERR! ERESOLVE unable to resolve dependency tree
npm ERR!
npm ERR! While resolving: webapp@0.4.0
npm ERR! Found: react@18.3.1
npm ERR! node_modules/react
npm ERR!   react@"^18.2.0" from the root project
npm ERR!
npm ERR! Could not resolve dependency:
npm ERR! peer react@"^17.0.0" from react-beautiful-dnd@13.1.1"""

_HOOK_TSX = """import { useEffect, useState } from "react";

export function useUser(id: string) {
  const [user, setUser] = useState(null);
  useEffect(() => {
    fetch(`/api/users/${id}`).then((r) => r.json()).then(setUser);
  }, []);
  return user;
}"""

_MODELS_PY = """from django.db import models


class Booking(models.Model):
    guest = models.ForeignKey("Guest", on_delete=models.CASCADE)
    room = models.ForeignKey("Room", on_delete=models.PROTECT)
    check_in = models.DateField()
    check_out = models.DateField()"""

_HUGE_CSV = "order_id,customer,total,currency,created_at\n" + "".join(
    f"{100000 + index},cust_{index % 977},{(index * 37) % 500}.{index % 100:02d},EUR,2025-08-{1 + index % 28:02d}\n"
    for index in range(1500)
)

_STEP = (
    "function step{i}(rows) {{\n  return rows.filter((r) => r.k{i} !== undefined).map((r) => ({{ ...r, v: r.v }}));\n}}"
)

ITEMS = [
    # ---------------------------------------------------------------- ElizaOS should-respond
    item(
        "d-sr-eliza-hello",
        eliza_should_respond(ELIZA, [("amir", "hey Eliza, how's your day going?")]),
        N,
        "should-respond; greeting",
    ),
    item(
        "d-sr-spartan-pump",
        eliza_should_respond(
            SPARTAN,
            [("pumpkin", "$PNUT just did a 3x in an hour wtf"), ("lamboSoon", "@Spartan is it too late to ape")],
            "openai",
        ),
        N,
        "should-respond; memecoin chat",
    ),
    item(
        "d-sr-ava-coupon",
        eliza_should_respond(AVA, [("jess_m", "Ava I have a coupon code from the newsletter, where do I enter it?")]),
        N,
        "should-respond; coupon code",
    ),
    item(
        "d-sr-luna-class-reunion",
        eliza_should_respond(
            LUNA, [("seraph", "off topic but my high school class reunion is this weekend and I'm nervous lol")]
        ),
        N,
        "should-respond; 'class' reunion",
    ),
    item(
        "d-sr-dex-paste-to-friend",
        eliza_should_respond(
            DEX,
            [
                (
                    "ravi",
                    "@hana here's what I ended up with:\n```ts\n"
                    "const sub = client.channel('prices').subscribe(onTick)\n```",
                ),
                ("hana", "perfect, stealing that"),
            ],
            "openai",
        ),
        N,
        "should-respond; a fenced snippet passed between members",
    ),
    item(
        "d-sr-kai-email",
        eliza_should_respond(KAI, [("ana", "Kai, did the Acme folks reply to my email yet?")], runtime="py"),
        N,
        "should-respond, Python runtime",
    ),
    item(
        "d-sr-mira-shutup",
        eliza_should_respond(MIRA, [("tess", "ok Mira, be quiet for a bit, I need to focus")], "openai"),
        N,
        "should-respond; STOP",
    ),
    item(
        "d-sr-eliza-python-zoo",
        eliza_should_respond(
            ELIZA,
            [("kid_leo", "Eliza we saw a giant reticulated python at the zoo today!! how long can they get")],
        ),
        N,
        "should-respond; python the snake",
    ),
    item(
        "d-sr-spartan-private-key",
        eliza_should_respond(
            SPARTAN, [("noobtrader", "spartan someone in DMs asked for my private key to verify my wallet, legit?")]
        ),
        N,
        "should-respond; 'private ' and 'let ' in crypto talk",
    ),
    item(
        "d-sr-dex-error-to-agent",
        eliza_should_respond(
            DEX,
            [
                (
                    "pablo",
                    "Dex I keep getting `ERR_INVALID_TOKEN` when I call orbit.auth() in node, is the token endpoint "
                    "down?",
                )
            ],
        ),
        N,
        "should-respond; developer asks the agent, decision task",
    ),
    item(
        "d-sr-luna-script-for-stream",
        eliza_should_respond(
            LUNA, [("bard_elin", "writing the script for tonight's stream, Luna want a cameo?")], runtime="py"
        ),
        N,
        "should-respond; a stream script",
    ),
    item(
        "d-sr-ava-import",
        eliza_should_respond(
            AVA, [("migration_max", "@Ava can we import our DNS records from Cloudflare or do I type them by hand?")]
        ),
        N,
        "should-respond; 'import' DNS records",
    ),
    item(
        "d-sr-eliza-others",
        eliza_should_respond(
            ELIZA,
            [("mia", "Kevin did you book the restaurant?"), ("kevin", "yes 8pm at Nopa"), ("mia", "yay")],
            "openai",
        ),
        N,
        "should-respond; other people talking",
    ),
    item(
        "d-sr-kai-method",
        eliza_should_respond(
            KAI, [("cfo_lu", "Kai what's the best method to get the travel receipts to you, email or upload?")]
        ),
        N,
        "should-respond; 'method'",
    ),
    item(
        "d-sr-spartan-degen-algo",
        eliza_should_respond(
            SPARTAN, [("quantbro", "the algorithm on X is burying every CT post today, engagement is dead")], "openai"
        ),
        N,
        "should-respond; 'algorithm' as the social feed",
    ),
    item(
        "d-sr-mira-async",
        eliza_should_respond(
            MIRA,
            [("robin", "Mira my partner and I work async across time zones and it's making us drift apart")],
            runtime="py",
        ),
        N,
        "should-respond; 'async' in a relationship",
    ),
    item(
        "d-sr-luna-export-art",
        eliza_should_respond(
            LUNA, [("inkwell", "Luna how do I export my contest entry at the right size? the form says 2048px")]
        ),
        N,
        "should-respond; export an image",
    ),
    item(
        "d-sr-dex-welcome",
        eliza_should_respond(DEX, [("newdev_ola", "hi all! just joined, building a trading bot with Orbit")], "openai"),
        N,
        "should-respond; newcomer intro",
    ),
    # ---------------------------------------------------------------- ElizaOS planning
    item(
        "d-plan-spartan-balance",
        eliza_plan(SPARTAN, [("0xwhale", "spartan what's in the wallet rn")]),
        N,
        "planning; wallet balance",
    ),
    item(
        "d-plan-spartan-swap-base",
        eliza_plan(SPARTAN, [("baseguy", "swap 500 USDC to ETH on base, max slippage 1%")], "openai"),
        N,
        "planning; swap",
    ),
    item(
        "d-plan-ava-downgrade",
        eliza_plan(AVA, [("owner_fi", "we want to downgrade from Business to Team next month, what do we lose?")]),
        N,
        "planning; plans",
    ),
    item(
        "d-plan-ava-status",
        eliza_plan(
            AVA, [("sre_gil", "are you having an incident in eu-west? deploys are stuck since 10:40")], "openai"
        ),
        N,
        "planning; status",
    ),
    item(
        "d-plan-kai-reschedule",
        eliza_plan(
            KAI,
            [
                ("Kai", "You have the product review at 15:00 CET and the dentist at 16:00."),
                ("founder_ana", "move the product review to tomorrow morning, and tell the team"),
            ],
        ),
        N,
        "planning; reschedule",
    ),
    item(
        "d-plan-kai-flight",
        eliza_plan(KAI, [("ceo", "find me a flight to Lisbon on the 3rd, back on the 6th, aisle seat")], "openai"),
        N,
        "planning; travel",
    ),
    item(
        "d-plan-luna-lore",
        eliza_plan(LUNA, [("newbie_rin", "what's the lore behind the Moonlit Realms shadow guild?")]),
        N,
        "planning; game lore",
    ),
    item(
        "d-plan-luna-mute",
        eliza_plan(LUNA, [("ivy_mod", "Luna mute #memes for an hour, it's getting out of hand")], "openai"),
        N,
        "planning; moderation action",
    ),
    item(
        "d-plan-dex-code-question",
        eliza_plan(
            DEX,
            [
                (
                    "hugo",
                    "Dex why does this throw?\n```js\nconst c = new OrbitClient();\nawait c.channel('x').send()\n```",
                ),
            ],
        ),
        N,
        "planning; code in the conversation, but the request wants the planning XML",
    ),
    item(
        "d-plan-dex-write-function",
        eliza_plan(
            DEX, [("aiko", "Dex write a function that retries orbit.send three times with backoff")], runtime="py"
        ),
        N,
        "planning, Python runtime; user asks for code, request wants the planning XML",
    ),
    item(
        "d-plan-dex-docs",
        eliza_plan(DEX, [("lars", "is there a migration guide from v1 to v2 of the SDK?")], "openai"),
        N,
        "planning; docs pointer",
    ),
    item(
        "d-plan-eliza-book",
        eliza_plan(ELIZA, [("nadia", "recommend me a book like Project Hail Mary")]),
        N,
        "planning; books",
    ),
    item(
        "d-plan-eliza-joke",
        eliza_plan(ELIZA, [("toby", "tell me a programming joke")], "openai"),
        N,
        "planning; a programming joke",
    ),
    item(
        "d-plan-mira-anxious",
        eliza_plan(MIRA, [("kai_r", "I have my first big presentation tomorrow and I can't sleep")]),
        N,
        "planning; companion",
    ),
    item(
        "d-plan-py-eliza-hi",
        eliza_plan(ELIZA, [("user", "Hi Eliza!")], runtime="py"),
        N,
        "planning, Python runtime; the dumped prompt",
    ),
    item(
        "d-plan-py-ava-invoice",
        eliza_plan(AVA, [("cust", "send me the October invoice please")], runtime="py"),
        N,
        "planning, Python runtime",
    ),
    item(
        "d-plan-py-luna-event",
        eliza_plan(LUNA, [("host", "schedule a community night next Thursday 8pm UTC")], runtime="py"),
        N,
        "planning, Python runtime",
    ),
    item(
        "d-plan-spartan-implement-strategy",
        eliza_plan(
            SPARTAN,
            [("alphaseeker", "how would you implement a DCA strategy for $SOL over 3 months with 2k USDC")],
        ),
        N,
        "planning; 'implement' a trading strategy",
    ),
    item(
        "d-plan-ava-api-key",
        eliza_plan(AVA, [("dev_lead", "how do I rotate our API key without downtime?")], "openai"),
        N,
        "planning; account API key rotation (agent support answer)",
    ),
    item(
        "d-plan-kai-typescript-meetup",
        eliza_plan(KAI, [("eng_mgr", "add the TypeScript meetup on the 21st at 18:30 to my calendar")]),
        N,
        "planning; calendar entry about a tech meetup",
    ),
    item("d-py-anthropic-empty", eliza_python_anthropic_bug(), N, "elizaos-plugin-anthropic bug: no text at all"),
    item(
        "d-reply-dex",
        eliza_reply(DEX, [("zoe", "Dex what's the difference between the node and the python client?")]),
        N,
        "reply template; developer community",
    ),
    item(
        "d-reply-luna",
        eliza_reply(LUNA, [("fen", "Luna who won the art contest?")], "openai"),
        N,
        "reply template",
    ),
    item(
        "d-post-luna",
        eliza_post(LUNA, "the winter festival", "cozy", ["guild halls are glowing tonight", "new mounts drop friday"]),
        N,
        "post creation",
    ),
    item(
        "d-post-spartan",
        eliza_post(
            SPARTAN, "liquidity pools", "cynical", ["farm and dump", "TVL is vanity, volume is sanity"], "openai"
        ),
        N,
        "post creation",
    ),
    # ---------------------------------------------------------------- plain chat, not coding
    item("d-chat-weather", ask("what should I wear for a 10k run at 4\u00b0C?"), N, "everyday"),
    item(
        "d-chat-sql-acronym",
        ask("what does SQL stand for and how do people pronounce it?", api="anthropic"),
        N,
        "definition of a tech acronym",
    ),
    item(
        "d-chat-javascript-history",
        ask("Why is JavaScript called JavaScript if it has nothing to do with Java?"),
        N,
        "history",
    ),
    item(
        "d-chat-gcp-bill",
        ask(
            "We got a $9k GCP invoice, mostly 'Network Internet Egress from Americas to EMEA'. What is that and how do "
            "teams usually reduce it?",
            api="anthropic",
        ),
        N,
        "cloud billing",
    ),
    item(
        "d-chat-devops-salary",
        ask("Average DevOps engineer salary in Berlin vs Amsterdam in 2025?"),
        N,
        "career",
    ),
    item(
        "d-chat-learn-first",
        ask("Which should I learn first for a career change, Python or JavaScript? Just career-wise, no code please"),
        N,
        "career advice about languages",
    ),
    item(
        "d-chat-dress-code",
        ask("what's the dress code for a tech startup interview? I don't want to overdress", api="anthropic"),
        N,
        "dress code",
    ),
    item(
        "d-chat-referral",
        ask("how do referral codes work for Uber, does the other person also get a discount?"),
        N,
        "referral code",
    ),
    item("d-chat-python-pet", ask("Is a ball python a good first pet for a 12 year old?"), N, "python the snake"),
    item("d-chat-rust-cast-iron", ask("my cast iron pan has rust spots, can I still use it?"), N, "rust"),
    item(
        "d-chat-ruby-ring",
        ask("Is a ruby or a sapphire better for an engagement ring in terms of durability?", api="anthropic"),
        N,
        "ruby the gem",
    ),
    item(
        "d-chat-debug-life",
        ask("Help me debug my morning routine, I always end up late even though I wake up at 6"),
        N,
        "figurative debug",
    ),
    item(
        "d-chat-project-plan",
        ask(
            "Make a 6-week project plan for launching our mobile app: design review, beta, marketing, app store "
            "submission. Table format."
        ),
        N,
        "project plan for a software launch",
    ),
    item(
        "d-chat-vendor-compare",
        ask(
            "Compare Datadog and New Relic on pricing for a 20-host setup. Which is cheaper at our size?",
            api="anthropic",
        ),
        N,
        "vendor comparison",
    ),
    item(
        "d-chat-cloud-vs-onprem",
        ask("For a hospital, what are the main risks of moving patient records to the cloud?"),
        N,
        "strategy",
    ),
    item(
        "d-chat-scrum",
        ask("what's the difference between a scrum master and a product owner?"),
        N,
        "process",
    ),
    item(
        "d-chat-wifi",
        ask("my wifi keeps dropping on my laptop but my phone is fine, what can I try?", api="anthropic"),
        N,
        "consumer tech support",
    ),
    item(
        "d-chat-password-manager",
        ask("Which password manager would you recommend for a family of four?"),
        N,
        "product recommendation",
    ),
    item(
        "d-chat-open-source-license",
        ask("Can I use an MIT-licensed library in a commercial closed-source product? Do I need to credit them?"),
        N,
        "licensing",
    ),
    item(
        "d-chat-crypto-explain",
        ask("ELI5: what is a smart contract and why do people say they're trustless?", api="anthropic"),
        N,
        "concept explanation, no code asked",
    ),
    item(
        "d-chat-multi-turn-trip",
        chat(
            [
                ("user", "I'm going to Japan in April for two weeks"),
                ("assistant", "Lovely timing, cherry blossom season! Which cities are you considering?"),
                ("user", "Tokyo, Kyoto and maybe Hiroshima. Is the JR pass still worth it?"),
            ],
            system="You are a friendly travel assistant.",
        ),
        N,
        "multi-turn chat",
    ),
    item(
        "d-chat-support-ticket-multi",
        chat(
            [
                ("user", "my package tracking hasn't updated in 5 days"),
                ("assistant", "Sorry about that! Could you share your order number?"),
                ("user", "it's 114-2231987-55, the zip code on the order is 94110"),
            ],
            system="You are the customer support assistant for ShopFast.",
            api="anthropic",
        ),
        N,
        "support chat with a zip code",
    ),
    # ---------------------------------------------------------------- plain chat, coding
    item("d-code-dict-sort", ask("how do i sort a dict by value in python, descending"), C, "casual"),
    item(
        "d-code-regex-phone",
        ask("regex for US phone numbers like (415) 555-0132 or 415-555-0132", api="anthropic"),
        C,
        "regex",
    ),
    item(
        "d-code-sql-dupes",
        ask(
            "how do I find duplicate emails in my users table and keep only the newest row? postgres",
        ),
        C,
        "SQL",
    ),
    item(
        "d-code-css-grid",
        ask("make a 3 column grid that becomes 1 column under 600px, just css"),
        C,
        "CSS",
    ),
    item(
        "d-code-bash-backup",
        ask("write a cron-able shell script that tars /var/www and keeps the last 7 backups", api="anthropic"),
        C,
        "script",
    ),
    item(
        "d-code-node-error",
        ask(
            "getting this when I start my server, what does it mean?\n\nnode:internal/modules/cjs/loader:1080\n  "
            "throw err;\n  ^\n\nError: Cannot find module 'express'\nRequire stack:\n- /home/ubuntu/app/server.js\n"
            "    at Module._resolveFilename (node:internal/modules/cjs/loader:1077:15)"
        ),
        C,
        "Node error",
    ),
    item(
        "d-code-java-npe",
        ask(
            'Exception in thread "main" java.lang.NullPointerException: Cannot invoke "String.length()" because '
            '"name" is null\n\tat com.acme.Greeter.greet(Greeter.java:14)\n\tat com.acme.App.main(App.java:8)\n\n'
            "how do I fix this"
        ),
        C,
        "Java stack trace",
    ),
    item(
        "d-code-fizzbuzz",
        ask("can you write fizzbuzz in rust but make it idiomatic"),
        C,
        "write code",
    ),
    item(
        "d-code-refactor",
        ask(
            "refactor this to be less nested:\n\nfunction price(u, cart) {\n  if (u) {\n    if (u.vip) {\n      if "
            "(cart.total > 100) {\n        return cart.total * 0.8;\n      }\n    }\n  }\n  return cart.total;\n}",
            api="anthropic",
        ),
        C,
        "refactor",
    ),
    item(
        "d-code-pandas",
        ask("pandas: group by customer and month and sum revenue, my date column is a string like 2025-08-14"),
        C,
        "pandas",
    ),
    item(
        "d-code-git-rebase",
        ask("how do I squash my last 4 commits into one before opening the PR?", api="anthropic"),
        C,
        "git",
    ),
    item(
        "d-code-cors",
        ask(
            "Access to fetch at 'https://api.myapp.dev/login' from origin 'http://localhost:5173' has been blocked by "
            "CORS policy. my backend is express, how do i fix"
        ),
        C,
        "CORS error",
    ),
    item(
        "d-code-casual-excel-vba",
        ask("can u write me a macro that highlights every row where column D is over 1000? excel on windows"),
        C,
        "casual VBA macro",
    ),
    item(
        "d-code-typescript-generic",
        ask(
            "how do I type a function that takes an object and a key and returns that property's type? typescript",
            api="anthropic",
        ),
        C,
        "TypeScript types",
    ),
    item(
        "d-code-memory-leak",
        chat(
            [
                ("user", "my node service's memory grows until it gets OOM killed, about every 6 hours"),
                ("assistant", "Could you share how you handle caching or event listeners in the service?"),
                (
                    "user",
                    "we do this on every request:\n\nemitter.on('price', (p) => { latest[req.id] = p })\n\n"
                    "and latest is a module-level object",
                ),
            ],
            system="You are a helpful assistant.",
        ),
        C,
        "multi-turn debugging",
    ),
    item(
        "d-code-unit-test-js",
        ask(
            "write jest tests for this:\n\nexport const clamp = (n, lo, hi) => Math.min(hi, Math.max(lo, n));",
            api="anthropic",
        ),
        C,
        "write tests",
    ),
    item(
        "d-code-explain-decorator",
        ask("what does @functools.lru_cache(maxsize=None) actually do and when is it a bad idea?"),
        C,
        "explain code construct",
    ),
    item(
        "d-code-nginx",
        ask(
            "nginx returns 502 for my app behind it, config:\n\nserver {\n  listen 80;\n  location / {\n    "
            "proxy_pass http://127.0.0.1:3000;\n  }\n}\n\nthe app is running in docker on port 3000"
        ),
        C,
        "server config debugging",
    ),
    item(
        "d-code-solidity-audit",
        ask(
            "is this safe?\n\nfunction withdraw() external {\n    uint bal = balances[msg.sender];\n    (bool ok,) = "
            'msg.sender.call{value: bal}("");\n    require(ok);\n    balances[msg.sender] = 0;\n}',
            api="anthropic",
        ),
        C,
        "smart contract review",
    ),
    item(
        "d-code-sql-no-keywords",
        ask("SELECT name, COUNT(*) FROM orders GROUP BY name HAVING COUNT(*) > 1 ORDER BY 2 DESC; why is it slow"),
        C,
        "SQL only",
    ),
    # ---------------------------------------------------------------- Claude Code main loop
    item("d-cc-first-turn", claude_code("add a health check endpoint at /healthz that checks the db"), C, "first turn"),
    item(
        "d-cc-read-service",
        claude_code(
            "make place() reject lines with qty <= 0",
            [ToolCall("Read", {"file_path": "/home/dev/shop/orders/service.py"}, _numbered(_SERVICE_PY))],
            cwd="/home/dev/shop",
        ),
        C,
        "tool_result with a file",
    ),
    item(
        "d-cc-jest",
        claude_code(
            "fix the failing test",
            [ToolCall("Bash", {"command": "npx jest src/utils", "description": "Run util tests"}, _JEST_FAIL)],
        ),
        C,
        "jest failure",
    ),
    item(
        "d-cc-ls",
        claude_code("what's in this repo? give me an overview", [ToolCall("Bash", {"command": "ls -la"}, _LS)]),
        C,
        "ls output",
    ),
    item(
        "d-cc-cargo",
        claude_code(
            "cargo build fails, fix it",
            [ToolCall("Bash", {"command": "cargo build"}, _CARGO_ERR)],
            cwd="/home/dev/ledger",
        ),
        C,
        "Rust compile error",
    ),
    item(
        "d-cc-git-log",
        claude_code(
            "write a PR description for this branch",
            [ToolCall("Bash", {"command": "git log main..HEAD"}, _GIT_LOG)],
            branch="feature/export",
        ),
        C,
        "git log for a PR description",
    ),
    item(
        "d-cc-npm-err",
        claude_code(
            "install react-beautiful-dnd", [ToolCall("Bash", {"command": "npm i react-beautiful-dnd"}, _NPM_ERR)]
        ),
        C,
        "npm error",
    ),
    item(
        "d-cc-followup-thanks-more",
        claude_code(
            "rename getUserById to fetchUser everywhere",
            [
                ToolCall(
                    "Bash",
                    {"command": "rg -l getUserById | xargs sed -i 's/getUserById/fetchUser/g'"},
                    "",
                )
            ],
            follow_up="cool, now update the docs too",
        ),
        C,
        "empty tool result + casual follow-up",
    ),
    item(
        "d-cc-hook",
        claude_code(
            "this hook refetches forever in one page and never in another, why",
            [ToolCall("Read", {"file_path": "/home/dev/webapp/src/hooks/useUser.ts"}, _numbered(_HOOK_TSX))],
        ),
        C,
        "React hook",
    ),
    item(
        "d-cc-plan-only",
        claude_code("plan how we'd split the monolith's billing module into its own service, don't write code yet"),
        C,
        "architecture planning inside an autocoder session",
    ),
    item(
        "d-cc-django",
        claude_code(
            "add a constraint so check_out is after check_in",
            [ToolCall("Read", {"file_path": "/srv/hotel/bookings/models.py"}, _numbered(_MODELS_PY))],
            cwd="/srv/hotel",
        ),
        C,
        "Django model",
    ),
    item(
        "d-cc-huge-csv",
        claude_code(
            "why does the export have duplicate rows?",
            [ToolCall("Bash", {"command": "cat out/orders.csv"}, _HUGE_CSV)],
        ),
        C,
        "very large CSV tool result",
    ),
    item(
        "d-cc-todo-result",
        claude_code(
            "implement dark mode",
            [
                ToolCall(
                    "TodoWrite",
                    {"todos": [{"content": "Add theme context", "status": "pending"}]},
                    "Todos have been modified successfully. Ensure that you continue to use the todo list to track "
                    "your progress. Please proceed with the current tasks if applicable",
                )
            ],
        ),
        C,
        "TodoWrite result only",
    ),
    item(
        "d-cc-casual",
        claude_code("yo can u make the tests less flaky, the ci keeps failing randomly"),
        C,
        "casual first turn",
    ),
    item(
        "d-cc-haiku-model",
        claude_code("fix typo in README", model="claude-3-5-haiku-20241022"),
        C,
        "main loop on a small model",
    ),
    item("d-cc-title", claude_code_title("can you add retries to the S3 upload function?"), N, "side call: title"),
    item(
        "d-cc-title-2",
        claude_code_title("ok now run the migrations and seed the db"),
        N,
        "side call: title",
    ),
    item(
        "d-cc-summary",
        claude_code_summary("User: fix the flaky websocket test\nAssistant: The test depends on wall-clock time..."),
        N,
        "side call: session summary",
    ),
    # ---------------------------------------------------------------- other autocoders
    item(
        "d-aider-service",
        aider({"orders/service.py": _SERVICE_PY}, "use a custom EmptyOrderError instead of ValueError"),
        C,
        "Aider",
    ),
    item(
        "d-aider-hook",
        aider({"src/hooks/useUser.ts": _HOOK_TSX}, "add id to the dependency array and handle fetch errors"),
        C,
        "Aider",
    ),
    item(
        "d-aider-casual",
        aider({"bookings/models.py": _MODELS_PY}, "bookings need a notes field, optional"),
        C,
        "Aider, casual",
    ),
    item(
        "d-cline-api",
        cline(
            "Add an endpoint POST /api/feedback that stores the message in the feedback table",
            "# Current Working Directory (/Users/sam/code/webapp) Files\nserver/\nserver/routes/\n"
            "server/routes/index.ts\nserver/db.ts\nprisma/schema.prisma",
        ),
        C,
        "Cline",
    ),
    item(
        "d-cline-readme",
        cline("Write a README for this project explaining setup and scripts", "# Files\npackage.json\nsrc/\n"),
        C,
        "Cline, README in a repo session",
    ),
    item(
        "d-openhands-test",
        openhands(
            "Make the test suite pass",
            [("execute_bash", {"command": "cd /workspace && npx jest src/utils"}, _JEST_FAIL)],
        ),
        C,
        "OpenHands, test output",
    ),
    item(
        "d-openhands-first",
        openhands("Add type hints to all functions in utils/strings.py and run mypy"),
        C,
        "OpenHands first turn",
    ),
    item(
        "d-anthropic-tools-first",
        anthropic_tools("There's a bug in /repo/app.py where the login route returns 500 for unknown users. Fix it."),
        C,
        "Messages API coding tools",
    ),
    item(
        "d-anthropic-tools-bash",
        anthropic_tools(
            "Run the tests in /repo and fix failures",
            [ToolCall("bash", {"command": "cd /repo && cargo test"}, _CARGO_ERR)],
            system="You are a careful engineer working in /repo.",
        ),
        C,
        "Messages API, bash result",
    ),
    item(
        "d-autocoder-twitter",
        autocoder(
            "Create an ElizaOS plugin that adds an action POST_THREAD to post a thread on X using the existing "
            "twitter client service. Validate the thread length in the action's validate()."
        ),
        C,
        "ElizaOS autocoder",
    ),
    item(
        "d-autocoder-evaluator",
        autocoder("Write an evaluator that extracts the user's favourite tokens from the conversation.", "openai"),
        C,
        "ElizaOS autocoder",
    ),
    item(
        "d-autocoder-fix",
        autocoder(
            "The build fails with: src/actions/getWeather.ts(14,7): error TS2339: Property 'city' does not exist "
            "on type 'Content'. Fix the action."
        ),
        C,
        "ElizaOS autocoder, build error",
    ),
    # ---------------------------------------------------------------- other LLM tasks
    item(
        "d-task-summarize-incident",
        ask(
            "Summarize for customers in 3 sentences: At 09:12 UTC a configuration change to the load balancer caused "
            "elevated 5xx errors for the REST API. We rolled back at 09:47. No data was lost.",
            system="You write status page updates.",
        ),
        N,
        "status page update",
    ),
    item(
        "d-task-translate-german",
        ask("Translate to German: 'Please restart the app to finish the update.'", api="anthropic"),
        N,
        "translation",
    ),
    item(
        "d-task-email-tone",
        ask("Make this email less passive aggressive: 'As I already mentioned twice, the deadline was Friday.'"),
        N,
        "rewrite",
    ),
    item(
        "d-task-extract-entities",
        ask(
            "Acme Corp signed a 2-year deal with Globex on March 3rd for $1.2M.",
            system="Return the organizations, dates and amounts in the text as JSON with keys orgs, dates, amounts.",
            api="anthropic",
        ),
        N,
        "extraction into JSON",
    ),
    item(
        "d-task-tweet-classify",
        ask(
            "Label each message as SPAM or OK:\n1. claim your free $SOL airdrop at bit.ly/xyz\n2. gm everyone\n"
            "3. DM me for a guaranteed 10x"
        ),
        N,
        "classification",
    ),
    item(
        "d-task-job-post",
        ask("Write a job post for a senior Python developer at a fintech in Berlin, hybrid, 85-100k"),
        N,
        "job post about a developer role",
    ),
    item(
        "d-task-tech-blog-outline",
        ask("Outline a blog post for CTOs on why we moved from microservices back to a monolith", api="anthropic"),
        N,
        "blog outline on architecture",
    ),
    item(
        "d-task-meeting-agenda",
        ask("Draft an agenda for a 45-minute sprint retrospective with 8 engineers"),
        N,
        "agenda",
    ),
    item(
        "d-task-nl-sql",
        ask(
            "which 5 products had the most returns in Q2?",
            system="Translate the question into SQLite SQL. Tables: products(id, name), returns(id, product_id, "
            "returned_at). Output SQL only.",
            api="anthropic",
        ),
        C,
        "text-to-SQL",
    ),
    item(
        "d-task-code-review-system",
        ask(
            "def avg(xs):\n    return sum(xs) / len(xs)",
            system="You review Python code for bugs and edge cases.",
        ),
        C,
        "review code, only code in the user turn",
    ),
    item(
        "d-task-docstring",
        ask(
            "Add docstrings to these:\n\ndef retry(fn, attempts=3, delay=0.5):\n    ...\n\ndef backoff(n):\n    "
            "return min(30, 2 ** n)",
            api="anthropic",
        ),
        C,
        "docstrings",
    ),
    item(
        "d-task-json-schema",
        ask("write a JSON Schema for an order with id (uuid), items (array of sku+qty) and an optional coupon"),
        C,
        "schema authoring",
    ),
    # ---------------------------------------------------------------- hard cases added while tuning
    item(
        "d-hard-job-titles",
        ask("What's the difference between the job titles software engineer and software developer?"),
        N,
        "job titles",
    ),
    item(
        "d-hard-windows-error",
        ask("I get error code 0x80070005 when installing Windows updates, what do I do?", api="anthropic"),
        N,
        "consumer tech support with an error code",
    ),
    item("d-hard-tutor", ask("My Python tutor charges $60/hr, is that normal in Chicago?"), N, "price of a tutor"),
    item(
        "d-hard-translate-math",
        ask("translate 'function', 'variable' and 'derivative' into French for my math class"),
        N,
        "math vocabulary",
    ),
    item("d-hard-poem", ask("Write a short poem about debugging at 3am", api="anthropic"), N, "a poem"),
    item("d-hard-router-password", ask("how do I reset my router's admin password?"), N, "home network"),
    item(
        "d-hard-import-contacts",
        ask("How do I import my contacts from Gmail to Outlook?", api="anthropic"),
        N,
        "import contacts",
    ),
    item(
        "d-hard-learn-sql",
        ask("What are the best resources to learn SQL for a data analyst job? Free ones preferably"),
        N,
        "learning resources",
    ),
    item(
        "d-hard-usdc-address",
        ask("what's the USDC token contract address on Solana?", api="anthropic"),
        N,
        "a token address",
    ),
    item(
        "d-hard-rust-rewrite-politics",
        ask("Our CTO wants to rewrite everything in Rust. How do I convince him it's a bad idea for a 5-person team?"),
        N,
        "persuasion about a rewrite",
    ),
    item(
        "d-hard-standup-summary",
        ask(
            "Summarize this standup for the PM in two lines: Alice fixed the login bug, Bob is refactoring the "
            "payment module, Carol is blocked on the API keys from the vendor.",
            api="anthropic",
        ),
        N,
        "summary of engineering work",
    ),
    item("d-hard-tweet-api", ask("Write a tweet announcing our new public API for developers"), N, "tweet"),
    item(
        "d-hard-cover-letter",
        ask("Write a cover letter for a frontend developer job at Shopify, I have 3 years of React"),
        N,
        "cover letter",
    ),
    item(
        "d-hard-plan-traceback",
        eliza_plan(
            DEX,
            [
                (
                    "ines",
                    'Dex help:\nTraceback (most recent call last):\n  File "bot.py", line 12, in <module>\n'
                    "    client.run()\nAttributeError: 'OrbitClient' object has no attribute 'run'",
                )
            ],
            "openai",
        ),
        N,
        "planning; a traceback inside the conversation",
    ),
    item(
        "d-hard-sr-py-fence",
        eliza_should_respond(
            DEX,
            [("yuki", "anyone? ```py\nimport orbit\norbit.connect()\n``` hangs forever"), ("ben", "same here")],
            runtime="py",
        ),
        N,
        "should-respond, Python runtime; fenced code in the room",
    ),
    item(
        "d-hard-travel-tools",
        (
            "anthropic",
            {
                "model": "claude-3-5-sonnet-20241022",
                "max_tokens": 2048,
                "system": "You are a travel agent. Use the tools to search flights and weather.",
                "messages": [
                    {"role": "user", "content": "find me a flight from Berlin to Lisbon on May 3 and check the weather"}
                ],
                "tools": [
                    {
                        "name": "search_flights",
                        "description": "Search flights",
                        "input_schema": {
                            "type": "object",
                            "properties": {"from": {"type": "string"}, "to": {"type": "string"}},
                        },
                    },
                    {
                        "name": "get_weather",
                        "description": "Weather forecast for a city",
                        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
                    },
                ],
            },
        ),
        N,
        "an agent with non-coding tools",
    ),
    item(
        "d-hard-refund-tools",
        (
            "openai",
            {
                "model": "gpt-4o-mini",
                "messages": [
                    {"role": "system", "content": "You are ShopFast's support bot."},
                    {"role": "user", "content": "refund my order 114-2231987, the blender arrived broken"},
                ],
                "tools": [
                    {
                        "type": "function",
                        "function": {
                            "name": "lookup_order",
                            "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}},
                        },
                    },
                    {
                        "type": "function",
                        "function": {
                            "name": "create_refund",
                            "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}},
                        },
                    },
                ],
            },
        ),
        N,
        "support bot with function tools",
    ),
    item(
        "d-hard-null-value",
        ask(
            "ok so basically when i hit save nothing happens and the console says Uncaught TypeError: Cannot read "
            "properties of null (reading 'value')"
        ),
        C,
        "casual JS bug",
    ),
    item(
        "d-hard-discord-bot",
        ask("can u help me make my discord bot reply when someone says gm", api="anthropic"),
        C,
        "casual bot code",
    ),
    item(
        "d-hard-git-undo",
        ask("whats the git command to undo the last commit but keep the changes"),
        C,
        "git command",
    ),
    item(
        "d-hard-jupyter",
        ask("my jupyter notebook kernel keeps dying when I load a 5GB csv, how do I load it in chunks?"),
        C,
        "data tooling",
    ),
    item(
        "d-hard-curl",
        ask(
            "convert this curl to python requests: curl -X POST https://api.example.com/v1/items -H "
            "'Authorization: Bearer $TOKEN' -d '{\"name\":\"x\"}'",
            api="anthropic",
        ),
        C,
        "curl to code",
    ),
    item(
        "d-hard-vscode",
        ask("is there a way to make vscode format python files on save with black?"),
        C,
        "editor tooling",
    ),
    item(
        "d-hard-cc-continue",
        claude_code("continue"),
        C,
        "Claude Code, one word",
    ),
    item(
        "d-hard-slow-js-file",
        ask(
            "why is this slow\n\n" + "\n".join(_STEP.format(i=i) for i in range(40)),
            system="You are a helpful assistant.",
        ),
        C,
        "a long pasted file",
    ),
    item(
        "d-hard-where-having",
        ask("In SQL, what's the difference between WHERE and HAVING?", api="anthropic"),
        C,
        "SQL concept",
    ),
    item(
        "d-hard-palindrome",
        ask("write a function that checks if a string is a palindrome"),
        C,
        "write a function",
    ),
    item(
        "d-hard-go-file",
        ask("in go how do I read a file line by line?", api="anthropic"),
        C,
        "Go, the word 'go'",
    ),
]
