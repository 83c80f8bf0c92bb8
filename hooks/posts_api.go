package hooks

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/pocketbase/pocketbase/tools/types"
	"github.com/spf13/cast"

	"blogbase/internal/content"
)

// newPostsApi is the post routes' shared state: they write a post and
// its body together, in one transaction, where the collections API needs
// two requests, and serve the public reads from the public cache.
func newPostsApi(cache *publicCache, maxAge int) *postsApi {
	return &postsApi{cache: cache, cacheControl: listingCacheControl(maxAge)}
}

// postsApi holds what the public post reads share.
type postsApi struct {
	cache        *publicCache
	cacheControl string
}

// list is GET /api/blog/posts, the public listing of published posts.
func (api *postsApi) list(e *core.RequestEvent) error {
	// A hit needs no cursor check: answers are cached under their query's
	// normalized parameters, and only valid queries are ever cached.
	q := e.Request.URL.Query()
	cacheKey, cacheable := listingCacheKey(q)
	if cacheable {
		if answer, ok := api.cache.answer(cacheKey); ok {
			return writeCachedAnswer(e, answer, api.cacheControl)
		}
	}

	key, err := cursorKey(e.App)
	if err != nil {
		return e.InternalServerError("", err)
	}
	lq, err := parseListingQuery(q, key)
	if err != nil {
		return e.BadRequestError("Invalid listing query.", err)
	}

	if !cacheable {
		cacheKey = "" // valid, yet not normalizable: answered uncached
	}
	answer, err := api.cached(cacheKey, func() (any, []string, error) {
		page, deps, err := listPublishedPosts(e.App, lq, key)
		if err != nil {
			return nil, nil, err
		}
		return page, append(deps, countsShown(page.Items)...), nil
	})
	if err != nil {
		return e.InternalServerError("Failed to list the posts.", err)
	}
	return writeCachedAnswer(e, answer, api.cacheControl)
}

// view is GET /api/blog/posts/{idOrSlug}. What a guest sees is the same for
// every guest and comes from the public cache, revalidated on every use
// (no-cache): unlike a listing, a post view can hold a body that was just
// put behind a price. Signed-in readers may see more (their drafts, bodies
// they bought) and are answered from the database.
func (api *postsApi) view(e *core.RequestEvent) error {
	e.Response.Header().Add("Vary", "Authorization") // Add: CORS has put Origin there
	idOrSlug := e.Request.PathValue("idOrSlug")

	if e.Auth != nil {
		post, err := findPostByIdOrSlug(e.App, idOrSlug, authUserId(e))
		if err != nil {
			return e.NotFoundError("", nil)
		}
		if err := requirePostVisible(e, post); err != nil {
			return err
		}
		e.Response.Header().Set("Cache-Control", "private, no-cache")
		return respondWithPost(e, http.StatusOK, post.Id)
	}

	answer, err := api.cached(viewKeyPrefix+idOrSlug, func() (any, []string, error) {
		// built for any guest, not from this request (whose body or
		// headers are none of the answer's business)
		guest := guestRequestInfo()
		post, err := findPostByIdOrSlug(e.App, idOrSlug, "")
		if err != nil {
			return nil, nil, errPostNotFound
		}
		visible, err := e.App.CanAccessRecord(post, guest, post.Collection().ViewRule)
		if err != nil || !visible {
			return nil, nil, errPostNotFound
		}
		view, err := postView(e.App, guest, post.Id)
		deps := []string{depPost(post.Id), depCount(post.Id), depAuthor(post.GetString("author"))}
		for _, id := range post.GetStringSlice("tags") {
			deps = append(deps, depTag(id))
		}
		return view, deps, err
	})
	if err != nil {
		return saveFailed(e, "Failed to load the post.", err)
	}
	return writeCachedAnswer(e, answer, "public, no-cache")
}

// countsShown are the dependencies on the commentsCount of each post in
// items: a comment writes the new count into the answers that have them
// (patchCommentsCount), and leaves every other answer on the post (a
// page, a feed) alone.
func countsShown(items []map[string]any) []string {
	deps := make([]string, 0, len(items))
	for _, item := range items {
		id, _ := item["id"].(string)
		deps = append(deps, depCount(id))
	}
	return deps
}

// guestRequestInfo is the request info of a reader who is not signed in.
func guestRequestInfo() *core.RequestInfo {
	return &core.RequestInfo{
		Context: core.RequestInfoContextDefault,
		Method:  http.MethodGet,
		Query:   map[string]string{},
		Headers: map[string]string{},
		Body:    map[string]any{},
	}
}

// cached is the cache's answer under key (publicCache.build), built as
// the JSON of what build returns.
func (api *postsApi) cached(key string, build func() (data any, deps []string, err error)) (cachedAnswer, error) {
	return api.cache.build(key, func() ([]byte, []string, error) {
		data, deps, err := build()
		if err != nil {
			return nil, nil, err
		}
		body, err := json.Marshal(data)
		return body, deps, err
	})
}

// postForm is the body of POST and PATCH /api/blog/posts. A nil field was
// not sent, so PATCH changes only what it names.
type postForm struct {
	Title    *string
	Body     *string
	Markdown *string // the body's source, in place of Body
	// rendered is Markdown's body, rendered by bodyErrors before the
	// write's transaction
	rendered *renderedSource
	// renderErr is why Markdown could not be rendered, when that is no
	// fault of the field (too many renders at once)
	renderErr error
	Summary   *string
	Slug      *string
	Status    *string
	Price     *float64
	Currency  *string
	// Published is the publication date: the date to publish a scheduled
	// post at, or an imported post's; "" clears it
	Published *string
	// Tags are the post's tags by name (tagIdsByName); [] removes them all
	Tags *[]string
}

// readPostForm reads the post fields from a JSON, form-encoded or
// multipart body (PocketBase's request info parses all three). Only the
// keys present count as sent; a wrongly typed value is a field error.
func readPostForm(e *core.RequestEvent) (*postForm, error) {
	info, err := e.RequestInfo()
	if err != nil {
		return nil, e.BadRequestError("Failed to read the submitted post data.", nil)
	}

	// form values arrive as text that PocketBase turned into numbers or
	// booleans where they looked like one; JSON says what it means
	fromForm := !strings.HasPrefix(e.Request.Header.Get("Content-Type"), "application/json")
	errs := validation.Errors{}

	text := func(field string) *string {
		switch v := info.Body[field].(type) {
		case nil:
			return nil
		case string:
			return &v
		case float64, bool:
			if fromForm {
				s := cast.ToString(v)
				return &s
			}
		}
		errs[field] = validation.NewError("validation_invalid_type", "Must be a string.")
		return nil
	}
	number := func(field string) *float64 {
		switch v := info.Body[field].(type) {
		case nil:
			return nil
		case float64:
			return &v
		case string:
			// a form value PocketBase left as text, e.g. "9.90"
			if n, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && fromForm {
				return &n
			}
		}
		errs[field] = validation.NewError("validation_invalid_type", "Must be a number.")
		return nil
	}

	form := &postForm{
		Title:    text("title"),
		Body:     text("body"),
		Markdown: text("markdown"),
		Summary:  text("summary"),
		Slug:     text("slug"),
		Status:   text("status"),
		Price:    number("price"),
		Currency: text("currency"),
	}
	form.Tags = tagNames(info.Body["tags"], fromForm, errs)
	// a date PocketBase cannot read would be stored as none
	form.Published = text("published")
	if form.Published != nil && *form.Published != "" {
		if date, _ := types.ParseDateTime(*form.Published); date.IsZero() {
			errs["published"] = validation.NewError("validation_invalid_date", "Must be a date, such as 2030-01-02T15:04:05Z.")
		}
	}
	if len(errs) > 0 {
		return nil, e.BadRequestError("Invalid post data.", errs)
	}
	return form, nil
}

// tagNames reads the tags field: a JSON array of names, or, from a form,
// the field repeated (one value is one name, an empty one none).
func tagNames(value any, fromForm bool, errs validation.Errors) *[]string {
	names := []string{}
	switch v := value.(type) {
	case nil:
		return nil
	case []string:
		names = v
	case []any:
		for _, item := range v {
			name, ok := item.(string)
			if !ok && fromForm && item != nil {
				name, ok = cast.ToString(item), true // a form name PocketBase read as a number
			}
			if !ok {
				errs["tags"] = validation.NewError("validation_invalid_type", "Must be a list of tag names.")
				return nil
			}
			names = append(names, name)
		}
	case string:
		if !fromForm {
			errs["tags"] = validation.NewError("validation_invalid_type", "Must be a list of tag names.")
			return nil
		}
		if v != "" {
			names = []string{v}
		}
	case float64, bool:
		if !fromForm {
			errs["tags"] = validation.NewError("validation_invalid_type", "Must be a list of tag names.")
			return nil
		}
		names = []string{cast.ToString(v)}
	default:
		errs["tags"] = validation.NewError("validation_invalid_type", "Must be a list of tag names.")
		return nil
	}
	if len(names) > 100 {
		// far more than any post has, refused before any lookup
		errs["tags"] = validation.NewError("validation_too_many_tags", fmt.Sprintf("A post has at most %d tags.", maxPostTags))
		return nil
	}
	return &names
}

// applyTags gives post the tags the form names, creating the new ones,
// in the write's transaction.
func (form *postForm) applyTags(tx core.App, post *core.Record) error {
	if form.Tags == nil {
		return nil
	}
	ids, err := tagIdsByName(tx, *form.Tags)
	if err != nil {
		return err
	}
	post.Set("tags", ids)
	return nil
}

// applyTo copies the sent metadata fields onto post. Validation is left to
// the record's own validators, so these routes and the collections API
// answer a bad value with the same field error.
func (form *postForm) applyTo(post *core.Record) {
	texts := map[string]*string{
		"title":    form.Title,
		"summary":  form.Summary,
		"slug":     form.Slug,
		"status":   form.Status,
		"currency": form.Currency,
	}
	for field, value := range texts {
		if value != nil {
			post.Set(field, *value)
		}
	}
	if form.Price != nil {
		post.Set("price", *form.Price)
	}
	if form.Published != nil {
		post.Set("published", *form.Published)
	}
}

func postCreate(e *core.RequestEvent) error {
	form, err := readPostForm(e)
	if err != nil {
		return err
	}

	// the body is required here (the collections API creates a post first
	// and its body after); its error is reported with the post's own
	bodyErrs := form.bodyErrors(true)
	if form.renderErr != nil {
		return form.renderErr
	}

	var postId string
	err = e.App.RunInTransaction(func(tx core.App) error {
		posts, err := tx.FindCachedCollectionByNameOrId(postsCollection)
		if err != nil {
			return err
		}

		// a post is published (or scheduled) once its body is there
		// (requireBodyToPublish): it is saved a draft first, its
		// publication date held back with its status
		post := core.NewRecord(posts)
		post.Set("author", e.Auth.Id)
		form.applyTo(post)
		if err := form.applyTags(tx, post); err != nil {
			return withFieldErrors(err, bodyErrs)
		}
		status, published := post.GetString("status"), post.GetString("published")
		if publicStatus(status) {
			post.Set("status", statusDraft)
			post.Set("published", "")
		}
		saveErr := tx.Save(post)
		if len(bodyErrs) > 0 {
			return withFieldErrors(saveErr, bodyErrs)
		}
		if saveErr != nil {
			return saveErr
		}
		postId = post.Id

		if err := form.saveBody(tx, post.Id); err != nil {
			return err
		}
		if !publicStatus(status) {
			return nil
		}
		post, err = tx.FindRecordById(postsCollection, post.Id)
		if err != nil {
			return err
		}
		post.Set("status", status)
		post.Set("published", published)
		return tx.Save(post)
	})
	if err != nil {
		return saveFailed(e, "Failed to create the post.", err)
	}

	return respondWithPost(e, http.StatusCreated, postId)
}

// bodyErrors checks the body or Markdown sent before any write: one of
// them (not both), and not blank once rendered and sanitized. required
// says whether sending neither is an error.
func (form *postForm) bodyErrors(required bool) validation.Errors {
	blank := func(field string) validation.Errors {
		return validation.Errors{field: validation.NewError("validation_required", "Cannot be blank.")}
	}
	switch {
	case form.Body != nil && form.Markdown != nil:
		return validation.Errors{"markdown": validation.NewError("validation_markdown_or_body", "Send either markdown or body, not both.")}
	case form.Markdown != nil:
		body, err := content.RenderMarkdown(*form.Markdown)
		if err != nil {
			var fieldErrs validation.Errors
			if errors.As(markdownError(err), &fieldErrs) {
				return fieldErrs
			}
			form.renderErr = markdownError(err)
			return nil
		}
		if content.IsBlank(body) {
			return blank("markdown")
		}
		form.rendered = &renderedSource{*form.Markdown, body}
	case form.Body != nil:
		if content.IsBlank(content.SanitizeBody(*form.Body)) {
			return blank("body")
		}
	case required:
		return blank("body")
	}
	return nil
}

// authorsPost is the post the request's path names, when the caller may
// act on it under rule (the collection's update or delete rule).
func authorsPost(e *core.RequestEvent, rule func(*core.Collection) *string) (*core.Record, error) {
	post, err := e.App.FindRecordById(postsCollection, e.Request.PathValue("id"))
	if err != nil {
		return nil, e.NotFoundError("", nil)
	}
	if err := requireAuthorAccess(e, post, rule(post.Collection())); err != nil {
		return nil, err
	}
	return post, nil
}

func postUpdate(e *core.RequestEvent) error {
	post, err := authorsPost(e, func(c *core.Collection) *string { return c.UpdateRule })
	if err != nil {
		return err
	}

	form, err := readPostForm(e)
	if err != nil {
		return err
	}
	if errs := form.bodyErrors(false); len(errs) > 0 {
		return e.BadRequestError("Failed to update the post.", errs)
	}
	if form.renderErr != nil {
		return form.renderErr
	}

	err = e.App.RunInTransaction(func(tx core.App) error {
		// the body first, so that a draft may be published with the body
		// it is sent with (requireBodyToPublish)
		if err := form.saveBody(tx, post.Id); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return errPostNotFound // deleted since the access check
			}
			return err
		}
		// reload in the transaction so that no concurrent change is lost
		post, err := tx.FindRecordById(postsCollection, post.Id)
		if errors.Is(err, sql.ErrNoRows) {
			return errPostNotFound
		}
		if err != nil {
			return err
		}
		form.applyTo(post)
		if err := form.applyTags(tx, post); err != nil {
			return err
		}
		return tx.Save(post)
	})
	if err != nil {
		return saveFailed(e, "Failed to update the post.", err)
	}

	return respondWithPost(e, http.StatusOK, post.Id)
}

func postDelete(e *core.RequestEvent) error {
	post, err := authorsPost(e, func(c *core.Collection) *string { return c.DeleteRule })
	if err != nil {
		return err
	}

	// the content (and later the comments) go in the same transaction by cascade
	if err := e.App.Delete(post); err != nil {
		return saveFailed(e, "Failed to delete the post.", err)
	}
	return e.NoContent(http.StatusNoContent)
}

// saveBody stores the body or the Markdown sent for the post, if any.
func (form *postForm) saveBody(tx core.App, postId string) error {
	if form.Body == nil && form.Markdown == nil {
		return nil
	}
	content, err := tx.FindFirstRecordByData(postContentsCollection, "post", postId)
	if err != nil {
		return err
	}
	if form.Markdown != nil {
		content.Set("markdown", *form.Markdown)
		if form.rendered != nil {
			content.Set(renderedKey, *form.rendered)
		}
	} else {
		content.Set("body", *form.Body)
	}
	return tx.Save(content)
}

// requirePostVisible answers 404 to a viewer who may not see the post. It
// runs the collection's own view rule, so this route can never show more
// than the collections API does.
func requirePostVisible(e *core.RequestEvent, post *core.Record) error {
	info, err := e.RequestInfo()
	if err != nil {
		return e.BadRequestError("Failed to read the request.", nil)
	}
	visible, err := e.App.CanAccessRecord(post, info, post.Collection().ViewRule)
	if err != nil || !visible {
		return e.NotFoundError("", nil)
	}
	return nil
}

// requireAuthorAccess answers 404 to a viewer who may not see the post and
// 403 to one who sees it but fails rule (the collection's update or
// delete rule).
func requireAuthorAccess(e *core.RequestEvent, post *core.Record, rule *string) error {
	if err := requirePostVisible(e, post); err != nil {
		return err
	}
	info, err := e.RequestInfo()
	if err != nil {
		return e.BadRequestError("Failed to read the request.", nil)
	}
	allowed, err := e.App.CanAccessRecord(post, info, rule)
	if err != nil || !allowed {
		if _, err := e.App.FindRecordById(postsCollection, post.Id); err != nil {
			return e.NotFoundError("", nil) // deleted in between
		}
		return e.ForbiddenError("Only the author of the post can do this.", nil)
	}
	return nil
}

// errPostNotFound is a post that is not there, or not for this reader:
// one deleted by a concurrent request, say.
var errPostNotFound = errors.New("post not found")

// saveFailed turns a failed write into PocketBase's error JSON: field
// errors become a 400 with per-field data, a missing post a 404, anything
// else stays a 500.
func saveFailed(e *core.RequestEvent, message string, err error) error {
	var apiErr *router.ApiError
	if errors.As(err, &apiErr) {
		return apiErr
	}
	var fieldErrs validation.Errors
	if errors.As(err, &fieldErrs) {
		return e.BadRequestError(message, fieldErrs)
	}
	if errors.Is(err, errPostNotFound) {
		return e.NotFoundError("", nil)
	}
	return e.InternalServerError(message, err)
}
