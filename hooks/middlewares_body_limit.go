package hooks

import (
	"bytes"
	"io"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
)

// bodyLimits are the request body sizes PocketBase's own write routes
// need for the blog's collections, far below its 32 MB default (plus every
// file field's size on the collections API): a request over its limit is
// refused with 413 before it is read, instead of being read whole and
// refused field by field. The first matching path prefix wins. The
// /api/blog routes carry their limits in routes.go.
var bodyLimits = []struct {
	prefix string
	limit  int64
}{
	{"/api/collections/comments/", 64 << 10},    // 2000 characters of text
	{"/api/collections/users/", 6 << 20},        // a 5 MB avatar and the fields
	{"/api/collections/posts/", 4 << 20},        // fields only; bodies are in postContents
	{"/api/collections/postContents/", 4 << 20}, // 1 MiB stored, more before sanitizing
	{"/api/batch", 16 << 20},
}

// bindBodyLimits applies bodyLimits ahead of every route.
func bindBodyLimits(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(&hook.Handler[*core.RequestEvent]{
			Id:       "blogBodyLimits",
			Priority: apis.DefaultBodyLimitMiddlewarePriority + 1,
			Func: func(e *core.RequestEvent) error {
				for _, l := range bodyLimits {
					if strings.HasPrefix(e.Request.URL.Path, l.prefix) {
						if err := limitBody(e, l.limit); err != nil {
							return err
						}
						break
					}
				}
				return e.Next()
			},
		})
		return se.Next()
	})
}

// limitBody refuses a body over limit with 413: at once when its length is
// announced, after reading at most limit+1 bytes when it is streamed
// (chunked). The body-size error of PocketBase's own limit is lost on the
// way through its body parsers, which then see a cut body instead.
func limitBody(e *core.RequestEvent, limit int64) error {
	if e.Request.ContentLength > limit {
		return apis.ErrRequestEntityTooLarge
	}
	if e.Request.ContentLength >= 0 {
		return nil // the server reads no more than announced
	}
	data, err := io.ReadAll(io.LimitReader(e.Request.Body, limit+1))
	if err != nil {
		return e.BadRequestError("Failed to read the request body.", nil)
	}
	if int64(len(data)) > limit {
		return apis.ErrRequestEntityTooLarge
	}
	// rereadable, as PocketBase's router made the original: the body
	// may be parsed more than once (RequestInfo, then a record form)
	e.Request.Body = &router.RereadableReadCloser{ReadCloser: io.NopCloser(bytes.NewReader(data))}
	e.Request.ContentLength = int64(len(data))
	return nil
}
