# ruff: noqa: E501  (requests as people type them)
"""The second frozen held-out split's content (`heldout2.jsonl`): new texts, written after the first
held-out split had been evaluated several times, before any model change that followed.

Written from the issue's categories and the labeling rule in README.md, without looking at either
classifier's features, at the first held-out split's items or at any model's mistakes. None of these
texts is a copy or paraphrase of a dev, supplement or held-out item. Only the wire shapes
(`clients.py`), the ElizaOS personas and Claude Code's generic tool steps are shared with the rest of
the corpus, as they recur in real traffic. `build.py` writes `heldout2.jsonl`; nothing trains on it.
"""

from __future__ import annotations

from typing import Any

# --- direct: one English request in a chat app ---------------------------------------------------
DIRECT_CODING = [
    "Write a bash loop that renames every .jpeg file in a folder to .jpg.",
    "How do I reverse a linked list in place in C? Show the code.",
    "My Flask route returns 405 Method Not Allowed when I POST to it. Here's the decorator: @app.route('/submit'). What's wrong?",
    'Convert this JSON to a TypeScript interface: {"id": 3, "tags": ["a"], "owner": {"name": "x"}}',
    "Give me a Go program that reads lines from stdin and prints them sorted and deduplicated.",
    "What's the difference between `let` and `const` in JavaScript, with an example where it matters?",
    "Write unit tests for a function slugify(title) that lowercases and replaces spaces with hyphens.",
    "Explain what this does: `[x for row in grid for x in row if x]`",
    "Help me write a Rust struct for a 2D point with an add method and Display impl.",
    "Can you refactor this so it doesn't use nested ifs?\n\nif user:\n    if user.active:\n        if user.email:\n            send(user.email)",
    "Why does my pandas groupby drop rows where the key is NaN, and how do I keep them?",
    "Write a Kotlin data class for an invoice with a computed total property.",
    "I need a PowerShell snippet that lists services set to automatic that aren't running.",
    "Segmentation fault when I free a pointer twice — how do I make my C cleanup function safe to call twice?",
    "Make a small HTML page with a form that validates an email field before submit, vanilla JS only.",
    "Implement binary search over a sorted array of ints in Java and handle the not-found case.",
    "How do I mock datetime.now() in a pytest test?",
]
DIRECT_OTHER = [
    "Plan a four-day itinerary for Lisbon on a moderate budget.",
    "What are some good questions to ask at the end of a job interview?",
    "Write a thank-you note to my neighbor who watered my plants while I was away.",
    "How do I get red wine out of a carpet?",
    "Summarize the causes of the French Revolution in five bullet points.",
    "What's a good beginner workout routine for three days a week?",
    "Help me name my new sourdough starter. Something punny.",
    "Explain compound interest like I'm twelve.",
    "Draft a polite email asking my landlord to fix the heating.",
    "What should I pack for a week of hiking in Scotland in May?",
    "Give me a vegetarian lasagna recipe for eight people.",
    "How do I politely decline a wedding invitation?",
    "Recommend five podcasts about history.",
    "Rewrite this sentence to sound more formal: we're gonna be late on the report, sorry.",
    "Is it better to rent or buy a car if I drive only on weekends?",
]

# --- multilingual ----------------------------------------------------------------------------------
LANG_CODING: dict[str, list[str]] = {
    "zh": [
        "用JavaScript写一个防抖函数，并解释它的原理。",
        "我的SQL查询太慢了：SELECT * FROM orders WHERE YEAR(created_at) = 2024，怎么优化？",
        "帮我把这段Python代码改成异步的：for url in urls: requests.get(url)",
        "写一个正则表达式，匹配中国大陆的手机号码。",
    ],
    "pt": [
        "Escreve uma função em Python que valida um CPF.",
        "Meu docker-compose não sobe o Postgres, dá erro de permissão no volume. Como resolvo?",
        "Como faço um SELECT que traz o último pedido de cada cliente?",
    ],
    "ru": [
        "Напиши скрипт на bash, который удаляет файлы старше 30 дней в папке /var/log/app.",
        "Почему в Go горутина не видит изменения переменной? Вот код: go func() { for !done {} }()",
        "Как в React передать данные из дочернего компонента в родительский? Покажи пример.",
    ],
    "de": [
        "Schreib mir eine Java-Methode, die prüft, ob ein String ein Palindrom ist.",
        "Mein Git-Rebase hat Konflikte, wie breche ich ihn ab und gehe zum alten Stand zurück?",
        "Wie definiere ich in Terraform einen S3-Bucket mit Versionierung?",
    ],
    "es": [
        "Escribe una función en TypeScript que agrupe un array de objetos por una propiedad.",
        "¿Cómo configuro un cron que ejecute un script cada lunes a las 7?",
        "Tengo un error 'undefined is not a function' en mi código de Node, ¿cómo lo depuro?",
    ],
    "fr": [
        "Écris une requête SQL qui compte les utilisateurs inscrits par mois.",
        "Comment corriger l'erreur CORS dans mon API Express ?",
    ],
    "ja": [
        "Pythonでフォルダ内のファイルサイズの合計を計算する関数を書いてください。",
        "このエラーの原因を教えてください：TypeError: 'NoneType' object is not subscriptable",
    ],
    "ko": ["자바스크립트로 배열에서 중복을 제거하는 코드를 보여줘."],
    "it": ["Scrivi uno script Python che scarica tutte le immagini da una pagina web."],
    "pl": ["Napisz funkcję w C#, która liczy silnię rekurencyjnie."],
    "tr": ["Python'da bir sözlüğü değerlerine göre nasıl sıralarım?"],
}
LANG_OTHER: dict[str, list[str]] = {
    "zh": [
        "帮我写一篇关于春天的短文，给小学生读。",
        "我们班下周要演话剧，帮我写一段开场白的剧本。",
        "周末去杭州玩两天，有什么推荐？",
    ],
    "pt": [
        "Escreve o roteiro de um vídeo curto sobre a história do café no Brasil.",
        "Minha turma da faculdade vai se reunir, sugere um restaurante em Curitiba?",
        "Qual a função do fígado no corpo humano?",
    ],
    "ru": [
        "Напиши сценарий детского праздника для шестилетки.",
        "Как объяснить ребёнку, почему нужно ждать своей очереди?",
        "Поздравь команду с выпуском новой версии приложения — коротко и тепло.",
    ],
    "de": [
        "Welche Klasse im Zug lohnt sich für eine Strecke von vier Stunden?",
        "Schreib einen kurzen Text für die Einladung zum Klassentreffen.",
        "Wie funktioniert die Mülltrennung in Berlin?",
    ],
    "es": [
        "Escribe un guion para una obra de teatro escolar sobre el reciclaje.",
        "¿Qué función cumplen los glóbulos blancos?",
    ],
    "fr": [
        "Écris un discours pour le départ à la retraite de ma collègue.",
        "Quels vins servir avec une raclette ?",
    ],
    "ja": ["来週の家族旅行の持ち物リストを作ってください。"],
    "ko": ["서울에서 가 볼 만한 카페 추천해 줘."],
    "it": ["Come si prepara un vero ragù alla bolognese?"],
    "nl": ["Schrijf een korte toespraak voor de verjaardag van mijn opa."],
}

# --- asks without language words -----------------------------------------------------------------
NOLANG_CODING = [
    "How do I undo the last commit but keep the changes staged?",
    "Split my last commit into two separate commits, one per file.",
    "Write a crontab line that runs backup.sh at 2:30 every night and logs output to /tmp/backup.log.",
    "Create a systemd service that restarts my app if it crashes.",
    "Write a Kubernetes deployment with 3 replicas of nginx:1.27 and a readiness probe.",
    "nginx config to redirect all http traffic to https for example.org",
    "A regex that matches dates like 2024-03-15 but not 2024-13-40.",
    "sed one-liner to replace every tab with four spaces in a file, in place",
    "Make the navbar sticky at the top when the page scrolls.",
    "The submit button should be disabled until all required fields are filled.",
    "error: expected ';' before '}' token — what does this mean and where do I look?",
    "undefined reference to `pthread_create` when linking. How do I fix the build?",
    "Spreadsheet formula to sum column C only where column A says 'paid'.",
    "Give me a docker-compose file with a web service and a redis cache.",
    "Find all files bigger than 100MB under my home directory and list them by size.",
    "Add a GitHub Actions workflow that runs the tests on every pull request.",
    "I accidentally committed a password. How do I remove it from the whole history?",
    "Write an awk command that prints the third column of a CSV only for rows where the second column is over 100.",
    "Change the dark mode toggle so it remembers the user's choice after reload.",
    "Write a Terraform resource for a security group that allows SSH only from 10.0.0.0/8.",
    "Cherry-pick commit a1b2c3 from the release branch into main and resolve conflicts in favour of main.",
    "Error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'. How do I fix this?",
]

# --- hard negatives: coding words in their everyday senses; software as a topic -------------------
HARD_NEGATIVE = [
    "Write the script for a two-minute video introducing our bakery on Instagram.",
    "What's the best way to teach a class of thirty restless seven-year-olds?",
    "We're awaiting the results of my dad's biopsy. How do people cope with the waiting?",
    "What is the function of the mitochondria, in simple words?",
    "My python escaped from its tank last night. Where do snakes usually hide in a house?",
    "I want to learn Java — the island. What's worth seeing there for a week?",
    "How do I remove rust from old garden tools?",
    "There's a bug in my kitchen — tiny black beetles in the flour. How do I get rid of them?",
    "Popcorn kernels that don't pop: why does that happen?",
    "We need to deploy the volunteers across three food banks on Saturday. Help me make a fair schedule.",
    "Which branch of the bank near Alexanderplatz is open on Saturdays?",
    "I'm ready to commit to a gym membership. What should I look for in the contract?",
    "Congratulations post for our engineering team, who released version 4.0 of our app today!",
    "Write a LinkedIn post celebrating our open-source project reaching 10,000 stars.",
    "How much does a senior software engineer earn in Amsterdam?",
    "Is a MacBook Air good enough for a computer science student?",
    "Explain to my grandmother what a database administrator does all day.",
    "Who invented the first programming language, and when?",
    "Write a short speech for our tech company's 10-year anniversary dinner.",
    "My son wants to become a game developer. What should he study?",
    "Summarize the news about the big cloud outage last week for a non-technical newsletter.",
    "The play's script calls for a thunderstorm on stage. How do small theatres do the sound?",
    "What are the best classes to take at a community college for personal finance?",
    "My terminal at the airport is B — how long does it take to walk from security?",
    "Write a job ad for a frontend developer at a small agency. Friendly tone.",
    "What does the acronym SaaS stand for and why do investors like it?",
    "Our sprint retro was tense. How can I facilitate the next one better as a team lead?",
    "Translate 'the release was a success, thank you all' into Spanish and Italian.",
]

# --- multi-turn: the subject set in earlier turns, a short or generic last turn -------------------
# (opening ask, answer, middle exchanges, last turn), label
MULTI_CODING: list[tuple[str, str, list[tuple[str, str]], str]] = [
    (
        "Write a Python function that downloads a file with retries.",
        "```python\nimport time, urllib.request\n\ndef download(url, path, tries=3):\n    for attempt in range(tries):\n        try:\n            urllib.request.urlretrieve(url, path)\n            return\n        except OSError:\n            time.sleep(2 ** attempt)\n    raise RuntimeError('failed')\n```",
        [],
        "now add a progress bar",
    ),
    (
        "I have a React list component that re-renders every keystroke in the search box.",
        "Wrap the list in `React.memo` and memoize the filtered items with `useMemo`:\n```jsx\nconst visible = useMemo(() => items.filter(i => i.name.includes(q)), [items, q]);\n```",
        [("ok that helped", "Great. You could also debounce the input.")],
        "show me the debounce part",
    ),
    (
        "Here's my Dockerfile, the image is 1.2 GB:\n```\nFROM python:3.12\nCOPY . /app\nRUN pip install -r /app/requirements.txt\nCMD python /app/main.py\n```",
        "Use a slim base and a multi-stage build:\n```\nFROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n```",
        [],
        "still 600MB. what else?",
    ),
    (
        "Write a SQL query that lists customers who ordered in January but not in February.",
        "```sql\nSELECT c.id FROM customers c\nWHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.month = '2024-01')\n  AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.month = '2024-02');\n```",
        [],
        "can you do it with a LEFT JOIN instead",
    ),
    (
        "My Node server crashes under load.",
        "Can you share the error and the handler code?",
        [],
        "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n 1: 0xb090e0 node::Abort() [node]\n 2: 0xa1b70e  [node]",
    ),
    (
        "Help me write a Go HTTP handler that returns the current time as JSON.",
        '```go\nfunc now(w http.ResponseWriter, r *http.Request) {\n\tjson.NewEncoder(w).Encode(map[string]string{"now": time.Now().Format(time.RFC3339)})\n}\n```',
        [("thanks", "You're welcome!")],
        "and a test for it?",
    ),
    (
        "Write a bash script that backs up /etc to a tarball with today's date.",
        "```bash\n#!/bin/bash\ntar czf /backups/etc-$(date +%F).tar.gz /etc\n```",
        [],
        "make it keep only the last 7",
    ),
    (
        "I'm building a CLI in Rust with clap.",
        "Nice. What do you want it to do?",
        [
            (
                "it should take a path and a --recursive flag",
                "```rust\n#[derive(Parser)]\nstruct Args {\n    path: PathBuf,\n    #[arg(long)]\n    recursive: bool,\n}\n```",
            )
        ],
        "how do I add a subcommand",
    ),
    (
        "Refactor this to use async/await:\n```js\nfetch(url).then(r => r.json()).then(d => render(d)).catch(e => show(e))\n```",
        "```js\ntry {\n  const r = await fetch(url);\n  render(await r.json());\n} catch (e) {\n  show(e);\n}\n```",
        [],
        "it says await is only valid in async functions",
    ),
    (
        "Write a Python class for a bank account with deposit and withdraw.",
        "```python\nclass Account:\n    def __init__(self):\n        self.balance = 0\n    def deposit(self, x):\n        self.balance += x\n    def withdraw(self, x):\n        if x > self.balance:\n            raise ValueError('insufficient')\n        self.balance -= x\n```",
        [
            (
                "add a transfer method",
                "```python\n    def transfer(self, other, x):\n        self.withdraw(x)\n        other.deposit(x)\n```",
            )
        ],
        "make it thread safe",
    ),
    (
        "Set up a GitHub Actions workflow for my Python package.",
        "```yaml\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: pip install -e . && pytest\n```",
        [],
        "run it on 3.11 and 3.12 too",
    ),
    (
        "Why does this print 3 three times?\n```js\nfor (var i = 0; i < 3; i++) setTimeout(() => console.log(i));\n```",
        "Because `var` is function-scoped: every callback sees the same `i`, which is 3 when they run. Use `let`.",
        [],
        "what if I can't change var?",
    ),
    (
        "I want a regex for UK postcodes.",
        "`^[A-Z]{1,2}\\d[A-Z\\d]? ?\\d[A-Z]{2}$` covers the usual formats.",
        [],
        "it fails on lowercase",
    ),
    (
        "Write a Kubernetes CronJob that runs a cleanup container every hour.",
        '```yaml\napiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: cleanup\nspec:\n  schedule: "0 * * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - name: cleanup\n              image: busybox\n          restartPolicy: OnFailure\n```',
        [],
        "and don't let two run at once",
    ),
    (
        "My Django migration fails.",
        "What's the error?",
        [],
        'django.db.utils.IntegrityError: column "slug" of relation "blog_post" contains null values',
    ),
    (
        "Escreve uma função em JavaScript que formata um número como moeda brasileira.",
        "```js\nconst brl = n => n.toLocaleString('pt-BR', { style: 'currency', currency: 'BRL' });\n```",
        [],
        "e se vier uma string?",
    ),
    (
        "Напиши на Python парсер логов nginx, который считает запросы по IP.",
        "```python\nfrom collections import Counter\nips = Counter(line.split()[0] for line in open('access.log'))\n```",
        [],
        "теперь выведи топ-10",
    ),
    (
        "写一个Python脚本，把一个文件夹里的图片都缩小到一半。",
        "```python\nfrom PIL import Image\nimport pathlib\nfor p in pathlib.Path('imgs').glob('*.jpg'):\n    im = Image.open(p)\n    im.resize((im.width // 2, im.height // 2)).save(p)\n```",
        [],
        "PNG的也要处理",
    ),
    (
        "Write me a function that checks if a string is a valid IPv4 address.",
        "```python\ndef is_ipv4(s):\n    parts = s.split('.')\n    return len(parts) == 4 and all(p.isdigit() and 0 <= int(p) <= 255 for p in parts)\n```",
        [],
        "shorter",
    ),
    (
        "Schreib eine Bash-Funktion, die prüft, ob ein Port belegt ist.",
        '```bash\nport_used() { ss -ltn | grep -q ":$1 "; }\n```',
        [],
        "geht das auch auf macOS?",
    ),
]
MULTI_OTHER: list[tuple[str, str, list[tuple[str, str]], str]] = [
    (
        "Write a short poem about the sea for my mum's birthday card.",
        "Waves that fold like letters home,\nsalt and light and silver foam —\nevery tide returns to you.",
        [],
        "make it shorter",
    ),
    (
        "Help me plan a dinner party for six, one guest is vegan.",
        "Starter: roasted beet salad. Main: mushroom bourguignon. Dessert: dark chocolate mousse with aquafaba.",
        [],
        "now add a shopping list",
    ),
    (
        "I'm writing a cover letter for a nursing job.",
        "Happy to help. What's your experience?",
        [("5 years in pediatrics", "Here's a draft opening paragraph highlighting your pediatric work.")],
        "more confident tone please",
    ),
    (
        "Write a bedtime story about a brave little hedgehog.",
        "Once upon a time, in a hedge at the end of Willow Lane, lived a hedgehog named Pip...",
        [],
        "and the ending?",
    ),
    (
        "Translate 'good morning, how did you sleep?' into German.",
        "Guten Morgen, wie hast du geschlafen?",
        [],
        "and formal?",
    ),
    (
        "Give me a 3-day workout split.",
        "Day 1: push. Day 2: pull. Day 3: legs. Each 45 minutes.",
        [],
        "add stretching",
    ),
    (
        "What's a good itinerary for Kyoto in autumn?",
        "Day 1: Arashiyama and Tenryu-ji. Day 2: Tofuku-ji for the leaves, Fushimi Inari. Day 3: Nara day trip.",
        [],
        "what about rainy days",
    ),
    (
        "Write a toast for my sister's wedding.",
        "To my sister, who taught me to ride a bike and to laugh at myself...",
        [],
        "funnier",
    ),
    (
        "Write a Python script to rename my photos by date.",
        "```python\nimport os, datetime\nfor f in os.listdir('.'):\n    t = datetime.datetime.fromtimestamp(os.path.getmtime(f))\n    os.rename(f, t.strftime('%Y%m%d_%H%M%S') + os.path.splitext(f)[1])\n```",
        [],
        "thanks! unrelated: what's a good gift for a 10 year old who likes space?",
    ),
    (
        "Fix the null pointer in this Java method:\n```java\nString name() { return user.getName().trim(); }\n```",
        '```java\nString name() { return user == null || user.getName() == null ? "" : user.getName().trim(); }\n```',
        [],
        "perfect. by the way, can you recommend a novel for a long flight?",
    ),
    (
        "Escreve uma mensagem de boas-vindas para novos membros do clube do livro.",
        "Bem-vindos ao nosso clube! Aqui cada mês escolhemos um livro e conversamos com calma...",
        [],
        "mais curta",
    ),
    (
        "Напиши поздравление с новосельем для друзей.",
        "Дорогие друзья! Пусть новый дом будет полон тепла, смеха и вкусных ужинов...",
        [],
        "добавь немного юмора",
    ),
    (
        "帮我写一封请假邮件，下周三要去医院。",
        "王经理您好：因下周三需要去医院复查，特此请假一天，工作已安排同事协助。谢谢！",
        [],
        "再正式一点",
    ),
    (
        "Explain how vaccines train the immune system.",
        "A vaccine shows the immune system a harmless piece or copy of a germ, so it builds antibodies and memory cells.",
        [],
        "simpler, for a 6 year old",
    ),
    (
        "Help me write a eulogy for my grandfather, he was a carpenter.",
        "Grandpa measured twice and cut once, in wood and in life...",
        [],
        "it should mention his garden too",
    ),
]

# --- autocoder first turns (Claude Code, Aider, Cline, OpenHands, IDE) ----------------------------
AGENT_TASKS: list[tuple[str, str]] = [
    ("en", "The login page flashes unstyled content on first load. Fix it."),
    ("en", "Add rate limiting to the /api/upload endpoint, 10 requests per minute per user."),
    ("en", "Why are the e2e tests flaky on CI? Investigate and propose a fix."),
    ("en", "Move the config loading out of main.go into its own package."),
    ("en", "bump deps"),
    ("en", "write a changelog entry for the last three commits"),
    ("en", "the search results are in the wrong order, newest should be first"),
    ("en", "Add dark mode support to the settings screen."),
    ("en", "Delete the unused feature flags and the code behind them."),
    ("en", "typecheck fails, fix"),
    ("de", "Füge eine Pagination für die Benutzerliste hinzu."),
    ("zh", "把用户服务里的重复代码抽成一个公共函数。"),
    ("pt", "Corrige o teste que está falhando no módulo de pagamentos."),
    ("ru", "Добавь логирование ошибок в обработчик вебхуков."),
    ("es", "Migra los componentes de clase a componentes funcionales con hooks."),
]

# Coding agents' loops whose last turn is only a tool result: these tasks, then Claude Code's generic steps.
LOOP_TASKS: list[tuple[str, str]] = [
    ("en", "Find out why the invoice totals are off by a cent and fix it."),
    ("en", "Run the linter and fix what it reports."),
    ("en", "The CSV export drops the last row. Find the cause."),
    ("en", "Add a --dry-run flag to the sync command."),
    ("en", "Make the cache respect the TTL from the config file."),
    ("en", "upgrade the test suite to pytest 8 and fix the deprecations"),
    ("de", "Finde heraus, warum der Build auf Windows fehlschlägt."),
    ("zh", "找出为什么登录接口返回500并修复。"),
    ("fr", "Ajoute des tests pour le module de facturation."),
    ("en", "Remove the deprecated v1 client and update the callers."),
]
# Agents whose tools are not about code.
OTHER_AGENT_LOOPS: list[dict[str, Any]] = [
    {
        "system": "You are the concierge of the Harbor View Hotel. Help guests with restaurant bookings, taxis and opening hours.",
        "tools": [
            (
                "book_table",
                "Reserve a table at a partner restaurant.",
                {"restaurant": "Name", "time": "HH:MM", "party": "Guests"},
            ),
            ("call_taxi", "Order a taxi to the hotel entrance.", {"time": "HH:MM", "destination": "Address"}),
        ],
        "loops": [
            (
                "Can you get us a table for four at the seafood place at 8?",
                "book_table",
                {"restaurant": "Mar Azul", "time": "20:00", "party": "4"},
                '{"status": "confirmed", "table": 12, "name": "Mar Azul"}',
            ),
            (
                "We need a taxi to the airport at 6 tomorrow morning.",
                "call_taxi",
                {"time": "06:00", "destination": "Airport"},
                '{"status": "booked", "car": "grey Skoda", "eta_min": 0}',
            ),
        ],
    },
    {
        "system": "You are a personal finance assistant. You can read the user's transactions and budgets. Never move money without confirmation.",
        "tools": [
            ("list_transactions", "Transactions in a date range.", {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}),
            ("get_budget", "The user's budget for a category.", {"category": "Category"}),
        ],
        "loops": [
            (
                "How much did I spend on groceries last month?",
                "list_transactions",
                {"from": "2026-10-01", "to": "2026-10-31"},
                '[{"merchant": "FreshMart", "amount": 84.2}, {"merchant": "FreshMart", "amount": 61.9}, {"merchant": "Bakery Lou", "amount": 12.5}]',
            ),
            (
                "Am I over my eating-out budget?",
                "get_budget",
                {"category": "restaurants"},
                '{"category": "restaurants", "limit": 200, "spent": 231.4}',
            ),
        ],
    },
    {
        "system": "You help gardeners. You can look up plants and the local frost dates.",
        "tools": [
            ("plant_info", "Care info for a plant.", {"name": "Plant name"}),
            ("frost_dates", "Last and first frost for a postcode.", {"postcode": "Postcode"}),
        ],
        "loops": [
            (
                "When can I plant tomatoes outside in 10115?",
                "frost_dates",
                {"postcode": "10115"},
                '{"last_spring_frost": "2026-05-12", "first_autumn_frost": "2026-10-20"}',
            ),
        ],
    },
]

# --- a coding agent asked something that is not code ----------------------------------------------
IDE_OTHER = [
    "btw what's a good name for a golden retriever puppy?",
    "unrelated, but can you help me write a birthday message for my coworker Anna?",
    "what time is it in Tokyo right now roughly, I have a call",
    "quick question: how long should I boil an egg for a runny yolk?",
    "can you recommend a good book on stoicism?",
    "help me word a polite message to my manager asking for Friday off",
    "what's the capital of Australia? my kid is asking",
    "Wie sagt man 'Viel Erfolg bei der Prüfung' auf Englisch?",
    "nevermind the code, I'm hungry — quick dinner idea with eggs and spinach?",
    "what's the plural of 'octopus'?",
    "suggest a team name for our office football tournament",
    "how do I tell my landlord the dishwasher is broken, in a friendly way",
]

# --- ElizaOS message handler -----------------------------------------------------------------------
ELIZA_CODING = [
    "@Dex can you write me a quick Python script that checks my wallet balance through the RPC?",
    "hey, my Solidity contract won't compile: 'TypeError: Member \"transfer\" not found'. any idea?",
    "can someone give me a regex to pull all the hashtags out of a tweet?",
    "Eliza could you show me how to read a JSON file in Node?",
    "what's the SQL to get the top 5 holders from this table: holders(address, amount)?",
    "write a bash one-liner that counts how many lines in app.log contain ERROR",
    "I need a small React component that shows a countdown to the mint date",
    "my python bot crashes with KeyError: 'data' when the API returns an error. how do I handle it?",
    "pls fix this: for i in range(len(items)) print(items[i])",
    "Mira, how would I write a cron line to run my scraper every 15 minutes?",
    "Luna can you explain what this TypeScript does: type Keys = keyof typeof config",
    "can you write a GitHub Actions step that deploys to Vercel on push to main?",
    "写一个Python函数，把钱包地址缩写成前四位和后四位。",
    "Escreve um script em Node que envia uma mensagem no Discord via webhook.",
    "напиши функцию на JS, которая форматирует дату как ДД.ММ.ГГГГ",
]
ELIZA_OTHER = [
    "what do you all think about the new season of that space show?",
    "@Spartan what's your take on SOL this week?",
    "can you open a GitHub issue saying the docs link on the homepage is broken?",
    "congrats to the dev team on shipping v2 of the app!! 🎉",
    "anyone know a good pizza place near the venue?",
    "Eliza, recommend me a fantasy book series for the holidays",
    "our deploy went out smoothly last night, thanks everyone for staying late",
    "can you remind everyone that office hours are moved to Thursday?",
    "what's the difference between a DAO and a co-op, in plain words?",
    "Luna I've had a rough week, any tips to switch off on the weekend?",
    "swap 2 SOL to USDC please",
    "who's coming to the hackathon afterparty?",
    "Mira what's a good name for our community newsletter?",
    "Wie war euer Wochenende?",
    "alguém tem dica de curso de inglês online?",
]
SHOULD_RESPOND = [
    "@Dex write me a function to sort these tokens by market cap",
    "lol the build broke again",
    "Eliza can you fix my regex? it matches too much",
    "gm everyone",
    "anyone seen my keys lol",
    "Luna, quick question about async functions in JS",
    "what's everyone having for lunch",
    "@Mira can you review my pull request?",
]
POSTS = [
    (
        2,
        "our new API reference site going live",
        "proud",
        ["docs are the product", "thanks to everyone who filed issues"],
    ),
    (1, "a rug pull on a small token", "wry", ["dyor, always"]),
    (0, "the first snow of the year", "cozy", ["hot chocolate season"]),
    (3, "the end of the summer tournament", "hyped", ["gg to all teams"]),
]

# --- Claude Code's small-model side calls ---------------------------------------------------------
SIDE_CALLS = [
    ("topic", "rewrite the retry logic with exponential backoff"),
    ("topic", "what's a good name for a dog"),
    ("topic", "Füge Tests für den Parser hinzu"),
    ("title", "User asked to add rate limiting to the upload endpoint; added middleware and tests; all passing."),
    ("title", "Investigated flaky e2e tests, found a race in the login fixture, fixed with an explicit wait."),
    ("topic", "修复登录页面的样式问题"),
]
