package hooks

import (
	"database/sql"
	"errors"
	"net/http"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"blogbase/internal/content"
)

// Authors write Markdown: a body record keeps the source (markdown) beside
// the HTML rendered from it (body), and the HTML is what every reader,
// page and feed is served. A write that changes the source renders it
// again; a write that changes only the HTML (the dashboard's editor, an
// API client sending HTML) drops the source, which no longer matches.

// bindMarkdown lets a post's author write and read its body's source,
// which is a hidden field: PocketBase drops hidden fields from the writes
// of everyone but superusers, and serializes them only for superusers, so
// that no other reader sees the source and no filter or sort (on
// postContents, or through posts.content) can probe it.
func bindMarkdown(app core.App) {
	// the update rule let only the post's author this far
	app.OnRecordUpdateRequest(postContentsCollection).BindFunc(func(e *core.RecordRequestEvent) error {
		if e.HasSuperuserAuth() {
			return e.Next()
		}
		// read again from the request: its parsed body lacks the field
		var sent struct {
			Markdown *string `json:"markdown" form:"markdown"`
		}
		if err := e.BindBody(&sent); err != nil {
			return e.BadRequestError("Failed to update record.", validation.Errors{
				"markdown": validation.NewError("validation_invalid_type", "Must be a string."),
			})
		}
		if sent.Markdown != nil {
			e.Record.Set("markdown", *sent.Markdown)
		}
		return e.Next()
	})

	// shown on the collections API, expand and realtime
	app.OnRecordEnrich(postContentsCollection).BindFunc(func(e *core.RecordEnrichEvent) error {
		if e.RequestInfo != nil && e.RequestInfo.Auth != nil && e.RequestInfo.Auth.Collection().Name == usersCollection {
			author, err := postAuthor(e.App, e.Record.GetString("post"))
			if err != nil {
				return err
			}
			if author == e.RequestInfo.Auth.Id {
				e.Record.Unhide("markdown")
			}
		}
		return e.Next()
	})
}

// postAuthor is the id of the author of the post postId, "" for none.
func postAuthor(app core.App, postId string) (string, error) {
	var author string
	err := app.DB().Select("author").From(postsCollection).
		Where(dbx.HashExp{"id": postId}).Row(&author)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return author, err
}

// sourceChanged tells whether a body record's write carries new Markdown
// to render, against the markdown stored before it ("" for a new record).
func sourceChanged(record *core.Record, storedMarkdown string) bool {
	markdown := record.GetString("markdown")
	return markdown != "" && (record.IsNew() || markdown != storedMarkdown)
}

// renderedKey holds, on a body record being saved, the body rendered from
// its source before the write's transaction (a renderedSource): a record's
// custom data, never stored nor sent.
const renderedKey = "@blogRenderedBody"

// renderedSource is a source and the body rendered from it.
type renderedSource struct{ markdown, body string }

// renderAhead renders record's new source, if the write carries one, and
// keeps the body on the record for renderBody: the render, up to
// content.RenderTimeout, happens before the write's transaction opens,
// not while it holds the database's write lock.
func renderAhead(record *core.Record, storedMarkdown string) error {
	if !sourceChanged(record, storedMarkdown) {
		return nil
	}
	_, err := renderedBody(record)
	return err
}

// renderBody makes record's body from its source when the write changed
// the source, and drops the source when the write changed only the body;
// a body written as HTML is sanitized (one rendered from Markdown is).
func renderBody(record *core.Record, storedMarkdown, storedBody string) error {
	if sourceChanged(record, storedMarkdown) {
		body, err := renderedBody(record)
		if err != nil {
			return err
		}
		record.Set("body", body)
		return nil
	}
	if !record.IsNew() && record.GetString("body") != storedBody {
		record.Set("markdown", "")
	}
	record.Set("body", content.SanitizeBody(record.GetString("body")))
	return nil
}

// renderedBody is the body of record's source: the one kept on the record
// (by renderAhead, or by the route that saves it, postForm.bodyErrors)
// when it is of the current source, else rendered now and kept.
func renderedBody(record *core.Record) (string, error) {
	markdown := record.GetString("markdown")
	if ahead, ok := record.GetRaw(renderedKey).(renderedSource); ok && ahead.markdown == markdown {
		return ahead.body, nil
	}
	body, err := content.RenderMarkdown(markdown)
	if err != nil {
		return "", markdownError(err)
	}
	record.Set(renderedKey, renderedSource{markdown, body})
	return body, nil
}

// markdownError is the field error of a source RenderMarkdown refused.
func markdownError(err error) error {
	switch {
	case errors.Is(err, content.ErrMarkdownTooLong):
		return validation.Errors{"markdown": validation.NewError("validation_max_text_constraint",
			"Must be at most {{.max}} character(s).").SetParams(map[string]any{"max": content.MaxMarkdownLength})}
	case errors.Is(err, content.ErrMarkdownTooComplex):
		return validation.Errors{"markdown": validation.NewError("validation_markdown_too_complex",
			"This Markdown takes too long to render: split it into shorter posts or simplify it.")}
	case errors.Is(err, content.ErrMarkdownTooDeep):
		return validation.Errors{"markdown": validation.NewError("validation_markdown_too_deep",
			"Lists and quotes nest at most {{.max}} levels deep.").SetParams(map[string]any{"max": content.MaxNesting})}
	case errors.Is(err, content.ErrRenderBusy):
		return apis.NewTooManyRequestsError("Too many posts are being rendered at once; try again in a moment.", nil)
	case errors.Is(err, content.ErrBodyTooLarge):
		return validation.Errors{"markdown": validation.NewError("validation_content_size_limit",
			"The body this renders to must be at most {{.max}} bytes.").SetParams(map[string]any{"max": content.MaxBodySize})}
	}
	return err
}

// blankBodyError is the error of a write that leaves record's body blank,
// named after the field the author wrote.
func blankBodyError(record *core.Record) error {
	field := "body"
	if record.GetString("markdown") != "" {
		field = "markdown"
	}
	return validation.Errors{field: validation.NewError("validation_required", "Cannot be blank.")}
}

// requireBodyToPublish refuses to publish or schedule a post whose body is
// blank: only a post whose status turns published or scheduled by this
// write is checked, so the scheduler's flip and a published post's other
// edits pass. (A new post has no body yet: createPostWithContent refuses
// it any public status.)
func requireBodyToPublish(tx core.App, post *core.Record, storedStatus string) error {
	status := post.GetString("status")
	if !publicStatus(status) || publicStatus(storedStatus) {
		return nil
	}
	var body string
	err := tx.DB().Select("body").From(postContentsCollection).
		Where(dbx.HashExp{"post": post.Id}).Row(&body)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if content.IsBlank(body) {
		return errBodyRequired()
	}
	return nil
}

// errBodyRequired refuses to publish or schedule a post without a body.
func errBodyRequired() error {
	return validation.Errors{"status": validation.NewError("validation_body_required",
		"A post is published with its body: write the body first.")}
}

// publicStatus tells whether a post of status is, or is due to be, published.
func publicStatus(status string) bool {
	return status == statusPublished || status == statusScheduled
}

// preview answers POST /api/blog/preview: {"markdown"} or {"body"} (HTML)
// → {"body"}, the HTML that saving it would store.
func preview(e *core.RequestEvent) error {
	info, err := e.RequestInfo()
	if err != nil {
		return e.BadRequestError("Failed to read the request.", nil)
	}
	markdown, hasMarkdown := info.Body["markdown"]
	body, hasBody := info.Body["body"]
	var source string
	switch {
	case hasMarkdown && hasBody:
		return e.BadRequestError("Send either markdown or body.", validation.Errors{
			"body": validation.NewError("validation_markdown_or_body", "Send either markdown or body, not both."),
		})
	case hasMarkdown:
		s, ok := markdown.(string)
		if !ok {
			return e.BadRequestError("Invalid preview data.", validation.Errors{"markdown": validation.NewError("validation_invalid_type", "Must be a string.")})
		}
		source = s
	case hasBody:
		s, ok := body.(string)
		if !ok {
			return e.BadRequestError("Invalid preview data.", validation.Errors{"body": validation.NewError("validation_invalid_type", "Must be a string.")})
		}
		return e.JSON(http.StatusOK, map[string]string{"body": content.SanitizeBody(s)})
	default:
		return e.BadRequestError("Send markdown or body.", validation.Errors{
			"markdown": validation.NewError("validation_required", "Cannot be blank."),
		})
	}
	html, err := content.RenderMarkdown(source)
	if err != nil {
		return saveFailed(e, "Failed to render the Markdown.", markdownError(err))
	}
	return e.JSON(http.StatusOK, map[string]string{"body": html})
}
