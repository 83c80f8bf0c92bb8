package hooks

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strconv"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	"golang.org/x/sync/singleflight"
)

// bindPostsApi registers the post routes of /api/blog. They write a post
// and its body together, in one transaction, where the collections API
// needs two requests, and serve the public reads from the public cache.
func bindPostsApi(app core.App, cache *publicCache, maxAge int) {
	api := &postsApi{cache: cache, cacheControl: listingCacheControl(maxAge)}

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/blog")

		// public reads; their successes are not request-logged (see README)
		g.GET("/posts", api.list).Bind(apis.SkipSuccessActivityLog())
		g.GET("/posts/{idOrSlug}", api.view).Bind(apis.SkipSuccessActivityLog())

		// signed-in users write as themselves
		g.POST("/posts", postCreate).Bind(apis.RequireAuth(usersCollection))

		// the author (or a superuser) changes or deletes a post
		g.PATCH("/posts/{id}", postUpdate).Bind(apis.RequireAuth())
		g.DELETE("/posts/{id}", postDelete).Bind(apis.RequireAuth())

		return se.Next()
	})
}

// postsApi holds what the public post reads share.
type postsApi struct {
	cache        *publicCache
	cacheControl string
	building     singleflight.Group // one database build per missing answer
}

// list is GET /api/blog/posts, the public listing of published posts.
func (api *postsApi) list(e *core.RequestEvent) error {
	key, err := cursorKey(e.App)
	if err != nil {
		return e.InternalServerError("", err)
	}
	lq, err := parseListingQuery(e.Request.URL.Query(), key)
	if err != nil {
		return e.BadRequestError("Invalid listing query.", err)
	}

	answer, err := api.cached(lq.cacheKey(), func(generation uint64) (any, error) {
		return listPublishedPosts(e.App, api.cache, generation, lq, key)
	})
	if err != nil {
		return e.InternalServerError("Failed to list the posts.", err)
	}
	return writeCachedAnswer(e, answer, api.cacheControl)
}

// view is GET /api/blog/posts/{idOrSlug}. What a guest sees is the same for
// every guest and comes from the public cache; signed-in readers may see
// more (their drafts, bodies they bought) and are answered from the database.
func (api *postsApi) view(e *core.RequestEvent) error {
	e.Response.Header().Set("Vary", "Authorization")
	idOrSlug := e.Request.PathValue("idOrSlug")

	if e.Auth != nil {
		post, err := findPostByIdOrSlug(e.App, idOrSlug)
		if err != nil {
			return e.NotFoundError("", nil)
		}
		if err := requirePostVisible(e, post); err != nil {
			return err
		}
		e.Response.Header().Set("Cache-Control", "private, no-cache")
		return respondWithPost(e, http.StatusOK, post.Id)
	}

	answer, err := api.cached("view|"+idOrSlug, func(uint64) (any, error) {
		post, err := findPostByIdOrSlug(e.App, idOrSlug)
		if err != nil {
			return nil, e.NotFoundError("", nil)
		}
		if err := requirePostVisible(e, post); err != nil {
			return nil, err
		}
		return postViewFor(e, post.Id)
	})
	if err != nil {
		return saveFailed(e, "Failed to load the post.", err)
	}
	return writeCachedAnswer(e, answer, api.cacheControl)
}

// cached returns the cached answer under key, or builds it with build (in
// the generation current before any database read), caches and returns it.
// Concurrent misses of one key share a single build.
func (api *postsApi) cached(key string, build func(generation uint64) (any, error)) (cachedAnswer, error) {
	if answer, ok := api.cache.answer(key); ok {
		return answer, nil
	}
	generation := api.cache.current()
	v, err, _ := api.building.Do(key+"|"+strconv.FormatUint(generation, 10), func() (any, error) {
		data, err := build(generation)
		if err != nil {
			return nil, err
		}
		body, err := json.Marshal(data)
		if err != nil {
			return nil, err
		}
		return api.cache.storeAnswer(key, generation, body), nil
	})
	if err != nil {
		return cachedAnswer{}, err
	}
	return v.(cachedAnswer), nil
}

// postForm is the body of POST and PATCH /api/blog/posts. Pointers tell a
// field that was sent apart from one that was not, so PATCH changes only
// what it names.
type postForm struct {
	Title    *string  `json:"title" form:"title"`
	Body     *string  `json:"body" form:"body"`
	Summary  *string  `json:"summary" form:"summary"`
	Slug     *string  `json:"slug" form:"slug"`
	Status   *string  `json:"status" form:"status"`
	Price    *float64 `json:"price" form:"price"`
	Currency *string  `json:"currency" form:"currency"`
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
}

// bindPostForm reads the request body into form, turning a wrongly typed
// field into a field error instead of a bare decoding message.
func bindPostForm(e *core.RequestEvent, form *postForm) error {
	err := e.BindBody(form)
	if err == nil {
		return nil
	}

	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		want := "string"
		if typeErr.Type != nil && typeErr.Type.Kind() == reflect.Float64 {
			want = "number"
		}
		return e.BadRequestError("Invalid post data.", validation.Errors{
			typeErr.Field: validation.NewError("validation_invalid_type", "Must be a "+want+"."),
		})
	}
	if errors.Is(err, router.ErrUnsupportedContentType) {
		return e.BadRequestError("Send the post as JSON or form data.", nil)
	}
	return e.BadRequestError("Failed to read the submitted post data.", nil)
}

func postCreate(e *core.RequestEvent) error {
	form := postForm{}
	if err := bindPostForm(e, &form); err != nil {
		return err
	}

	var postId string
	err := e.App.RunInTransaction(func(tx core.App) error {
		posts, err := tx.FindCachedCollectionByNameOrId(postsCollection)
		if err != nil {
			return err
		}

		post := core.NewRecord(posts)
		post.Set("author", e.Auth.Id)
		form.applyTo(post)
		if err := tx.Save(post); err != nil {
			return err
		}
		postId = post.Id

		return saveBody(tx, post.Id, form.Body)
	})
	if err != nil {
		return saveFailed(e, "Failed to create the post.", err)
	}

	return respondWithPost(e, http.StatusCreated, postId)
}

func postUpdate(e *core.RequestEvent) error {
	post, err := e.App.FindRecordById(postsCollection, e.Request.PathValue("id"))
	if err != nil {
		return e.NotFoundError("", nil)
	}
	if err := requireAuthorAccess(e, post, post.Collection().UpdateRule); err != nil {
		return err
	}

	form := postForm{}
	if err := bindPostForm(e, &form); err != nil {
		return err
	}

	err = e.App.RunInTransaction(func(tx core.App) error {
		// reload in the transaction so that no concurrent change is lost
		post, err := tx.FindRecordById(postsCollection, post.Id)
		if err != nil {
			return err
		}
		form.applyTo(post)
		if err := tx.Save(post); err != nil {
			return err
		}
		return saveBody(tx, post.Id, form.Body)
	})
	if err != nil {
		return saveFailed(e, "Failed to update the post.", err)
	}

	return respondWithPost(e, http.StatusOK, post.Id)
}

func postDelete(e *core.RequestEvent) error {
	post, err := e.App.FindRecordById(postsCollection, e.Request.PathValue("id"))
	if err != nil {
		return e.NotFoundError("", nil)
	}
	if err := requireAuthorAccess(e, post, post.Collection().DeleteRule); err != nil {
		return err
	}

	// the content (and later the comments) go in the same transaction by cascade
	if err := e.App.Delete(post); err != nil {
		return saveFailed(e, "Failed to delete the post.", err)
	}
	return e.NoContent(http.StatusNoContent)
}

// saveBody stores a new body for the post, when one was sent.
func saveBody(tx core.App, postId string, body *string) error {
	if body == nil {
		return nil
	}
	content, err := tx.FindFirstRecordByData(postContentsCollection, "post", postId)
	if err != nil {
		return err
	}
	content.Set("body", *body)
	return tx.Save(content)
}

// findPostByIdOrSlug finds a post by either key in one query. Slugs never
// have the shape of a record id (see validatePost), so the two cannot clash.
func findPostByIdOrSlug(app core.App, idOrSlug string) (*core.Record, error) {
	return app.FindFirstRecordByFilter(postsCollection, "id = {:key} || slug = {:key}", dbx.Params{"key": idOrSlug})
}

// requirePostVisible answers 404 to a viewer who may not see the post. It
// runs the collection's own view rule, so this route can never show more
// than the collections API does.
func requirePostVisible(e *core.RequestEvent, post *core.Record) error {
	info, err := e.RequestInfo()
	if err != nil {
		return e.BadRequestError("", err)
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
		return e.BadRequestError("", err)
	}
	allowed, err := e.App.CanAccessRecord(post, info, rule)
	if err != nil || !allowed {
		return e.ForbiddenError("Only the author of the post can do this.", nil)
	}
	return nil
}

// saveFailed turns a failed write into PocketBase's error JSON: field
// errors become a 400 with per-field data, anything else stays a 500.
func saveFailed(e *core.RequestEvent, message string, err error) error {
	var apiErr *router.ApiError
	if errors.As(err, &apiErr) {
		return apiErr
	}
	var fieldErrs validation.Errors
	if errors.As(err, &fieldErrs) {
		return e.BadRequestError(message, fieldErrs)
	}
	return e.InternalServerError(message, err)
}
