package hooks

import (
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Scheduled posts. A post saved as `scheduled` with a publication date in
// the future is seen only by its author, as a draft is: every public read
// and every rule asks for `published`. When its date comes the server
// publishes it with an ordinary save, so that whatever follows a post
// being published follows this one too: the public cache's invalidation,
// the published posts' counts, the sitemaps, the realtime events to the
// readers who may now see it.

const (
	// publishScheduledJob is the cron job publishing the posts that came
	// due: every minute, so a post goes live within a minute of its date
	publishScheduledJob      = "blogPublishScheduled"
	publishScheduledSchedule = "* * * * *"

	// publishFailuresLogged bounds the failed posts one run logs apart
	publishFailuresLogged = 5
)

// bindScheduledPublishing publishes the posts that came due every minute,
// and once when the server starts, for those that came due while it was
// down (before the first request, so no reader misses them). now is the
// time the dates are judged by.
func bindScheduledPublishing(app core.App, now func() time.Time) {
	// a run working through a backlog (the start's, after a long
	// downtime) may outlast the minute: the next one has nothing to add
	var running sync.Mutex
	app.Cron().MustAdd(publishScheduledJob, publishScheduledSchedule, func() {
		if !running.TryLock() {
			return
		}
		defer running.Unlock()
		logPublishing(app, publishDuePosts(app, now()))
	})

	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id: publishScheduledJob,
		Func: func(se *core.ServeEvent) error {
			running.Lock()
			logPublishing(se.App, publishDuePosts(se.App, now()))
			running.Unlock()
			return se.Next()
		},
	})
}

// publishingReport is what one run of publishDuePosts did.
type publishingReport struct {
	published int
	failed    int
	errs      []error // the first publishFailuresLogged failures
}

// publishDuePosts publishes every scheduled post dated now or earlier, in
// date order, each through app.Save in a transaction of its own: a post
// whose save fails (a hook refusing it, a busy database) stays scheduled
// for the next run and keeps no other post from going live.
func publishDuePosts(app core.App, now time.Time) publishingReport {
	report := publishingReport{}
	var ids []string
	if err := duePosts(app, now).Column(&ids); err != nil {
		report.errs = append(report.errs, err)
		return report
	}

	for _, id := range ids {
		published, err := publishDuePost(app, id, now)
		switch {
		case err != nil:
			report.failed++
			if report.failed <= publishFailuresLogged {
				report.errs = append(report.errs, fmt.Errorf("post %s: %w", id, err))
			}
		case published:
			report.published++
		}
	}
	return report
}

// duePosts selects the ids of the scheduled posts dated now or earlier,
// in date order, from the published posts' index (status, published, id,
// …) alone: a run costs one short range of it whatever the number of
// posts.
func duePosts(app core.App, now time.Time) *dbx.SelectQuery {
	return app.DB().Select("id").From(postsCollection).
		Where(dbx.HashExp{"status": statusScheduled}).
		AndWhere(dbx.NewExp("[[published]] <= {:due}", dbx.Params{"due": now.UTC().Format(types.DefaultDateLayout)})).
		OrderBy("published", "id")
}

// publishDuePost publishes the post id when it is still scheduled and due:
// its author may have moved its date, made it a draft, published or
// deleted it since it was found.
func publishDuePost(app core.App, id string, now time.Time) (bool, error) {
	published := false
	err := app.RunInTransaction(func(tx core.App) error {
		post, err := tx.FindRecordById(postsCollection, id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if post.GetString("status") != statusScheduled || post.GetDateTime("published").Time().After(now) {
			return nil
		}
		post.Set("status", statusPublished)
		if err := tx.Save(post); err != nil {
			return err
		}
		published = true
		return nil
	})
	return published && err == nil, err
}

// logPublishing logs what a run did, when it did anything.
func logPublishing(app core.App, report publishingReport) {
	if report.published > 0 {
		app.Logger().Info("Published scheduled posts", "published", report.published)
	}
	if len(report.errs) > 0 {
		app.Logger().Error("Failed to publish scheduled posts; they stay scheduled for the next run",
			"failed", report.failed, "errors", errors.Join(report.errs...).Error())
	}
}
