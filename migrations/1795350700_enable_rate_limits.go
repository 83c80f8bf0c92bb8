package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Switches PocketBase's rate limiter on, per client IP, for the routes
// that guess or spend something: logins, sign-ups, SMS codes and the batch
// API (50 writes a request). Public reads are left unlimited: they are
// served from memory. Superusers are never limited.
func init() {
	m.Register(func(app core.App) error {
		settings := app.Settings()
		settings.RateLimits.Enabled = true
		settings.RateLimits.Rules = []core.RateLimitRule{
			{Label: "/api/blog/sms/code", MaxRequests: 5, Duration: 60},
			{Label: "/api/blog/auth/phone", MaxRequests: 10, Duration: 60},
			{Label: "users:create", MaxRequests: 20, Duration: 60},
			{Label: "*:auth", MaxRequests: 20, Duration: 60},
			// the actions that send mail
			{Label: "*:requestOTP", MaxRequests: 5, Duration: 60},
			{Label: "*:requestPasswordReset", MaxRequests: 5, Duration: 60},
			{Label: "*:requestVerification", MaxRequests: 5, Duration: 60},
			{Label: "*:requestEmailChange", MaxRequests: 5, Duration: 60},
			{Label: "/api/batch", MaxRequests: 5, Duration: 1},
		}
		return app.Save(settings)
	}, func(app core.App) error {
		settings := app.Settings()
		settings.RateLimits.Enabled = false
		return app.Save(settings)
	})
}
