package commands

import (
	"bytes"
	"cmp"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"blogbase/hooks"
	"blogbase/internal/content"
	_ "blogbase/migrations"
)

// TestSeedKeepsThePostInvariants seeds twice into one database and checks
// every invariant the record hooks keep on the other write paths.
func TestSeedKeepsThePostInvariants(t *testing.T) {
	t.Parallel()
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()
	hooks.Register(app, hooks.DefaultConfig()) // so that Validate below applies the hooks' rules too

	var out bytes.Buffer
	for run := uint64(1); run <= 2; run++ {
		// the same generator seed twice: usernames and slugs must still not clash
		if err := seed(app, seedOptions{users: 15, posts: 400, comments: 900, paidRatio: 0.3, random: 7}, &out); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(out.String(), "seeded 15 users, 400 posts") || !strings.Contains(out.String(), "and 900 comments") {
		t.Fatalf("no summary line in %q", out.String())
	}

	var n int
	app.DB().Select("COUNT(*)").From("users").Row(&n)
	if n != 30 {
		t.Fatalf("%d users, want 30", n)
	}

	var broken int
	err = app.DB().NewQuery(`SELECT COUNT(*) FROM (
		SELECT p.id FROM posts p LEFT JOIN postContents c ON c.post = p.id GROUP BY p.id HAVING COUNT(c.id) != 1
		UNION ALL SELECT c.id FROM postContents c LEFT JOIN posts p ON p.id = c.post WHERE p.id IS NULL)`).Row(&broken)
	if err != nil || broken != 0 {
		t.Fatalf("split invariant: %d broken (%v)", broken, err)
	}

	// the search index holds the published posts, each once, and finds
	// them: a seeded post by a word of its title, a Chinese one by two
	// characters of its body, never a paid body
	err = app.DB().NewQuery(`SELECT
		(SELECT COUNT(*) FROM posts p WHERE p.status = 'published' AND NOT EXISTS (SELECT 1 FROM _blogSearchDocs d WHERE d.post = p.id))
		+ (SELECT COUNT(*) FROM _blogSearchDocs d WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = d.post AND p.status = 'published'))
		+ ABS((SELECT COUNT(*) FROM _blogSearchDocs) - (SELECT COUNT(*) FROM _blogSearch))`).Row(&broken)
	if err != nil || broken != 0 {
		t.Fatalf("search index: %d off (%v)", broken, err)
	}
	var chinese int
	err = app.DB().NewQuery(`SELECT COUNT(*) FROM _blogSearch WHERE _blogSearch MATCH '"博客"'`).Row(&chinese)
	if err != nil || chinese == 0 {
		t.Fatalf("no seeded post found by 博客 (%v)", err)
	}
	var paidFound int
	err = app.DB().NewQuery(`SELECT COUNT(*) FROM _blogSearch s JOIN _blogSearchDocs d ON d.id = s.rowid
		JOIN posts p ON p.id = d.post WHERE _blogSearch MATCH '{body} : "博客"' AND p.price > 0`).Row(&paidFound)
	if err != nil || paidFound != 0 {
		t.Fatalf("%d paid bodies found (%v)", paidFound, err)
	}

	posts, err := app.FindAllRecords("posts")
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 800 {
		t.Fatalf("%d posts, want 800", len(posts))
	}
	slugField := posts[0].Collection().Fields.GetByName("slug").(*core.TextField)
	slugPattern := regexp.MustCompile(slugField.Pattern)
	slugs := map[string]bool{}
	paid, published := 0, 0
	for _, post := range posts {
		c, err := app.FindFirstRecordByData("postContents", "post", post.Id)
		if err != nil {
			t.Fatal(err)
		}
		body := c.GetString("body")
		if content.SanitizeBody(body) != body || body == "" {
			t.Fatalf("post %s has an unsanitized or empty body: %q", post.Id, body)
		}
		if post.GetString("content") != c.Id {
			t.Fatalf("post %s names content %q, not its body record %s", post.Id, post.GetString("content"), c.Id)
		}
		if post.GetString("currency") != "CNY" {
			t.Fatalf("post %s is priced in %q, not the site's currency", post.Id, post.GetString("currency"))
		}

		slug := post.GetString("slug")
		if slugs[slug] || !slugPattern.MatchString(slug) || content.LooksLikeRecordId(slug) {
			t.Fatalf("bad or repeated slug %q", slug)
		}
		slugs[slug] = true

		price := post.GetFloat("price")
		if got, want := post.GetString("summary"), content.DerivedSummary(body, price); got != want {
			t.Fatalf("post %s summary %q, want %q", post.Id, got, want)
		}
		if s := strconv.FormatFloat(price, 'f', -1, 64); strings.Contains(s, ".") && len(strings.SplitN(s, ".", 2)[1]) > 2 {
			t.Fatalf("price %v has more than 2 decimals", price)
		}
		if price > 0 {
			paid++
		}

		switch post.GetString("status") {
		case "published":
			published++
			if post.GetDateTime("published").IsZero() {
				t.Fatalf("published post %s without a date", post.Id)
			}
		case "draft":
			if !post.GetDateTime("published").IsZero() {
				t.Fatalf("draft %s with a publication date", post.Id)
			}
		default:
			t.Fatalf("status %q", post.GetString("status"))
		}
		if post.GetDateTime("created").IsZero() || post.GetDateTime("updated").IsZero() ||
			post.GetDateTime("published").After(types.NowDateTime()) {
			t.Fatalf("post %s dated created %v, updated %v, published %v", post.Id,
				post.GetDateTime("created"), post.GetDateTime("updated"), post.GetDateTime("published"))
		}
		var comments int
		app.DB().Select("COUNT(*)").From("comments").Where(dbx.HashExp{"post": post.Id}).Row(&comments)
		if post.GetInt("commentsCount") != comments || post.GetString("currency") != "CNY" {
			t.Fatalf("post %s counts %d comments (has %d) in %q", post.Id, post.GetInt("commentsCount"), comments, post.GetString("currency"))
		}
		if comments > 0 && post.GetString("status") != "published" {
			t.Fatalf("draft %s got comments", post.Id)
		}
		if err := app.Validate(post); err != nil {
			t.Fatalf("seeded post %s fails the collection's validation: %v", post.Id, err)
		}
	}
	if paid < 160 || paid > 320 || published < 640 {
		t.Fatalf("%d paid, %d published of 800: not the asked mix", paid, published)
	}

	seeded, err := app.FindAllRecords("comments")
	if err != nil {
		t.Fatal(err)
	}
	if len(seeded) != 1800 {
		t.Fatalf("%d comments, want 1800", len(seeded))
	}
	replies := 0
	for _, c := range seeded {
		if err := app.Validate(c); err != nil { // parent on the same post, body length, relations
			t.Fatalf("seeded comment %s fails validation: %v", c.Id, err)
		}
		if c.GetString("parent") != "" {
			replies++
			parent, err := app.FindRecordById("comments", c.GetString("parent"))
			if err != nil || parent.GetDateTime("created").After(c.GetDateTime("created")) {
				t.Fatalf("reply %s is older than its parent", c.Id)
			}
			if want := cmp.Or(parent.GetString("thread"), parent.Id); c.GetString("thread") != want {
				t.Fatalf("reply %s is in thread %q, its parent's is %q", c.Id, c.GetString("thread"), want)
			}
		} else if c.GetString("thread") != "" {
			t.Fatalf("top-level comment %s is in thread %q", c.Id, c.GetString("thread"))
		}
	}
	if replies == 0 {
		t.Fatal("no replies were seeded")
	}

	users, err := app.FindAllRecords("users")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.GetDateTime("created").IsZero() {
			t.Fatalf("seeded user %s has no creation date", u.GetString("username"))
		}
		if err := app.Validate(u); err != nil {
			t.Fatalf("seeded user %s fails the collection's validation: %v", u.GetString("username"), err)
		}
	}
	if !users[0].ValidatePassword(SeedPassword) {
		t.Fatal("a seeded user cannot log in with the seed password")
	}
}

func TestSeedRefusesBadOptions(t *testing.T) {
	t.Parallel()
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()

	for _, opts := range []seedOptions{
		{users: -1},
		{posts: -5},
		{paidRatio: 1.5},
		{paidRatio: -0.1},
		{comments: 3}, // no published posts to comment on
		{posts: 10},   // no users at all to write them
	} {
		if err := seed(app, opts, io.Discard); err == nil {
			t.Errorf("%+v was accepted", opts)
		}
	}
	var n int
	app.DB().Select("COUNT(*)").From("posts").Row(&n)
	if n != 0 {
		t.Fatalf("refused runs wrote %d posts", n)
	}
}

// TestSeedLeavesRealAccountsAlone: a seed into a database with real users
// writes its posts and comments as its own users only, and comments only
// on their posts; without seeded users it refuses to write posts.
func TestSeedLeavesRealAccountsAlone(t *testing.T) {
	t.Parallel()
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()
	hooks.Register(app, hooks.DefaultConfig())

	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		t.Fatal(err)
	}
	real := core.NewRecord(users)
	real.SetEmail("reader@example.com")
	real.Set("username", "real_reader")
	real.SetPassword("a-real-password")
	if err := app.Save(real); err != nil {
		t.Fatal(err)
	}
	posts, err := app.FindCollectionByNameOrId("posts")
	if err != nil {
		t.Fatal(err)
	}
	own := core.NewRecord(posts)
	own.Set("title", "A real post")
	own.Set("author", real.Id)
	if err := app.Save(own); err != nil {
		t.Fatal(err)
	}
	body, err := app.FindFirstRecordByData("postContents", "post", own.Id)
	if err != nil {
		t.Fatal(err)
	}
	body.Set("markdown", "A *real* body.")
	if err := app.Save(body); err != nil {
		t.Fatal(err)
	}
	if own, err = app.FindRecordById("posts", own.Id); err != nil {
		t.Fatal(err)
	}
	own.Set("status", "published") // once it has its body
	if err := app.Save(own); err != nil {
		t.Fatal(err)
	}

	if err := seed(app, seedOptions{posts: 5}, io.Discard); err == nil || !strings.Contains(err.Error(), "seeded authors") {
		t.Fatalf("posts without seeded users: %v", err)
	}
	if err := seed(app, seedOptions{users: 3, posts: 60, comments: 300, random: 3}, io.Discard); err != nil {
		t.Fatal(err)
	}
	// a second run finds the first run's users by their email domain
	if err := seed(app, seedOptions{posts: 20, comments: 100, random: 4}, io.Discard); err != nil {
		t.Fatal(err)
	}

	count := func(query string) int {
		var n int
		if err := app.DB().NewQuery(query).Bind(dbx.Params{"real": real.Id, "post": own.Id}).Row(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count("SELECT COUNT(*) FROM posts WHERE author = {:real}"); n != 1 {
		t.Fatalf("the real user has %d posts, want their own 1", n)
	}
	if n := count("SELECT COUNT(*) FROM comments WHERE author = {:real} OR post = {:post}"); n != 0 {
		t.Fatalf("%d seeded comments by or on the real user", n)
	}
	if n := count("SELECT COUNT(*) FROM posts"); n != 81 {
		t.Fatalf("%d posts, want 81", n)
	}
	if n := count("SELECT COUNT(*) FROM users WHERE email LIKE '%@" + SeedEmailDomain + "'"); n != 3 {
		t.Fatalf("%d seeded users, want 3", n)
	}
}
