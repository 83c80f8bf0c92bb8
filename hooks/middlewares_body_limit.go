package hooks

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
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
//
// Where a collection takes one large file, its limit leaves room above
// the file's own (imageUploadLimit), so that a file somewhat too large is
// refused by the field's validation, which names the field and its
// limit; a body larger still is refused unread, the 413 naming the
// field all the same (file).
var bodyLimits = []struct {
	prefix string
	limit  int64
	file   string // the collection's one large file field, if any
}{
	{"/api/collections/comments/", 64 << 10, ""},   // 2000 characters of text
	{"/api/collections/users/", 6 << 20, "avatar"}, // a 5 MB avatar and the fields
	{"/api/collections/posts/", imageUploadLimit, "cover"},
	{"/api/collections/postImages/", imageUploadLimit, "file"},
	{"/api/collections/postContents/", 4 << 20, ""}, // 1 MiB stored, more before sanitizing
	{"/api/batch", 16 << 20, ""},
}

// imageUploadLimit is the body limit of a write that carries a cover or
// an image of a body (10 MB, see the postImages migration) with the
// other fields.
const imageUploadLimit = 16 << 20

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
							return tooLargeFile(err, l.file)
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

// tooLargeFile is err, a body refused for its size, naming field when the
// body's size can only come from that file field.
func tooLargeFile(err error, field string) error {
	if field == "" || !errors.Is(err, apis.ErrRequestEntityTooLarge) {
		return err
	}
	return router.NewApiError(http.StatusRequestEntityTooLarge, "The request is too large.", validation.Errors{
		field: validation.NewError("validation_file_size_limit", "The file is too large."),
	})
}
