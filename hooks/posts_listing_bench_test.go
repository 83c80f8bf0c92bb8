package hooks

import (
	"flag"
	"io"
	"strconv"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"blogbase/commands"
)

// benchPosts is how many posts the listing benchmarks seed.
var benchPosts = flag.Int("bench-posts", 100_000, "posts the listing benchmarks seed")

var (
	benchListingOnce sync.Once
	benchListingApp  *tests.TestApp
	benchListingErr  error
)

// benchListingData is a test app seeded with -bench-posts posts (100k by
// default), built once per benchmark run.
func benchListingData(b *testing.B) *tests.TestApp {
	benchListingOnce.Do(func() {
		benchListingApp, benchListingErr = tests.NewTestApp(b.TempDir())
		if benchListingErr == nil {
			benchListingErr = commands.Seed(benchListingApp, 1000, *benchPosts, 0.1, io.Discard)
		}
	})
	if benchListingErr != nil {
		b.Fatal(benchListingErr)
	}
	return benchListingApp
}

// BenchmarkListPublishedPosts measures building a listing page from the
// database, i.e. a cache miss: the first page, a page 40,000 posts deep by
// offset, and the same depth by cursor, for all posts and for one author.
func BenchmarkListPublishedPosts(b *testing.B) {
	app := benchListingData(b)
	key, err := cursorKey(app)
	if err != nil {
		b.Fatal(err)
	}
	var author string
	if err := app.DB().NewQuery("SELECT author FROM posts GROUP BY author ORDER BY COUNT(*) DESC LIMIT 1").Row(&author); err != nil {
		b.Fatal(err)
	}

	// the cursor after `depth` posts, found by walking the listing
	cursorAt := func(lq listingQuery, depth int) *listingCursor {
		lq.perPage = min(depth, maxPerPage)
		for walked := 0; walked < depth; walked += lq.perPage {
			page, _, err := listPublishedPosts(app, lq, key)
			if err != nil || page.NextCursor == nil {
				b.Fatalf("walking to %d: %v", depth, err)
			}
			c, err := decodeCursor(key, *page.NextCursor)
			if err != nil {
				b.Fatal(err)
			}
			lq.cursor, lq.page = &c, c.Page
		}
		return lq.cursor
	}

	var published int
	if err := app.DB().NewQuery("SELECT COUNT(*) FROM posts WHERE status = 'published'").Row(&published); err != nil {
		b.Fatal(err)
	}
	depth := min(40_000, published/2/maxPerPage*maxPerPage) // 40,000 on 100k posts

	everyone := listingQuery{page: 1, perPage: defaultPerPage, sort: sortNewestFirst}
	oneAuthor := everyone
	oneAuthor.author = author
	deepOffset := everyone
	deepOffset.page = depth/defaultPerPage + 1
	deepCursor := everyone
	deepCursor.cursor = cursorAt(everyone, depth)
	authorDeep := oneAuthor
	var authorPublished int
	if err := app.DB().NewQuery("SELECT COUNT(*) FROM posts WHERE status = 'published' AND author = {:a}").
		Bind(map[string]any{"a": author}).Row(&authorPublished); err != nil {
		b.Fatal(err)
	}
	authorDeep.cursor = cursorAt(oneAuthor, min(10, authorPublished/2))

	for _, c := range []struct {
		name string
		lq   listingQuery
	}{
		{"page 1", everyone},
		{"offset " + strconv.Itoa(depth), deepOffset},
		{"cursor " + strconv.Itoa(depth), deepCursor},
		{"author page 1", oneAuthor},
		{"author cursor", authorDeep},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				// every build is a miss, totals included
				if _, _, err := listPublishedPosts(app, c.lq, key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
