// Command searchsize prints how much text the search index of a blogbase
// database holds: the bytes of what is indexed (titles, summaries, tag
// names and free bodies as plain text, of the published posts) and of the
// tokens stored for it (CJK text as overlapping pairs of characters). The
// index's own size on disk comes from SQLite's dbstat (bench/search.sh).
//
//	go run ./bench/searchsize pb_data/data.db
package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"

	_ "modernc.org/sqlite"

	"blogbase/internal/content"
	"blogbase/internal/search"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: searchsize DATA_DB")
		os.Exit(2)
	}
	db, err := sql.Open("sqlite", "file:"+os.Args[1]+"?mode=ro")
	if err != nil {
		fail(err)
	}
	names := map[string]string{}
	tags, err := db.Query("SELECT id, name FROM tags")
	if err != nil {
		fail(err)
	}
	for tags.Next() {
		var id, name string
		if err := tags.Scan(&id, &name); err != nil {
			fail(err)
		}
		names[id] = name
	}

	rows, err := db.Query(`SELECT p.title, p.summary, p.tags, CASE WHEN p.price > 0 THEN '' ELSE c.body END
		FROM posts p JOIN postContents c ON c.post = p.id WHERE p.status = 'published'`)
	if err != nil {
		fail(err)
	}
	var posts, text, tokens int
	for rows.Next() {
		var title, summary, tagIds, body string
		if err := rows.Scan(&title, &summary, &tagIds, &body); err != nil {
			fail(err)
		}
		var ids []string
		json.Unmarshal([]byte(tagIds), &ids)
		parts := []string{title, summary, content.PlainText(body)}
		for _, id := range ids {
			parts = append(parts, names[id])
		}
		for _, p := range parts {
			text += len(p)
			tokens += len(search.IndexText(p))
		}
		posts++
	}
	if err := rows.Err(); err != nil {
		fail(err)
	}
	fmt.Printf("published posts %d, indexed text %.1f MB, its tokens %.1f MB\n",
		posts, float64(text)/(1<<20), float64(tokens)/(1<<20))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
