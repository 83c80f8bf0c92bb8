package hooks

import (
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ganigeorgiev/fexpr"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"blogbase/internal/sms"
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

// TextedSmsCode is the code of the newest text queued to phone (E.164),
// read as the phone's owner reads the text. A text already sent has its
// code wiped: the provider must not have sent it yet.
func TextedSmsCode(app core.App, phone string) (string, error) {
	_, key, err := smsSecrets(app)
	if err != nil {
		return "", err
	}
	messages, err := app.FindRecordsByFilter(smsOutboxCollection, "phone = {:phone}", "-created", 1, 0, map[string]any{"phone": phone})
	if err != nil {
		return "", err
	}
	if len(messages) == 0 {
		return "", errors.New("no text to " + phone)
	}
	plain, err := security.Decrypt(messages[0].GetString("payload"), key)
	if err != nil {
		return "", err
	}
	var m sms.Message
	err = json.Unmarshal(plain, &m)
	return m.Code, err
}
