package hooks

import (
	"math"
	"os"
	"strconv"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/pocketbase/pocketbase/core"
	"golang.org/x/time/rate"
)

// defaultCommentsPerMinute is how many comments a user may write a
// minute (in bursts of as many) when BLOG_COMMENTS_PER_MINUTE is not set:
// more than any person types, far less than a script floods.
const defaultCommentsPerMinute = 10

// commentLimiterUsers bounds the users whose pace is remembered; the
// least recently active are forgotten first, which only gives them a
// full allowance back.
const commentLimiterUsers = 100_000

// commentLimiter paces comment creation per user. PocketBase's rate limiter
// counts requests per IP, which neither stops one account behind many
// addresses nor spares many people behind one; this one counts each
// user's comments, batch sub-requests included (each is a create
// request of its own).
type commentLimiter struct {
	perMinute int

	mu       sync.Mutex
	limiters *lru.Cache[string, *rate.Limiter]
}

func newCommentLimiter(perMinute int) *commentLimiter {
	limiters, _ := lru.New[string, *rate.Limiter](commentLimiterUsers)
	return &commentLimiter{perMinute: perMinute, limiters: limiters}
}

// wait is how long userId must wait before writing another comment: 0
// when the comment may be written now, which spends one of their
// allowance.
func (l *commentLimiter) wait(userId string, now time.Time) time.Duration {
	l.mu.Lock()
	limiter, ok := l.limiters.Get(userId)
	if !ok {
		limiter = rate.NewLimiter(rate.Every(time.Minute/time.Duration(l.perMinute)), l.perMinute)
		l.limiters.Add(userId, limiter)
	}
	l.mu.Unlock()

	reservation := limiter.ReserveN(now, 1)
	if delay := reservation.DelayFrom(now); delay > 0 {
		reservation.CancelAt(now)
		return delay
	}
	return 0
}

// bindCommentsLimit applies the per-user pace to every comment a user
// creates through the collections or batch API. Superusers and Go code
// are not limited, and neither is anybody while the dashboard's rate
// limiting (Settings → Rate limiting) is switched off.
func bindCommentsLimit(app core.App) {
	perMinute := commentsPerMinute(app)
	if perMinute == 0 {
		return
	}
	limiter := newCommentLimiter(perMinute)

	app.OnRecordCreateRequest(commentsCollection).BindFunc(func(e *core.RecordRequestEvent) error {
		if e.Auth == nil || e.Auth.IsSuperuser() || !e.App.Settings().RateLimits.Enabled {
			return e.Next()
		}
		if wait := limiter.wait(e.Auth.Id, time.Now()); wait > 0 {
			seconds := int(math.Ceil(wait.Seconds()))
			e.Response.Header().Set("Retry-After", strconv.Itoa(seconds))
			return e.TooManyRequestsError("You are commenting too fast; try again in "+strconv.Itoa(seconds)+" s.", nil)
		}
		return e.Next()
	})
}

// commentsPerMinute reads BLOG_COMMENTS_PER_MINUTE: the comments one user
// may write a minute, 0 for no limit.
func commentsPerMinute(app core.App) int {
	raw := os.Getenv("BLOG_COMMENTS_PER_MINUTE")
	if raw == "" {
		return defaultCommentsPerMinute
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 {
		app.Logger().Warn("BLOG_COMMENTS_PER_MINUTE must be a whole number; using the default",
			"value", raw, "default", defaultCommentsPerMinute)
		return defaultCommentsPerMinute
	}
	return n
}
