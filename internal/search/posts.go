package search

import (
	"encoding/json"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tools/list"

	"blogbase/internal/content"
)

// batchSize is how many posts one query of IndexPosts and Rebuild reads.
const batchSize = 500

// IndexPosts brings the index up to date for the posts named, through db
// (the transaction that changed them): a published post is indexed with
// its title, summary, tag names and, when it is free, its body; any other
// post, or one that is gone, is taken out. The one function every write
// path calls — the record hooks, the seed, Rebuild — so that all of them
// index a post the same way.
func IndexPosts(db dbx.Builder, ids ...string) error {
	for len(ids) > 0 {
		batch := ids[:min(batchSize, len(ids))]
		ids = ids[len(batch):]
		if err := indexBatch(db, batch); err != nil {
			return err
		}
	}
	return nil
}

type postRow struct {
	Id        string  `db:"id"`
	Status    string  `db:"status"`
	Published string  `db:"published"`
	Title     string  `db:"title"`
	Summary   string  `db:"summary"`
	Price     float64 `db:"price"`
	Tags      string  `db:"tags"`
	Body      string  `db:"body"`
}

func indexBatch(db dbx.Builder, ids []string) error {
	docs, err := documents(db, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		doc, ok := docs[id]
		if !ok {
			if err := Remove(db, id); err != nil {
				return err
			}
			continue
		}
		if err := Put(db, doc); err != nil {
			return err
		}
	}
	return nil
}

// documents reads what the index holds of the published posts among ids,
// by id; a post that is not published, or is gone, has none.
func documents(db dbx.Builder, ids []string) (map[string]Document, error) {
	var rows []postRow
	// a paid body is never read: it must not be searchable
	err := db.Select("p.id", "p.status", "p.published", "p.title", "p.summary", "p.price", "p.tags",
		"CASE WHEN p.price > 0 THEN '' ELSE COALESCE(c.body, '') END AS body").
		From("posts p").
		LeftJoin("postContents c", dbx.NewExp("[[c.post]] = [[p.id]]")).
		Where(dbx.In("p.id", list.ToInterfaceSlice(ids)...)).
		All(&rows)
	if err != nil {
		return nil, err
	}
	var tagIds []string
	for _, r := range rows {
		tagIds = append(tagIds, relationIds(r.Tags)...)
	}
	names, err := tagNames(db, tagIds)
	if err != nil {
		return nil, err
	}
	docs := make(map[string]Document, len(rows))
	for _, r := range rows {
		if r.Status != "published" {
			continue
		}
		doc := Document{Post: r.Id, Published: r.Published, Title: r.Title, Summary: r.Summary, Body: content.PlainText(r.Body)}
		for _, t := range relationIds(r.Tags) {
			if name, ok := names[t]; ok {
				doc.Tags = append(doc.Tags, name)
			}
		}
		docs[r.Id] = doc
	}
	return docs, nil
}

// tagNames reads the names of the tags with these ids.
func tagNames(db dbx.Builder, ids []string) (map[string]string, error) {
	names := map[string]string{}
	if len(ids) == 0 {
		return names, nil
	}
	var tags []struct {
		Id   string `db:"id"`
		Name string `db:"name"`
	}
	if err := db.Select("id", "name").From("tags").Where(dbx.In("id", list.ToInterfaceSlice(ids)...)).All(&tags); err != nil {
		return nil, err
	}
	for _, t := range tags {
		names[t.Id] = t.Name
	}
	return names, nil
}

// TaggedPosts are the published posts carrying a tag: those whose
// documents hold its name.
func TaggedPosts(db dbx.Builder, tag string) ([]string, error) {
	var posts []string
	err := db.Select("post").From("_blogPostTags").Where(dbx.HashExp{"tag": tag}).Column(&posts)
	return posts, err
}

// Rebuild indexes every published post afresh, through db (a
// transaction: readers keep the old index until it commits), and returns
// how many it indexed. The index is empty once cleared: every batch is
// written as new documents (PutNew), their words split on every
// processor.
func Rebuild(db dbx.Builder) (int, error) {
	if err := Clear(db); err != nil {
		return 0, err
	}
	var ids []string
	// in publication order: the latest published are the latest indexed,
	// the matches a search ranks first (Find)
	if err := db.Select("id").From("posts").Where(dbx.HashExp{"status": "published"}).OrderBy("published", "id").Column(&ids); err != nil {
		return 0, err
	}
	for start := 0; start < len(ids); start += batchSize {
		batch := ids[start:min(start+batchSize, len(ids))]
		docs, err := documents(db, batch)
		if err != nil {
			return 0, err
		}
		entries := make([]Entry, len(batch))
		var wg sync.WaitGroup
		next := atomic.Int64{}
		for range runtime.GOMAXPROCS(0) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := int(next.Add(1) - 1); i < len(batch); i = int(next.Add(1) - 1) {
					entries[i] = docs[batch[i]].Entry()
				}
			}()
		}
		wg.Wait()
		// a post unpublished since the list was read has no document
		entries = slices.DeleteFunc(entries, func(e Entry) bool { return e.post == "" })
		if err := PutNew(db, entries); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// relationIds reads a multiple relation column as stored: a JSON array of
// ids (anything else holds none).
func relationIds(stored string) []string {
	var ids []string
	if json.Unmarshal([]byte(stored), &ids) != nil {
		return nil
	}
	return ids
}
