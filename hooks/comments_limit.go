package hooks

import (
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/pocketbase/pocketbase/core"
)

// commentLimiterUsers bounds the users whose pace is remembered; the
// least recently active are forgotten first, which only gives them a
// full allowance back.
const commentLimiterUsers = 100_000

// commentLimiter paces comment creation per user. PocketBase's rate limiter
// counts requests per IP, which neither stops one account behind many
// addresses nor spares many people behind one; this one counts the
// comments each user writes, those of batch requests included (each is a
// create request of its own), over a sliding minute.
type commentLimiter struct {
	perMinute int

	mu      sync.Mutex
	windows *lru.Cache[string, []time.Time] // per user, the comments of the last minute, oldest first
}

func newCommentLimiter(perMinute int) *commentLimiter {
	windows, _ := lru.New[string, []time.Time](commentLimiterUsers)
	return &commentLimiter{perMinute: perMinute, windows: windows}
}

// reserve counts a comment userId is about to write, and returns what
// uncounts it should the comment not be written after all; or, when the
// user wrote perMinute comments in the last minute, how long to wait.
func (l *commentLimiter) reserve(userId string, now time.Time) (giveBack func(), wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()

	window, _ := l.windows.Get(userId)
	for len(window) > 0 && !window[0].After(now.Add(-time.Minute)) {
		window = window[1:]
	}
	if len(window) >= l.perMinute {
		l.windows.Add(userId, window)
		return nil, window[0].Add(time.Minute).Sub(now)
	}
	l.windows.Add(userId, append(window, now))

	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		window, _ := l.windows.Get(userId)
		if i := slices.Index(window, now); i >= 0 {
			l.windows.Add(userId, slices.Delete(slices.Clone(window), i, i+1))
		}
	}, 0
}

// bindCommentsLimit applies the per-user pace to every comment a user
// creates through the collections or batch API. Superusers and Go code
// are not limited, and neither is anybody while the dashboard's rate
// limiting (Settings → Rate limiting) is switched off.
func bindCommentsLimit(app core.App, perMinute int) {
	if perMinute <= 0 {
		return
	}
	limiter := newCommentLimiter(perMinute)

	app.OnRecordCreateRequest(commentsCollection).BindFunc(func(e *core.RecordRequestEvent) error {
		if e.Auth == nil || e.Auth.IsSuperuser() || !e.App.Settings().RateLimits.Enabled {
			return e.Next()
		}
		giveBack, wait := limiter.reserve(e.Auth.Id, time.Now())
		if wait > 0 {
			seconds := int(math.Ceil(wait.Seconds()))
			e.Response.Header().Set("Retry-After", strconv.Itoa(seconds))
			return e.TooManyRequestsError("You are commenting too fast; try again in "+strconv.Itoa(seconds)+" s.", nil)
		}

		// only comments written count: a refused one, or one of a batch
		// that rolls back, gives its share back
		if err := e.Next(); err != nil {
			giveBack()
			return err
		}
		if tx := e.App.TxInfo(); tx != nil {
			tx.OnComplete(func(txErr error) error {
				if txErr != nil {
					giveBack()
				}
				return nil
			})
		}
		return nil
	})
}
