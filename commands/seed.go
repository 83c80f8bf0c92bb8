package commands

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/brianvoe/gofakeit/v7"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"
	"github.com/pocketbase/pocketbase/tools/types"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"

	"blogbase/internal/content"
	"blogbase/internal/database"
	"blogbase/internal/search"
)

// SeedPassword is the password of every seeded user.
const SeedPassword = "password-123"

// SeedEmailDomain is the email domain of every seeded user: reserved
// (RFC 6761), so no mail ever reaches anyone, and how a later seed tells
// the accounts it made from real people's, who never get seeded posts or
// comments.
const SeedEmailDomain = "seed.invalid"

// seedOptions are the flags of `blogbase seed`.
type seedOptions struct {
	users     int
	posts     int
	comments  int
	paidRatio float64
	random    uint64 // seed of the generator (0: a new one)
}

func newSeedCommand(app core.App) *cobra.Command {
	opts := seedOptions{}
	cmd := &cobra.Command{
		Use:   "seed",
		Short: "Fills the database with realistic demo users, posts and comments",
		Long: "Fills the database with demo users, posts (titles, multi-paragraph bodies, drafts\n" +
			"and published posts, some paid) and comments with replies. Every seeded user's\n" +
			"password is " + SeedPassword + ".\n" +
			"A server running next to it keeps working and shows the new posts as they commit.",
		Run: func(cmd *cobra.Command, args []string) {
			err := app.RunAllMigrations()
			if err == nil {
				err = seed(app, opts, cmd.ErrOrStderr())
			}
			if err != nil {
				// PocketBase ignores a command's returned error; scripts
				// need the exit status
				fmt.Fprintln(cmd.ErrOrStderr(), "Error:", err)
				os.Exit(1)
			}
		},
	}
	cmd.Flags().IntVar(&opts.users, "users", 10, "how many users to add")
	cmd.Flags().IntVar(&opts.posts, "posts", 100, "how many posts to add (about 1 in 10 a draft)")
	cmd.Flags().IntVar(&opts.comments, "comments", 0, "how many comments to add to published posts")
	cmd.Flags().Float64Var(&opts.paidRatio, "paid-ratio", 0.1, "the share of posts that are paid, from 0 to 1")
	return cmd
}

// Seed adds demo data to app as `blogbase seed` does, writing progress to
// out; for benchmarks and tests that need a large database.
func Seed(app core.App, users, posts int, paidRatio float64, out io.Writer) error {
	return seed(app, seedOptions{users: users, posts: posts, paidRatio: paidRatio}, out)
}

func (o seedOptions) validate() error {
	switch {
	case o.users < 0 || o.posts < 0 || o.comments < 0:
		return errors.New("--users, --posts and --comments cannot be negative")
	case o.paidRatio < 0 || o.paidRatio > 1:
		return errors.New("--paid-ratio must be between 0 and 1")
	}
	return nil
}

// seed writes the demo data with multi-row INSERTs instead of record saves,
// which would cost a transaction and several queries per record: 100k posts
// take seconds this way. It therefore keeps by hand what the record hooks
// keep on every other path, with the same rules (package content): each
// post gets exactly one content row in the same transaction, bodies are
// sanitized, slugs are unique, summaries are derived, published posts have
// a publication date, prices have two decimals.
func seed(app core.App, opts seedOptions, out io.Writer) error {
	if err := opts.validate(); err != nil {
		return err
	}
	if opts.random == 0 {
		opts.random = rand.Uint64()
	}

	// For this bulk job only, on the one writer connection: posts are keyed
	// by random ids, so inserts land all over the indexes and a page cache
	// that holds them saves rereads; and no fsync at checkpoints (an
	// interrupted seed still leaves whole chunks, since each is a
	// transaction, but a power cut during it may cost the database).
	writer := app.NonconcurrentDB()
	if _, err := writer.NewQuery("PRAGMA cache_size = -262144").Execute(); err != nil {
		return err
	}
	if _, err := writer.NewQuery("PRAGMA synchronous = OFF").Execute(); err != nil {
		return err
	}
	defer writer.NewQuery("PRAGMA synchronous = NORMAL").Execute()
	defer writer.NewQuery("PRAGMA cache_size = -" + strconv.Itoa(database.PageCacheKiB)).Execute()

	// a bulk job that allocates a lot and lives briefly: collect less often
	defer debug.SetGCPercent(debug.SetGCPercent(400))

	started := time.Now()
	progress := newSeedProgress(out, int64(opts.users+opts.posts+opts.comments))

	authorIds, err := seedUsers(app, opts, progress)
	if err != nil {
		return err
	}
	if opts.posts > 0 && len(authorIds) == 0 {
		return errors.New("--posts needs seeded authors: add --users")
	}

	stats, err := seedPosts(app, opts, authorIds, progress)
	if err != nil {
		return err
	}
	replies, err := seedComments(app, opts, authorIds, progress)
	if err != nil {
		return err
	}
	progress.finish()

	fmt.Fprintf(out, "seeded %d users, %d posts (%d published, %d paid) and %d comments (%d replies) in %.1fs; every seeded user's password is %s\n",
		opts.users, opts.posts, stats.published, stats.paid, opts.comments, replies, time.Since(started).Seconds(), SeedPassword)
	return nil
}

// seedComments adds opts.comments comments to published posts (new and
// existing), about a fifth of them replies to an earlier comment of the
// same post (in its parent's thread), each after its post's publication
// and its parent, and moves every post's commentsCount in the
// transaction that adds its comments, as the comment hooks do.
func seedComments(app core.App, opts seedOptions, authorIds []string, progress *seedProgress) (replies int, err error) {
	if opts.comments == 0 {
		return 0, nil
	}
	comments, err := app.FindCollectionByNameOrId("comments")
	if err != nil {
		return 0, errors.New("--comments: this database has no comments collection")
	}
	var posts []struct {
		Id        string         `db:"id"`
		Published types.DateTime `db:"published"`
	}
	if err := app.DB().Select("id", "published").From("posts").
		Where(dbx.HashExp{"status": "published"}).AndWhere(seededAuthor).
		All(&posts); err != nil {
		return 0, err
	}
	if len(posts) == 0 || len(authorIds) == 0 {
		return 0, errors.New("--comments needs seeded users and their published posts: add --users and --posts")
	}

	type written struct {
		id, thread string
		created    types.DateTime
	}
	faker := gofakeit.New(opts.random + 99)
	text := newSeedText(faker)
	now := types.NowDateTime()
	onPost := map[string][]written{} // the comments so far of each post, for replies
	rows := make([]map[string]any, 0, seedChunk)
	counts := map[string]int{}

	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		err := app.RunInTransaction(func(tx core.App) error {
			if err := insertRows(tx, "comments", rows); err != nil {
				return err
			}
			count := tx.DB().NewQuery("UPDATE {{posts}} SET [[commentsCount]] = [[commentsCount]] + {:n} WHERE [[id]] = {:post}").Prepare()
			defer count.Close()
			for post, n := range counts {
				if _, err := count.Bind(dbx.Params{"n": n, "post": post}).Execute(); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			progress.add(len(rows))
		}
		rows, counts = rows[:0], map[string]int{}
		return err
	}

	for i := 0; i < opts.comments; i++ {
		post := posts[faker.IntN(len(posts))]
		after, parent, thread := post.Published, "", ""
		if earlier := onPost[post.Id]; len(earlier) > 0 && faker.IntN(3) == 0 {
			p := earlier[faker.IntN(len(earlier))]
			after, parent, thread = p.created, p.id, p.thread
			if thread == "" {
				thread = p.id // a reply to a top-level comment
			}
			replies++
		}
		span := max(1, int(now.Time().Sub(after.Time())/time.Minute))
		created := after.Add(time.Duration(faker.IntRange(1, span)) * time.Minute)
		if created.After(now) {
			created = now
		}

		body := pick(faker, text.sentences)
		if faker.IntN(2) == 0 {
			body += " " + pick(faker, text.sentences)
		}
		c := core.NewRecord(comments)
		c.Set("id", core.GenerateDefaultRandomId())
		c.Set("post", post.Id)
		c.Set("author", authorIds[faker.IntN(len(authorIds))])
		c.Set("parent", parent)
		c.Set("thread", thread)
		c.Set("body", body)
		c.SetRaw("created", created)
		c.SetRaw("updated", created)
		row, err := c.DBExport(app)
		if err != nil {
			return replies, err
		}
		rows = append(rows, row)
		counts[post.Id]++
		onPost[post.Id] = append(onPost[post.Id], written{c.Id, thread, created})

		if len(rows) == seedChunk {
			if err := flush(); err != nil {
				return replies, err
			}
		}
	}
	return replies, flush()
}

// seededUser and seededAuthor select what earlier seeds made.
var (
	seededUser   = dbx.Like("email", "@"+SeedEmailDomain).Match(true, false)
	seededAuthor = dbx.NewExp("[[author]] IN (SELECT [[id]] FROM {{users}} WHERE [[email]] LIKE {:seeded})",
		dbx.Params{"seeded": "%@" + SeedEmailDomain})
)

// seedUsers adds opts.users users and returns the ids of every seeded
// user, of this run and earlier ones, that posts and comments may be
// written by: never a real person's account.
func seedUsers(app core.App, opts seedOptions, progress *seedProgress) ([]string, error) {
	var ids, usernames, emails []string
	if err := app.DB().Select("id").From("users").
		Where(seededUser).Column(&ids); err != nil {
		return nil, err
	}
	if err := app.DB().Select("username").From("users").Column(&usernames); err != nil {
		return nil, err
	}
	if err := app.DB().Select("email").From("users").Column(&emails); err != nil {
		return nil, err
	}
	taken := make(map[string]bool, len(usernames)+len(emails))
	for _, u := range usernames {
		taken[u] = true
	}
	for _, e := range emails {
		taken["@"+e] = true // one map: usernames never start with @
	}

	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return nil, err
	}
	// one bcrypt hash for all: hashing is deliberately slow
	hash, err := bcrypt.GenerateFromPassword([]byte(SeedPassword), bcrypt.DefaultCost)
	if err != nil {
		return nil, err
	}

	faker := gofakeit.New(opts.random)
	rows := make([]map[string]any, 0, opts.users)
	for i := 0; i < opts.users; i++ {
		username := seedUsername(faker, taken)
		// joined before the three years the seeded posts span
		joined := types.NowDateTime().Add(-time.Duration(faker.IntRange(1100*24*60, 1500*24*60)) * time.Minute)

		u := core.NewRecord(users)
		u.Set("id", core.GenerateDefaultRandomId())
		u.SetEmail(username + "@" + SeedEmailDomain)
		u.SetEmailVisibility(false)
		u.SetVerified(true)
		u.SetRaw("password", &core.PasswordFieldValue{Hash: string(hash)})
		u.SetTokenKey(security.RandomString(50))
		u.Set("username", username)
		u.Set("name", faker.Name())
		u.Set("bio", strings.TrimSpace(faker.HipsterSentence()+" "+faker.HipsterSentence()))
		u.SetRaw("created", joined) // SetRaw: autodate fields ignore Set
		u.SetRaw("updated", joined)

		row, err := u.DBExport(app)
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
		ids = append(ids, u.Id)
	}

	err = app.RunInTransaction(func(tx core.App) error {
		return insertRows(tx, "users", rows)
	})
	if err != nil {
		return nil, err
	}
	progress.add(len(rows))
	return ids, nil
}

// seedUsername makes a free username of 3–32 [a-z0-9_].
func seedUsername(faker *gofakeit.Faker, taken map[string]bool) string {
	base := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return -1
	}, faker.Username())
	if len(base) < 3 {
		base = "reader" + base
	}
	base = base[:min(len(base), 24)]

	// free as a username and as an email, and neither shaped like a record
	// id nor made of digits only (the users hooks refuse those)
	name := base
	for n := 2; taken[name] || taken["@"+name+"@"+SeedEmailDomain] || content.LooksLikeRecordId(name) ||
		strings.Trim(name, "0123456789") == ""; n++ {
		name = fmt.Sprintf("%s_%d", base, n)
	}
	taken[name] = true
	taken["@"+name+"@"+SeedEmailDomain] = true
	return name
}

type seedStats struct {
	published, paid int
}

// seedText is a pool of generated sentences and phrases that bodies and
// titles are assembled from: generating every sentence afresh costs more
// than everything else the seeder does per post.
type seedText struct {
	sentences, hipster, phrases, quotes, words []string
}

func newSeedText(faker *gofakeit.Faker) *seedText {
	t := &seedText{}
	for i := 0; i < 4000; i++ {
		t.sentences = append(t.sentences, faker.Sentence())
	}
	for i := 0; i < 1000; i++ {
		t.hipster = append(t.hipster, faker.HipsterSentence())
		t.phrases = append(t.phrases, faker.HackerPhrase())
		t.quotes = append(t.quotes, faker.Quote())
		t.words = append(t.words, faker.Word())
	}
	return t
}

func pick(faker *gofakeit.Faker, from []string) string {
	return from[faker.IntN(len(from))]
}

// seededPost is one post and its content, generated off the writer
// goroutine (text generation and sanitizing are the slow part).
type seededPost struct {
	post, content map[string]any
	slugBase      string
	published     bool
	paid          bool
	// search is what the search index holds of a published post, prepared
	// off the writer goroutine too
	search search.Entry
	// index is the post's place in the seed: its id and date follow it
	index int
}

// seedIds makes the ids of one seed run's posts and bodies: a random
// prefix of the run and the post's index, so that, with dates that also
// follow the index (generatePost), each chunk lands at the end of the
// tables' indexes, as a blog's posts arrive, rather than all over them.
// Random ids put every row of a chunk on a page of its own in each index,
// and the writes of a chunk grew with the size of the blog.
type seedIds struct{ posts, contents string }

func newSeedIds() seedIds {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	return seedIds{security.RandomStringWithAlphabet(5, alphabet), security.RandomStringWithAlphabet(5, alphabet)}
}

// id is the 15-character id, as PocketBase's, of the index-th record.
func seedId(prefix string, index int) string {
	n := strconv.FormatInt(int64(index), 36)
	return prefix + strings.Repeat("0", 15-len(prefix)-len(n)) + n
}

// seedChunk is how many posts one transaction writes: large enough to be
// fast, small enough that a server running next to the seed waits for the
// write lock under a second between chunks.
const seedChunk = 5000

func seedPosts(app core.App, opts seedOptions, authorIds []string, progress *seedProgress) (seedStats, error) {
	var stats seedStats
	if opts.posts == 0 {
		return stats, nil
	}

	posts, err := app.FindCollectionByNameOrId("posts")
	if err != nil {
		return stats, err
	}
	contents, err := app.FindCollectionByNameOrId("postContents")
	if err != nil {
		return stats, err
	}

	// priced in the site's currency, as posts whose author names none
	var currency string
	err = app.DB().Select("currency").From("site").OrderBy("created", "id").Limit(1).Row(&currency)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return stats, err
	}
	if currency == "" {
		currency = "CNY"
	}

	tags, err := seedTagRecords(app)
	if err != nil {
		return stats, err
	}

	var existing []string
	if err := app.DB().Select("slug").From("posts").Column(&existing); err != nil {
		return stats, err
	}
	takenSlugs := make(map[string]bool, len(existing)+opts.posts)
	for _, s := range existing {
		takenSlugs[s] = true
	}

	// workers generate posts in parallel; the writer assigns slugs in
	// order and inserts chunk after chunk
	workers := max(1, runtime.NumCPU())
	text := newSeedText(gofakeit.New(opts.random))
	ids := newSeedIds()
	jobs := make(chan int, workers)
	generated := make(chan seededPost, seedChunk)
	var wg sync.WaitGroup
	var genErr error
	var genErrOnce sync.Once
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			faker := gofakeit.New(opts.random + uint64(w) + 1)
			for i := range jobs {
				p, err := generatePost(app, faker, text, posts, contents, authorIds, tags, opts.paidRatio, currency, ids, i, opts.posts)
				if err != nil {
					genErrOnce.Do(func() { genErr = err })
					continue
				}
				generated <- p
			}
		}(w)
	}
	go func() {
		for i := 0; i < opts.posts; i++ {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		close(generated)
	}()

	chunk := make([]seededPost, 0, seedChunk)
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		// in the order of the seed (the workers finish out of it)
		slices.SortFunc(chunk, func(a, b seededPost) int { return a.index - b.index })
		postRows := make([]map[string]any, 0, len(chunk))
		contentRows := make([]map[string]any, 0, len(chunk))
		var searchEntries []search.Entry
		for _, p := range chunk {
			postRows = append(postRows, p.post)
			contentRows = append(contentRows, p.content)
			if p.published {
				searchEntries = append(searchEntries, p.search)
			}
		}
		err := app.RunInTransaction(func(tx core.App) error {
			if err := insertRows(tx, "posts", postRows); err != nil {
				return err
			}
			if err := insertRows(tx, "postContents", contentRows); err != nil {
				return err
			}
			// the published posts are searchable as they commit, as
			// the record hooks make them on every other path
			return search.PutNew(tx.DB(), searchEntries)
		})
		if err == nil {
			progress.add(len(chunk))
		}
		chunk = chunk[:0]
		return err
	}

	var writeErr error
	for p := range generated {
		if writeErr != nil {
			continue // drain the workers
		}
		slug := content.FirstFreeSlug(p.slugBase, func(s string) bool { return takenSlugs[s] })
		takenSlugs[slug] = true
		p.post["slug"] = slug
		if p.published {
			stats.published++
		}
		if p.paid {
			stats.paid++
		}
		chunk = append(chunk, p)
		if len(chunk) == seedChunk {
			writeErr = flush()
		}
	}
	if writeErr == nil {
		writeErr = flush()
	}
	return stats, errors.Join(genErr, writeErr)
}

// generatePost makes one realistic post and its content row, the post
// linked to it (content) as the hooks link them; about a third of them
// are written in Chinese, and each carries up to four of tags.
func generatePost(app core.App, faker *gofakeit.Faker, text *seedText, posts, contents *core.Collection, authorIds []string, tags []seedTag, paidRatio float64, currency string, ids seedIds, index, total int) (seededPost, error) {
	title, source := seedTitle(faker, text), seedBody(faker, text)
	if faker.Float64() < chineseShare {
		title, source = seedChineseTitle(faker), seedChineseBody(faker)
	}
	body := content.SanitizeBody(source)

	isPublished := faker.Float64() >= 0.1
	paid := faker.Float64() < paidRatio
	price := 0.0
	if paid {
		price = float64(faker.IntRange(100, 9999)) / 100 // whole cents
	}

	// published over the last three years in the order of the seed, a
	// few minutes apart or more, written up to three days before
	const span = 3 * 365 * 24 * time.Hour
	step := span / time.Duration(max(total, 1))
	published := types.NowDateTime().Add(-span + time.Duration(index)*step + time.Duration(faker.Float64()*float64(step)/2) - time.Minute)
	created := published.Add(-time.Duration(faker.IntRange(0, 72*60)) * time.Minute)
	contentId := seedId(ids.contents, index)
	postTags := seedPostTags(faker, len(tags))
	tagIds, tagNames := make([]string, len(postTags)), make([]string, len(postTags))
	for i, t := range postTags {
		tagIds[i], tagNames[i] = tags[t].id, tags[t].name
	}
	summary := content.DerivedSummary(body, price)

	post := core.NewRecord(posts)
	post.Set("id", seedId(ids.posts, index))
	post.Set("content", contentId)
	post.Set("title", title)
	post.Set("summary", summary)
	post.Set("author", authorIds[faker.IntN(len(authorIds))])
	post.Set("tags", tagIds)
	post.Set("status", "draft")
	if isPublished {
		post.Set("status", "published")
		post.Set("published", published)
	}
	post.Set("price", price)
	post.Set("currency", currency)
	post.Set("commentsCount", 0)
	post.SetRaw("created", created)
	post.SetRaw("updated", created)

	c := core.NewRecord(contents)
	c.Set("id", contentId)
	c.Set("post", post.Id)
	c.Set("body", body)
	c.SetRaw("created", created)
	c.SetRaw("updated", created)

	postRow, err := post.DBExport(app)
	if err != nil {
		return seededPost{}, err
	}
	contentRow, err := c.DBExport(app)
	if err != nil {
		return seededPost{}, err
	}
	seeded := seededPost{
		post: postRow, content: contentRow, slugBase: content.Slug(title),
		published: isPublished, paid: paid, index: index,
	}
	if isPublished {
		doc := search.Document{Post: post.Id, Published: post.GetString("published"), Title: title, Summary: summary, Tags: tagNames}
		if !paid {
			doc.Body = content.PlainText(body) // never a paid body
		}
		seeded.search = doc.Entry()
	}
	return seeded, nil
}

// seedTag is a tag posts are seeded with.
type seedTag struct{ id, name string }

// seedTagRecords makes the seeded tags that do not exist yet, through the
// record hooks (there are a few dozen: their slugs and keys are the hooks'
// to make), and returns them all in seedTags' order.
func seedTagRecords(app core.App) ([]seedTag, error) {
	collection, err := app.FindCollectionByNameOrId("tags")
	if err != nil {
		return nil, err
	}
	tags := make([]seedTag, 0, len(seedTags))
	for _, name := range seedTags {
		existing, err := app.FindFirstRecordByData(collection, "name", name)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		if existing == nil {
			existing = core.NewRecord(collection)
			existing.Set("name", name)
			if err := app.Save(existing); err != nil {
				// a tag a person made, named alike ("go" for Go)
				continue
			}
		}
		tags = append(tags, seedTag{existing.Id, existing.GetString("name")})
	}
	return tags, nil
}

func seedTitle(faker *gofakeit.Faker, text *seedText) string {
	var t string
	switch faker.IntN(4) {
	case 0:
		t = pick(faker, text.phrases)
	case 1:
		t = "Notes on " + pick(faker, text.words) + " and " + pick(faker, text.words)
	default:
		t = pick(faker, text.hipster)
	}
	t = strings.TrimRight(t, ".!")
	if len([]rune(t)) > 120 {
		t = string([]rune(t)[:120])
	}
	return t
}

// seedBody makes 3–6 blocks of HTML: paragraphs with the odd heading,
// list, quote, code sample or link, as a blog post has.
func seedBody(faker *gofakeit.Faker, text *seedText) string {
	var b strings.Builder
	blocks := faker.IntRange(3, 6)
	for i := 0; i < blocks; i++ {
		switch faker.IntN(10) {
		case 0:
			b.WriteString("<h2>" + strings.TrimRight(pick(faker, text.hipster), ".") + "</h2>")
		case 1:
			b.WriteString("<ul>")
			for j := faker.IntRange(2, 4); j > 0; j-- {
				b.WriteString("<li>" + pick(faker, text.hipster) + "</li>")
			}
			b.WriteString("</ul>")
		case 2:
			b.WriteString("<blockquote>" + pick(faker, text.quotes) + "</blockquote>")
		case 3:
			b.WriteString(`<pre><code class="language-go">fmt.Println("` + pick(faker, text.words) + `")</code></pre>`)
		}
		b.WriteString("<p>")
		for j := faker.IntRange(2, 4); j > 0; j-- {
			b.WriteString(pick(faker, text.sentences) + " ")
		}
		if faker.IntN(5) == 0 {
			word := pick(faker, text.words)
			b.WriteString(`See <a href="https://example.com/` + url.PathEscape(word) + `">` + word + `</a>.`)
		}
		b.WriteString("</p>")
	}
	return b.String()
}

// insertRows inserts rows (all with the same columns, as DBExport gives
// them) with one INSERT … SELECT over a JSON array of them (json_each):
// SQLite reads the rows from one parameter, and the statement, a single
// one for the chunk, journals each page it changes once. The triggers on
// posts (the published counts, the tags' listings) make SQLite keep such
// a statement journal, and one statement per row (or per few hundred,
// with as many parameters to bind) journaled the same pages again and
// again.
func insertRows(tx core.App, table string, rows []map[string]any) error {
	if len(rows) == 0 {
		return nil
	}
	columns := make([]string, 0, len(rows[0]))
	for c := range rows[0] {
		columns = append(columns, c)
	}
	slices.Sort(columns)
	quoted := make([]string, len(columns))
	values := make([]string, len(columns))
	for i, c := range columns {
		quoted[i] = "[[" + c + "]]"
		values[i] = "json_extract([[value]], '$." + c + "')"
	}
	payload, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	_, err = tx.DB().NewQuery("INSERT INTO {{" + table + "}} (" + strings.Join(quoted, ",") + ") SELECT " +
		strings.Join(values, ",") + " FROM json_each({:rows})").Bind(dbx.Params{"rows": string(payload)}).Execute()
	return err
}

// seedProgress is a progress bar on a terminal and a line per tenth of
// the work otherwise (logs, CI).
type seedProgress struct {
	bar      *progressbar.ProgressBar
	out      io.Writer
	total    int64
	done     int64
	reported int64
}

func newSeedProgress(out io.Writer, total int64) *seedProgress {
	p := &seedProgress{out: out, total: total}
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(out),
			progressbar.OptionSetDescription("seeding"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("records"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return p
}

func (p *seedProgress) add(n int) {
	p.done += int64(n)
	if p.bar != nil {
		p.bar.Add(n)
		return
	}
	if p.total > 0 && (p.done-p.reported)*10 >= p.total {
		fmt.Fprintf(p.out, "seeding: %d/%d\n", p.done, p.total)
		p.reported = p.done
	}
}

func (p *seedProgress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
