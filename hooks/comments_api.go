package hooks

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

// bindCommentsApi registers the threaded comments route; comments are
// written with the collections API.
func bindCommentsApi(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		// public: the comments of a post the reader may read, in threads
		se.Router.GET("/api/blog/posts/{id}/comments", threadedComments).Bind(apis.SkipSuccessActivityLog())
		return se.Next()
	})
}

// maxRepliesShown bounds the replies sent with one thread (the oldest);
// repliesCount tells how many there are in all.
const maxRepliesShown = 500

// commentsPage is the body of GET /api/blog/posts/{id}/comments.
type commentsPage struct {
	Page       int              `json:"page"`
	PerPage    int              `json:"perPage"`
	TotalItems int              `json:"totalItems"`
	TotalPages int              `json:"totalPages"`
	Items      []map[string]any `json:"items"`
}

// threadedComments answers a page of a post's top-level comments, oldest
// first, each with its replies (and replies to replies) oldest first in
// "replies" (at most maxRepliesShown, with the total in "repliesCount"),
// every comment with expand.author.
func threadedComments(e *core.RequestEvent) error {
	post, err := e.App.FindRecordById(postsCollection, e.Request.PathValue("id"))
	if err != nil {
		return e.NotFoundError("", nil)
	}
	if err := requirePostVisible(e, post); err != nil {
		return err
	}

	errs := validation.Errors{}
	page, perPage := parsePaging(e.Request.URL.Query(), errs)
	if len(errs) > 0 {
		return e.BadRequestError("Invalid comments query.", errs)
	}

	topLevel := dbx.HashExp{"post": post.Id, "parent": ""}
	result := &commentsPage{Page: page, PerPage: perPage, Items: []map[string]any{}}
	if err := e.App.DB().Select("COUNT(*)").From(commentsCollection).Where(topLevel).Row(&result.TotalItems); err != nil {
		return e.InternalServerError("Failed to load the comments.", err)
	}
	result.TotalPages = int(math.Ceil(float64(result.TotalItems) / float64(perPage)))

	var threads []*core.Record
	err = e.App.RecordQuery(commentsCollection).AndWhere(topLevel).
		OrderBy("created ASC", "id ASC").
		Limit(int64(perPage)).Offset(int64(page-1) * int64(perPage)).
		All(&threads)
	if err != nil {
		return e.InternalServerError("Failed to load the comments.", err)
	}

	replies, err := repliesOf(e.App, threads)
	if err != nil {
		return e.InternalServerError("Failed to load the comments.", err)
	}

	all := slices.Clone(threads)
	for _, r := range replies {
		all = append(all, r...)
	}
	authors, err := publicAuthorsOf(e.App, all)
	if err != nil {
		return e.InternalServerError("Failed to load the comments.", err)
	}
	withAuthor := func(c *core.Record) map[string]any {
		item := c.PublicExport()
		item["expand"] = map[string]any{"author": authors[c.GetString("author")]}
		return item
	}

	for _, thread := range threads {
		item := withAuthor(thread)
		list := []map[string]any{}
		all := replies[thread.Id]
		for _, reply := range all[:min(len(all), maxRepliesShown)] {
			list = append(list, withAuthor(reply))
		}
		item["replies"] = list
		item["repliesCount"] = len(all)
		result.Items = append(result.Items, item)
	}
	return e.JSON(http.StatusOK, result)
}

// repliesOf loads every reply below the given top-level comments, however
// deep, grouped by the top-level comment they belong to, oldest first.
func repliesOf(app core.App, threads []*core.Record) (map[string][]*core.Record, error) {
	byThread := map[string][]*core.Record{}
	if len(threads) == 0 {
		return byThread, nil
	}

	params := dbx.Params{}
	placeholders := make([]string, len(threads))
	for i, t := range threads {
		name := "t" + strconv.Itoa(i)
		params[name] = t.Id
		placeholders[i] = "{:" + name + "}"
	}
	// the replies are read joined to the recursive walk, never through an
	// IN list of their ids, which SQLite caps at 32766 variables
	var replies []*core.Record
	err := app.RecordQuery(commentsCollection).
		PreFragment(`WITH RECURSIVE descendant(id) AS (
			SELECT c.id FROM comments c WHERE c.parent IN (`+strings.Join(placeholders, ",")+`)
			UNION
			SELECT c.id FROM comments c JOIN descendant d ON c.parent = d.id
		)`).
		InnerJoin("descendant", dbx.NewExp("descendant.id = comments.id")).
		Bind(params).
		OrderBy("comments.created ASC", "comments.id ASC").
		All(&replies)
	if err != nil {
		return nil, err
	}
	parentOf := make(map[string]string, len(replies))
	for _, r := range replies {
		parentOf[r.Id] = r.GetString("parent")
	}
	for _, r := range replies {
		thread := r.GetString("parent")
		for {
			up, ok := parentOf[thread]
			if !ok {
				break
			}
			thread = up
		}
		byThread[thread] = append(byThread[thread], r)
	}
	return byThread, nil
}
