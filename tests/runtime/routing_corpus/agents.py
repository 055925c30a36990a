# ruff: noqa: E501  (agent traffic as agents and their users write it)
"""Agent traffic for the routing corpus: coding agents' tasks and tool loops, chat agents' rooms.

Coding agents (Claude Code, Aider, Cline, OpenHands, IDE panels) get tasks, tool calls with their
outputs, and now and then a question that is not about code. SDK agents with tools that are not
about code (a travel desk, a calendar) run tool loops too. ElizaOS agents see rooms where the message
being handled asks for code or does not.
"""

from __future__ import annotations

from typing import Any

# Tasks given to a coding agent at the start of a session.
AGENT_TASKS = [
    "Fix the failing test in tests/test_invoice.py; I think the rounding changed.",
    "Add a --verbose flag to the CLI that prints each file as it's processed.",
    "The build is broken on main since this morning. Find out why and fix it.",
    "Refactor src/payments/stripe.ts so the webhook handler is testable without hitting Stripe.",
    "Add pagination to the /api/orders endpoint, 50 per page, with a cursor.",
    "Write tests for utils/dates.py, especially around DST changes.",
    "Why does `npm run dev` hang after 'compiled successfully'? Investigate.",
    "Rename the `UserManager` class to `AccountService` everywhere, including tests and docs.",
    "Upgrade the project from React 17 to 18 and fix whatever breaks.",
    "Add a health check endpoint that also verifies the database connection.",
    "There's a race condition in the job queue worker: two workers sometimes pick the same job. Find it.",
    "Make the CSV export stream rows instead of building the whole file in memory.",
    "Set up ruff and mypy in this repo and fix the errors they report.",
    "Implement the `forgot password` flow: token by email, expires in 1 hour.",
    "Our Docker image is 1.8 GB. Get it under 300 MB.",
    "The dashboard page takes 6 seconds to load. Profile it and fix the slowest query.",
    "Add i18n to the settings page: English and German, strings in locale files.",
    "Migrate the config from INI files to TOML and keep backwards compatibility for one release.",
    "Remove the dead feature flag `new_checkout` and the code paths behind it.",
    "Write a script in scripts/ that seeds the local database with 100 fake users.",
    "The mobile menu doesn't close after tapping a link. Fix it.",
    "Add retry with jitter to every outgoing call in the http client wrapper.",
    "Explain how authentication works in this codebase, then add support for API keys.",
    "Convert the remaining class components in src/components to function components with hooks.",
    "Find where we leak file descriptors; the service dies with 'too many open files' after a day.",
    "Add a GitHub Actions workflow that runs the test suite and uploads coverage.",
    "Make the logger output JSON in production and pretty text locally.",
    "The date picker shows the wrong day for users in UTC-5. Track it down.",
    "Split the 2,000-line views.py into modules by feature without changing behaviour.",
    "Add rate limiting to the login endpoint: 5 attempts per minute per IP.",
    "Generate TypeScript types from the OpenAPI spec and use them in the API client.",
    "Write a migration that backfills the new `slug` column from `title` for existing posts.",
    "Review the changes on this branch and point out anything risky before I open the PR.",
    "The e2e test for checkout is flaky. Make it deterministic.",
    "Add caching to the product lookup with a 5-minute TTL, invalidated on update.",
    "Port the bash deploy script to a Makefile target and document it in the README.",
    "Our cron container runs jobs twice after scaling to 2 replicas. Make it run once.",
    "Add keyboard navigation to the autocomplete dropdown (arrows, enter, escape).",
    "Bump all dependencies to their latest minor versions and make sure tests still pass.",
    "Implement soft delete for comments and hide deleted ones from the feed.",
    "commit this with a good message and push",
    "squash my last 4 commits into one and force-push the branch safely",
    "what does this repo do? give me an overview of the architecture",
    "hook up the new pricing table component to the real plans endpoint",
    "the linter complains about 40 unused imports, clean them up",
]

# Tool calls of a coding agent's loop: (tool, input, output) as Claude Code's tools return them.
CODING_TOOL_STEPS: list[tuple[str, dict[str, Any], str]] = [
    (
        "Bash",
        {"command": "pytest -q tests/test_invoice.py", "description": "Run the invoice tests"},
        "F.....\n=================================== FAILURES ===================================\n______________________________ test_total_rounding _____________________________\n\n    def test_total_rounding():\n>       assert invoice_total([0.1, 0.2]) == 0.3\nE       assert 0.30000000000000004 == 0.3\n\ntests/test_invoice.py:12: AssertionError\n1 failed, 5 passed in 0.41s",
    ),
    (
        "Read",
        {"file_path": "/home/dev/work/ingest-service/src/billing/invoice.py"},
        "     1\tfrom decimal import Decimal\n     2\t\n     3\t\n     4\tdef invoice_total(amounts):\n     5\t    return sum(amounts)\n     6\t\n     7\t\n     8\tdef tax(amount, rate=0.2):\n     9\t    return amount * rate\n",
    ),
    (
        "Grep",
        {"pattern": "UserManager", "output_mode": "files_with_matches"},
        "src/accounts/manager.py\nsrc/api/routes.py\ntests/test_accounts.py\ndocs/architecture.md",
    ),
    (
        "Bash",
        {"command": "git log --oneline -5", "description": "Show recent commits"},
        "3f9e2a1 fix: retry on 503 from the ledger\nb81c0de feat: export csv\n0a1b2c3 chore: bump deps\n77aa1b2 Merge pull request #412\n9c8d7e6 wip",
    ),
    (
        "Bash",
        {"command": "npm run build", "description": "Build the project"},
        "> web@1.4.0 build\n> tsc -p . && vite build\n\nsrc/pages/Settings.tsx:48:17 - error TS2339: Property 'locale' does not exist on type 'UserPrefs'.\n\n48     const l = prefs.locale ?? 'en';\n                   ~~~~~~\n\nFound 1 error in src/pages/Settings.tsx:48",
    ),
    (
        "Edit",
        {
            "file_path": "/Users/maya/src/checkout-web/src/pages/Settings.tsx",
            "old_string": "prefs.locale",
            "new_string": "prefs.language",
        },
        "The file /Users/maya/src/checkout-web/src/pages/Settings.tsx has been updated. Here's the result of running `cat -n` on a snippet of the edited file:\n    46\t  const prefs = usePrefs();\n    47\t\n    48\t  const l = prefs.language ?? 'en';\n    49\t  return <LocaleProvider value={l}>",
    ),
    (
        "Glob",
        {"pattern": "src/components/**/*.jsx"},
        "/Users/tom/code/ledger-api/src/components/Header.jsx\n/Users/tom/code/ledger-api/src/components/Table.jsx\n/Users/tom/code/ledger-api/src/components/Modal.jsx",
    ),
    ("Bash", {"command": "docker images app --format '{{.Size}}'", "description": "Check image size"}, "1.81GB"),
    (
        "Read",
        {"file_path": "/workspaces/monorepo/Dockerfile"},
        '     1\tFROM node:20\n     2\tWORKDIR /app\n     3\tCOPY . .\n     4\tRUN npm install\n     5\tRUN npm run build\n     6\tCMD ["node", "dist/server.js"]\n',
    ),
    (
        "Bash",
        {"command": "git status --short", "description": "Show working tree status"},
        " M src/queue/worker.go\n M src/queue/worker_test.go\n?? src/queue/lock.go",
    ),
    (
        "Bash",
        {"command": "go test ./...", "description": "Run all Go tests"},
        "ok  \tgithub.com/acme/ingest/internal/api\t0.112s\n--- FAIL: TestWorkerClaimsOnce (0.05s)\n    worker_test.go:41: job 17 claimed by 2 workers\nFAIL\nFAIL\tgithub.com/acme/ingest/internal/queue\t0.231s",
    ),
    (
        "Read",
        {"file_path": "/home/kofi/projects/field-app/internal/queue/worker.go", "offset": 30, "limit": 20},
        "    30\tfunc (w *Worker) claim(ctx context.Context) (*Job, error) {\n    31\t\tjob, err := w.store.NextPending(ctx)\n    32\t\tif err != nil {\n    33\t\t\treturn nil, err\n    34\t\t}\n    35\t\tjob.Status = Running\n    36\t\treturn job, w.store.Save(ctx, job)\n    37\t}\n",
    ),
    (
        "Bash",
        {"command": "ruff check . --statistics", "description": "Lint the project"},
        "41\tF401\t[*] `os` imported but unused\n 3\tE711\tComparison to `None` should be `cond is None`\nFound 44 errors.\n[*] 41 fixable with the `--fix` option.",
    ),
    (
        "Bash",
        {"command": "lsof -p $(pgrep -f ingest) | wc -l", "description": "Count open files of the service"},
        "1021",
    ),
    (
        "Grep",
        {"pattern": "open\\(", "path": "src", "output_mode": "content"},
        "src/export/csv.py:22:    f = open(path, 'w')\nsrc/import/feed.py:48:        fh = open(tmp)\nsrc/util/lock.py:9:    return open(LOCK, 'a')",
    ),
    (
        "Bash",
        {"command": "git diff --stat main...HEAD", "description": "Summarize branch changes"},
        " src/auth/session.py     | 88 ++++++++++++-------\n src/auth/tokens.py      | 41 +++++++++\n tests/test_session.py   | 63 ++++++++++++++\n 3 files changed, 160 insertions(+), 32 deletions(-)",
    ),
    (
        "Bash",
        {"command": "npx playwright test checkout.spec.ts --repeat-each=5", "description": "Repeat the flaky e2e test"},
        'Running 5 tests using 1 worker\n  ✓ checkout.spec.ts:12 › pays with card (4.1s)\n  ✘ checkout.spec.ts:12 › pays with card (30.0s)\n    Error: Timed out 30000ms waiting for expect(locator).toHaveText("Thank you")\n  ✓ checkout.spec.ts:12 › pays with card (3.9s)\n  1 failed, 4 passed',
    ),
    (
        "Write",
        {"file_path": "/home/dev/work/ingest-service/scripts/seed_users.py", "content": "import random\n..."},
        "File created successfully at: /home/dev/work/ingest-service/scripts/seed_users.py",
    ),
    (
        "Bash",
        {"command": "python -m mypy src", "description": "Type-check"},
        'src/api/routes.py:17: error: Function is missing a return type annotation  [no-untyped-def]\nsrc/api/routes.py:33: error: Argument 1 to "get_user" has incompatible type "str | None"; expected "str"  [arg-type]\nFound 2 errors in 1 file (checked 24 source files)',
    ),
    (
        "Read",
        {"file_path": "/Users/maya/src/checkout-web/src/components/MobileMenu.tsx"},
        "     1\texport function MobileMenu({ links }: Props) {\n     2\t  const [open, setOpen] = useState(false);\n     3\t  return (\n     4\t    <nav className={open ? 'menu open' : 'menu'}>\n     5\t      <button onClick={() => setOpen(!open)}>☰</button>\n     6\t      {links.map(l => <a key={l.href} href={l.href}>{l.label}</a>)}\n     7\t    </nav>\n     8\t  );\n     9\t}\n",
    ),
    (
        "Bash",
        {"command": "cargo build 2>&1 | tail -20", "description": "Build the crate"},
        'error[E0382]: borrow of moved value: `cfg`\n  --> src/main.rs:22:20\n   |\n18 |     let server = Server::new(cfg);\n   |                              --- value moved here\n22 |     println!("{}", cfg.port);\n   |                    ^^^^^^^^ value borrowed here after move',
    ),
    (
        "Bash",
        {"command": "kubectl get pods -n shop", "description": "List pods"},
        "NAME                    READY   STATUS             RESTARTS   AGE\napi-7c9d8f6b5-2xkqv     1/1     Running            0          3h\ncron-5f7d9c8b4-p8zlm    0/1     CrashLoopBackOff   14         52m",
    ),
    (
        "TodoWrite",
        {"todos": '[{"content": "Find the slow query", "status": "in_progress"}]'},
        "Todos have been modified successfully. Ensure that you continue to use the todo list to track your progress. Please proceed with the current tasks if applicable",
    ),
    (
        "Bash",
        {
            "command": "psql $DATABASE_URL -c 'EXPLAIN ANALYZE SELECT * FROM orders WHERE customer_id = 42 ORDER BY created_at DESC LIMIT 20'",
            "description": "Explain the dashboard query",
        },
        " Limit  (cost=0.00..1893.21 rows=20 width=120) (actual time=4211.332..4211.340 rows=20 loops=1)\n   ->  Sort  (cost=... ) (actual time=4211.330..4211.335 rows=20 loops=1)\n         ->  Seq Scan on orders  (actual time=0.021..4102.118 rows=8123 loops=1)\n               Filter: (customer_id = 42)\n               Rows Removed by Filter: 19843211\n Planning Time: 0.118 ms\n Execution Time: 4211.402 ms",
    ),
    (
        "Bash",
        {"command": "npm test -- --silent", "description": "Run the unit tests"},
        'Test Suites: 1 failed, 23 passed, 24 total\nTests:       2 failed, 187 passed, 189 total\n  ● DatePicker › shows the selected day in the user\'s zone\n    Expected: "Mon 3"\n    Received: "Sun 2"',
    ),
    (
        "Read",
        {"file_path": "/workspaces/monorepo/.github/workflows/ci.yml"},
        "     1\tname: ci\n     2\ton: [push]\n     3\tjobs:\n     4\t  test:\n     5\t    runs-on: ubuntu-latest\n     6\t    steps:\n     7\t      - uses: actions/checkout@v4\n     8\t      - run: make test\n",
    ),
    (
        "Bash",
        {"command": "git rebase -i HEAD~4", "description": "Squash the last commits"},
        "error: cannot rebase: You have unstaged changes.\nerror: Please commit or stash them.",
    ),
    (
        "Bash",
        {"command": "ls -la", "description": "List the project root"},
        "total 48\ndrwxr-xr-x  9 dev dev 4096 Nov 24 09:12 .\n-rw-r--r--  1 dev dev  612 Nov 20 14:01 Makefile\n-rw-r--r--  1 dev dev 1450 Nov 24 09:10 README.md\ndrwxr-xr-x  6 dev dev 4096 Nov 23 18:44 src\ndrwxr-xr-x  3 dev dev 4096 Nov 23 18:44 tests\n-rw-r--r--  1 dev dev  203 Nov 19 11:37 pyproject.toml",
    ),
]


# SDK agents whose tools are not about code: (system, tools, tasks with their tool steps)
def _tool(name: str, description: str, props: dict[str, str]) -> dict[str, Any]:
    return {
        "name": name,
        "description": description,
        "input_schema": {
            "type": "object",
            "properties": {k: {"type": "string", "description": v} for k, v in props.items()},
            "required": list(props)[:1],
        },
    }


OTHER_AGENTS: list[dict[str, Any]] = [
    {
        "system": "You are the travel assistant of Wayfarer Tours. Help customers find and book trips. Always confirm dates before booking.",
        "tools": [
            _tool(
                "search_flights",
                "Search flights between two airports on a date.",
                {"origin": "IATA code", "destination": "IATA code", "date": "YYYY-MM-DD"},
            ),
            _tool("get_weather", "Current weather and 3-day forecast for a city.", {"city": "City name"}),
            _tool("book_hotel", "Book a hotel room.", {"hotel_id": "Hotel", "nights": "Number of nights"}),
        ],
        "loops": [
            (
                "Find me a flight from Berlin to Lisbon on March 14.",
                "search_flights",
                {"origin": "BER", "destination": "LIS", "date": "2027-03-14"},
                '{"flights": [{"carrier": "TP", "dep": "07:05", "arr": "09:40", "price_eur": 142}, {"carrier": "FR", "dep": "13:20", "arr": "15:55", "price_eur": 88}]}',
            ),
            (
                "What's the weather going to be like in Reykjavik this weekend?",
                "get_weather",
                {"city": "Reykjavik"},
                '{"now": {"temp_c": -2, "sky": "snow"}, "forecast": [{"day": "Sat", "high": 0, "low": -5}, {"day": "Sun", "high": 1, "low": -3}]}',
            ),
            (
                "Book two nights at the Alfama Boutique hotel.",
                "book_hotel",
                {"hotel_id": "alfama-boutique", "nights": "2"},
                '{"confirmation": "WT-88213", "total_eur": 310, "checkin": "2027-03-14"}',
            ),
            (
                "Is it sunny in Seville right now?",
                "get_weather",
                {"city": "Seville"},
                '{"now": {"temp_c": 19, "sky": "clear"}}',
            ),
            (
                "Any cheap flights from Madrid to Rome next Friday?",
                "search_flights",
                {"origin": "MAD", "destination": "FCO", "date": "2026-11-27"},
                '{"flights": [{"carrier": "IB", "dep": "10:15", "arr": "12:40", "price_eur": 96}]}',
            ),
        ],
    },
    {
        "system": "You are Kai, an executive assistant. You manage calendars and email for the team. State times with time zones.",
        "tools": [
            _tool("list_events", "List calendar events in a date range.", {"start": "ISO date", "end": "ISO date"}),
            _tool(
                "create_event",
                "Create a calendar event.",
                {"title": "Title", "start": "ISO datetime", "attendees": "Emails"},
            ),
            _tool("send_email", "Send an email.", {"to": "Recipient", "subject": "Subject", "body": "Body"}),
        ],
        "loops": [
            (
                "What's on my calendar tomorrow?",
                "list_events",
                {"start": "2026-11-25", "end": "2026-11-25"},
                '[{"title": "1:1 with Priya", "start": "09:30 CET"}, {"title": "Board prep", "start": "14:00 CET"}, {"title": "Dentist", "start": "17:15 CET"}]',
            ),
            (
                "Set up a 30-minute call with Jonas and Mei on Thursday afternoon.",
                "create_event",
                {
                    "title": "Call with Jonas and Mei",
                    "start": "2026-11-26T15:00:00+01:00",
                    "attendees": "jonas@acme.io, mei@acme.io",
                },
                '{"id": "evt_4411", "status": "confirmed"}',
            ),
            (
                "Email the landlord that the heating is fixed, thanks.",
                "send_email",
                {"to": "landlord@example.com", "subject": "Heating", "body": "The heating works again, thank you!"},
                '{"status": "sent"}',
            ),
            (
                "Do I have anything clashing with the offsite on Dec 3?",
                "list_events",
                {"start": "2026-12-03", "end": "2026-12-03"},
                '[{"title": "Offsite", "start": "09:00 CET", "end": "17:00 CET"}, {"title": "Quarterly review", "start": "11:00 CET"}]',
            ),
            (
                "Move my dentist appointment to next week, same time.",
                "create_event",
                {"title": "Dentist", "start": "2026-12-02T17:15:00+01:00", "attendees": ""},
                '{"id": "evt_4420", "status": "confirmed"}',
            ),
        ],
    },
    {
        "system": "You are the support assistant for Northwind Cloud. Look up orders and invoices for the signed-in customer. Never reveal other customers' data.",
        "tools": [
            _tool("lookup_order", "Look up an order by number.", {"order_id": "Order number"}),
            _tool("get_invoice", "Fetch an invoice for a month.", {"month": "YYYY-MM"}),
            _tool("open_ticket", "Open a support ticket.", {"subject": "Subject", "priority": "low|normal|high"}),
        ],
        "loops": [
            (
                "Where is my order 55190?",
                "lookup_order",
                {"order_id": "55190"},
                '{"status": "shipped", "carrier": "DHL", "eta": "2026-11-26"}',
            ),
            (
                "Can I get my October invoice?",
                "get_invoice",
                {"month": "2026-10"},
                '{"invoice": "INV-2026-10-3321", "total": "49.00 EUR", "url": "https://billing.example.com/i/3321"}',
            ),
            (
                "I was charged twice this month, please open a ticket.",
                "open_ticket",
                {"subject": "Double charge in November", "priority": "high"},
                '{"ticket": "NW-7781", "status": "open"}',
            ),
            (
                "Has order 55203 left the warehouse yet?",
                "lookup_order",
                {"order_id": "55203"},
                '{"status": "packing", "eta": "2026-11-28"}',
            ),
            (
                "Why is my bill higher than usual? Get me the last invoice.",
                "get_invoice",
                {"month": "2026-11"},
                '{"invoice": "INV-2026-11-3390", "total": "79.00 EUR", "lines": ["Team plan 49.00", "Extra seats 30.00"]}',
            ),
        ],
    },
    {
        "system": "You are a cooking assistant with access to a recipe database and the user's pantry list.",
        "tools": [
            _tool("search_recipes", "Search recipes by ingredients or name.", {"query": "Search words"}),
            _tool("get_pantry", "List what is in the user's pantry.", {"section": "fridge|freezer|cupboard"}),
        ],
        "loops": [
            (
                "What can I make with what's in my fridge?",
                "get_pantry",
                {"section": "fridge"},
                '["eggs", "spinach", "feta", "half an onion", "yogurt"]',
            ),
            (
                "Find me a quick vegan curry.",
                "search_recipes",
                {"query": "quick vegan curry"},
                '[{"name": "Chickpea coconut curry", "minutes": 25}, {"name": "Red lentil dal", "minutes": 30}]',
            ),
            (
                "Something with pumpkin for Sunday lunch?",
                "search_recipes",
                {"query": "pumpkin lunch"},
                '[{"name": "Roast pumpkin risotto", "minutes": 45}, {"name": "Pumpkin and sage gnocchi", "minutes": 40}]',
            ),
            (
                "Do I still have frozen peas?",
                "get_pantry",
                {"section": "freezer"},
                '["peas", "vanilla ice cream", "puff pastry"]',
            ),
            (
                "Look up a classic tiramisu.",
                "search_recipes",
                {"query": "tiramisu classic"},
                '[{"name": "Tiramisu", "minutes": 30, "rest_hours": 6}]',
            ),
        ],
    },
]

# Non-code questions asked in the middle of a coding agent's session (the last ask decides).
IDE_OTHER_QUESTIONS = [
    "what's a good name for a cat?",
    "unrelated, but what should I get my mom for her birthday? she likes gardening",
    "can you write a short email to my landlord saying the rent will be 2 days late",
    "what time is it in Tokyo when it's 9am in London?",
    "btw how many calories are in a banana",
    "I need a quick pep talk, this week has been rough",
    "what's the capital of Canada? my kid is asking",
    "translate 'thank you for your patience' into French for a customer email",
    "any tips for a good night's sleep? I keep waking up at 4",
    "write a birthday message for Anna from the team, something fun",
    "how long should I rest between sets at the gym",
    "what's the difference between a latte and a flat white",
    "recommend a podcast for my commute, not about tech",
    "draft a message to my manager that I'll be out Friday for a family thing",
    "how do I say no to a meeting politely",
    "give me three ideas for a team lunch spot that works for vegetarians",
    "what's a good book to read on holiday",
    "my plant's leaves are turning brown at the edges, why?",
    "help me word a thank-you note for the farewell gift",
    "quick question, is it 'affect' or 'effect' in 'this will ___ everyone'?",
    "what's the weather usually like in Barcelona in October",
    "can you suggest a name for our fantasy football league",
    "write a two-line toast for my friend's engagement",
    "how do I get coffee stains out of a white shirt",
    "what should I pack for a weekend in Amsterdam",
    "ok different question. my sister is visiting, what's fun to do in Berlin on a Sunday?",
    "what's a polite way to remind someone they owe me money",
    "summarize the rules of padel in three sentences",
    "is it rude to leave a wedding before dinner",
    "haha ok. what's a good pun about cheese for a card",
    "what's an easy dinner I can cook in 15 minutes",
    "Wie sage ich meinem Chef höflich, dass ich nächste Woche Urlaub brauche?",
    "顺便问一下，周末去哪里爬山比较好？",
    "Aliás, você sabe uma boa receita de bolo de cenoura?",
    "Кстати, что подарить коллеге на день рождения?",
    "Por cierto, ¿qué película me recomiendas para esta noche?",
    "Au fait, tu connais un bon restaurant près de la gare de Lyon ?",
    "ところで、今夜の夕飯は何がいいと思う？",
    "write a limerick about Mondays for the team channel",
    "what's the etiquette for tipping movers",
]

# ElizaOS characters.
PERSONAS: list[dict[str, Any]] = [
    {
        "name": "Eliza",
        "system": "Respond to all messages in a helpful, conversational manner. Provide assistance on a wide range of topics, using knowledge when needed. Be concise but thorough, friendly but professional.",
        "bio": ["A helpful AI assistant.", "Eliza is warm, curious and likes a good pun."],
        "topics": ["general knowledge", "travel", "books", "cooking"],
        "style": ["be concise", "use plain language"],
        "actions": [],
    },
    {
        "name": "Spartan",
        "system": "You are Spartan, a no-nonsense DeFi trading agent on Solana. Keep replies short, use tickers, never give financial advice.",
        "bio": [
            "Spartan runs the degen trading desk for the community.",
            "Tracks memecoins, liquidity pools and wallet flows.",
        ],
        "topics": ["memecoins", "DeFi", "liquidity", "market sentiment"],
        "style": ["short sentences", "lowercase is fine"],
        "actions": [
            ("SWAP_TOKENS", "Swap tokens. Params: fromToken, toToken, amount."),
            ("GET_TOKEN_PRICE", "Look up a token price. Params: symbol."),
            ("WALLET_BALANCE", "Show the trading wallet's balance."),
        ],
    },
    {
        "name": "Dex",
        "system": "You are Dex, the developer-relations agent for the Orbit SDK community. Welcome newcomers, point people to docs, help with code questions.",
        "bio": [
            "Dex has been in the Orbit SDK community since the first beta.",
            "Knows where every doc page lives and helps people debug their integrations.",
        ],
        "topics": ["Orbit SDK", "TypeScript", "docs", "hackathons"],
        "style": ["link the docs", "show small code examples when asked"],
        "actions": [
            ("CREATE_GITHUB_ISSUE", "Open an issue. Params: title, body, labels."),
            ("SEARCH_DOCS", "Search the docs. Params: query."),
            ("SEND_MESSAGE", "Send a message to a user or channel."),
        ],
    },
    {
        "name": "Luna",
        "system": "You are Luna, community manager of the Moonlit Realms Discord. Keep the vibe friendly and answer questions about events and the game.",
        "bio": ["Luna hosts the weekly community nights.", "Knows every guild and every patch note."],
        "topics": ["game events", "guilds", "art contests"],
        "style": ["emoji are welcome", "keep it short in busy channels"],
        "actions": [("CREATE_EVENT", "Create a Discord event. Params: title, start."), ("MUTE_ROOM", "Mute the room.")],
    },
    {
        "name": "Ava",
        "system": "You are Ava, the support agent for Northwind Cloud, a hosting company. Be accurate about plans and billing; escalate with a ticket.",
        "bio": [
            "Ava answers customer questions around the clock.",
            "Knows the plans, invoices and the status page by heart.",
        ],
        "topics": ["billing", "plans", "service status"],
        "style": ["confirm the issue first", "never guess account details"],
        "actions": [
            ("OPEN_TICKET", "Open a support ticket. Params: subject, priority."),
            ("CHECK_STATUS", "Read the status page."),
        ],
    },
    {
        "name": "Mira",
        "system": "You are Mira, a warm companion who listens and encourages. Suggest professional help when someone is in crisis.",
        "bio": ["Mira is a gentle, thoughtful companion.", "Loves poetry and long walks."],
        "topics": ["daily life", "wellbeing", "hobbies"],
        "style": ["mirror the user's tone", "ask one question at a time"],
        "actions": [],
    },
]

# Room chatter before the message handled: lines that say nothing about the last one.
ROOM_CHATTER = [
    ("bob", "morning all, traffic on the bridge was terrible today"),
    ("carol", "haha did anyone watch the match last night?"),
    ("dan", "gm gm"),
    ("erin", "coffee machine on floor 3 is broken again 😩"),
    ("frank", "anyone going to the meetup on thursday?"),
    ("gina", "just got back from holidays, what did I miss"),
    ("hiro", "lol that meme"),
    ("ines", "weekend plans anyone?"),
    ("jay", "the new logo looks great btw"),
    ("kim", "brb lunch"),
    ("leo", "it's raining so hard here"),
    ("maya", "thanks for the help yesterday!"),
]

# Messages to a chat agent that ask for code (the agent's reply must contain or fix code).
ELIZA_CODING = [
    "Eliza, can you write me a bash script that backs up my photos folder to an external drive every night?",
    "@Dex my Orbit client throws 'TypeError: client.connect is not a function' after upgrading to 3.0, here's my code: import Orbit from 'orbit-sdk'; const client = new Orbit(); client.connect()",
    "Dex, how do I subscribe to events with the SDK in TypeScript? a small example pls",
    "Eliza write a python function that tells me how many days until christmas",
    "spartan can u write me a quick script that checks a wallet's SOL balance every minute using the RPC",
    "Dex can you fix this? `await orbit.send({to, amount})` never resolves, I'm on node 18",
    "Eliza, I need an Excel formula to add 30 days to a date in A2 and skip weekends",
    "hey Dex what's the regex to validate an Orbit API key, they look like orb_live_ followed by 32 hex chars",
    "Eliza, my Python loop prints the same number over and over, can you look?\nfor i in range(10):\n    print(x)",
    "Luna, can you write a tiny discord.js snippet that gives a role to anyone who reacts with 🌙?",
    "Mira I'm learning to code and stuck. How do I make a list of my favorite songs in Python and print them one per line?",
    "Eliza can you give me an SQL query that lists all customers from Spain ordered by signup date",
    "Dex: our webhook handler returns 500 when the payload has no 'meta' field. Can you show how to guard for that in Express?",
    "Spartan write a solidity snippet for an ERC20 with a 1% transfer tax",
    "Eliza, explain what this JavaScript does: const unique = [...new Set(arr)];",
    "Ava, can you give me the nginx config to point my domain at the app on port 8080 on my Northwind server?",
    "Dex, generate a React hook that wraps orbit.subscribe and cleans up on unmount",
    "Eliza, write a cron line that runs my backup script every Sunday at 3am",
    "@Eliza how do I undo my last git commit but keep the files?",
    "Dex the build fails with 'Cannot find module orbit-sdk/types' after install, what do I change in tsconfig?",
    "Eliza, please convert this to async/await: fetch(url).then(r => r.json()).then(d => console.log(d))",
    "Luna could you write a Python script that picks a random winner from the art contest entries in a CSV?",
    "Eliza, écris-moi une fonction Python qui calcule la moyenne d'une liste de notes.",
    "Dex, wie kann ich mit dem SDK eine Transaktion signieren? Ein kurzes Codebeispiel bitte.",
    "Eliza, 帮我写一个JavaScript函数，把秒数转换成 时:分:秒 的格式。",
    "Eliza, escreve um script em Python que lê um CSV e mostra a média da coluna 'preço'.",
    "Dex, напиши пример на TypeScript, как отправить транзакцию через Orbit SDK с повтором при ошибке.",
    "Eliza, ¿me escribes una consulta SQL que cuente los pedidos por cliente?",
    "Eliza、Pythonでフォルダ内のファイル名を一覧表示するコードを書いて。",
    "Spartan fix my bot, it crashes here: price = data['price'] KeyError: 'price'",
    "Dex, can you review this snippet before I ship it?\nconst tx = await orbit.tx.build({ to, value });\nawait orbit.tx.send(tx);\nconsole.log('done')",
    "Eliza, write me a tiny HTML page with a button that changes the background color when clicked",
    "Ava, what's the curl command to call the Northwind API and list my servers with my token?",
    "Mira can you help me with my homework, I have to write a function in Java that reverses a word",
    "Eliza the script you gave me says 'Permission denied' when I run it, what do I do",
    "Dex, my GitHub Action for the Orbit deploy fails at 'npm ci' with ERESOLVE. Here's the yaml part:\n- run: npm ci\n- run: npm run deploy",
    "Eliza, make a regex that finds all hashtags in a tweet",
    "Luna, how do I make the bot post the event schedule every Monday? we use discord.py",
    "Eliza can you write a Google Sheets formula that highlights duplicates in column A?",
    "Dex, does orbit.getBalance return a bigint or a string? my code does balance + 1 and gets weird output",
]

# Messages to a chat agent that do not ask for code (some talk about software, releases, bugs as news).
ELIZA_OTHER = [
    "Eliza, what's a good name for a pet turtle?",
    "gm Spartan, what's the vibe on $SOL today?",
    "Luna when is the next community night?",
    "Dex congrats on shipping Orbit SDK 3.0 today!! huge release 🎉",
    "Eliza, can you recommend a book for a long flight?",
    "Ava, I was charged twice this month, can you help?",
    "Mira I had a really rough day at work",
    "Dex, is there a hackathon this year? when does registration open?",
    "Spartan swap 2 SOL to USDC",
    "Eliza, tell me a fun fact about octopuses",
    "Luna who won the art contest last week?",
    "Ava, is there an outage right now? my site is slow",
    "Dex, please open an issue: the docs page for webhooks has a broken link",
    "Eliza, write a poem about the sea for my mum's birthday card",
    "Spartan what's my wallet balance",
    "Mira, how do I stop overthinking before I sleep?",
    "Eliza, what should I cook tonight? I have pasta and mushrooms",
    "Dex who maintains the python package these days?",
    "Luna can you make an event for saturday 8pm: guild raid night",
    "Ava, how much is the Business plan per month?",
    "Eliza, help me write the script for my best man speech, 3 minutes",
    "Dex, what time is the release livestream tomorrow?",
    "Eliza, my daughter's class is doing a play, any ideas for a funny title?",
    "Spartan is the new memecoin a rug or nah",
    "Eliza, what does the function of a prologue in a novel?",
    "Luna please mute this room for an hour, it's getting spammy",
    "Mira I'm awaiting my exam results and I'm so anxious",
    "Eliza, thanks for yesterday! the trip was amazing",
    "Dex, is it true the SDK is going to be open source?",
    "Ava can you upgrade me to the Team plan?",
    "Eliza, qual a melhor época para visitar o Japão?",
    "Eliza, was ist ein gutes Geschenk für meinen Chef?",
    "Eliza, 推荐一部适合全家看的电影吧",
    "Dex, спасибо за помощь с документацией вчера!",
    "Eliza, ¿cuál es la capital de Australia?",
    "Luna, c'est quand le prochain concours de dessin ?",
    "Eliza、明日の天気はどうかな？",
    "Spartan stop talking please",
    "Eliza, my friend says 'class' is the best word in english lol, what's yours?",
    "Dex, can you tell everyone in #general that the office hours moved to 4pm?",
]

# Messages a should-respond prompt decides about (never coding: the answer is RESPOND/IGNORE/STOP).
SHOULD_RESPOND_MESSAGES = [
    "Eliza, write a Python function to reverse a string",
    "Dex can you show me how to init the client in TypeScript?",
    "@Dex my build fails with TS2307 cannot find module, help",
    "bob can you send me that bash script from yesterday",
    "Spartan write me a trading bot in rust",
    "anyone know a regex for emails?",
    "Eliza fix this: TypeError: undefined is not a function",
    "Luna can u code me a discord bot that says hi",
    "carol, the SQL you sent works great thanks",
    "Dex, git push keeps asking for my password, how do I fix it?",
    "hey all, I'm writing a python script to clean my photos, any tips?",
    "Eliza, schreib mir bitte eine Funktion in JavaScript, die ein Datum formatiert",
    "Dex, 帮我看看这个报错：Cannot read properties of undefined",
    "Eliza, stop",
    "gm everyone",
    "Eliza what's the weather in Paris?",
    "lol bob that was a great match",
    "Luna when does the event start?",
    "Spartan shut up for a bit",
    "Ava my invoice is wrong",
    "Mira thank you, that helped a lot",
    "who's coming to the meetup?",
    "Dex congrats on the release!",
    "Eliza tell me a joke",
    "carol can you check the script for the school play tonight?",
    "the class starts at 6 right?",
    "we're still awaiting the results from the committee",
    "Eliza, please be quiet now",
    "Dex what's the link to the docs?",
    "Eliza, escreve uma função que soma dois números",
    "Spartan what's the price of $BONK",
    "Luna can you pin the event post?",
    "Eliza, напиши скрипт на bash для бэкапа",
    "frank did you push the fix?",
    "Dex, what time is office hours?",
    "Eliza, ¿me ayudas con una consulta SQL?",
    "great job on the launch team 🚀",
    "Mira are you there?",
    "Eliza, コードを書いて：配列を並べ替える関数",
    "Dex the SDK release notes mention a breaking change to auth, what is it?",
    "Eliza, can you write me a haiku?",
    "erin can you review my PR when you have a sec",
    "Spartan, the bot you wrote crashed again",
    "Luna what's the dress code for the gala event?",
    "Ava, how do I reset my password?",
]

# ElizaOS post-creation calls: (persona index, topic, adjective, recent posts)
ELIZA_POSTS = [
    (1, "memecoin season", "cynical", ["liquidity is a state of mind", "touch grass, then buy the dip"]),
    (2, "shipping a major SDK release", "proud", ["docs day tomorrow", "v3 beta is live for testers"]),
    (3, "the winter festival event", "excited", ["art contest results soon", "guild raid on saturday"]),
    (0, "reading in autumn", "cozy", ["tea and a good book", "libraries are underrated"]),
    (2, "a bug bounty program launch", "encouraging", ["security is a team sport"]),
    (4, "a planned maintenance window", "reassuring", ["status page updated"]),
    (5, "slowing down on weekends", "gentle", ["breathe in, breathe out"]),
    (1, "a chain outage", "sarcastic", ["validators napping again"]),
    (2, "a community member's first pull request", "warm", ["welcome to all new contributors"]),
    (3, "a new game patch", "playful", ["nerf incoming?"]),
]

# Claude Code side calls: the user text they judge or the conversation they title.
SIDE_CALL_TEXTS = [
    ("topic", "fix the failing invoice test"),
    ("topic", "now add error handling"),
    ("topic", "what's a good name for a cat?"),
    ("topic", "refactor the payments module so the webhook can be tested"),
    ("topic", "why does npm run dev hang"),
    ("topic", "and the tests?"),
    ("topic", "squash my last 4 commits"),
    ("topic", "Schreib Tests für den Warenkorb"),
    ("topic", "帮我修复这个编译错误"),
    ("topic", "add pagination to the orders endpoint"),
    (
        "title",
        "User: The build is broken on main\nAssistant: The type UserPrefs lost its locale field in b81c0de; I renamed the use to language.\nUser: run the tests\nAssistant: All 189 tests pass.",
    ),
    (
        "title",
        "User: make the CSV export stream\nAssistant: I changed export_csv to yield rows and return a StreamingResponse.",
    ),
    (
        "title",
        "User: Upgrade React to 18\nAssistant: Updated react and react-dom, replaced ReactDOM.render with createRoot, fixed two tests.",
    ),
    (
        "title",
        "User: what does this repo do?\nAssistant: It's an ingest service: a Go worker pulls jobs from Postgres and writes parquet files to S3.",
    ),
    (
        "title",
        "User: Add rate limiting to login\nAssistant: Added a token bucket per IP in middleware/ratelimit.ts with tests.",
    ),
    (
        "title",
        "User: the date picker shows the wrong day\nAssistant: It parsed dates in local time; I switched to UTC parsing and added a test for UTC-5.",
    ),
    ("title", "User: remove the new_checkout flag\nAssistant: Removed the flag and 14 code paths behind it."),
    ("title", "User: find the fd leak\nAssistant: csv.py opened files without closing them; wrapped in with-blocks."),
    ("title", "User: clean up unused imports\nAssistant: ruff --fix removed 41 unused imports."),
    ("title", "User: set up CI\nAssistant: Added .github/workflows/ci.yml running pytest with coverage upload."),
]

# More tasks for coding agents: terse ones and ones in other languages.
AGENT_TASKS_MORE = [
    ("de", "Behebe den fehlschlagenden Test in tests/test_warenkorb.py, der Rabatt wird falsch berechnet."),
    ("de", "Füge dem Importer eine Option --trocken hinzu, die nur anzeigt, was geändert würde."),
    ("zh", "把 src/api 下所有的回调改成 async/await，并保证测试通过。"),
    ("zh", "登录接口在高并发下会超时，帮我查一下原因。"),
    ("pt", "Adiciona paginação na listagem de pedidos e atualiza os testes."),
    ("pt", "O deploy no CI quebrou depois da última atualização de dependências. Descobre o motivo."),
    ("ru", "Перепиши модуль отчётов так, чтобы он не загружал все данные в память."),
    ("ru", "Найди, почему падает сборка на ветке release, и исправь."),
    ("es", "Añade validación de entrada al endpoint de registro y escribe tests."),
    ("es", "El contenedor se reinicia cada pocos minutos, averigua por qué."),
    ("fr", "Corrige le bug d'affichage du menu sur mobile et ajoute un test."),
    ("fr", "Mets à jour la configuration du linter et corrige les avertissements."),
    ("ja", "設定ファイルの読み込み処理をリファクタリングして、テストを追加してください。"),
    ("ja", "CIでだけ失敗するテストの原因を調べて直してください。"),
    ("en", "tests are red, fix"),
    ("en", "lint"),
    ("en", "why is this slow"),
    ("en", "make the header sticky"),
    ("en", "clean up the branch before review"),
    ("en", "bump node to 22 everywhere"),
    ("en", "fix the flaky one"),
    ("en", "wire the new env var through docker compose and the app config"),
    ("en", "look at the last CI run and tell me what broke"),
    ("en", "resolve the merge conflicts in src/router.ts keeping both features"),
    ("en", "delete the unused S3 bucket resources from the terraform and plan"),
]

# Coding exchanges an agent session had before its user asked something else.
PRIOR_EXCHANGES = [
    ("run the tests", "All 212 tests pass."),
    ("fix the typo in the README heading", "Fixed: 'Instalation' → 'Installation' in README.md."),
    ("add a null check in parse_date", "Added an early return when the value is None, plus a test."),
    ("bump the version to 1.4.2", "Updated pyproject.toml and CHANGELOG.md."),
    ("rename getUser to fetchUser", "Renamed in 6 files; typecheck passes."),
    ("make the button blue", "Changed the primary button color to #2563eb in theme.css."),
    ("why is CI red?", "The lint step failed on an unused import in api/routes.py; removed it."),
    ("add the migration for the new column", "Created migrations/0042_add_slug.py."),
    ("check the docker build", "The image builds; size is 212 MB."),
    ("commit it", "Committed as 'fix: handle empty config'."),
    ("revert the last change", "Reverted src/cache.ts to the previous version."),
    ("add logging to the worker", "Added structured logs at job start and end."),
]
