package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Binding a phone to one's account takes a texted code, as phone sign-in
// does: the route gets the same per-IP limit, so that guesses at codes
// are paced the same whichever route makes them.
func init() {
	const label = "/api/blog/me/phone"
	m.Register(func(app core.App) error {
		settings := app.Settings()
		settings.RateLimits.Rules = append(settings.RateLimits.Rules,
			core.RateLimitRule{Label: label, MaxRequests: 10, Duration: 60})
		return app.Save(settings)
	}, func(app core.App) error {
		settings := app.Settings()
		rules := settings.RateLimits.Rules[:0]
		for _, r := range settings.RateLimits.Rules {
			if r.Label != label {
				rules = append(rules, r)
			}
		}
		settings.RateLimits.Rules = rules
		return app.Save(settings)
	})
}
