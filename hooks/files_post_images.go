package hooks

import (
	"database/sql"
	"errors"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"golang.org/x/net/html"
)

const postImagesCollection = "postImages"

// postImageCacheControl lets a reader's browser keep an image of a body
// it was allowed to read, and no shared cache keep it at all: whether
// someone else may read it is decided per request.
const postImageCacheControl = "private, max-age=86400"

// bindPostImages keeps the images authors upload for their bodies theirs
// on every write path, serves each image's file to whoever may read the
// body it belongs to, and attaches the uploaded images a body shows to
// its post when the body is saved.
func bindPostImages(app core.App) {
	// a signed-in user may leave owner out: it is them (the create rule
	// refuses anybody else's id)
	app.OnRecordCreateRequest(postImagesCollection).BindFunc(func(e *core.RecordRequestEvent) error {
		if e.Auth != nil && e.Auth.Collection().Name == usersCollection && e.Record.GetString("owner") == "" {
			e.Record.Set("owner", e.Auth.Id)
		}
		return e.Next()
	})
	app.OnRecordUpdate(postImagesCollection).BindFunc(keepImageOwner)
	app.OnRecordValidate(postImagesCollection).BindFunc(validatePostImage)

	app.OnFileDownloadRequest(postImagesCollection).BindFunc(servePostImage)

	app.OnRecordCreate(postContentsCollection).BindFunc(attachBodyImages)
	app.OnRecordUpdate(postContentsCollection).BindFunc(attachBodyImages)
}

// keepImageOwner refuses to give an image to another user, whoever asks:
// its owner is who uploaded it.
func keepImageOwner(e *core.RecordEvent) error {
	return inTransaction(e, func(tx core.App) error {
		var stored struct {
			Owner string `db:"owner"`
		}
		if err := readStoredRow(tx, e.Record, &stored); err != nil {
			return err
		}
		if stored.Owner != e.Record.GetString("owner") {
			return validation.Errors{
				"owner": validation.NewError("validation_owner_immutable", "The owner of an image cannot be changed."),
			}
		}
		return e.Next()
	})
}

// validatePostImage refuses to attach an image to a post of someone else
// than its owner: its file would be shown, and readable, as part of
// another author's post.
func validatePostImage(e *core.RecordEvent) error {
	return validateRecord(e, func(errs fieldErrors) error {
		postId := e.Record.GetString("post")
		if postId == "" || errs.has("post") {
			return nil
		}
		author, err := postAuthor(e.App, postId)
		if err != nil || author == "" {
			return err // none: PocketBase's relation check names the missing post
		}
		if author != e.Record.GetString("owner") {
			errs.add("post", validation.NewError("validation_post_not_owned", "An image can only be attached to a post of its owner."))
		}
		return nil
	})
}

// servePostImage decides who gets an image's file (and its thumbnails).
// PocketBase's own check, the view rule, has let through its owner,
// superusers, and any request for an image attached to a post; the
// latter is served to whoever the postContents view rule in force lets
// read that post's body, checked for the reader of the file token the
// request carries (?token=, from pb.files.getToken()), as PocketBase
// reads it. Anyone else gets PocketBase's answer for a file they may not
// see: 404.
func servePostImage(e *core.FileDownloadRequestEvent) error {
	reader := fileTokenReader(e.RequestEvent)
	readable, err := postImageReadable(e.App, e.Record, reader)
	if err != nil {
		return e.InternalServerError("", err)
	}
	if !readable {
		return e.NotFoundError("", nil)
	}
	e.Response.Header().Set("Cache-Control", postImageCacheControl)
	return e.Next()
}

// postImageReadable tells whether reader (nil for a guest) may read the
// file of image: its owner and superusers always, anyone else when it is
// attached to a post whose body they may read.
func postImageReadable(app core.App, image, reader *core.Record) (bool, error) {
	if reader != nil && (reader.IsSuperuser() || reader.Id == image.GetString("owner")) {
		return true, nil
	}
	postId := image.GetString("post")
	if postId == "" {
		return false, nil
	}
	body, err := app.FindFirstRecordByData(postContentsCollection, "post", postId)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	info := guestRequestInfo()
	info.Context = core.RequestInfoContextProtectedFile
	info.Auth = reader
	return app.CanAccessRecord(body, info, body.Collection().ViewRule)
}

// fileTokenReader is the user or superuser a request's file token (the
// "token" query parameter) was issued to, or nil, as PocketBase's file
// download reads it: a superuser's token counts only from the
// superusers' allowed IPs, when the settings restrict them. File tokens
// are short-lived (minutes) and made from an auth token that is not
// revoked (auth_sessions.go); signing out everywhere ends them at once.
func fileTokenReader(e *core.RequestEvent) *core.Record {
	token := e.Request.URL.Query().Get("token")
	if token == "" {
		return nil
	}
	reader, err := e.App.FindAuthRecordByToken(token, core.TokenTypeFile)
	if err != nil {
		return nil
	}
	if allowed := e.App.Settings().SuperuserIPs; reader.IsSuperuser() && len(allowed) > 0 && !ipInList(allowed, e.RealIP()) {
		return nil
	}
	return reader
}

// ipInList tells whether ip is one of list's addresses or in one of its
// subnets (CIDR), as PocketBase reads its superuser IP list.
func ipInList(list []string, ip string) bool {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	for _, item := range list {
		if prefix, err := netip.ParsePrefix(item); err == nil {
			if prefix.Contains(addr) {
				return true
			}
		} else if a, err := netip.ParseAddr(item); err == nil && a == addr {
			return true
		}
	}
	return false
}

// maxAttachedPerSave bounds the images one body save looks up.
const maxAttachedPerSave = 500

// attachBodyImages attaches to a body's post, in the transaction that
// saves the body, the images its author uploaded and has not attached
// yet that the body shows or links to: from then on they are readable by
// whoever may read the body. Images of other users, and images attached
// to another post already, stay as they are. The body is read once saved,
// as the hooks before this one made it (sanitized, rendered).
func attachBodyImages(e *core.RecordEvent) error {
	return inTransaction(e, func(tx core.App) error {
		if err := e.Next(); err != nil {
			return err
		}
		images, err := tx.FindCachedCollectionByNameOrId(postImagesCollection)
		if err != nil {
			return err
		}
		ids := bodyImageIds(e.Record.GetString("body"), images)
		if len(ids) == 0 {
			return nil
		}

		postId := e.Record.GetString("post")
		author, err := postAuthor(tx, postId)
		if err != nil {
			return err
		}
		var unattached []*core.Record
		err = tx.RecordQuery(images).
			AndWhere(dbx.In("id", ids...)).
			AndWhere(dbx.HashExp{"owner": author, "post": ""}).
			All(&unattached)
		if err != nil {
			return err
		}
		for _, image := range unattached {
			image.Set("post", postId)
			if err := tx.Save(image); err != nil {
				return err
			}
		}
		return nil
	})
}

// bodyImageIds are the ids of the images of collection a body shows
// (<img src>) or links to (<a href>): the addresses PocketBase serves
// their files at, /api/files/{collection name or id}/{id}/{file name},
// root-relative or absolute (on any host: only the path can say which
// image it is, and only the author's own images are attached).
func bodyImageIds(body string, collection *core.Collection) []any {
	if !strings.Contains(body, "/api/files/") {
		return nil
	}
	var ids []any
	z := html.NewTokenizer(strings.NewReader(body))
	for len(ids) < maxAttachedPerSave {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		var want string
		switch string(name) {
		case "img":
			want = "src"
		case "a":
			want = "href"
		default:
			continue
		}
		for hasAttr {
			var key, value []byte
			key, value, hasAttr = z.TagAttr()
			if string(key) != want {
				continue
			}
			if id := fileRecordId(string(value), collection); id != "" && !slices.Contains(ids, any(id)) {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// fileRecordId is the record id in address when it is the address of a
// file of collection, or "".
func fileRecordId(address string, collection *core.Collection) string {
	u, err := url.Parse(strings.TrimSpace(address))
	if err != nil || (u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	if u.Host == "" && !strings.HasPrefix(u.Path, "/") {
		return "" // relative to the page it is on: no file address
	}
	parts := strings.Split(u.Path, "/") // "", api, files, collection, id, name
	if len(parts) != 6 || parts[1] != "api" || parts[2] != "files" ||
		(parts[3] != collection.Name && parts[3] != collection.Id) || parts[4] == "" || parts[5] == "" {
		return ""
	}
	return parts[4]
}
