package search

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
)

// Version names the way IndexText splits text. An index built another
// way finds the wrong things, and is rebuilt (see the server's start and
// `blogbase search reindex`): change it with the splitting.
const Version = "2"

// The tables of the index (migrations/*_create_search_index.go).
const (
	docsTable  = "_blogSearchDocs"
	indexTable = "_blogSearch"
	stateTable = "_blogSearchState"
)

// Document is what the index holds of a published post: every field a
// reader may search, as plain text.
type Document struct {
	Post      string   // the post's id
	Published string   // its publication date, as stored: results of equal rank come newest first
	Title     string   // its title
	Summary   string   // its summary
	Tags      []string // the names of its tags
	Body      string   // the plain text of its body when free; "" when paid
}

// hash identifies what is indexed of a document: a write that changes
// none of it (a price within paid, a cover, a comment count) leaves the
// index untouched.
func (d Document) hash() string {
	h := sha256.New()
	for _, part := range []string{d.Published, d.Title, d.Summary, strings.Join(d.Tags, "\x1f"), d.Body} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Entry is a Document ready to store: its columns split into tokens
// (IndexText) and its hash. Preparing an entry is the costly part of
// indexing, and needs no database: a bulk writer prepares entries in
// parallel and stores them in order (PutEntry).
type Entry struct {
	post, hash, published      string
	title, summary, tags, body string
}

// Entry prepares d to be stored.
func (d Document) Entry() Entry {
	return Entry{
		post:      d.Post,
		hash:      d.hash(),
		published: d.Published,
		title:     IndexText(d.Title),
		summary:   IndexText(d.Summary),
		tags:      IndexText(d.Tags...),
		body:      IndexText(d.Body),
	}
}

// Put indexes d in place of whatever the index held for its post, through
// db: the caller's transaction, so that the index changes exactly when the
// post does.
func Put(db dbx.Builder, d Document) error {
	hash := d.hash()
	var doc struct {
		Id   int64  `db:"id"`
		Hash string `db:"hash"`
	}
	err := db.Select("id", "hash").From(docsTable).Where(dbx.HashExp{"post": d.Post}).One(&doc)
	if err == nil && doc.Hash == hash {
		return nil // nothing searchable changed: no tokenizing, no write
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return PutEntry(db, d.Entry())
}

// PutEntry stores e in place of whatever the index held for its post.
func PutEntry(db dbx.Builder, e Entry) error {
	var doc struct {
		Id   int64  `db:"id"`
		Hash string `db:"hash"`
	}
	err := db.Select("id", "hash").From(docsTable).Where(dbx.HashExp{"post": e.post}).One(&doc)
	switch {
	case err == nil && doc.Hash == e.hash:
		return nil
	case err == nil:
		if err := deleteRow(db, doc.Id); err != nil {
			return err
		}
		if _, err := db.Update(docsTable, dbx.Params{"hash": e.hash, "published": e.published}, dbx.HashExp{"id": doc.Id}).Execute(); err != nil {
			return err
		}
	case errors.Is(err, sql.ErrNoRows):
		result, err := db.Insert(docsTable, dbx.Params{"post": e.post, "hash": e.hash, "published": e.published}).Execute()
		if err != nil {
			return err
		}
		if doc.Id, err = result.LastInsertId(); err != nil {
			return err
		}
	default:
		return err
	}
	_, err = db.NewQuery("INSERT INTO {{" + indexTable + "}} (rowid, title, summary, tags, body) " +
		"VALUES ({:id}, {:title}, {:summary}, {:tags}, {:body})").Bind(dbx.Params{
		"id":      doc.Id,
		"title":   e.title,
		"summary": e.summary,
		"tags":    e.tags,
		"body":    e.body,
	}).Execute()
	return err
}

// PutNew stores entries of posts the index does not hold yet (the seed's
// new posts), with two statements for all of them rather than three for
// each: the numbers of the documents, then their words. An entry of a
// post the index holds already fails it.
func PutNew(db dbx.Builder, entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	type row struct {
		Post      string `json:"p"`
		Hash      string `json:"h"`
		Published string `json:"d"`
		Title     string `json:"t"`
		Summary   string `json:"s"`
		Tags      string `json:"g"`
		Body      string `json:"b"`
	}
	rows := make([]row, len(entries))
	for i, e := range entries {
		rows[i] = row{e.post, e.hash, e.published, e.title, e.summary, e.tags, e.body}
	}
	payload, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	_, err = db.NewQuery("INSERT INTO {{" + docsTable + "}} ([[post]], [[hash]], [[published]]) " +
		"SELECT value ->> 'p', value ->> 'h', value ->> 'd' FROM json_each({:rows})").
		Bind(dbx.Params{"rows": string(payload)}).Execute()
	if err != nil {
		return err
	}
	_, err = db.NewQuery("INSERT INTO {{" + indexTable + "}} (rowid, title, summary, tags, body) " +
		"SELECT d.[[id]], j.value ->> 't', j.value ->> 's', j.value ->> 'g', j.value ->> 'b' " +
		"FROM json_each({:rows}) j JOIN {{" + docsTable + "}} d ON d.[[post]] = j.value ->> 'p'").
		Bind(dbx.Params{"rows": string(payload)}).Execute()
	return err
}

// Remove takes post out of the index, if it is there.
func Remove(db dbx.Builder, post string) error {
	var id int64
	err := db.Select("id").From(docsTable).Where(dbx.HashExp{"post": post}).Row(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := deleteRow(db, id); err != nil {
		return err
	}
	_, err = db.Delete(docsTable, dbx.HashExp{"id": id}).Execute()
	return err
}

func deleteRow(db dbx.Builder, id int64) error {
	_, err := db.NewQuery("DELETE FROM {{" + indexTable + "}} WHERE rowid = {:id}").Bind(dbx.Params{"id": id}).Execute()
	return err
}

// Clear empties the index, to build it again, and records that it is
// being built the current Version's way.
func Clear(db dbx.Builder) error {
	for _, q := range []string{
		"INSERT INTO {{" + indexTable + "}} ({{" + indexTable + "}}) VALUES ('delete-all')",
		"DELETE FROM {{" + docsTable + "}}",
		"INSERT INTO {{" + stateTable + "}} ([[key]], [[value]]) VALUES ('version', {:v}) " +
			"ON CONFLICT ([[key]]) DO UPDATE SET [[value]] = excluded.[[value]]",
	} {
		if _, err := db.NewQuery(q).Bind(dbx.Params{"v": Version}).Execute(); err != nil {
			return err
		}
	}
	return nil
}

// Current tells whether the index was built the current Version's way.
// A new, empty index is: there is nothing in it to be wrong.
func Current(db dbx.Builder) (bool, error) {
	var version string
	err := db.Select("value").From(stateTable).Where(dbx.HashExp{"key": "version"}).Row(&version)
	if errors.Is(err, sql.ErrNoRows) {
		var docs int
		if err := db.Select("COUNT(*)").From(docsTable).Row(&docs); err != nil {
			return false, err
		}
		return docs == 0, nil
	}
	return version == Version, err
}

// Window is how many matches a search ranks: the most recently indexed
// ones (the highest row numbers, which FTS5 walks first and stops at), so
// that a word in every post costs about what a rare one does. Past it a
// reader refines the query; below it (most queries) every match is
// ranked.
const Window = 200

// headings are the columns a match ranks higher in than in a body alone,
// and by how much: the title says most about what a post is about.
var headings = []struct {
	columns string
	weight  int
}{{"title", 2}, {"tags summary", 1}}

// rankedDoc is a match of Find.
type rankedDoc struct {
	Id        int64  `db:"id"`
	Post      string `db:"post"`
	Published string `db:"published"`
}

// Find returns the ids of the posts matching q, best first, limit of them
// after the first offset, among the Window latest matches. A post holding
// the whole query in its title ranks first, then one holding it in its
// tags or summary, then one holding it only in its body; the newest
// published first among equals. This ranks as readers of a
// blog expect, the way WordPress orders title matches first, and costs a
// few reads of the Window's range of the index whatever the query, where
// FTS5's bm25 counts every post holding each word, which for a common
// word is most of the blog.
//
// A last word longer than the prefixes the index keeps is looked for
// whole first: a finished word is what readers mostly send, and only when
// it fills less than the Window are the words it starts looked for too.
// An empty match finds nothing.
func Find(db dbx.Builder, q Query, limit, offset int) ([]string, error) {
	posts := []string{}
	if q.Match == "" || offset >= Window {
		return posts, nil
	}
	latest := func(match string) ([]int64, error) {
		var rows []int64
		err := db.NewQuery("SELECT rowid FROM {{" + indexTable + "}} WHERE {{" + indexTable + "}} MATCH {:match} " +
			"ORDER BY rowid DESC LIMIT {:window}").
			Bind(dbx.Params{"match": match, "window": Window}).Column(&rows)
		return rows, err
	}
	match := q.Match
	var window []int64
	var err error
	if q.Whole != "" {
		if window, err = latest(q.Whole); err != nil {
			return posts, err
		}
		match = q.Whole
	}
	if len(window) < Window && match != q.Match || q.Whole == "" {
		match = q.Match
		window, err = latest(match)
	}
	if err != nil || len(window) <= offset {
		return posts, err
	}

	// a match in the title counts most, then one in the tags or summary
	score := make(map[int64]int, len(window))
	for _, h := range headings {
		var rows []int64
		err = db.NewQuery("SELECT rowid FROM {{" + indexTable + "}} WHERE {{" + indexTable + "}} MATCH {:match} " +
			"AND rowid >= {:oldest}").
			Bind(dbx.Params{"match": "{" + h.columns + "} : (" + match + ")", "oldest": window[len(window)-1]}).
			Column(&rows)
		if err != nil {
			return posts, err
		}
		for _, r := range rows {
			score[r] += h.weight
		}
	}

	var docs []rankedDoc
	ids := make([]any, len(window))
	for i, r := range window {
		ids[i] = r
	}
	if err := db.Select("id", "post", "published").From(docsTable).Where(dbx.In("id", ids...)).All(&docs); err != nil {
		return posts, err
	}
	slices.SortFunc(docs, func(a, b rankedDoc) int {
		if d := score[b.Id] - score[a.Id]; d != 0 {
			return d
		}
		if c := strings.Compare(b.Published, a.Published); c != 0 {
			return c
		}
		return strings.Compare(b.Post, a.Post)
	})
	for _, d := range docs[min(offset, len(docs)):min(offset+limit, len(docs))] {
		posts = append(posts, d.Post)
	}
	return posts, nil
}
