# ruff: noqa: E501  (conversations as people and agents write them)
"""Conversations for the routing corpus: exchanges that build a task up, and the short turns that end them.

An opening is the first exchange of a conversation (what the user asked, what the assistant answered);
`build.py` continues it with middle exchanges and ends it with a short last turn, so the last turn
alone ("and the tests?", a pasted traceback) does not say what the conversation is about. Coding
openings are answered with code, the others with prose.
"""

from __future__ import annotations

# (language, user ask, assistant answer)
CODING_OPENINGS: list[tuple[str, str, str]] = [
    (
        "en",
        "I need a function that downloads a file from a URL and saves it to disk.",
        "Here's a simple version using requests:\n\n```python\nimport requests\n\ndef download(url: str, path: str) -> None:\n    r = requests.get(url, stream=True, timeout=30)\n    with open(path, 'wb') as f:\n        for chunk in r.iter_content(8192):\n            f.write(chunk)\n```",
    ),
    (
        "en",
        "how do I read a JSON config file in node and fall back to defaults",
        "You can merge the parsed file over a defaults object:\n\n```js\nconst fs = require('fs');\nconst defaults = { port: 3000, debug: false };\nfunction loadConfig(path) {\n  const raw = fs.readFileSync(path, 'utf8');\n  return { ...defaults, ...JSON.parse(raw) };\n}\n```",
    ),
    (
        "en",
        "Write a SQL query for monthly active users from the events table (user_id, ts).",
        "```sql\nSELECT date_trunc('month', ts) AS month, count(DISTINCT user_id) AS mau\nFROM events\nGROUP BY 1\nORDER BY 1;\n```",
    ),
    (
        "en",
        "Can you make a React component that shows a list of todos with a checkbox each?",
        'Sure:\n\n```jsx\nexport function TodoList({ todos, onToggle }) {\n  return (\n    <ul>\n      {todos.map(t => (\n        <li key={t.id}>\n          <input type="checkbox" checked={t.done} onChange={() => onToggle(t.id)} /> {t.title}\n        </li>\n      ))}\n    </ul>\n  );\n}\n```',
    ),
    (
        "en",
        "I want a Go function that retries an HTTP GET up to 3 times.",
        "```go\nfunc getWithRetry(url string) (*http.Response, error) {\n\tvar lastErr error\n\tfor i := 0; i < 3; i++ {\n\t\tresp, err := http.Get(url)\n\t\tif err == nil {\n\t\t\treturn resp, nil\n\t\t}\n\t\tlastErr = err\n\t\ttime.Sleep(time.Duration(i+1) * time.Second)\n\t}\n\treturn nil, lastErr\n}\n```",
    ),
    (
        "en",
        "Parse a log file and count how many lines per log level (INFO, WARN, ERROR).",
        "```python\nfrom collections import Counter\n\ndef count_levels(path):\n    counts = Counter()\n    with open(path) as f:\n        for line in f:\n            parts = line.split()\n            if len(parts) > 2:\n                counts[parts[2]] += 1\n    return counts\n```",
    ),
    (
        "en",
        "Write a bash script that resizes all PNGs in a folder to 800px wide.",
        'Using ImageMagick:\n\n```bash\n#!/usr/bin/env bash\nset -euo pipefail\nfor f in "${1:-.}"/*.png; do\n  convert "$f" -resize 800x "${f%.png}-800.png"\ndone\n```',
    ),
    (
        "en",
        "make me a class for a bank account with deposit and withdraw",
        "```python\nclass Account:\n    def __init__(self, owner, balance=0):\n        self.owner = owner\n        self.balance = balance\n\n    def deposit(self, amount):\n        self.balance += amount\n\n    def withdraw(self, amount):\n        if amount > self.balance:\n            raise ValueError('insufficient funds')\n        self.balance -= amount\n```",
    ),
    (
        "en",
        "I need an Express route that returns a user by id from Postgres.",
        "```js\napp.get('/users/:id', async (req, res) => {\n  const { rows } = await pool.query('SELECT * FROM users WHERE id = $1', [req.params.id]);\n  if (!rows.length) return res.status(404).json({ error: 'not found' });\n  res.json(rows[0]);\n});\n```",
    ),
    (
        "en",
        "Write a Rust function that counts words in a string.",
        "```rust\nuse std::collections::HashMap;\n\nfn word_counts(text: &str) -> HashMap<&str, usize> {\n    let mut counts = HashMap::new();\n    for w in text.split_whitespace() {\n        *counts.entry(w).or_insert(0) += 1;\n    }\n    counts\n}\n```",
    ),
    (
        "en",
        "How do I upload a file to S3 from Python?",
        "With boto3:\n\n```python\nimport boto3\n\ns3 = boto3.client('s3')\ns3.upload_file('report.pdf', 'my-bucket', 'reports/report.pdf')\n```",
    ),
    (
        "en",
        "Give me a TypeScript function to format a duration in ms as '1h 2m 3s'.",
        "```ts\nexport function formatDuration(ms: number): string {\n  const s = Math.floor(ms / 1000);\n  const h = Math.floor(s / 3600);\n  const m = Math.floor((s % 3600) / 60);\n  const parts = [h && `${h}h`, m && `${m}m`, `${s % 60}s`].filter(Boolean);\n  return parts.join(' ');\n}\n```",
    ),
    (
        "en",
        "Write a Python script that watches a folder and prints new files as they appear.",
        "A polling version with no dependencies:\n\n```python\nimport os, time\n\ndef watch(path):\n    seen = set(os.listdir(path))\n    while True:\n        now = set(os.listdir(path))\n        for name in sorted(now - seen):\n            print('new:', name)\n        seen = now\n        time.sleep(1)\n```",
    ),
    (
        "en",
        "I need a Java method that reads a CSV and returns a list of Person records.",
        '```java\nrecord Person(String name, int age) {}\n\nstatic List<Person> read(Path p) throws IOException {\n    return Files.readAllLines(p).stream()\n        .skip(1)\n        .map(l -> l.split(","))\n        .map(a -> new Person(a[0], Integer.parseInt(a[1])))\n        .toList();\n}\n```',
    ),
    (
        "en",
        "Set up a GitHub Actions workflow that runs npm test on every PR.",
        "```yaml\nname: test\non: pull_request\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/setup-node@v4\n        with: { node-version: 20 }\n      - run: npm ci\n      - run: npm test\n```",
    ),
    (
        "en",
        "Write a function that validates an email address form field in JS.",
        "```js\nfunction isValidEmail(value) {\n  return /^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$/.test(value.trim());\n}\n```",
    ),
    (
        "en",
        "I want to cache the results of an expensive function in Python.",
        "Use functools.lru_cache:\n\n```python\nfrom functools import lru_cache\n\n@lru_cache(maxsize=1024)\ndef score(user_id: int) -> float:\n    return expensive_lookup(user_id)\n```",
    ),
    (
        "en",
        "Write a Dockerfile for a small Go service.",
        '```dockerfile\nFROM golang:1.23 AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /app ./cmd/server\n\nFROM gcr.io/distroless/static\nCOPY --from=build /app /app\nENTRYPOINT ["/app"]\n```',
    ),
    (
        "en",
        "Can you write a C# method that sends an email with an attachment?",
        '```csharp\npublic static async Task SendAsync(string to, string file)\n{\n    using var msg = new MailMessage("noreply@example.com", to, "Report", "See attached.");\n    msg.Attachments.Add(new Attachment(file));\n    using var client = new SmtpClient("smtp.example.com", 587) { EnableSsl = true };\n    await client.SendMailAsync(msg);\n}\n```',
    ),
    (
        "en",
        "Write a pandas function that cleans phone numbers in a column.",
        "```python\ndef clean_phones(df, col='phone'):\n    df[col] = (df[col].astype(str)\n                 .str.replace(r'[^0-9+]', '', regex=True)\n                 .str.replace(r'^00', '+', regex=True))\n    return df\n```",
    ),
    (
        "en",
        "Write a Kotlin function that checks if a year is a leap year.",
        "```kotlin\nfun isLeap(year: Int): Boolean =\n    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0\n```",
    ),
    (
        "en",
        "I need a cron job that cleans /tmp/uploads every night.",
        "Add this with `crontab -e`:\n\n```\n30 2 * * * find /tmp/uploads -type f -mtime +1 -delete\n```",
    ),
    (
        "en",
        "How do I paginate results from the GitHub API in Python?",
        "Follow the `next` link in the Link header:\n\n```python\ndef all_pages(url, session):\n    while url:\n        r = session.get(url)\n        r.raise_for_status()\n        yield from r.json()\n        url = r.links.get('next', {}).get('url')\n```",
    ),
    (
        "en",
        "Write a small Flask API with one endpoint /health.",
        "```python\nfrom flask import Flask, jsonify\n\napp = Flask(__name__)\n\n@app.get('/health')\ndef health():\n    return jsonify(status='ok')\n```",
    ),
    (
        "en",
        "Make a regex that finds hex colors like #fff or #a1b2c3.",
        "`#(?:[0-9a-fA-F]{3}){1,2}\\b` matches both the 3- and 6-digit forms.",
    ),
    (
        "en",
        "The sidebar overlaps the content on tablets. Here's the CSS:\n.sidebar { position: fixed; width: 280px; }\n.content { margin-left: 0; }",
        "Give the content a left margin equal to the sidebar's width from the tablet breakpoint up:\n\n```css\n@media (min-width: 768px) {\n  .content { margin-left: 280px; }\n}\n```",
    ),
    (
        "en",
        "write me a python script to merge all the pdfs in a folder",
        "```python\nfrom pathlib import Path\nfrom pypdf import PdfWriter\n\nwriter = PdfWriter()\nfor pdf in sorted(Path('.').glob('*.pdf')):\n    writer.append(str(pdf))\nwriter.write('merged.pdf')\n```",
    ),
    (
        "en",
        "Implement a stack in JavaScript with push, pop and peek.",
        "```js\nclass Stack {\n  #items = [];\n  push(x) { this.#items.push(x); }\n  pop() { return this.#items.pop(); }\n  peek() { return this.#items.at(-1); }\n  get size() { return this.#items.length; }\n}\n```",
    ),
    (
        "en",
        "How can I run two commands in parallel in a Makefile target and wait for both?",
        "```make\ndev:\n\tnpm run api & npm run web & wait\n```\n`wait` keeps the target alive until both background jobs end.",
    ),
    (
        "en",
        "Write a SwiftUI view with a text field and a button that adds items to a list.",
        '```swift\nstruct ItemsView: View {\n    @State private var text = ""\n    @State private var items: [String] = []\n    var body: some View {\n        VStack {\n            TextField("New item", text: $text)\n            Button("Add") { items.append(text); text = "" }\n            List(items, id: \\.self) { Text($0) }\n        }\n    }\n}\n```',
    ),
    (
        "de",
        "Schreib mir eine Funktion, die eine Liste von Preisen summiert und die Mehrwertsteuer aufschlägt.",
        "```python\ndef brutto_summe(preise, mwst=0.19):\n    return round(sum(preise) * (1 + mwst), 2)\n```",
    ),
    (
        "de",
        "Wie lese ich in Java eine Textdatei Zeile für Zeile ein?",
        '```java\ntry (BufferedReader br = Files.newBufferedReader(Path.of("daten.txt"))) {\n    String zeile;\n    while ((zeile = br.readLine()) != null) {\n        System.out.println(zeile);\n    }\n}\n```',
    ),
    (
        "zh",
        "帮我写一个函数，把字符串里的数字都提取出来。",
        "```python\nimport re\n\ndef extract_numbers(s):\n    return [int(x) for x in re.findall(r'\\d+', s)]\n```",
    ),
    (
        "zh",
        "怎么用Node.js读取一个目录下所有的文件名？",
        "```js\nconst fs = require('fs/promises');\n\nasync function listFiles(dir) {\n  return await fs.readdir(dir);\n}\n```",
    ),
    (
        "pt",
        "Preciso de uma função que calcule a idade a partir da data de nascimento.",
        "```python\nfrom datetime import date\n\ndef idade(nasc: date, hoje: date | None = None) -> int:\n    hoje = hoje or date.today()\n    return hoje.year - nasc.year - ((hoje.month, hoje.day) < (nasc.month, nasc.day))\n```",
    ),
    (
        "ru",
        "Нужна функция, которая разбивает список на части по n элементов.",
        "```python\ndef chunks(items, n):\n    return [items[i:i + n] for i in range(0, len(items), n)]\n```",
    ),
    (
        "ru",
        "Как сделать запрос к API на JavaScript и вывести результат?",
        "```js\nconst res = await fetch('https://api.example.com/items');\nconst data = await res.json();\nconsole.log(data);\n```",
    ),
    (
        "es",
        "Necesito un script que renombre los archivos de una carpeta poniéndoles la fecha delante.",
        "```python\nimport os, datetime\n\nhoy = datetime.date.today().isoformat()\nfor nombre in os.listdir('.'):\n    if os.path.isfile(nombre):\n        os.rename(nombre, f'{hoy}_{nombre}')\n```",
    ),
    (
        "fr",
        "Écris-moi une fonction qui vérifie si un mot est un anagramme d'un autre.",
        "```python\ndef anagramme(a, b):\n    return sorted(a.replace(' ', '').lower()) == sorted(b.replace(' ', '').lower())\n```",
    ),
    (
        "ja",
        "配列から偶数だけを取り出す関数をJavaScriptで書いて。",
        "```js\nconst evens = (arr) => arr.filter((n) => n % 2 === 0);\n```",
    ),
    (
        "en",
        "I have this function that loads users; it's slow because it queries one by one.\n\ndef load(ids):\n    return [db.get_user(i) for i in ids]",
        "Batch it into one query:\n\n```python\ndef load(ids):\n    rows = db.query('SELECT * FROM users WHERE id = ANY(%s)', [list(ids)])\n    by_id = {r['id']: r for r in rows}\n    return [by_id[i] for i in ids if i in by_id]\n```",
    ),
    (
        "en",
        "Our nginx should redirect http to https. Here's the server block:\n\nserver {\n  listen 80;\n  server_name shop.example.com;\n  root /var/www/shop;\n}",
        "Replace it with a redirect block and move the site to 443:\n\n```nginx\nserver {\n  listen 80;\n  server_name shop.example.com;\n  return 301 https://$host$request_uri;\n}\n```",
    ),
    (
        "en",
        "Write a Terraform resource for a small Postgres RDS instance.",
        '```hcl\nresource "aws_db_instance" "main" {\n  engine            = "postgres"\n  engine_version    = "16.3"\n  instance_class    = "db.t4g.micro"\n  allocated_storage = 20\n  username          = "app"\n  password          = var.db_password\n  skip_final_snapshot = true\n}\n```',
    ),
    (
        "en",
        "Write a function to compute the moving average of a list with window k.",
        "```python\ndef moving_average(xs, k):\n    out, s = [], 0\n    for i, x in enumerate(xs):\n        s += x\n        if i >= k:\n            s -= xs[i - k]\n        if i >= k - 1:\n            out.append(s / k)\n    return out\n```",
    ),
]

# Coding sessions whose first request already gives the task, written out whole (the last user turn is short).
CODING_SESSIONS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "en",
        [
            ("user", "my script that syncs the shop's inventory from the supplier feed keeps timing out"),
            ("assistant", "Can you share the part that fetches the feed and how long the feed usually is?"),
            ("user", "it's about 40MB of XML, I do requests.get(url).text and then parse it with ElementTree"),
            (
                "assistant",
                "Stream it and parse incrementally with iterparse so you never hold the whole document:\n\n```python\nwith requests.get(url, stream=True, timeout=(5, 120)) as r:\n    r.raw.decode_content = True\n    for event, el in ET.iterparse(r.raw):\n        if el.tag == 'item':\n            handle(el)\n            el.clear()\n```",
            ),
            ("user", "ok and the retries?"),
        ],
    ),
    (
        "en",
        [
            ("user", "We store prices as floats in the orders table and the totals are off by a cent sometimes."),
            (
                "assistant",
                "Floats can't represent most decimal fractions exactly. Store cents as integers, or use NUMERIC(12,2). A migration could be:\n\n```sql\nALTER TABLE orders ALTER COLUMN price TYPE numeric(12,2) USING round(price::numeric, 2);\n```",
            ),
            ("user", "what about the app side"),
        ],
    ),
    (
        "en",
        [
            (
                "user",
                "I'm building a CLI that uploads photos to our server. Here's main:\n\n```go\nfunc main() {\n\tfor _, p := range os.Args[1:] {\n\t\tupload(p)\n\t}\n}\n```",
            ),
            ("assistant", "Looks fine for a start. Do you want it concurrent?"),
            ("user", "yes, max 4 at a time"),
            (
                "assistant",
                "Use a buffered channel as a semaphore:\n\n```go\nsem := make(chan struct{}, 4)\nvar wg sync.WaitGroup\nfor _, p := range os.Args[1:] {\n\twg.Add(1)\n\tsem <- struct{}{}\n\tgo func(p string) {\n\t\tdefer wg.Done()\n\t\tdefer func() { <-sem }()\n\t\tupload(p)\n\t}(p)\n}\nwg.Wait()\n```",
            ),
            ("user", "nice. progress bar?"),
        ],
    ),
    (
        "en",
        [
            ("user", "Can you help me with my Django model for a library? Book has title, author, isbn."),
            (
                "assistant",
                "```python\nclass Book(models.Model):\n    title = models.CharField(max_length=200)\n    author = models.ForeignKey('Author', on_delete=models.PROTECT)\n    isbn = models.CharField(max_length=13, unique=True)\n```",
            ),
            ("user", "and loans? a member can borrow up to 3 books"),
            (
                "assistant",
                "```python\nclass Loan(models.Model):\n    book = models.ForeignKey(Book, on_delete=models.CASCADE)\n    member = models.ForeignKey('Member', on_delete=models.CASCADE)\n    due = models.DateField()\n    returned = models.BooleanField(default=False)\n```\nEnforce the limit of 3 in the view or a `clean()` method.",
            ),
            ("user", "do it in clean()"),
        ],
    ),
    (
        "en",
        [
            ("user", "The search box on our site filters a list of 5k products client-side and it lags."),
            ("assistant", "Debounce the input and memoize the filtered list. Which framework?"),
            ("user", "vue 3"),
            (
                "assistant",
                "```js\nconst query = ref('')\nconst debounced = refDebounced(query, 200)\nconst results = computed(() => products.value.filter(p => p.name.toLowerCase().includes(debounced.value.toLowerCase())))\n```",
            ),
            ("user", "we don't have vueuse"),
        ],
    ),
    (
        "en",
        [
            (
                "user",
                "I get a weird result from this:\n\n```js\nconst total = items.reduce((a, b) => a.price + b.price);\n```",
            ),
            (
                "assistant",
                "After the first step `a` is a number, so `a.price` is undefined. Give reduce an initial value and add to the accumulator:\n\n```js\nconst total = items.reduce((sum, item) => sum + item.price, 0);\n```",
            ),
            ("user", "ahh. and if price can be missing?"),
        ],
    ),
    (
        "en",
        [
            ("user", "Our Postgres backups are just pg_dump in a cron. I want them encrypted and uploaded."),
            (
                "assistant",
                "```bash\npg_dump -Fc mydb | gpg --encrypt -r backups@example.com > /backups/mydb-$(date +%F).dump.gpg\naws s3 cp /backups/mydb-$(date +%F).dump.gpg s3://acme-backups/\n```",
            ),
            ("user", "restore steps?"),
        ],
    ),
    (
        "en",
        [
            ("user", "help me write a function that splits a bill between friends, some paid more than others"),
            (
                "assistant",
                "```python\ndef settle(paid: dict[str, float]) -> list[tuple[str, str, float]]:\n    share = sum(paid.values()) / len(paid)\n    debtors = sorted((p, share - a) for p, a in paid.items() if a < share)\n    creditors = sorted((p, a - share) for p, a in paid.items() if a > share)\n    moves = []\n    while debtors and creditors:\n        (d, owe), (c, due) = debtors[0], creditors[0]\n        x = min(owe, due)\n        moves.append((d, c, round(x, 2)))\n        debtors[0], creditors[0] = (d, owe - x), (c, due - x)\n        if owe - x < 0.01: debtors.pop(0)\n        if due - x < 0.01: creditors.pop(0)\n    return moves\n```",
            ),
            ("user", "can you walk me through it"),
            (
                "assistant",
                "Everyone owes the average. Those below it are debtors, those above are creditors; we repeatedly match the first debtor with the first creditor and move the smaller of the two amounts.",
            ),
            ("user", "cool, now tests"),
        ],
    ),
    (
        "en",
        [
            ("user", "i'm making a discord bot in python that posts the weather every morning"),
            (
                "assistant",
                "Use discord.py's tasks extension:\n\n```python\n@tasks.loop(time=datetime.time(hour=7))\nasync def morning():\n    channel = bot.get_channel(CHANNEL_ID)\n    await channel.send(await get_weather())\n```",
            ),
            ("user", "it never fires"),
            (
                "assistant",
                "Did you call `morning.start()` in `on_ready`? Also, the time is in UTC unless you pass a tzinfo.",
            ),
            (
                "user",
                "yeah started it. still nothing. here's the log:\n\n2026-11-23 07:00:00 INFO discord.client: logging in using static token\n2026-11-23 07:00:01 INFO discord.gateway: Shard ID None has connected",
            ),
        ],
    ),
    (
        "en",
        [
            ("user", "write a function that converts markdown headings to an HTML table of contents"),
            (
                "assistant",
                "```python\nimport re\n\ndef toc(md: str) -> str:\n    items = []\n    for level, title in re.findall(r'^(#{1,3}) (.+)$', md, re.M):\n        anchor = re.sub(r'[^a-z0-9]+', '-', title.lower()).strip('-')\n        items.append(f'<li class=\"h{len(level)}\"><a href=\"#{anchor}\">{title}</a></li>')\n    return '<ul>' + ''.join(items) + '</ul>'\n```",
            ),
            ("user", "it breaks on headings with backticks in them"),
        ],
    ),
    (
        "en",
        [
            ("user", "I want to add dark mode to my site. It's plain CSS, no framework."),
            (
                "assistant",
                "Use CSS variables and a `prefers-color-scheme` media query:\n\n```css\n:root { --bg: #fff; --fg: #111; }\n@media (prefers-color-scheme: dark) {\n  :root { --bg: #121212; --fg: #eee; }\n}\nbody { background: var(--bg); color: var(--fg); }\n```",
            ),
            ("user", "and a toggle button that remembers the choice?"),
        ],
    ),
    (
        "en",
        [
            ("user", "our k8s pods get OOMKilled during the nightly report"),
            ("assistant", "What are the memory requests and limits, and what does the report do?"),
            ("user", "limit 512Mi, it loads all invoices of the month into a dataframe"),
            (
                "assistant",
                "Either raise the limit for that job or process the invoices in chunks:\n\n```python\nfor chunk in pd.read_sql(query, conn, chunksize=50_000):\n    aggregate(chunk)\n```",
            ),
            (
                "user",
                "let's do the chunks. the aggregate part is below\n\ndef aggregate(df):\n    totals.append(df.groupby('customer')['amount'].sum())",
            ),
        ],
    ),
    (
        "en",
        [
            ("user", "how do I make my python package installable with pip install -e ."),
            (
                "assistant",
                'Add a pyproject.toml:\n\n```toml\n[build-system]\nrequires = ["setuptools>=69"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "mytool"\nversion = "0.1.0"\n```',
            ),
            ("user", "and a command line entry point?"),
        ],
    ),
    (
        "en",
        [
            ("user", "I have a list of meetings as (start, end) tuples and need to find free slots in a workday."),
            (
                "assistant",
                "```python\ndef free_slots(meetings, day_start=9*60, day_end=17*60):\n    free, cursor = [], day_start\n    for start, end in sorted(meetings):\n        if start > cursor:\n            free.append((cursor, start))\n        cursor = max(cursor, end)\n    if cursor < day_end:\n        free.append((cursor, day_end))\n    return free\n```",
            ),
            ("user", "what if meetings overlap?"),
            ("assistant", "They're handled: `cursor = max(cursor, end)` skips over any overlap."),
            ("user", "ok now make it work for several people at once"),
        ],
    ),
    (
        "en",
        [
            ("user", "There's a memory leak in our node service, heap grows ~50MB an hour."),
            (
                "assistant",
                "Take two heap snapshots an hour apart and compare them. Common culprits: caches without eviction, listeners added per request, closures holding large objects.",
            ),
            ("user", "we do have a Map cache keyed by request id"),
            (
                "assistant",
                "That's likely it. Delete entries when the request completes, or use an LRU:\n\n```js\nconst cache = new LRUCache({ max: 5000 });\n```",
            ),
            ("user", "no new deps allowed"),
        ],
    ),
    (
        "de",
        [
            (
                "user",
                "Ich baue gerade einen kleinen Webshop mit Flask. Wie speichere ich den Warenkorb in der Session?",
            ),
            (
                "assistant",
                "```python\n@app.post('/warenkorb/<int:artikel_id>')\ndef hinzufuegen(artikel_id):\n    korb = session.setdefault('korb', {})\n    korb[str(artikel_id)] = korb.get(str(artikel_id), 0) + 1\n    session.modified = True\n    return redirect(url_for('warenkorb'))\n```",
            ),
            ("user", "und wie entferne ich einen Artikel wieder?"),
        ],
    ),
    (
        "de",
        [
            ("user", "Unser Deployment-Skript kopiert die Dateien per scp und startet den Dienst neu."),
            ("assistant", "Zeig mal das Skript."),
            ("user", "#!/bin/bash\nscp -r dist/ server:/opt/app\nssh server 'systemctl restart app'"),
            (
                "assistant",
                'Besser: in ein neues Verzeichnis kopieren und per Symlink umschalten, dann ist der Wechsel atomar:\n\n```bash\nrelease=/opt/app/releases/$(date +%s)\nrsync -a dist/ server:$release/\nssh server "ln -sfn $release /opt/app/current && systemctl restart app"\n```',
            ),
            ("user", "und ein Rollback?"),
        ],
    ),
    (
        "zh",
        [
            ("user", "我在用Python写一个爬虫，抓取新闻网站的标题。"),
            (
                "assistant",
                "```python\nimport requests\nfrom bs4 import BeautifulSoup\n\nhtml = requests.get(url, timeout=10).text\ntitles = [h.get_text(strip=True) for h in BeautifulSoup(html, 'html.parser').select('h2 a')]\n```",
            ),
            ("user", "有的页面要登录才能看"),
        ],
    ),
    (
        "zh",
        [
            ("user", "我们的接口偶尔返回500，日志里是数据库连接超时。"),
            ("assistant", "连接池是怎么配置的？最大连接数和超时时间是多少？"),
            ("user", "pool_size=5，没有设置超时"),
            (
                "assistant",
                "```python\nengine = create_engine(url, pool_size=20, max_overflow=10, pool_timeout=5, pool_pre_ping=True)\n```",
            ),
            ("user", "还要改别的吗"),
        ],
    ),
    (
        "pt",
        [
            ("user", "Estou fazendo uma API em Node pra cadastro de produtos."),
            (
                "assistant",
                "```js\napp.post('/produtos', async (req, res) => {\n  const { nome, preco } = req.body;\n  const produto = await Produto.create({ nome, preco });\n  res.status(201).json(produto);\n});\n```",
            ),
            ("user", "e a validação?"),
        ],
    ),
    (
        "ru",
        [
            ("user", "Пишу телеграм-бота на aiogram, он должен отвечать на команду /start."),
            (
                "assistant",
                "```python\n@dp.message(CommandStart())\nasync def start(message: Message):\n    await message.answer('Привет!')\n```",
            ),
            ("user", "а теперь кнопки"),
        ],
    ),
    (
        "es",
        [
            ("user", "Tengo una tabla de pedidos y quiero saber qué clientes repiten compra."),
            (
                "assistant",
                "```sql\nSELECT cliente_id, count(*) AS pedidos\nFROM pedidos\nGROUP BY cliente_id\nHAVING count(*) > 1;\n```",
            ),
            ("user", "y solo los de este año"),
        ],
    ),
    (
        "fr",
        [
            ("user", "Je fais un petit jeu du pendu en Python."),
            (
                "assistant",
                "```python\nmot = 'python'\ntrouve = set()\nwhile not set(mot) <= trouve:\n    print(' '.join(c if c in trouve else '_' for c in mot))\n    trouve.add(input('lettre ? '))\n```",
            ),
            ("user", "il faudrait limiter le nombre d'essais"),
        ],
    ),
    (
        "ja",
        [
            ("user", "ReactでAPIからユーザー一覧を取ってきて表示したいです。"),
            (
                "assistant",
                "```jsx\nfunction Users() {\n  const [users, setUsers] = useState([]);\n  useEffect(() => { fetch('/api/users').then(r => r.json()).then(setUsers); }, []);\n  return <ul>{users.map(u => <li key={u.id}>{u.name}</li>)}</ul>;\n}\n```",
            ),
            ("user", "ローディング表示も欲しい"),
        ],
    ),
]

# Short last turns that continue a coding conversation without saying what it is about.
CODING_FOLLOW_UPS = [
    "now add error handling",
    "and the tests?",
    "can you add type hints",
    "make it async",
    "that doesn't work",
    "still failing",
    "it works but it's slow with big inputs",
    "can you explain the second part?",
    "add logging pls",
    "ok now write the docstring",
    "what if the input is empty?",
    "refactor it into smaller functions",
    "same thing but without any libraries",
    "add a --dry-run flag",
    "make it configurable via env vars",
    "now handle timeouts too",
    "does this handle unicode?",
    "put it in a class",
    "can you make it thread safe",
    "how would I deploy this?",
    "nope, same error",
    "good. now the edge cases",
    "hmm it returns an empty list",
    "we're on the older version, will that work?",
    "can you do it without recursion?",
    "great, now wire it into the CLI",
    "add a test for the failure case",
    "it works locally but not in CI",
    "what's the complexity of that?",
    "rename things so it's clearer",
    "ok, ship it. commit message?",
    "make the output JSON instead",
    'I got this:\n\nTraceback (most recent call last):\n  File "main.py", line 14, in <module>\n    run()\n  File "main.py", line 9, in run\n    data = load(path)\nFileNotFoundError: [Errno 2] No such file or directory: \'config.json\'',
    "now it says\n\nTypeError: unsupported operand type(s) for +: 'int' and 'NoneType'",
    "error:\n\n    at Object.<anonymous> (/app/index.js:12:15)\n    at Module._compile (node:internal/modules/cjs/loader:1256:14)\nReferenceError: fetchData is not defined",
    "panic: runtime error: index out of range [3] with length 3\n\ngoroutine 1 [running]:\nmain.main()\n\t/tmp/main.go:11 +0x1d",
    "thread 'main' panicked at src/main.rs:8:10:\ncalled `Option::unwrap()` on a `None` value",
    "ERROR 1064 (42000): You have an error in your SQL syntax; check the manual near 'GROUP BY' at line 4",
    "getting a 403 now",
    "it compiles but the output is off by one",
    'java.lang.NullPointerException: Cannot invoke "String.length()" because "name" is null\n\tat App.greet(App.java:7)',
    "E   AssertionError: assert 3 == 4\nE    +  where 3 = len([1, 2, 3])",
    "Uncaught (in promise) SyntaxError: Unexpected end of JSON input",
    "👍 now the same for the other endpoint",
    "and if I want to run it every hour?",
    "can we avoid the global?",
]

# Short last turns that continue other conversations.
OTHER_FOLLOW_UPS = [
    "make it shorter",
    "and the second day?",
    "can you make it sound less formal",
    "now add a closing paragraph",
    "what about for kids?",
    "translate it to Spanish",
    "thanks! one more",
    "a bit funnier please",
    "can you explain the second point?",
    "and if it rains?",
    "what if I don't have an oven?",
    "ok, now a version for my boss",
    "hmm, too long",
    "is that expensive?",
    "put it in a table",
    "more like the first one",
    "now make a list of what to buy",
    "and in winter?",
    "add a line about the weather",
    "does that work for a vegetarian?",
    "what would you change?",
    "ok now write it as a poem",
    "and the third one?",
    "still too formal",
    "now handle the case where she says no",
    "can you do it without mentioning money?",
    "what if there are 12 people instead?",
    "make it rhyme",
    "👍 now the same for the thank-you note",
    "ok. next step?",
]

# Short last turns that could end either kind of conversation.
SHARED_FOLLOW_UPS = [
    "make it shorter",
    "can you explain the second part?",
    "what if there are more of them?",
    "hmm, not quite",
    "ok and then?",
    "try again",
    "perfect. one more thing: do the same for the other one",
    "can you simplify it",
    "why?",
    "what's the downside?",
]

# (language, user ask, assistant answer): conversations answered in prose.
OTHER_OPENINGS: list[tuple[str, str, str]] = [
    (
        "en",
        "Plan a 3-day itinerary for Rome for a couple who love food.",
        "Day 1: Trastevere and a food tour in the evening. Day 2: Testaccio market, the Aventine, dinner at a trattoria. Day 3: Campo de' Fiori in the morning, a cooking class in the afternoon.",
    ),
    (
        "en",
        "Write a short speech for my dad's 70th birthday.",
        "Dad, seventy years looks good on you. You taught us to fix bikes, to tell the truth and to never leave a party before the cake...",
    ),
    (
        "en",
        "What should I cook for a dinner party of six? One guest is vegan.",
        "A mezze spread works well: hummus, roasted vegetables, tabbouleh, falafel and flatbread, with grilled halloumi on the side for the others.",
    ),
    (
        "en",
        "Help me write an email asking my team to fill in the holiday calendar.",
        "Hi all, please add your planned holidays for December and January to the shared calendar by Friday so we can plan cover. Thanks!",
    ),
    (
        "en",
        "Give me a training plan for my first 10k in 8 weeks.",
        "Run three times a week: one easy run, one interval session and one long run that grows from 5 to 10 km. Add a rest day after each long run.",
    ),
    (
        "en",
        "What are good houseplants for a dark apartment?",
        "Snake plants, ZZ plants, pothos and cast-iron plants all tolerate low light and irregular watering.",
    ),
    (
        "en",
        "Write a product description for our new hiking backpack.",
        "Built for long days on the trail: 28 liters, a breathable back panel, and a rain cover tucked into the base.",
    ),
    (
        "en",
        "How do I prepare for a salary negotiation?",
        "Know your market rate, decide your walk-away number, and practice saying your ask out loud. Lead with the value you bring.",
    ),
    (
        "en",
        "Suggest a name and a theme for our book club.",
        "'Chapter & Verse', with a theme per season: winter classics, spring debut novels, summer thrillers, autumn translated fiction.",
    ),
    (
        "en",
        "Write a bedtime story about a brave little turtle.",
        "Once upon a time, a little turtle named Pip wanted to see the ocean...",
    ),
    (
        "en",
        "My neighbor's dog barks all night. How do I bring it up without a fight?",
        "Pick a calm moment, speak about how it affects you rather than what they're doing wrong, and suggest a solution together.",
    ),
    (
        "en",
        "What's a good morning routine for someone who hates mornings?",
        "Keep it tiny: water, five minutes of daylight, and one thing you look forward to, like good coffee.",
    ),
    (
        "en",
        "Write the script for a 60-second video introducing our dental clinic.",
        "[Opening shot of the reception] Narrator: 'At Bright Smile, we believe a visit to the dentist can be calm...'",
    ),
    (
        "en",
        "Draft a class schedule for my homeschooled 9-year-old.",
        "Mornings: maths and reading. After lunch: science on Monday and Wednesday, history on Tuesday and Thursday, art on Friday.",
    ),
    (
        "en",
        "Help me write a cover letter for a barista job.",
        "Dear hiring manager, I'd love to bring my two years of café experience and my love of latte art to your team...",
    ),
    (
        "en",
        "What should I know before adopting a rescue cat?",
        "Give her a quiet room for the first days, keep the same food the shelter used, and let her come to you.",
    ),
    (
        "en",
        "Summarize the causes of World War I.",
        "Militarism, alliances, imperialism and nationalism, with the assassination of Archduke Franz Ferdinand as the trigger.",
    ),
    (
        "en",
        "We're planning a team offsite for 15 people. Ideas?",
        "A day in the countryside: a morning workshop, lunch at a farm, and an afternoon activity like kayaking or a cooking class.",
    ),
    (
        "en",
        "Write a thank-you message to volunteers after our charity run.",
        "To everyone who handed out water, cheered and packed up at the end: thank you. We raised 12,400 for the shelter!",
    ),
    (
        "en",
        "Give me a simple budget template for a student.",
        "Income: loan, job. Fixed costs: rent, phone, transport. Variable: food, going out, books. Savings: 10% if you can.",
    ),
    (
        "de",
        "Plane mir ein Wochenende im Schwarzwald mit Wanderungen.",
        "Samstag: Wanderung um den Titisee und Abendessen in Hinterzarten. Sonntag: Feldberg-Steig und Kuchen in einem Bergcafé.",
    ),
    ("zh", "帮我写一段生日祝福，给我的大学室友。", "亲爱的小林，生日快乐！还记得我们在宿舍里煮火锅的那些夜晚吗……"),
    (
        "pt",
        "Me dá ideias de presente para o Dia das Mães.",
        "Um café da manhã especial, um álbum de fotos da família, ou uma aula de algo que ela sempre quis aprender.",
    ),
    (
        "ru",
        "Составь список дел перед переездом в другую квартиру.",
        "За месяц: найти перевозчика, разобрать вещи. За неделю: упаковать коробки, сообщить новый адрес. В день переезда: снять показания счётчиков.",
    ),
    (
        "es",
        "Escríbeme un mensaje para felicitar a mi jefa por su ascenso.",
        "¡Enhorabuena, Marta! Es un reconocimiento más que merecido a todo tu trabajo.",
    ),
    (
        "fr",
        "Donne-moi des idées d'activités pour un anniversaire d'enfant de 6 ans.",
        "Une chasse au trésor, un atelier de maquillage, et un spectacle de marionnettes fait maison.",
    ),
    (
        "ja",
        "週末のピクニックに持っていくお弁当のアイデアをください。",
        "おにぎり、卵焼き、唐揚げ、ミニトマト、フルーツがおすすめです。",
    ),
    (
        "en",
        "I need a script for my YouTube cooking channel intro.",
        "'Hey everyone, welcome back to the kitchen! Today we're making the crispiest potatoes you've ever had...'",
    ),
    (
        "en",
        "How do I keep my sourdough starter alive while on vacation?",
        "Feed it, let it rise for an hour, then put it in the fridge. It'll be fine for two weeks; feed it twice when you're back.",
    ),
    (
        "en",
        "Our class is putting on Romeo and Juliet. How should we cast it with 14 kids?",
        "Double up minor roles, give the Nurse and Mercutio to confident readers, and let two pairs share Romeo and Juliet across the acts.",
    ),
]

# Extra middle exchanges: (user, assistant) pairs that keep a conversation going without naming its subject.
CODING_MIDDLES = [
    ("thanks, that works", "Glad it helped!"),
    (
        "can you rename the variables to something clearer",
        "Sure, I renamed them to describe what they hold; the logic is unchanged.",
    ),
    (
        "what does the second line do?",
        "It opens the connection once and reuses it for every call instead of reconnecting.",
    ),
    ("ok I'll try it", "Let me know what you get."),
    (
        "is this safe for production?",
        "Mostly. I'd add a timeout and make sure errors are logged rather than swallowed.",
    ),
]
OTHER_MIDDLES = [
    ("thanks, that's lovely", "You're welcome!"),
    ("can you make it a bit warmer", "Of course, here's a warmer version with a personal touch at the start."),
    ("what would you do first?", "I'd start with the part that needs booking, since places fill up quickly."),
    ("ok I'll try it", "Let me know how it goes."),
    ("is that too much?", "It's about right, but you can drop the last part if time is short."),
]

# A conversation about code whose last user turn asks something else (the last ask decides).
TOPIC_SWITCHES_TO_OTHER = [
    "thanks! unrelated: what's a good restaurant for a team lunch near a train station?",
    "ok that's done. can you help me write a birthday message for my colleague?",
    "cool. btw how do I politely tell my manager I need a day off tomorrow?",
    "perfect. one more thing, not code: what's a nice name for our new office plant?",
    "great. totally different question, what's the weather usually like in Porto in April?",
    "thx. also, my wife asked what to cook tonight, we have chicken and rice. ideas?",
    "ok good. now can you draft a short message to my team saying I'm out sick today?",
    "that fixed it! off topic: any tips for sleeping better before a big presentation?",
]
# A conversation about something else whose last user turn asks for code.
TOPIC_SWITCHES_TO_CODE = [
    "thanks! now something else: write me a python function that checks if a number is prime",
    "great. different topic: how do I undo a git commit I already pushed?",
    "lovely. btw can you give me a SQL query to count orders per day?",
    "thanks. unrelated, my bash script fails with 'unexpected end of file', what does that mean?",
    "perfect. also, how do I center a div in CSS these days?",
    "ok cool. quick one: regex for a 5-digit zip code?",
    "nice. last thing, write a js function that shuffles an array",
    "thanks! one more, can you write a cron line that runs every Monday at 8?",
]
