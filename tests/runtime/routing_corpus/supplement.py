# ruff: noqa: E501  (requests as people type them)
"""Training-only additions to the routing corpus, written after the held-out split was frozen.

The first cross-validation runs on dev showed too few examples where the model was weakest: prose in
other languages (dev had about 6 per language, so the language itself read as "coding"), and
conversations whose last turn changes the subject. These texts are new (none is a copy or a
paraphrase of a held-out item); `build.py` writes them to `supplement.jsonl`, which only training
reads. They never enter either split.
"""

from __future__ import annotations

OTHER: dict[str, list[str]] = {
    "de": [
        "Wie lange muss ein Frühstücksei kochen, damit das Eigelb noch weich ist?",
        "Schreib eine freundliche Absage an einen Bewerber, der knapp nicht genommen wurde.",
        "Was ist der Unterschied zwischen Brutto und Netto beim Gehalt?",
        "Welche Zimmerpflanzen vertragen wenig Licht?",
        "Mein Sohn hat Angst vor dem ersten Schultag. Wie kann ich ihm helfen?",
        "Empfiehl mir drei Romane für den Urlaub am Meer.",
        "Wie bereite ich mich auf ein Vorstellungsgespräch bei einer Bank vor?",
        "Formuliere eine Einladung zum Sommerfest unseres Sportvereins.",
        "Was sollte man in Wien unbedingt gesehen haben?",
        "Warum wird der Himmel am Abend rot?",
    ],
    "zh": [
        "下周要去北京出差三天，帮我列一个行李清单。",
        "怎么跟房东沟通退押金的问题？",
        "推荐几本适合初中生看的科普书。",
        "帮我写一条感谢老师的短信，孩子今年毕业了。",
        "跑步膝盖疼是什么原因？",
        "春节回家给父母带什么礼物比较好？",
        "请把这句话翻译成英文：我们下周一开会讨论预算。",
        "怎么养好一盆绿萝？",
        "给我讲一个关于月亮的童话故事。",
        "面试的时候被问到缺点，怎么回答比较好？",
    ],
    "pt": [
        "Como tirar mancha de café de uma camisa branca?",
        "Me dá um roteiro de três dias em Salvador.",
        "Escreve uma mensagem de aniversário para minha avó que faz 90 anos.",
        "Qual a diferença entre gripe e resfriado?",
        "Como pedir aumento de salário sem parecer arrogante?",
        "Sugira nomes para uma cafeteria pequena no interior.",
        "O que levar numa viagem de acampamento com crianças?",
        "Explica de forma simples como funciona a inflação.",
        "Quais exercícios ajudam a dor nas costas?",
        "Escreve um convite para o chá de bebê da minha irmã.",
    ],
    "ru": [
        "Как правильно заварить зелёный чай?",
        "Напиши поздравление коллеге с юбилеем.",
        "Что взять с собой в поход на три дня?",
        "Почему листья у фикуса желтеют?",
        "Как подготовиться к собеседованию на должность менеджера?",
        "Посоветуй фильм для семейного вечера.",
        "Объясни простыми словами, что такое ипотека.",
        "Как научить ребёнка кататься на велосипеде?",
        "Напиши короткое стихотворение про осень.",
        "Какие документы нужны для получения загранпаспорта?",
    ],
    "es": [
        "¿Cómo quito una mancha de vino tinto del sofá?",
        "Escribe una carta de recomendación para una niñera.",
        "¿Qué ver en Granada en un fin de semana?",
        "Dame ideas para una cena romántica en casa.",
        "¿Cuánto tiempo hay que cocer los garbanzos?",
        "¿Cómo le digo a mi jefe que necesito cambiar mis vacaciones?",
        "Recomiéndame un libro de historia para principiantes.",
        "¿Por qué mi perro come hierba?",
        "Escribe un brindis para la boda de mi mejor amiga.",
        "¿Qué es mejor para correr, la mañana o la tarde?",
    ],
    "fr": [
        "Comment enlever une tache de gras sur un pantalon ?",
        "Écris un mot d'excuse pour l'absence de mon fils à l'école.",
        "Quelles plantes mettre sur un balcon plein sud ?",
        "Donne-moi une recette de crêpes sans lait.",
        "Comment préparer un entretien d'embauche en anglais ?",
        "Que faire à Bordeaux quand il pleut ?",
        "Explique la différence entre un CDD et un CDI.",
        "Écris un message de condoléances pour une collègue.",
        "Comment aider un enfant qui a peur du noir ?",
        "Propose un menu pour un pique-nique de dix personnes.",
    ],
    "ja": [
        "引っ越しの挨拶で近所に配るものは何がいいですか？",
        "風邪をひいたときに食べるといいものを教えて。",
        "上司へのお礼のメールを書いてください。",
        "東京から日帰りで行ける温泉を教えてください。",
        "子どもの読書感想文の書き方のコツは？",
        "カレーを美味しく作る秘訣を教えて。",
        "初めての海外旅行で気をつけることは？",
        "プレゼンで緊張しない方法はありますか？",
        "桜についての短い詩を書いて。",
        "犬の散歩は一日何回が理想ですか？",
    ],
}

CODING: dict[str, list[str]] = {
    "de": [
        "Wie sortiere ich in Python eine Liste von Wörterbüchern nach dem Feld 'datum'?",
        "Schreib ein Bash-Skript, das alle PDF-Dateien in einem Ordner zu einer zusammenfügt.",
        "Was bedeutet 'NullPointerException' und wie finde ich die Ursache?",
        "Wie baue ich in CSS ein Raster mit drei gleich breiten Spalten?",
        "Erstelle eine SQL-Tabelle für Bestellungen mit Fremdschlüssel auf Kunden.",
    ],
    "zh": [
        "用Python读取Excel文件并统计每一列的平均值。",
        "git pull 的时候提示冲突，怎么解决？",
        "帮我写一个SQL，查询最近三十天注册的用户数量。",
        "CSS里怎么让图片自适应容器宽度？",
        "这段Java代码为什么会报空指针异常？String s = null; s.length();",
    ],
    "pt": [
        "Como ordenar uma lista de objetos por data em JavaScript?",
        "Escreve uma função que converte temperatura de Celsius para Fahrenheit.",
        "Como criar um índice numa tabela do Postgres?",
        "Meu script em Python dá 'ModuleNotFoundError', o que faço?",
        "Como fazer um formulário HTML enviar os dados por POST?",
    ],
    "ru": [
        "Как в Python прочитать JSON-файл и вывести значения по ключу?",
        "Напиши SQL-запрос, который считает заказы по месяцам.",
        "Почему git говорит 'detached HEAD' и как вернуться на ветку?",
        "Как сделать кнопку на всю ширину экрана в CSS?",
        "Напиши функцию на JavaScript, которая удаляет дубликаты из массива.",
    ],
    "es": [
        "¿Cómo leo un archivo JSON en Node.js?",
        "Escribe una función en Python que cuente las palabras de un texto.",
        "¿Cómo creo una rama nueva en git y la subo al remoto?",
        "Hazme una consulta que muestre los productos más vendidos.",
        "¿Por qué mi CSS no se aplica al botón?",
    ],
    "fr": [
        "Comment lire un fichier CSV ligne par ligne en Java ?",
        "Écris une requête SQL qui compte les clients par ville.",
        "Comment supprimer une branche git distante ?",
        "Fais une fonction JavaScript qui formate une date en jj/mm/aaaa.",
        "Pourquoi mon script Python affiche 'IndentationError' ?",
    ],
    "ja": [
        "PythonでCSVファイルを読み込んで合計を出すコードを書いて。",
        "gitでブランチを切り替えるコマンドは？",
        "SQLで重複した行を削除する方法を教えて。",
        "CSSで要素を中央に配置するには？",
        "JavaScriptで文字列を数値に変換する方法は？",
    ],
}

# Conversation subjects and the last turns that change them: (earlier ask, earlier answer, last turn).
SWITCHES_TO_OTHER = [
    (
        "Write a function that strips HTML tags from a string.",
        "```python\nimport re\n\ndef strip_tags(s):\n    return re.sub(r'<[^>]+>', '', s)\n```",
        "thanks. what should I get my brother for his 30th?",
    ),
    (
        "Fix this query: SELECT name FROM users WHERE age > '30'",
        "Compare numbers with numbers: `WHERE age > 30`.",
        "ok. how do I tell my team I'm leaving without making it awkward?",
    ),
    (
        "Why does my React state not update right after setState?",
        "setState is asynchronous; read the new value in an effect or use the updater form.",
        "got it. any recommendations for a weekend trip from Munich?",
    ),
    (
        "Make a bash loop over all .txt files and print their line counts.",
        '```bash\nfor f in *.txt; do wc -l "$f"; done\n```',
        "cool. can you write a short poem for my mom's birthday?",
    ),
    (
        "How do I revert a merge commit?",
        "`git revert -m 1 <merge-commit>` keeps the first parent's side.",
        "thx. what's a good stretching routine after a long day at the desk?",
    ),
    (
        "Give me a Go struct for a user with JSON tags.",
        '```go\ntype User struct {\n\tID    int    `json:"id"`\n\tEmail string `json:"email"`\n}\n```',
        "nice. is it worth getting travel insurance for a week in Spain?",
    ),
    (
        "Add a unit test for the discount function.",
        "```python\ndef test_discount():\n    assert discount(100, 0.1) == 90\n```",
        "perfect. by the way, how do I make cold brew coffee?",
    ),
    (
        "The Docker build fails at npm install.",
        "Copy package.json and the lockfile first, run `npm ci`, then copy the rest.",
        "works now. unrelated: how much should I tip a hairdresser?",
    ),
    (
        "Schreib mir eine Funktion, die prüft, ob eine Zahl gerade ist.",
        "```python\ndef ist_gerade(n):\n    return n % 2 == 0\n```",
        "Danke! Was kann ich heute Abend kochen, ich habe Kartoffeln und Eier?",
    ),
    (
        "帮我写一个函数，计算列表的总和。",
        "```python\ndef total(xs):\n    return sum(xs)\n```",
        "谢谢！顺便问一下，周末带孩子去哪里玩好？",
    ),
]
SWITCHES_TO_CODE = [
    (
        "Plan a birthday dinner for eight people.",
        "A relaxed menu: a big salad, lasagna, and tiramisu made the day before.",
        "thanks. different thing: write a python script that sends the invitations from a CSV of emails",
    ),
    (
        "What's a good routine for learning Spanish?",
        "Fifteen minutes a day: an app in the morning, a podcast on the commute, one short conversation a week.",
        "great. also, how do I make a git alias for 'git log --oneline --graph'?",
    ),
    (
        "Help me write a thank-you note to my neighbor.",
        "Dear Mrs. Lee, thank you so much for watering our plants while we were away...",
        "lovely. now can you give me a regex that matches dates like 2024-05-01?",
    ),
    (
        "Suggest a name for my podcast about gardening.",
        "'The Dirt Report', 'Root & Bloom', or 'Weekend Weeds'.",
        "love it. quick one: the SQL to get the 5 most recent rows from a table?",
    ),
    (
        "What should I pack for a week in Iceland?",
        "Layers: thermal base, fleece, waterproof shell, hiking boots, a swimsuit for the hot springs.",
        "thanks! also my bash script says 'command not found' on line 3, here it is:\n\n#!/bin/bash\nNAME = test\necho $NAME",
    ),
    (
        "Give me ideas for a team-building day.",
        "An escape room in the morning, lunch together, and a cooking class in the afternoon.",
        "ok. now write me a js function that picks random pairs of people from a list",
    ),
    (
        "Wie lange braucht man von Berlin nach Prag mit dem Zug?",
        "Etwa viereinhalb Stunden mit dem direkten Eurocity.",
        "Danke. Kannst du mir noch eine SQL-Abfrage schreiben, die die Anzahl der Buchungen pro Tag zählt?",
    ),
    (
        "Me dá uma receita de brigadeiro.",
        "Leite condensado, uma colher de manteiga e três de chocolate em pó; mexa até desgrudar da panela.",
        "Valeu! Agora, como faço um loop em Python que percorre um dicionário?",
    ),
]
