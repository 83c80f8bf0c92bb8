package hooks

import (
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
	"golang.org/x/text/currency"

	"blogbase/internal/content"
)

const (
	usersCollection        = "users"
	postsCollection        = "posts"
	postContentsCollection = "postContents"

	statusDraft     = "draft"
	statusPublished = "published"
	statusScheduled = "scheduled" // published by the server at its date (see posts_schedule.go)
	defaultCurrency = "CNY"
)

// bindPosts keeps the invariants of posts on every write path: the
// collections and batch APIs, the dashboard, the custom routes and Go code.
// now is the time the publication dates are judged by.
func bindPosts(app core.App, now func() time.Time) {
	app.OnRecordCreate(postsCollection).BindFunc(func(e *core.RecordEvent) error {
		return createPostWithContent(e, now)
	})
	app.OnRecordUpdate(postsCollection).BindFunc(func(e *core.RecordEvent) error {
		return completeUpdatedPost(e, now)
	})
	app.OnRecordValidate(postsCollection).BindFunc(func(e *core.RecordEvent) error {
		return validatePost(e, now)
	})
}

// createPostWithContent saves a new post and its empty postContents record
// in one transaction, so that no post ever exists without its body record,
// and links the post to it (content, see posts_body_link.go).
func createPostWithContent(e *core.RecordEvent, now func() time.Time) error {
	return inTransaction(e, func(tx core.App) error {
		// commentsCount belongs to the server: a new post has no comments,
		// whatever the client, the dashboard or Go code set, and updates
		// never change it (see completeUpdatedPost)
		e.Record.Set("commentsCount", 0)
		e.Record.Set("content", "") // linked below (posts_body_link.go)
		if err := completePost(tx, e.Record, "", now); err != nil {
			return err
		}
		// its body is made below, empty: it is published once written
		if publicStatus(e.Record.GetString("status")) {
			return errBodyRequired()
		}
		if err := e.Next(); err != nil {
			return err
		}

		contents, err := tx.FindCachedCollectionByNameOrId(postContentsCollection)
		if err != nil {
			return err
		}
		body := core.NewRecord(contents)
		body.Set("post", e.Record.Id)
		if err := tx.Save(body); err != nil {
			return err
		}
		return linkNewPostContent(tx, e.Record, body.Id)
	})
}

// completeUpdatedPost completes the derived fields of a changed post inside
// a transaction, for the same slug race reason as on create. It compares
// with the stored row (readStoredRow): the author must not change,
// and commentsCount is carried over, because the comment hooks keep that
// column with SQL and a record loaded before a comment arrived must not
// write its stale count back. The content relation names the body record
// whatever was sent (keepPostContent).
func completeUpdatedPost(e *core.RecordEvent, now func() time.Time) error {
	return inTransaction(e, func(tx core.App) error {
		var stored struct {
			Author        string         `db:"author"`
			Slug          string         `db:"slug"`
			Summary       string         `db:"summary"`
			CommentsCount int            `db:"commentsCount"`
			Status        string         `db:"status"`
			Published     types.DateTime `db:"published"`
		}
		if err := readStoredRow(tx, e.Record, &stored); err != nil {
			return err
		}
		if stored.Author != e.Record.GetString("author") {
			return validation.Errors{
				"author": validation.NewError("validation_author_immutable", "The author of a post cannot be changed."),
			}
		}
		e.Record.Set("commentsCount", stored.CommentsCount)
		if err := keepPostContent(tx, e.Record); err != nil {
			return err
		}

		if err := completeSummary(tx, e.Record, stored.Summary); err != nil {
			return err
		}
		publishBeforeDate(e.Record, stored.Status, stored.Published, now())
		if err := completePost(tx, e.Record, stored.Slug, now); err != nil {
			return err
		}
		if err := requireBodyToPublish(tx, e.Record, stored.Status); err != nil {
			return err
		}
		return e.Next()
	})
}

// completePost fills what the server derives when the author left it empty:
// status, currency (the site's), a unique slug from the title (see
// completeSlug; stored is the slug saved before this write, "" for a new
// post) and the first publication date. A currency is upper-cased: "usd"
// is USD.
func completePost(tx core.App, post *core.Record, stored string, now func() time.Time) error {
	post.Set("title", strings.TrimSpace(post.GetString("title")))
	post.Set("summary", strings.TrimSpace(post.GetString("summary")))

	if post.GetString("status") == "" {
		post.Set("status", statusDraft)
	}
	post.Set("currency", normalizeCurrency(post.GetString("currency")))
	if post.GetString("currency") == "" {
		site, err := loadSite(tx)
		if err != nil {
			return err
		}
		post.Set("currency", site.Currency)
	}
	if post.GetString("status") == statusPublished && post.GetDateTime("published").IsZero() {
		post.Set("published", now())
	}

	return completeSlug(tx, post, stored)
}

// publishBeforeDate dates now a scheduled post published before its date
// (the date left as it was): publishing it early means now, not refusing
// the date of the schedule. A future date this very write gives, or a
// draft's, is still refused (see checkPublicationDate).
func publishBeforeDate(post *core.Record, storedStatus string, storedDate types.DateTime, now time.Time) {
	date := post.GetDateTime("published")
	if post.GetString("status") == statusPublished && storedStatus == statusScheduled &&
		date.Equal(storedDate) && date.Time().After(now) {
		post.Set("published", now)
	}
}

// completeSummary makes the summary follow the body and the price until the
// author writes one. A summary this save did not touch is taken from the
// stored row: the record may have been loaded before its body changed, and
// its stale copy must not pass for the author's own words.
func completeSummary(tx core.App, post *core.Record, storedSummary string) error {
	var body string
	err := tx.DB().Select("body").From(postContentsCollection).
		Where(dbx.HashExp{"post": post.Id}).Row(&body)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}

	summary := strings.TrimSpace(post.GetString("summary"))
	if summary == strings.TrimSpace(post.Original().GetString("summary")) {
		summary = storedSummary
	}
	if summaryIsDerived(summary, body) {
		summary = derivedSummary(post, body)
	}
	post.Set("summary", summary)
	return nil
}

// validatePost adds to the field validations what their options cannot
// express, so that a client gets every field error in one answer. now is
// the time the publication date is judged by.
func validatePost(e *core.RecordEvent, now func() time.Time) error {
	return validateRecord(e, func(errs fieldErrors) error {
		post := e.Record
		checkPrice(errs, post, "price", "validation_price_decimals")
		if err := checkPublicationDate(e.App, errs, post, now()); err != nil {
			return err
		}
		if content.LooksLikeRecordId(post.GetString("slug")) {
			errs.add("slug", validation.NewError("validation_slug_id_shape", "A slug cannot look like a record id; add a hyphen or change its length."))
		}
		return nil
	})
}

// checkPublicationDate refuses, in errs, a date that does not fit the
// post's status. A published post cannot be dated in the future: it would
// stay at the top of the listing until then (an old date, an imported
// post's, is the author's to give). A scheduled post needs a date to be
// published at, in the future when the schedule is set or changed; a
// schedule left as it was may have come due since (its post is published
// at the next run), and editing that post's title must not fail for it.
func checkPublicationDate(app core.App, errs fieldErrors, post *core.Record, now time.Time) error {
	date := post.GetDateTime("published")
	switch post.GetString("status") {
	case statusPublished:
		if date.Time().After(now) {
			errs.add("published", validation.NewError("validation_published_future", "The publication date of a published post cannot be in the future."))
		}
	case statusScheduled:
		if date.IsZero() {
			errs.add("published", validation.NewError("validation_required", "A scheduled post needs the date to publish it at."))
			return nil
		}
		if date.Time().After(now) {
			return nil
		}
		if !post.IsNew() {
			var stored struct {
				Status    string         `db:"status"`
				Published types.DateTime `db:"published"`
			}
			err := readStoredRow(app, post, &stored)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if err == nil && stored.Status == statusScheduled && stored.Published.Equal(date) {
				return nil
			}
		}
		errs.add("published", validation.NewError("validation_scheduled_past", "The publication date of a scheduled post must be in the future."))
	}
	return nil
}

// checkPrice refuses, in errs, an amount in the field with fractions of a
// cent (with errCode), and a currency no payment provider could charge:
// posts and orders hold prices alike.
func checkPrice(errs fieldErrors, record *core.Record, field, errCode string) {
	if hasMoreThanTwoDecimals(record.GetFloat(field)) {
		errs.add(field, validation.NewError(errCode, "Must have at most 2 decimal places."))
	}
	if !knownCurrency(record.GetString("currency")) {
		errs.add("currency", errUnknownCurrency)
	}
}

// errUnknownCurrency refuses a currency no payment provider could charge.
var errUnknownCurrency = validation.NewError("validation_currency_unknown", "Must be an ISO 4217 currency code, such as CNY or USD.")

// knownCurrency tells whether code is an ISO 4217 currency a price can be
// paid in (not XXX, "no currency", nor XTS, the code for tests). Payment
// providers refuse the others only when a buyer is already paying.
func knownCurrency(code string) bool {
	if code == "" {
		return true // filled with the default
	}
	unit, err := currency.ParseISO(code)
	return err == nil && unit != currency.XXX && unit != currency.XTS
}

// normalizeCurrency is a currency code as it is stored: ISO 4217 codes
// are upper case, and "usd" or " cny " are what their writer meant.
func normalizeCurrency(code string) string {
	return strings.ToUpper(strings.TrimSpace(code))
}

// hasMoreThanTwoDecimals tells whether a price has fractions of a cent. It
// reads the shortest decimal form of the number (what the client wrote:
// 19.99, not 19.989999…), so no tolerance lets 1.0000000001 through.
func hasMoreThanTwoDecimals(price float64) bool {
	decimal := strconv.FormatFloat(price, 'f', -1, 64)
	_, fraction, _ := strings.Cut(decimal, ".")
	return len(fraction) > 2
}
