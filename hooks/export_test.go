package hooks

import (
	"strings"
	"sync/atomic"
	"time"

	"github.com/ganigeorgiev/fexpr"
)

// outOfBoundsFilterParses counts the filters over the guard's bounds that
// reached the guard's parser: always 0 when the bounds are checked first.
var outOfBoundsFilterParses atomic.Int64

func init() {
	parse := parseFilter
	parseFilter = func(filter string) ([]fexpr.ExprGroup, error) {
		if len(filter) > maxQueryFilterLength || strings.Count(filter, "(") > maxQueryFilterGroups {
			outOfBoundsFilterParses.Add(1)
		}
		return parse(filter)
	}
}

// OutOfBoundsFilterParses tells how many filters over the guard's bounds
// were parsed so far in this test binary.
func OutOfBoundsFilterParses() int64 {
	return outOfBoundsFilterParses.Load()
}

// SetClock makes now the time the blog judges the posts' dates by: when
// a scheduled post is due, whether a date is in the future.
func (c *Config) SetClock(now func() time.Time) {
	c.clock = now
}
