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

# --------------------------------------------------------------------------------------------------
# The second supplement (issue 13, p2-routing): written after out-of-fold scores on dev showed most
# mistakes in other languages (coding asks without an English word in them, and everyday asks), in
# short English asks (a framework named without a language; writing tasks that are not code), and in
# conversations whose short last turn takes its subject from the turns before. New texts again; the
# held-out split was not read to write them. Labels follow the corpus's rule (README.md).

CODING_MORE: dict[str, list[str]] = {
    "de": [
        "Mein Cronjob läuft nicht um Mitternacht, obwohl ich 0 0 * * * eingetragen habe. Woran liegt das?",
        "Wie mache ich die letzten zwei Commits rückgängig, ohne die Änderungen zu verlieren?",
        "Der Compiler meldet 'undefined reference to main'. Was habe ich falsch gemacht?",
        "Schreib mir einen regulären Ausdruck, der deutsche Telefonnummern erkennt.",
        "Die Seitenleiste überlappt auf dem Handy den Inhalt. Wie behebe ich das im Stylesheet?",
        "Erstelle eine Kubernetes-Deployment-Datei für einen Dienst mit drei Replikaten.",
        "Wie zähle ich in einer Tabellenkalkulation, wie oft ein Wort in Spalte B vorkommt?",
        "Warum gibt meine Schleife immer nur das letzte Element aus?",
    ],
    "zh": [
        "怎么把最近三次提交合并成一次？",
        "定时任务每天早上八点执行，crontab 应该怎么写？",
        "编译的时候提示找不到头文件，怎么解决？",
        "写一个正则表达式，匹配中国的手机号码。",
        "网页上的按钮在手机上显示不全，样式要怎么改？",
        "帮我写一个接口，返回用户列表，支持分页。",
        "这个循环为什么会死循环？while i < 10: print(i)",
        "给这个函数加上单元测试。",
    ],
    "pt": [
        "Como desfaço o último commit sem perder o que eu mudei?",
        "Escreve uma expressão regular que valide CPF com pontos e traço.",
        "O compilador reclama de 'missing return statement'. O que significa?",
        "Preciso de um crontab que rode um backup todo domingo às três da manhã.",
        "O menu do site some quando a tela fica menor que 600 pixels. Como corrijo?",
        "Cria um docker-compose com um banco Postgres e uma API.",
        "Por que meu laço for nunca termina?",
        "Refatora essa função para ficar mais legível e adiciona tratamento de erro.",
    ],
    "ru": [
        "Как объединить последние три коммита в один перед пушем?",
        "Напиши регулярку, которая находит российские номера телефонов.",
        "Сборка падает с ошибкой 'undefined symbol'. Куда смотреть?",
        "Как настроить cron, чтобы скрипт запускался каждые пять минут?",
        "Кнопка на сайте съезжает вниз на мобильных. Как поправить вёрстку?",
        "Опиши в Terraform бакет S3 с включённым версионированием.",
        "Почему цикл выводит одно и то же значение пять раз?",
        "Добавь обработку ошибок в эту функцию и напиши к ней тесты.",
    ],
    "es": [
        "¿Cómo deshago un rebase que salió mal?",
        "Escribe una expresión regular para validar un código postal español.",
        "El compilador dice 'expected ; before }'. ¿Qué me falta?",
        "Necesito una tarea programada que limpie la carpeta temporal cada noche.",
        "El formulario se ve cortado en el móvil, ¿cómo lo arreglo con estilos?",
        "Escribe un endpoint que devuelva los pedidos de un cliente en formato JSON.",
        "¿Por qué mi bucle se salta el último elemento del arreglo?",
        "Agrega pruebas unitarias a esta función de descuentos.",
    ],
    "fr": [
        "Comment annuler le dernier commit déjà poussé sur le dépôt distant ?",
        "Écris une expression régulière pour un numéro de téléphone français.",
        "Le compilateur affiche 'segmentation fault'. Comment trouver la ligne fautive ?",
        "Comment planifier une tâche cron qui tourne tous les lundis à 7 h ?",
        "Le pied de page passe par-dessus le contenu sur mobile, comment le corriger ?",
        "Écris un Dockerfile pour une appli Node avec un build en deux étapes.",
        "Pourquoi ma boucle tourne à l'infini ?",
        "Ajoute la gestion des erreurs à cette fonction qui lit le fichier de config.",
    ],
    "ja": [
        "直前の三つのコミットを一つにまとめたいです。",
        "毎朝6時にスクリプトを実行するcrontabの書き方を教えて。",
        "コンパイルすると「未定義の参照」というエラーが出ます。原因は？",
        "メールアドレスをチェックする正規表現を書いてください。",
        "スマホで見るとボタンが画面からはみ出します。スタイルをどう直せばいい？",
        "この関数にエラー処理を追加して、テストも書いてください。",
        "このループが終わらない理由を教えて。",
        "ユーザー一覧を返すAPIを作って。ページングにも対応して。",
    ],
    "it": [
        "Come annullo l'ultimo commit senza perdere le modifiche?",
        "Scrivi un'espressione regolare per validare un codice fiscale.",
        "Il compilatore dice 'undeclared identifier'. Cosa significa?",
        "Scrivi una funzione che calcola la media di una lista di numeri.",
    ],
    "ko": [
        "마지막 커밋을 취소하고 변경 사항은 유지하고 싶어요.",
        "이메일 주소를 검사하는 정규식을 작성해 주세요.",
        "파이썬으로 폴더 안의 파일 이름을 모두 출력하는 코드를 짜 줘.",
        "이 함수에 예외 처리를 추가해 줘.",
    ],
    "pl": [
        "Jak cofnąć ostatni commit, ale zachować zmiany w plikach?",
        "Napisz wyrażenie regularne do sprawdzania kodu pocztowego.",
        "Kompilator zgłasza 'undefined reference'. Co zrobiłem źle?",
        "Dodaj testy jednostkowe do tej funkcji.",
    ],
    "tr": [
        "Son commit'i geri almak ama değişiklikleri korumak istiyorum.",
        "Telefon numarası için bir düzenli ifade yazar mısın?",
        "Bu döngü neden hiç bitmiyor?",
        "Bu fonksiyona hata yönetimi ekle.",
    ],
    "nl": [
        "Hoe maak ik mijn laatste commit ongedaan zonder mijn wijzigingen kwijt te raken?",
        "Schrijf een reguliere expressie voor een Nederlandse postcode.",
        "De compiler geeft 'cannot find symbol'. Wat betekent dat?",
        "Voeg foutafhandeling toe aan deze functie.",
    ],
}

OTHER_MORE: dict[str, list[str]] = {
    "de": [
        "Wir warten noch auf die Antwort der Versicherung. Wie lange sollte ich warten, bevor ich nachfrage?",
        "Schreib das Drehbuch für einen kurzen Sketch beim Firmenjubiläum.",
        "Welche Funktion hat die Leber im Körper?",
        "Meine Tochter kommt in die fünfte Klasse. Wie bereite ich sie auf den Schulwechsel vor?",
        "Glückwunsch an das Team zum Release der neuen App-Version! Schreib einen kurzen Beitrag fürs Intranet.",
        "Wie viel verdient ein Softwareentwickler in München ungefähr?",
    ],
    "zh": [
        "帮我写一个婚礼上的致辞稿，三分钟左右。",
        "肝脏在身体里有什么功能？",
        "孩子的班级要组织春游，有什么好地方推荐？",
        "祝贺团队新版本顺利发布！帮我写一段朋友圈文案。",
        "程序员这个职业以后还有前途吗？",
        "还在等快递，一般要等几天？",
    ],
    "pt": [
        "Me ajuda a escrever o roteiro de uma peça de teatro para a escola?",
        "Qual é a função dos rins?",
        "A turma do meu filho vai fazer uma excursão. O que colocar na mochila?",
        "Parabéns ao time pelo lançamento da nova versão do app! Escreve um post curto para o LinkedIn.",
        "Qual notebook é melhor para uma estudante de direito?",
        "Ainda estou aguardando a resposta do banco. Devo ligar de novo?",
    ],
    "ru": [
        "Помоги написать сценарий для школьного спектакля про зиму.",
        "Какую функцию выполняет щитовидная железа?",
        "В классе у сына проблемы с дисциплиной. Как поговорить с учителем?",
        "Поздравляю команду с выпуском новой версии приложения! Напиши короткий пост.",
        "Сколько зарабатывают программисты в Казани?",
        "Жду ответа от работодателя уже неделю. Стоит ли напомнить о себе?",
    ],
    "es": [
        "Ayúdame con el guion de un discurso para la graduación de mi hija.",
        "¿Cuál es la función del páncreas?",
        "La clase de mi hijo hace una obra de teatro. Ideas de disfraces baratos.",
        "¡Felicidades al equipo por lanzar la nueva versión de la app! Escribe un mensaje corto.",
        "¿Qué portátil me recomiendas para ver series y escribir correos?",
        "Sigo esperando la respuesta del casero. ¿Cuánto tiempo es razonable?",
    ],
    "fr": [
        "Aide-moi à écrire le script d'une vidéo de présentation de notre boulangerie.",
        "Quelle est la fonction des globules blancs ?",
        "La classe de ma fille part en classe verte. Que mettre dans la valise ?",
        "Bravo à l'équipe pour la sortie de la nouvelle version de l'application ! Écris un petit mot.",
        "Quel métier choisir quand on aime les maths mais pas l'informatique ?",
        "J'attends toujours la réponse de la mairie. Comment relancer poliment ?",
    ],
    "ja": [
        "結婚式のスピーチの原稿を一緒に考えてください。",
        "腎臓はどんな働きをしていますか？",
        "子どものクラスで劇をやります。衣装のアイデアをください。",
        "アプリの新バージョン公開おめでとう！社内SNS用の短い投稿を書いて。",
        "エンジニアの平均年収はどれくらいですか？",
        "面接の結果をまだ待っています。問い合わせてもいいでしょうか？",
    ],
    "it": [
        "Scrivimi il copione per una breve recita di Natale.",
        "Qual è la funzione della milza?",
        "Complimenti al team per il rilascio della nuova versione! Scrivi un breve messaggio.",
    ],
    "ko": [
        "결혼식 축사 원고를 써 주세요.",
        "간은 몸에서 어떤 기능을 하나요?",
        "새 버전 출시를 축하하는 팀 공지를 써 줘.",
    ],
    "pl": [
        "Pomóż mi napisać scenariusz przedstawienia dla przedszkola.",
        "Jaką funkcję pełni trzustka?",
        "Gratulacje dla zespołu z okazji wydania nowej wersji aplikacji! Napisz krótki wpis.",
    ],
    "tr": [
        "Düğün için kısa bir konuşma metni yazar mısın?",
        "Karaciğerin vücuttaki görevi nedir?",
        "Yeni sürümün çıkışı için ekibi tebrik eden kısa bir mesaj yaz.",
    ],
    "nl": [
        "Help me met het script voor een toneelstuk op de basisschool.",
        "Wat is de functie van de milt?",
        "Gefeliciteerd aan het team met de nieuwe versie van de app! Schrijf een kort bericht.",
    ],
}

DIRECT_CODE_MORE = [
    "In Scala, how do I fold a list of options into a single option of a list?",
    "what's the difference between `let` and `const` when the value is an object?",
    "Write a Ruby method that groups an array of hashes by their :category key.",
    "How do I cancel a pending fetch in the browser when the user navigates away?",
    "Show me a Haskell function that zips three lists together.",
    "With the AWS SDK for Go, how do I upload a file to S3 with a content type?",
    "write a PHP function that slugifies a title",
    "why does my Swift closure capture self strongly and how do I avoid the cycle",
    "Using pandas, pivot this long table of (date, city, sales) into one column per city.",
    "Give me a Makefile with build, test and clean targets for a C project.",
    "How do I mock the current time in a Jest test?",
    "Write a C# LINQ query that finds the three most expensive products per category.",
    "In Django, how do I add a unique constraint across two fields of a model?",
    "Implement binary search in Lua.",
    "What does `__slots__` do in a Python class and when is it worth it?",
    "How do I make a Postgres column default to the current timestamp?",
    "With the Twilio API, how do I send an SMS from a Flask route?",
    "Write a TypeScript type that makes every property of an object optional except id.",
    "My Next.js page renders twice in development, is that a bug in my useEffect?",
    "Convert this callback-based Node function to async/await: fs.readFile(path, (err, data) => cb(data))",
    "How do I read environment variables in a Spring Boot application.properties file?",
    "Write an R function that removes outliers beyond three standard deviations.",
    "What is the borrow checker complaining about when I push to a vector while iterating over it?",
    "Erlang: spawn a process that echoes every message it gets back to the sender.",
    "How do I debounce a search input in Svelte?",
    "Write a jq filter that pulls the name of every item whose price is over 10.",
    "Set up GitHub Actions to run my tests on every push to main.",
    "Write a Prometheus alert rule for when a pod restarts more than three times in ten minutes.",
    "Explain what this line does: xs = [x for x in xs if x]",
    "How can I profile which function is slow in my Node service?",
]

DIRECT_OTHER_MORE = [
    "Write a friendly reminder to my neighbors about the recycling pickup moving to Thursday.",
    "Give me a recipe for banana bread without eggs.",
    "Write an out-of-office message for my parental leave.",
    "What's the plural of 'cactus'?",
    "Rank these cities by population: Lyon, Marseille, Paris, Toulouse.",
    "Draft a polite complaint to the airline about my delayed luggage.",
    "Suggest a three-day itinerary for Lisbon on a budget.",
    "What's a good way to memorize a speech?",
    "Write a thank-you card for my son's kindergarten teacher.",
    "How do I get red wine out of a carpet?",
    "Summarize the plot of Pride and Prejudice in five sentences.",
    "Give me ten icebreaker questions for a team offsite.",
    "What should I ask at the end of a job interview?",
    "Write a short bio for my yoga studio's website.",
    "How many cups are in a liter?",
    "Help me write a toast for my best friend's wedding, light and funny.",
    "Is it better to rent or buy a car if I drive twice a week?",
    "Make a weekly meal plan for a family of four, mostly vegetarian.",
    "Rewrite this sentence to sound more formal: we can't make it on friday, sorry",
    "Write a limerick about a cat who hates Mondays.",
    "What are the symptoms of dehydration in toddlers?",
    "Create a packing list for a week of skiing.",
    "Explain the offside rule in football simply.",
    "Write a LinkedIn post announcing that I started a new job as a nurse.",
    "Which houseplants are safe for cats?",
    "Give me a polite way to decline a wedding invitation.",
    "What's the difference between a Roth IRA and a traditional IRA?",
    "Translate 'where is the train station' into Italian and Greek.",
    "Write a job ad for a part-time barista.",
    "How do I start running if I've never done it before?",
]

# A coding exchange, then a follow-up that names nothing: the conversation gives the subject.
CODING_THREADS = [
    (
        "Write a function that validates an IBAN.",
        "```python\ndef valid_iban(s):\n    s = s.replace(' ', '')\n    s = s[4:] + s[:4]\n    return int(''.join(str(int(c, 36)) for c in s)) % 97 == 1\n```",
    ),
    (
        "Give me a Dockerfile for a Go service.",
        '```dockerfile\nFROM golang:1.23 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app\nFROM gcr.io/distroless/base\nCOPY --from=build /app /app\nENTRYPOINT ["/app"]\n```',
    ),
    (
        "My SQL query is slow: SELECT * FROM events WHERE user_id = 42 ORDER BY created_at DESC",
        "Add an index on (user_id, created_at DESC) and select only the columns you need.",
    ),
    (
        "How do I parse command-line arguments in Rust?",
        "Use the clap crate: `#[derive(Parser)] struct Args { #[arg(short)] verbose: bool }` and `Args::parse()`.",
    ),
    (
        "Write a React hook that tracks the window width.",
        "```tsx\nfunction useWidth() {\n  const [w, setW] = useState(window.innerWidth);\n  useEffect(() => {\n    const on = () => setW(window.innerWidth);\n    window.addEventListener('resize', on);\n    return () => window.removeEventListener('resize', on);\n  }, []);\n  return w;\n}\n```",
    ),
    (
        "Schreib ein Skript, das alte Logdateien löscht.",
        "```bash\nfind /var/log/app -name '*.log' -mtime +14 -delete\n```",
    ),
    (
        "帮我写一个快速排序。",
        "```python\ndef qsort(xs):\n    if len(xs) <= 1:\n        return xs\n    p, *rest = xs\n    return qsort([x for x in rest if x < p]) + [p] + qsort([x for x in rest if x >= p])\n```",
    ),
    (
        "Cria uma tabela de produtos com preço e estoque.",
        "```sql\nCREATE TABLE produtos (\n  id serial PRIMARY KEY,\n  nome text NOT NULL,\n  preco numeric(10,2),\n  estoque int DEFAULT 0\n);\n```",
    ),
    (
        "Why does this print undefined? const f = () => { 1 }; console.log(f())",
        "Braces make a block body, so nothing is returned; use `() => 1` or `return 1`.",
    ),
    (
        "Set up a systemd timer that runs my backup script nightly.",
        "Create backup.service with ExecStart=/usr/local/bin/backup.sh and backup.timer with OnCalendar=daily, then `systemctl enable --now backup.timer`.",
    ),
]
THREAD_FOLLOW_UPS = [
    "and now with types",
    "same but async",
    "it still fails",
    "what about edge cases?",
    "shorter please",
    "ok, now the tests",
    "explain the third line",
    "does that scale?",
    "перепиши покороче",
    "und jetzt mit Fehlerbehandlung",
]
# And prose exchanges whose follow-ups could be asked of code too.
OTHER_THREADS = [
    (
        "Write a short speech for my grandfather's 80th birthday.",
        "Eighty years of stories, and most of them we have heard at least twice — and loved every time...",
    ),
    (
        "Plan a three-course dinner for a vegetarian friend.",
        "Start with a beet carpaccio, then a mushroom risotto, and finish with a lemon posset.",
    ),
    (
        "Help me write a cover letter for a teaching job.",
        "Dear hiring committee, I am writing to apply for the position of fifth-grade teacher...",
    ),
    (
        "Give me a weekly workout plan for a beginner.",
        "Monday: 20 minutes of brisk walking. Wednesday: bodyweight squats and push-ups. Friday: a longer walk.",
    ),
    (
        "Write a product description for handmade soap.",
        "Made in small batches with olive oil and lavender, this bar lathers gently and leaves skin soft.",
    ),
    (
        "Escribe una invitación para una fiesta de jubilación.",
        "Te invitamos a celebrar los treinta y cinco años de trabajo de Marta este viernes a las siete.",
    ),
    ("写一段公司年会的开场白。", "各位同事，大家晚上好！又是一年辛苦与收获，今晚让我们一起庆祝……"),
    (
        "Write a bedtime story about a brave little turtle.",
        "Once upon a time, in a pond at the edge of the forest, lived a turtle named Pip...",
    ),
    (
        "Draft a message asking my landlord to fix the window.",
        "Hi Mr. Novak, the bedroom window no longer closes properly and lets in cold air...",
    ),
    ("Suggest names for a golden retriever puppy.", "Sunny, Maple, Biscuit, Goldie, Honey or Bruno."),
]


# --------------------------------------------------------------------------------------------------
# Third part (training only): written after the second held-out split (`fresh.py`) was frozen, for the
# categories issue 13 names, without reading either held-out split's items or any model's mistakes.
# New texts: none copies or paraphrases a held-out item.

THIRD_CODING: dict[str, list[str]] = {
    "en": [
        "Parse a query string like a=1&b=2&b=3 into a dict of lists.",
        "How do I read environment variables with a default in Node?",
        "What does `static` mean on a method in C++, and when would I use it?",
        "Write a function that flattens a nested dictionary into dotted keys.",
        "Turn this loop into a list comprehension: out = []\nfor n in nums:\n    if n % 2:\n        out.append(n * n)",
        "My Spring Boot app can't find the bean UserRepository at startup. What should I check?",
        "Write a Swift extension on Array that returns chunks of size n.",
        "Show me how to stream a large file line by line in Java without loading it all.",
        "Check if two strings are anagrams, in any language you like, with tests.",
        "What's a good way to structure Express routes when there are fifty of them?",
        "Implement an LRU cache with get and put in O(1).",
        "Add type annotations to this: def merge(a, b):\n    return {**a, **b}",
        "Write a Lua function that splits a string on commas.",
        "In Elixir, how do I pattern match on a map with a required key?",
        "Why is my useEffect running twice in development?",
    ],
    "nolang": [
        "Revert a merge commit that was already pushed to the shared branch.",
        "Rename a branch locally and on the remote.",
        "Squash everything on my feature branch into one commit before the merge request.",
        "Show the files that changed between two tags.",
        "Crontab entry for the first day of every month at midnight.",
        "A systemd timer that runs cleanup every Sunday at 4am.",
        "Helm values to set the CPU limit to 500m and memory to 256Mi for the api chart.",
        "An Ansible task that installs htop and makes sure it's the latest version.",
        "A Caddyfile that reverse-proxies /api to localhost:3000 and serves ./public for the rest.",
        "Regex for a hex colour like #fff or #a1b2c3.",
        "Replace all trailing whitespace in every .md file in the repo from the command line.",
        "Center the card horizontally and vertically on the page.",
        "The dropdown menu opens behind the modal. How do I bring it to the front?",
        "Make the table scroll horizontally on phones instead of overflowing.",
        "fatal error: stdio.h: No such file or directory when I build. What's missing?",
        "cannot find symbol: variable logger at line 42 during the build",
        "Google Sheets: count the rows where the date in column B is in this week.",
        "Excel formula that returns the last non-empty value in column D.",
        "Write the Dockerfile HEALTHCHECK for a service that answers on /health at port 8080.",
        "Prometheus alert rule when the error rate is above 5% for ten minutes.",
        "Give me the jq filter that extracts every .name from an array of objects.",
        "Add a pre-commit hook that runs the formatter on staged files.",
    ],
    "zh": [
        "帮我写一个Go函数，计算两个日期之间相差多少天。",
        "这个报错怎么解决：ModuleNotFoundError: No module named 'requests'",
        "用SQL查出每个部门工资最高的员工。",
        "把这个函数改成支持泛型的TypeScript版本。",
        "如何用git撤销已经推送到远程的提交？",
        "写一个nginx配置，把/api的请求转发到8000端口。",
    ],
    "pt": [
        "Como faço um loop em Bash que lê um arquivo linha por linha?",
        "Cria um componente Vue que mostra uma lista com filtro de busca.",
        "Esse erro aparece no meu build: Cannot find module './config'. O que pode ser?",
        "Preciso de uma regex que valide CEP no formato 00000-000.",
        "Escreve testes em Jest para uma função que soma os itens do carrinho.",
    ],
    "ru": [
        "Как в Python прочитать JSON из файла и вывести ключи?",
        "Напиши SQL-запрос, который находит дубликаты email в таблице users.",
        "Почему git говорит detached HEAD и как вернуться на ветку?",
        "Сделай Dockerfile для приложения на Node с продакшен-зависимостями.",
        "Помоги исправить ошибку: NullPointerException в методе getOrder.",
    ],
    "de": [
        "Wie schreibe ich in Python einen Dekorator, der die Laufzeit einer Funktion misst?",
        "Erstelle eine GitHub-Action, die bei jedem Tag ein Release baut.",
        "Ich bekomme 'Permission denied (publickey)' beim git push. Was tun?",
        "Schreib eine Kubernetes-Service-Definition für Port 80 auf 8080.",
        "Wie kann ich in Excel doppelte Einträge in Spalte A markieren?",
    ],
    "es": [
        "¿Cómo hago un merge de dos listas ordenadas en Python?",
        "Escribe un script de PowerShell que comprima una carpeta en un zip.",
        "Mi consulta con JOIN devuelve filas duplicadas, ¿por qué?",
        "Haz que el botón de enviar cambie de color al pasar el ratón.",
    ],
    "fr": [
        "Comment déclarer un tableau de taille fixe en Rust ?",
        "Écris une fonction JavaScript qui retire les accents d'une chaîne.",
        "Mon conteneur Docker redémarre en boucle, comment voir les logs ?",
        "Donne-moi l'expression cron pour toutes les 10 minutes en semaine.",
    ],
    "ja": [
        "Gitで直前のコミットメッセージを修正する方法を教えて。",
        "JavaScriptで配列を日付順に並べ替えるコードを書いて。",
        "このSQLが遅い理由を教えてください：SELECT * FROM logs WHERE message LIKE '%error%'",
    ],
    "ko": [
        "파이썬으로 CSV 파일을 읽어서 합계를 구하는 코드 작성해 줘.",
        "git에서 브랜치를 삭제하는 명령어 알려줘.",
    ],
    "it": ["Come faccio a leggere un file JSON in Node.js?", "Scrivi una query SQL che conta gli ordini per giorno."],
    "pl": ["Jak w Pythonie posortować listę słowników po kluczu?"],
    "tr": ["JavaScript'te bir dizideki en büyük sayıyı bulan fonksiyon yaz."],
    "nl": ["Schrijf een bash-script dat alle .log-bestanden ouder dan een week verwijdert."],
    "uk": ["Напиши функцію на Python, яка перевіряє, чи є рядок паліндромом."],
}

THIRD_OTHER: dict[str, list[str]] = {
    "en": [
        "Write the script for our school's end-of-year assembly, about five minutes.",
        "Which class of train ticket should I buy for a night train to Vienna?",
        "How long should I wait after eating before swimming?",
        "What's the function of a catalytic converter in a car?",
        "We're awaiting a reply from the adoption agency. How do I stay patient?",
        "Our office printer keeps jamming. Any tips before I call the technician?",
        "Suggest a name for our book club that meets on Tuesdays.",
        "Write a short speech congratulating our intern on finishing her first app release.",
        "How do I explain to my kids what their mum does as a software tester?",
        "Tips for running a productive weekly meeting with a remote team.",
        "Is it worth learning to type faster? How would I practise?",
        "What's the history of the word 'bug' for a computer fault?",
        "Draft a press release about our company opening a new office in Lyon.",
        "Explain what a CPU is to a nine-year-old.",
        "What should I consider when buying a monitor for photo editing?",
        "Write a birthday poem for my dad, who loves fishing.",
        "Help me write a review of the Italian restaurant we visited on Friday.",
        "What are the rules of pickleball?",
    ],
    "zh": [
        "我女儿在学校演出，帮我写一段给她的鼓励的话。",
        "这个周末带父母去苏州，怎么安排比较好？",
        "请给我推荐几部适合全家看的电影。",
        "写一段公司年会的主持词开场白。",
        "咖啡喝多了会影响睡眠吗？",
    ],
    "pt": [
        "Escreve o roteiro de uma peça curta para o Dia das Mães na escola.",
        "Qual a diferença entre classe econômica e executiva num voo longo?",
        "Como organizar uma festa surpresa para meu marido?",
        "Parabeniza o time de desenvolvimento pelo lançamento do novo aplicativo, num tom leve.",
        "O que é bom para dor de garganta?",
    ],
    "ru": [
        "Какие книги почитать ребёнку десяти лет?",
        "Напиши сценарий новогоднего корпоратива на полчаса.",
        "Как подготовиться к марафону за полгода?",
        "В каком классе дети начинают учить второй иностранный язык?",
        "Посоветуй, как помириться с другом после ссоры.",
    ],
    "de": [
        "Schreib ein Drehbuch für einen kurzen Werbespot für unser Café.",
        "Welche Funktion hat die Schilddrüse?",
        "Wir warten seit Wochen auf den Handwerker. Wie mache ich freundlich Druck?",
        "Ideen für einen Kindergeburtstag mit zehn Kindern im Garten?",
        "Wie viel Trinkgeld gibt man in Restaurants in den USA?",
    ],
    "es": [
        "¿Qué clase de vino va bien con el pescado?",
        "Escribe un mensaje de felicitación al equipo por lanzar la nueva versión de la web.",
        "¿Cómo preparo una buena tortilla de patatas?",
        "Recomiéndame series cortas para ver este fin de semana.",
    ],
    "fr": [
        "Écris le scénario d'une courte vidéo pour présenter notre association.",
        "Quelle est la fonction du foie ?",
        "Comment réussir une pâte brisée ?",
        "Que visiter en Bretagne en trois jours ?",
    ],
    "ja": ["京都で紅葉が見られるおすすめの場所は？", "友達の結婚式のスピーチを書いてください。"],
    "ko": ["부모님 결혼기념일 선물 추천해 줘."],
    "it": ["Scrivi un breve discorso per il pensionamento del mio capo."],
    "pl": ["Jak ugotować dobry rosół?"],
    "tr": ["İstanbul'da iki günde neler gezilir?"],
    "nl": ["Wat is een goed cadeau voor een collega die met pensioen gaat?"],
    "uk": ["Напиши привітання для бабусі з днем народження."],
}

# Conversations: (opening ask, answer, short last turn); the last turn takes the conversation's subject.
THIRD_CODE_THREADS = [
    (
        "Write a function that validates a password: 8+ chars, a digit, an uppercase letter.",
        "```python\nimport re\n\ndef valid(p):\n    return len(p) >= 8 and re.search(r'\\d', p) and re.search(r'[A-Z]', p)\n```",
        "also require a symbol",
    ),
    (
        "How do I paginate results in my REST API?",
        "Use `limit` and `cursor` query parameters; return `next_cursor` in the response body.",
        "show the handler",
    ),
    (
        "Create a Makefile for a small C project with src/ and include/.",
        "```make\nCFLAGS=-Iinclude -Wall\napp: $(wildcard src/*.c)\n\t$(CC) $(CFLAGS) -o $@ $^\n```",
        "add a clean target",
    ),
    (
        "My tests pass locally but fail on CI.",
        "Often it's timezone, file order or env vars. What does the failure say?",
        "AssertionError: expected '2024-01-01' got '2023-12-31'",
    ),
    (
        "Write a TypeScript type guard for a User object.",
        "```ts\nfunction isUser(x: unknown): x is User {\n  return typeof x === 'object' && x !== null && 'id' in x;\n}\n```",
        "what about nested address",
    ),
    (
        "Build a tiny REST client for the GitHub API in Python.",
        "```python\nimport httpx\nclass GitHub:\n    def __init__(self, token):\n        self.c = httpx.Client(base_url='https://api.github.com', headers={'Authorization': f'Bearer {token}'})\n```",
        "add a method to list repos",
    ),
    (
        "Write a Terraform module for an S3 bucket.",
        '```hcl\nresource "aws_s3_bucket" "this" {\n  bucket = var.name\n}\n```',
        "make it private by default",
    ),
    (
        "Why is my CSS grid leaving an empty column?",
        "You probably declared `grid-template-columns: repeat(4, 1fr)` with three children. Use `auto-fit`.",
        "still there on mobile",
    ),
    (
        "Scrivi una funzione Python che conta le vocali in una stringa.",
        "```python\ndef vocali(s):\n    return sum(c in 'aeiou' for c in s.lower())\n```",
        "e le lettere accentate?",
    ),
    (
        "Escreve um endpoint em FastAPI que devolve a lista de produtos.",
        "```python\n@app.get('/produtos')\ndef produtos():\n    return db.listar()\n```",
        "agora com paginação",
    ),
    (
        "Как в bash проверить, существует ли файл?",
        "```bash\nif [ -f config.yml ]; then echo yes; fi\n```",
        "а если это папка?",
    ),
    (
        "用JavaScript实现一个简单的事件总线。",
        "```js\nclass Bus {\n  constructor() { this.h = {}; }\n  on(e, f) { (this.h[e] ||= []).push(f); }\n  emit(e, ...a) { (this.h[e] || []).forEach(f => f(...a)); }\n}\n```",
        "加一个off方法",
    ),
    (
        "Schreib ein SQL-Statement, das Bestellungen pro Kunde zählt.",
        "```sql\nSELECT kunde_id, COUNT(*) FROM bestellungen GROUP BY kunde_id;\n```",
        "nur Kunden mit mehr als 5",
    ),
    (
        "Set up ESLint and Prettier for a React project.",
        "Install `eslint`, `prettier`, `eslint-config-prettier`, then add `.eslintrc.json` extending `prettier`.",
        "it complains about JSX",
    ),
    (
        "Write a script that pings a list of hosts and reports which are down.",
        '```bash\nfor h in $(cat hosts.txt); do ping -c1 -W1 $h >/dev/null || echo "$h down"; done\n```',
        "run them in parallel",
    ),
]
THIRD_OTHER_THREADS = [
    (
        "Write a limerick about a cat who hates Mondays.",
        "There once was a cat named Louise, / who loathed Mondays more than fleas...",
        "another one",
    ),
    (
        "Help me plan a surprise party for my wife's 40th.",
        "Pick a venue, a guest list of close friends, and a cover story for the afternoon.",
        "what about food",
    ),
    (
        "Give me a week of healthy lunch ideas.",
        "Mon: lentil salad. Tue: chicken wrap. Wed: minestrone. Thu: tuna niçoise. Fri: veggie stir-fry.",
        "cheaper please",
    ),
    (
        "Draft a resignation letter, I'm leaving on good terms.",
        "Dear Maria, please accept this letter as notice of my resignation...",
        "less formal",
    ),
    (
        "What's the best way to learn Spanish in six months?",
        "Daily practice: 30 minutes of an app, two conversation sessions a week, Spanish podcasts on your commute.",
        "and for grammar?",
    ),
    (
        "Write a short story opening set in a lighthouse.",
        "The lamp had not failed in ninety years, until the night Elin arrived.",
        "continue",
    ),
    (
        "Ideas for a team-building day for 12 people?",
        "An escape room, a cooking class, or a guided hike with a picnic.",
        "something indoors",
    ),
    (
        "Explain how mortgages work.",
        "You borrow to buy a home and repay monthly; each payment covers interest and part of the principal.",
        "with an example",
    ),
    ("Schreib ein Gedicht über den Herbst.", "Die Blätter fallen leise, / der Wind singt seine Weise...", "kürzer"),
    (
        "Escreve uma legenda para uma foto da praia.",
        "Sal na pele, sol no rosto e o mar como trilha sonora. 🌊",
        "mais engraçada",
    ),
    (
        "Напиши тост на день рождения коллеги.",
        "За человека, с которым даже понедельник становится праздником!",
        "ещё вариант",
    ),
    ("帮我写一段自我介绍，用于新工作第一天。", "大家好，我是小李，今天加入市场部，很高兴认识大家……", "更简短一些"),
]

# ElizaOS handler messages: the message asks the agent for code, or for something else (an action about software too).
THIRD_ELIZA_CODING = [
    "@Dex can you give me the curl command to call the price endpoint with my API key header?",
    "how do I decode a base58 address in JS? a snippet would help",
    "Eliza, write a tiny Python script that renames my screenshots by date",
    "my discord bot says 'Missing Access' when it tries to post. what's wrong in the code?",
    "can you give me a jq one-liner to pull the price field out of this json?",
    "Luna what's the regex for an ethereum address?",
    "someone pls explain what `async function*` does in TS",
    "Mira write a SQL query for daily active users from the events table",
    "Spartan, give me a python snippet to fetch the SOL balance of an address via RPC",
    "escreve um código em Python pra ler um CSV e somar a coluna valor",
    "帮我写个bash命令，统计日志里每个IP出现的次数",
]
THIRD_ELIZA_OTHER = [
    "can you file a bug report that the mint page is slow?",
    "@Dex post the release notes in the announcements channel pls",
    "what time is the community call today?",
    "Eliza what's a nice restaurant for a birthday dinner in Lisbon?",
    "gm! how's everyone's week going",
    "can someone explain what staking means in simple words",
    "Luna I need a motivational quote for my morning",
    "Mira could you summarize what we talked about yesterday?",
    "ship it!! congrats on the launch team 🚀",
    "remind me to drink water every two hours",
    "qual o melhor horário pra postar no instagram?",
    "谁知道周末的线下聚会在哪里？",
]

# A coding agent's session asked something else.
THIRD_IDE_OTHER = [
    "off topic: what's a quick pasta recipe for tonight?",
    "by the way, how do you pronounce 'gif'?",
    "can you write a short out-of-office message for my email? I'm off next week",
    "how many ounces in a cup?",
    "give me three ideas for my partner's birthday",
    "wie lange dauert ein Flug von Berlin nach Lissabon ungefähr?",
    "what's a good stretch for lower back pain? been sitting all day",
    "translate 'see you tomorrow' into Japanese",
]

# Everyday senses of coding words, prose about software, software as a topic.
THIRD_HARD_NEGATIVE = [
    "Write a short script for the voicemail greeting of our dental practice.",
    "My daughter's dance class has a recital. What should she eat beforehand?",
    "The function hall we booked cancelled on us. How do I find a replacement fast?",
    "I'm awaiting my visa decision; what can I do in the meantime to prepare for the move?",
    "My pet python hasn't eaten in three weeks. Should I worry?",
    "Best coffee from Java or from Sumatra for a French press?",
    "How do I stop my bike chain from getting rusty in winter?",
    "Found a bug bite that's swollen and itchy. When should I see a doctor?",
    "How do I boot up a conversation with a shy new colleague?",
    "Our branch office is moving. Write a note telling clients about the new address.",
    "Write a congratulation card for my brother, who just shipped his first video game.",
    "What's the average salary of a data scientist in Berlin?",
    "Should I buy a Chromebook or a Windows laptop for my mum, who only emails and browses?",
    "Explain what a product manager at a software company does.",
    "What were the main causes of the dot-com crash?",
    "Write a thank-you email to the IT team for fixing my laptop so fast.",
    "How should I prepare for a behavioural interview at a big tech company?",
    "Write a tweet announcing that our app is now available in French.",
    "What is the kernel of truth in the saying 'no news is good news'?",
    "How do I deploy a tent on rocky ground?",
]
