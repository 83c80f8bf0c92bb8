#!/usr/bin/env python3
"""Writes the queries of bench/search.sh, drawn from the seeded blog itself
through its public listing: two adjacent words of English titles and
summaries, and 2 to 4 characters of Chinese ones, each a different query,
so that no answer is ever asked for twice in a row.

Usage: queries.py BASE_URL OUT_DIR   (writes OUT_DIR/en.lua and zh.lua)
"""
import json
import random
import re
import sys
import urllib.parse
import urllib.request

base, out = sys.argv[1], sys.argv[2]
random.seed(7)

texts, cursor = [], None
for _ in range(20):  # 2,000 posts of the listing
    url = base + "/api/blog/posts?perPage=100" + ("&cursor=" + urllib.parse.quote(cursor) if cursor else "")
    page = json.load(urllib.request.urlopen(url))
    texts += [item["title"] + ". " + item["summary"] for item in page["items"]]
    cursor = page["nextCursor"]
    if not cursor:
        break

english, chinese = set(), set()
for text in texts:
    words = re.findall(r"[A-Za-z]{3,}", text)
    for a, b in zip(words, words[1:]):
        english.add(a.lower() + " " + b.lower())
    for run in re.findall(r"[\u4e00-\u9fff]{2,}", text):
        n = random.randint(2, min(4, len(run)))
        start = random.randint(0, len(run) - n)
        chinese.add(run[start:start + n])

def lua(queries, path):
    queries = sorted(queries)
    random.shuffle(queries)
    queries = queries[:2000]
    with open(path, "w") as f:
        f.write("-- %d search queries, one after another\n" % len(queries))
        f.write("local paths = {\n")
        for q in queries:
            f.write('  "/api/blog/search?q=%s",\n' % urllib.parse.quote(q))
        f.write("}\nlocal i = 0\n")
        f.write("request = function()\n  i = i + 1\n")
        f.write("  return wrk.format(\"GET\", paths[(i % #paths) + 1])\nend\n")
    return len(queries)

print("queries: %d English, %d Chinese" % (lua(english, out + "/en.lua"), lua(chinese, out + "/zh.lua")))
