package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Authors write Markdown: postContents keeps the source beside the body
// rendered from it, hidden from everyone but superusers (the post's author
// is shown it by an enrich hook, posts_markdown.go). Each Markdown write
// is a render of up to two seconds: the preview route, which renders on
// every pause in typing, and the collections API's body updates get
// per-IP limits generous for one writer and short of a render farm, and
// so do the blog's post updates (its creations have theirs).
func init() {
	const (
		previewLabel = "/api/blog/preview"
		updateLabel  = "postContents:update"
		patchLabel   = "PATCH /api/blog/posts/"
	)
	m.Register(func(app core.App) error {
		contents, err := app.FindCollectionByNameOrId("postContents")
		if err != nil {
			return err
		}
		contents.Fields.Add(&core.TextField{Name: "markdown", Hidden: true, Max: 256 << 10})
		if err := app.Save(contents); err != nil {
			return err
		}

		settings := app.Settings()
		settings.RateLimits.Rules = append(settings.RateLimits.Rules,
			core.RateLimitRule{Label: previewLabel, MaxRequests: 60, Duration: 60},
			core.RateLimitRule{Label: updateLabel, MaxRequests: 30, Duration: 60},
			core.RateLimitRule{Label: patchLabel, MaxRequests: 30, Duration: 60})
		return app.Save(settings)
	}, func(app core.App) error {
		contents, err := app.FindCollectionByNameOrId("postContents")
		if err != nil {
			return err
		}
		contents.Fields.RemoveByName("markdown")
		if err := app.Save(contents); err != nil {
			return err
		}

		settings := app.Settings()
		rules := settings.RateLimits.Rules[:0]
		for _, r := range settings.RateLimits.Rules {
			if r.Label != previewLabel && r.Label != updateLabel && r.Label != patchLabel {
				rules = append(rules, r)
			}
		}
		settings.RateLimits.Rules = rules
		return app.Save(settings)
	})
}
