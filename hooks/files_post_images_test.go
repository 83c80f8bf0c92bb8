package hooks_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png" // image.DecodeConfig of thumbnails
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/filesystem"
)

// The images of the scenarios (newImagesApp), by owner and the post
// they are attached to.
const (
	imgAliceLoose   = "imgaliceloose01" // alice's, attached to nothing
	imgAliceFree    = "imgalicefree001" // on alice's free published post
	imgAlicePaid    = "imgalicepaid001" // on alice's paid post
	imgAliceDraft   = "imgalicedraft01" // on alice's draft
	imgBobLoose     = "imgbobloose0001"
	imgBobPublic    = "imgbobpublic001" // on bob's published post
	imagesInFixture = 6
)

// newImagesApp is newTestApp with the images above, saved from Go code.
func newImagesApp(t testing.TB) *tests.TestApp {
	t.Helper()
	app := newTestApp(t)
	for _, img := range []struct{ id, owner, post string }{
		{imgAliceLoose, fx.aliceId, ""},
		{imgAliceFree, fx.aliceId, fx.alicePublished},
		{imgAlicePaid, fx.aliceId, fx.alicePaid},
		{imgAliceDraft, fx.aliceId, fx.aliceDraft},
		{imgBobLoose, fx.bobId, ""},
		{imgBobPublic, fx.bobId, fx.bobPublished},
	} {
		addImage(t, app, img.id, img.owner, img.post)
	}
	return app
}

// addImage saves an image (a PNG) of owner, attached to post unless "".
func addImage(t testing.TB, app core.App, id, owner, post string) *core.Record {
	t.Helper()
	collection, err := app.FindCollectionByNameOrId("postImages")
	if err != nil {
		t.Fatal(err)
	}
	file, err := filesystem.NewFileFromBytes(pngBytes(t), "photo.png")
	if err != nil {
		t.Fatal(err)
	}
	image := core.NewRecord(collection)
	image.Id = id
	image.Set("owner", owner)
	image.Set("post", post)
	image.Set("file", file)
	if err := app.Save(image); err != nil {
		t.Fatalf("image %s: %v", id, err)
	}
	return image
}

// imageFileURL is the address of the stored file of image id (with
// query, when not "").
func imageFileURL(t testing.TB, app core.App, id, query string) string {
	t.Helper()
	image, err := app.FindRecordById("postImages", id)
	if err != nil {
		t.Fatal(err)
	}
	u := "/api/files/postImages/" + id + "/" + image.GetString("file")
	if query != "" {
		u += "?" + query
	}
	return u
}

// imagePost is the post the image id is attached to ("" for none).
func imagePost(t testing.TB, app core.App, id string) string {
	t.Helper()
	image, err := app.FindRecordById("postImages", id)
	if err != nil {
		t.Fatalf("image %s: %v", id, err)
	}
	return image.GetString("post")
}

// imageUpload is a multipart body with fields and, unless fileField is "",
// one file, and the headers to send it with token.
func imageUpload(t testing.TB, token string, fields map[string]string, fileField, filename string, content []byte) (io.Reader, map[string]string) {
	t.Helper()
	body := new(bytes.Buffer)
	mp := multipart.NewWriter(body)
	for k, v := range fields {
		if err := mp.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if fileField != "" {
		w, err := mp.CreateFormFile(fileField, filename)
		if err == nil {
			_, err = w.Write(content)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := mp.Close(); err != nil {
		t.Fatal(err)
	}
	headers := map[string]string{"Content-Type": mp.FormDataContentType()}
	if token != "" {
		headers["Authorization"] = token
	}
	return body, headers
}

// jpegBytes is a small JPEG.
func jpegBytes(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 9))
	for x := range 16 {
		img.Set(x, x%9, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// webpBytes is a 1×1 lossless WebP.
var webpBytes = []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")

// svgBytes is an SVG carrying script.
var svgBytes = []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>`)

// pngOfSize is n bytes that PocketBase takes for a PNG (its signature,
// then padding): a file of an exact size.
func pngOfSize(n int) []byte {
	b := make([]byte, n)
	copy(b, "\x89PNG\r\n\x1a\n")
	return b
}

// imageCount expects n images of owner ("" for everyone's).
func imageCount(owner string, n int) func(testing.TB, *tests.TestApp, *http.Response) {
	return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		var where dbx.Expression
		if owner != "" {
			where = dbx.HashExp{"owner": owner}
		}
		if got := countRows(t, app, "postImages", where); got != n {
			t.Fatalf("%d images, want %d", got, n)
		}
	}
}

// TestPostImageUploads: who may upload an image for a body, as whom, for
// which post, and what files pass.
func TestPostImageUploads(t *testing.T) {
	t.Parallel()
	records := "/api/collections/postImages/records"
	png := pngBytes(t)

	type file struct {
		name    string
		content []byte
	}
	scenario := func(name, token string, fields map[string]string, f *file, status int, expected ...string) tests.ApiScenario {
		var body io.Reader
		var headers map[string]string
		if f != nil {
			body, headers = imageUpload(t, token, fields, "file", f.name, f.content)
		} else {
			body, headers = imageUpload(t, token, fields, "", "", nil)
		}
		return tests.ApiScenario{
			Name: name, Method: http.MethodPost, URL: records, Body: body, Headers: headers,
			ExpectedStatus: status, ExpectedContent: expected,
		}
	}
	noOwner := map[string]string{}
	unchanged := imageCount("", imagesInFixture)

	scenarios := []tests.ApiScenario{
		scenario("guest uploading", "", noOwner, &file{"a.png", png}, 400, `"status":400`),
		scenario("user uploading a PNG, owner left out", fx.aliceToken, noOwner, &file{"photo.png", png}, 200,
			`"owner":"`+fx.aliceId+`"`, `"post":""`, `"file":"photo_`),
		scenario("user uploading as another user", fx.aliceToken, map[string]string{"owner": fx.bobId}, &file{"a.png", png}, 400,
			`"status":400`),
		scenario("user uploading for their own draft", fx.aliceToken, map[string]string{"post": fx.aliceDraft}, &file{"a.png", png}, 200,
			`"owner":"`+fx.aliceId+`"`, `"post":"`+fx.aliceDraft+`"`),
		scenario("user uploading for another user's post", fx.aliceToken, map[string]string{"post": fx.bobPublished}, &file{"a.png", png}, 400,
			`"post":{"code":"validation_post_not_owned"`),
		scenario("superuser uploading for a user", fx.superuserToken, map[string]string{"owner": fx.bobId}, &file{"a.png", png}, 200,
			`"owner":"`+fx.bobId+`"`),
		scenario("superuser uploading for a user's post of another user", fx.superuserToken,
			map[string]string{"owner": fx.bobId, "post": fx.alicePaid}, &file{"a.png", png}, 400,
			`"post":{"code":"validation_post_not_owned"`),
		scenario("superuser uploading for nobody", fx.superuserToken, noOwner, &file{"a.png", png}, 400,
			`"owner":{"code":"validation_required"`),
		scenario("user uploading no file", fx.aliceToken, noOwner, nil, 400, `"file":{"code":"validation_required"`),

		// types, detected from the content and named after it
		scenario("user uploading a JPEG named .png", fx.aliceToken, noOwner, &file{"photo.png", jpegBytes(t)}, 200, `"file":"photo_`, `.jpg"`),
		scenario("user uploading a GIF", fx.aliceToken, noOwner, &file{"anim.gif", gifBytes(t)}, 200, `"file":"anim_`, `.gif"`),
		scenario("user uploading a WebP", fx.aliceToken, noOwner, &file{"shot.webp", webpBytes}, 200, `"file":"shot_`, `.webp"`),
		scenario("user uploading an SVG", fx.aliceToken, noOwner, &file{"logo.svg", svgBytes}, 400,
			`"file":{"code":"validation_invalid_mime_type"`),
		scenario("user uploading an SVG named .png", fx.aliceToken, noOwner, &file{"logo.png", svgBytes}, 400,
			`"file":{"code":"validation_invalid_mime_type"`),
		scenario("user uploading text named .jpg", fx.aliceToken, noOwner, &file{"notes.jpg", []byte("just words, no picture")}, 400,
			`"file":{"code":"validation_invalid_mime_type"`),

		// sizes: 10 MB passes; over it the field is named, by its
		// validation up to the collection's body limit, unread above it
		scenario("user uploading 10 MB", fx.aliceToken, noOwner, &file{"big.png", pngOfSize(10 << 20)}, 200, `"file":"big_`),
		scenario("user uploading 10 MB and a byte", fx.aliceToken, noOwner, &file{"big.png", pngOfSize(10<<20 + 1)}, 400,
			`"file":{"code":"validation_file_size_limit"`),
		scenario("user uploading 11 MB", fx.aliceToken, noOwner, &file{"big.png", pngOfSize(11 << 20)}, 400,
			`"file":{"code":"validation_file_size_limit"`),
		scenario("user uploading 20 MB", fx.aliceToken, noOwner, &file{"big.png", pngOfSize(20 << 20)}, 413,
			`"file":{"code":"validation_file_size_limit"`),
	}
	after := map[string]func(testing.TB, *tests.TestApp, *http.Response){
		"guest uploading":                      unchanged,
		"user uploading as another user":       unchanged,
		"user uploading a PNG, owner left out": imageCount(fx.aliceId, 5),
		"superuser uploading for a user":       imageCount(fx.bobId, 3),
		"user uploading an SVG named .png":     unchanged,
		"user uploading 11 MB":                 unchanged,
		"user uploading 20 MB":                 unchanged,
	}
	for _, s := range scenarios {
		s.TestAppFactory = newImagesApp
		s.AfterTestFunc = after[s.Name]
		s.Test(t)
	}
}

// TestPostImageRecords: an image's record is its owner's (and
// superusers') to list, view, move between their posts and delete, on
// the collections and batch APIs.
func TestPostImageRecords(t *testing.T) {
	t.Parallel()
	records := "/api/collections/postImages/records"
	jsonAuth := func(token string) map[string]string {
		return map[string]string{"Authorization": token, "Content-Type": "application/json"}
	}
	postOf := func(id, want string) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			if got := imagePost(t, app, id); got != want {
				t.Fatalf("image %s on post %q, want %q", id, got, want)
			}
		}
	}
	ownerOf := func(id, want string) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			image, err := app.FindRecordById("postImages", id)
			if err != nil || image.GetString("owner") != want {
				t.Fatalf("image %s: owner %q (%v), want %q", id, image.GetString("owner"), err, want)
			}
		}
	}

	scenarios := []tests.ApiScenario{
		// list and view
		{
			Name: "guest listing", Method: http.MethodGet, URL: records,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`},
		},
		{
			Name: "owner listing", Method: http.MethodGet, URL: records, Headers: auth(fx.aliceToken),
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":4`, imgAliceLoose, imgAliceFree, imgAlicePaid, imgAliceDraft},
			NotExpectedContent: []string{imgBobLoose, imgBobPublic},
		},
		{
			Name: "other user filtering for the owner's images", Method: http.MethodGet,
			URL: records + "?filter=" + urlQuery(`owner = "`+fx.aliceId+`"`), Headers: auth(fx.bobToken),
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`},
		},
		{
			Name: "superuser listing", Method: http.MethodGet, URL: records, Headers: auth(fx.superuserToken),
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":6`},
		},
		{
			Name: "guest viewing an image of a free post", Method: http.MethodGet, URL: records + "/" + imgAliceFree,
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`},
		},
		{
			Name: "other user viewing an image", Method: http.MethodGet, URL: records + "/" + imgAliceLoose,
			Headers: auth(fx.bobToken), ExpectedStatus: 404, ExpectedContent: []string{`"status":404`},
		},
		{
			Name: "owner viewing an image", Method: http.MethodGet, URL: records + "/" + imgAlicePaid,
			Headers: auth(fx.aliceToken), ExpectedStatus: 200,
			ExpectedContent: []string{`"id":"` + imgAlicePaid + `"`, `"post":"` + fx.alicePaid + `"`},
		},
		{
			Name: "superuser viewing an image", Method: http.MethodGet, URL: records + "/" + imgAlicePaid,
			Headers: auth(fx.superuserToken), ExpectedStatus: 200, ExpectedContent: []string{`"id":"` + imgAlicePaid + `"`},
		},

		// update
		{
			Name: "guest attaching an image", Method: http.MethodPatch, URL: records + "/" + imgAliceLoose,
			Body: strings.NewReader(`{"post":"` + fx.alicePaid + `"}`), Headers: map[string]string{"Content-Type": "application/json"},
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, AfterTestFunc: postOf(imgAliceLoose, ""),
		},
		{
			Name: "other user moving an image to their post", Method: http.MethodPatch, URL: records + "/" + imgAliceLoose,
			Body: strings.NewReader(`{"post":"` + fx.bobPublished + `"}`), Headers: jsonAuth(fx.bobToken),
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, AfterTestFunc: postOf(imgAliceLoose, ""),
		},
		{
			Name: "owner attaching an image to their post", Method: http.MethodPatch, URL: records + "/" + imgAliceLoose,
			Body: strings.NewReader(`{"post":"` + fx.alicePaid + `"}`), Headers: jsonAuth(fx.aliceToken),
			ExpectedStatus: 200, ExpectedContent: []string{`"post":"` + fx.alicePaid + `"`},
			AfterTestFunc: postOf(imgAliceLoose, fx.alicePaid),
		},
		{
			Name: "owner moving an image to another user's post", Method: http.MethodPatch, URL: records + "/" + imgAliceFree,
			Body: strings.NewReader(`{"post":"` + fx.bobPublished + `"}`), Headers: jsonAuth(fx.aliceToken),
			ExpectedStatus: 400, ExpectedContent: []string{`"post":{"code":"validation_post_not_owned"`},
			AfterTestFunc: postOf(imgAliceFree, fx.alicePublished),
		},
		{
			Name: "owner detaching an image", Method: http.MethodPatch, URL: records + "/" + imgAliceFree,
			Body: strings.NewReader(`{"post":""}`), Headers: jsonAuth(fx.aliceToken),
			ExpectedStatus: 200, ExpectedContent: []string{`"post":""`}, AfterTestFunc: postOf(imgAliceFree, ""),
		},
		{
			Name: "owner giving an image away", Method: http.MethodPatch, URL: records + "/" + imgAliceLoose,
			Body: strings.NewReader(`{"owner":"` + fx.bobId + `"}`), Headers: jsonAuth(fx.aliceToken),
			ExpectedStatus: 400, ExpectedContent: []string{`"owner":{"code":"validation_owner_immutable"`},
			AfterTestFunc: ownerOf(imgAliceLoose, fx.aliceId),
		},
		{
			Name: "superuser giving an image to another user", Method: http.MethodPatch, URL: records + "/" + imgAliceLoose,
			Body: strings.NewReader(`{"owner":"` + fx.bobId + `"}`), Headers: jsonAuth(fx.superuserToken),
			ExpectedStatus: 400, ExpectedContent: []string{`"owner":{"code":"validation_owner_immutable"`},
			AfterTestFunc: ownerOf(imgAliceLoose, fx.aliceId),
		},
		{
			Name: "superuser attaching an image to another user's post", Method: http.MethodPatch, URL: records + "/" + imgAliceLoose,
			Body: strings.NewReader(`{"post":"` + fx.bobPublished + `"}`), Headers: jsonAuth(fx.superuserToken),
			ExpectedStatus: 400, ExpectedContent: []string{`"post":{"code":"validation_post_not_owned"`},
			AfterTestFunc: postOf(imgAliceLoose, ""),
		},
		{
			Name: "superuser attaching an image to its owner's post", Method: http.MethodPatch, URL: records + "/" + imgAliceLoose,
			Body: strings.NewReader(`{"post":"` + fx.aliceDraft + `"}`), Headers: jsonAuth(fx.superuserToken),
			ExpectedStatus: 200, ExpectedContent: []string{`"post":"` + fx.aliceDraft + `"`},
			AfterTestFunc: postOf(imgAliceLoose, fx.aliceDraft),
		},

		// delete
		{
			Name: "guest deleting an image", Method: http.MethodDelete, URL: records + "/" + imgAliceFree,
			ExpectedStatus: 404, ExpectedContent: []string{`"status":404`}, AfterTestFunc: imageCount(fx.aliceId, 4),
		},
		{
			Name: "other user deleting an image", Method: http.MethodDelete, URL: records + "/" + imgAliceFree,
			Headers: auth(fx.bobToken), ExpectedStatus: 404, ExpectedContent: []string{`"status":404`},
			AfterTestFunc: imageCount(fx.aliceId, 4),
		},
		{
			Name: "owner deleting an image", Method: http.MethodDelete, URL: records + "/" + imgAliceFree,
			Headers: auth(fx.aliceToken), ExpectedStatus: 204, AfterTestFunc: imageCount(fx.aliceId, 3),
		},
		{
			Name: "superuser deleting an image", Method: http.MethodDelete, URL: records + "/" + imgBobLoose,
			Headers: auth(fx.superuserToken), ExpectedStatus: 204, AfterTestFunc: imageCount(fx.bobId, 1),
		},

		// batch
		{
			Name: "other user creating an image for the owner in a batch", Method: http.MethodPost, URL: "/api/batch",
			Body: strings.NewReader(`{"requests":[{"method":"POST","url":"/api/collections/postImages/records",` +
				`"body":{"owner":"` + fx.aliceId + `","post":"` + fx.alicePaid + `"}}]}`),
			Headers: jsonAuth(fx.bobToken), ExpectedStatus: 400, ExpectedContent: []string{`"status":400`},
			AfterTestFunc: imageCount("", imagesInFixture),
		},
		{
			Name: "other user attaching the owner's image in a batch", Method: http.MethodPost, URL: "/api/batch",
			Body: strings.NewReader(`{"requests":[{"method":"PATCH","url":"/api/collections/postImages/records/` + imgAliceLoose + `",` +
				`"body":{"post":"` + fx.bobPublished + `"}}]}`),
			Headers: jsonAuth(fx.bobToken), ExpectedStatus: 400, ExpectedContent: []string{`"status":400`},
			AfterTestFunc: postOf(imgAliceLoose, ""),
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = newImagesApp
		s.Test(t)
	}
}

// TestPostImageCascades: an image goes with its post, and with its owner.
func TestPostImageCascades(t *testing.T) {
	t.Parallel()
	app := newImagesApp(t)
	defer app.Cleanup()

	post, err := app.FindRecordById("posts", fx.alicePaid)
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Delete(post); err != nil {
		t.Fatal(err)
	}
	if _, err := app.FindRecordById("postImages", imgAlicePaid); err == nil {
		t.Fatal("the image of a deleted post is kept")
	}
	imageCount(fx.aliceId, 3)(t, app, nil)

	bob, err := app.FindRecordById("users", fx.bobId)
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Delete(bob); err != nil {
		t.Fatal(err)
	}
	imageCount(fx.bobId, 0)(t, app, nil)
}

// TestPostImageFiles: an image's file, and its thumbnails, are served to
// whoever may read the body of the post it is attached to, with the file
// token PocketBase's SDK adds (pb.files.getToken()); an image attached
// to nothing only to its owner and superusers.
func TestPostImageFiles(t *testing.T) {
	t.Parallel()
	app := newImagesApp(t)
	defer app.Cleanup()

	// bob bought the paid post; carol is still paying for it
	carol, _ := newCarol(t, app)
	paid := newOrder(t, app, fx.bobId, fx.alicePaid, "alipay", 0)
	paid.Set("status", "paid")
	if err := app.Save(paid); err != nil {
		t.Fatal(err)
	}
	newOrder(t, app, carol.Id, fx.alicePaid, "alipay", 0)

	fileTokens := map[string]string{"guest": ""}
	for actor, id := range map[string]string{"alice": fx.aliceId, "bob": fx.bobId, "carol": carol.Id} {
		user, err := app.FindRecordById("users", id)
		if err != nil {
			t.Fatal(err)
		}
		if fileTokens[actor], err = user.NewFileToken(); err != nil {
			t.Fatal(err)
		}
	}
	su, err := app.FindAuthRecordByEmail(core.CollectionNameSuperusers, "admin@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if fileTokens["superuser"], err = su.NewFileToken(); err != nil {
		t.Fatal(err)
	}
	h := serve(t, app)

	cases := []struct {
		image   string
		readers []string
	}{
		{imgAliceFree, []string{"guest", "alice", "bob", "carol", "superuser"}},
		{imgAlicePaid, []string{"alice", "bob", "superuser"}},
		{imgAliceDraft, []string{"alice", "superuser"}},
		{imgAliceLoose, []string{"alice", "superuser"}},
		{imgBobPublic, []string{"guest", "alice", "bob", "carol", "superuser"}},
	}
	for _, c := range cases {
		for _, actor := range []string{"guest", "alice", "bob", "carol", "superuser"} {
			allowed := false
			for _, r := range c.readers {
				allowed = allowed || r == actor
			}
			for _, thumb := range []string{"", "800x0", "100x100"} {
				query := "token=" + fileTokens[actor]
				if thumb != "" {
					query += "&thumb=" + thumb
				}
				target := imageFileURL(t, app, c.image, query)
				rec := send(t, h, http.MethodGet, target, "", "")
				switch {
				case !allowed && rec.Code != 404:
					t.Errorf("%s reading %s: %d, want 404", actor, target, rec.Code)
				case allowed && rec.Code != 200:
					t.Errorf("%s reading %s: %d, want 200: %s", actor, target, rec.Code, rec.Body)
				case allowed:
					if cc := rec.Header().Get("Cache-Control"); cc != "private, max-age=86400" {
						t.Errorf("%s reading %s: Cache-Control %q", actor, target, cc)
					}
					cfg, format, err := image.DecodeConfig(bytes.NewReader(rec.Body.Bytes()))
					want := map[string]int{"": 1, "800x0": 800, "100x100": 100}[thumb]
					if err != nil || format != "png" || cfg.Width != want {
						t.Errorf("%s reading %s: %s %dpx (%v), want png %dpx", actor, target, format, cfg.Width, err, want)
					}
				}
			}
		}
	}

	// the collection's id names it as well as its name
	images, err := app.FindCollectionByNameOrId("postImages")
	if err != nil {
		t.Fatal(err)
	}
	byId := strings.Replace(imageFileURL(t, app, imgAlicePaid, ""), "/postImages/", "/"+images.Id+"/", 1)
	expectCode(t, send(t, h, http.MethodGet, byId, "", ""), 404)
	expectCode(t, send(t, h, http.MethodGet, byId+"?token="+fileTokens["carol"], "", ""), 404)
	expectCode(t, send(t, h, http.MethodGet, byId+"?token="+fileTokens["bob"], "", ""), 200)

	// an auth token is not a file token, in the header nor in the query
	paidImage := imageFileURL(t, app, imgAlicePaid, "")
	expectCode(t, send(t, h, http.MethodGet, paidImage, "", fx.aliceToken), 404)
	expectCode(t, send(t, h, http.MethodGet, paidImage+"?token="+fx.bobToken, "", ""), 404)

	// the buyer's way: a file token from their session
	rec := send(t, h, http.MethodPost, "/api/files/token", "", fx.bobToken)
	expectCode(t, rec, 200)
	var issued struct{ Token string }
	if err := json.Unmarshal(rec.Body.Bytes(), &issued); err != nil || issued.Token == "" {
		t.Fatalf("file token: %s", rec.Body)
	}
	expectCode(t, send(t, h, http.MethodGet, paidImage+"?token="+issued.Token, "", ""), 200)

	// a signed-out session gets no file token; signing out everywhere
	// ends the file tokens already issued
	expectCode(t, send(t, h, http.MethodPost, "/api/blog/auth/logout", "", fx.aliceToken2), 204)
	expectCode(t, send(t, h, http.MethodPost, "/api/files/token", "", fx.aliceToken2), 401)
	expectCode(t, send(t, h, http.MethodPost, "/api/blog/auth/logout-all", "", fx.bobToken), 204)
	expectCode(t, send(t, h, http.MethodGet, paidImage+"?token="+issued.Token, "", ""), 404)

	// a superuser's token counts only from the superusers' addresses
	settings := app.Settings()
	settings.SuperuserIPs = []string{"10.1.2.3"}
	if err := app.Save(settings); err != nil {
		t.Fatal(err)
	}
	fromAfar := func(target string) int {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.RemoteAddr = "203.0.113.9:1234"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := fromAfar(paidImage + "?token=" + fileTokens["superuser"]); code != 404 {
		t.Errorf("superuser from another address reading a paid image: %d, want 404", code)
	}
	if code := fromAfar(imageFileURL(t, app, imgAliceFree, "token="+fileTokens["superuser"])); code != 200 {
		t.Errorf("superuser from another address reading a free image: %d, want 200 (as a guest)", code)
	}
}

// TestBodySavesAttachImages: saving a body attaches to its post the
// images of the post's author it shows or links to that are attached to
// nothing yet, on every write path and in the save's transaction.
func TestBodySavesAttachImages(t *testing.T) {
	t.Parallel()
	app := newImagesApp(t)
	defer app.Cleanup()
	h := serve(t, app)
	images, err := app.FindCollectionByNameOrId("postImages")
	if err != nil {
		t.Fatal(err)
	}
	name := func(id string) string {
		u := imageFileURL(t, app, id, "")
		return u[strings.LastIndexByte(u, '/')+1:]
	}

	shown := addImage(t, app, "imgaliceshown01", fx.aliceId, "")     // <img src> root-relative
	elsewhere := addImage(t, app, "imgalicefar0001", fx.aliceId, "") // absolute, by collection id
	linked := addImage(t, app, "imgalicelink001", fx.aliceId, "")    // <a href>
	relative := addImage(t, app, "imgalicerel0001", fx.aliceId, "")  // relative to the page: no address
	mentioned := addImage(t, app, "imgalicetext001", fx.aliceId, "") // in the text only
	body := `<p><img src="/api/files/postImages/` + shown.Id + `/` + name(shown.Id) + `" alt="a"></p>` +
		`<p><img src="https://cdn.example.net/api/files/` + images.Id + `/` + elsewhere.Id + `/` + name(elsewhere.Id) + `?thumb=800x0"></p>` +
		`<p><a href="/api/files/postImages/` + linked.Id + `/` + name(linked.Id) + `">full size</a></p>` +
		`<p><img src="api/files/postImages/` + relative.Id + `/` + name(relative.Id) + `"></p>` +
		`<p>See /api/files/postImages/` + mentioned.Id + `/x.png</p>` +
		// bob's image, and alice's image of another post
		`<p><img src="/api/files/postImages/` + imgBobLoose + `/` + name(imgBobLoose) + `"></p>` +
		`<p><img src="/api/files/postImages/` + imgAliceFree + `/` + name(imgAliceFree) + `"></p>`

	rec := send(t, h, http.MethodPatch, "/api/collections/postContents/records/"+fx.alicePaidContent,
		`{"body":`+asJSONString(body)+`}`, fx.aliceToken)
	expectCode(t, rec, 200)
	for id, want := range map[string]string{
		shown.Id: fx.alicePaid, elsewhere.Id: fx.alicePaid, linked.Id: fx.alicePaid,
		relative.Id: "", mentioned.Id: "", imgBobLoose: "", imgAliceFree: fx.alicePublished,
	} {
		if got := imagePost(t, app, id); got != want {
			t.Errorf("collections API: image %s on post %q, want %q", id, got, want)
		}
	}

	// the blog's routes, creating a post and changing its body
	routed := addImage(t, app, "imgaliceroute01", fx.aliceId, "")
	rec = send(t, h, http.MethodPost, "/api/blog/posts",
		`{"title":"With a picture","body":`+asJSONString(`<p><img src="/api/files/postImages/`+routed.Id+`/`+name(routed.Id)+`"></p>`)+`}`,
		fx.aliceToken)
	expectCode(t, rec, 201)
	var created struct{ Id string }
	if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil || created.Id == "" {
		t.Fatalf("created post: %s", rec.Body)
	}
	if got := imagePost(t, app, routed.Id); got != created.Id {
		t.Errorf("route create: image on post %q, want %q", got, created.Id)
	}
	patched := addImage(t, app, "imgalicepatch01", fx.aliceId, "")
	rec = send(t, h, http.MethodPatch, "/api/blog/posts/"+fx.aliceDraft,
		`{"body":`+asJSONString(`<p><img src="/api/files/postImages/`+patched.Id+`/`+name(patched.Id)+`"></p>`)+`}`, fx.aliceToken)
	expectCode(t, rec, 200)
	if got := imagePost(t, app, patched.Id); got != fx.aliceDraft {
		t.Errorf("route update: image on post %q, want %q", got, fx.aliceDraft)
	}

	// a superuser editing alice's body attaches alice's images, never bob's
	edited := addImage(t, app, "imgaliceedit001", fx.aliceId, "")
	rec = send(t, h, http.MethodPatch, "/api/collections/postContents/records/"+fx.alicePublishedContent,
		`{"body":`+asJSONString(`<img src="/api/files/postImages/`+edited.Id+`/x.png"><img src="/api/files/postImages/`+imgBobLoose+`/x.png">`)+`}`,
		fx.superuserToken)
	expectCode(t, rec, 200)
	if got := imagePost(t, app, edited.Id); got != fx.alicePublished {
		t.Errorf("superuser's save: alice's image on post %q, want %q", got, fx.alicePublished)
	}
	if got := imagePost(t, app, imgBobLoose); got != "" {
		t.Errorf("superuser's save: bob's image on post %q, want none", got)
	}

	// Go code: the attachment is part of the body's save, undone with it
	inGo := addImage(t, app, "imgalicegocode1", fx.aliceId, "")
	withImage := `<p><img src="/api/files/postImages/` + inGo.Id + `/` + name(inGo.Id) + `"></p>`
	abort := errors.New("abort")
	err = app.RunInTransaction(func(tx core.App) error {
		setBody(t, tx, fx.bobPublished, "<p>bob's body, no image of his</p>")
		content, err := tx.FindFirstRecordByData("postContents", "post", fx.aliceDraft)
		if err != nil {
			return err
		}
		content.Set("body", withImage)
		if err := tx.Save(content); err != nil {
			return err
		}
		if got := imagePost(t, tx, inGo.Id); got != fx.aliceDraft {
			t.Errorf("inside the save's transaction: image on post %q", got)
		}
		return abort
	})
	if !errors.Is(err, abort) {
		t.Fatal(err)
	}
	if got := imagePost(t, app, inGo.Id); got != "" {
		t.Errorf("a rolled back save attached the image to %q", got)
	}
	setBody(t, app, fx.aliceDraft, withImage)
	if got := imagePost(t, app, inGo.Id); got != fx.aliceDraft {
		t.Errorf("Go code: image on post %q, want %q", got, fx.aliceDraft)
	}
}

// asJSONString is s as a JSON string.
func asJSONString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestPostImageUploadsInvalidateNothingPublic: the public answers do
// not show a body's images (a body shows them by address), so writing
// them rebuilds none; a cover shows on them, so setting one rebuilds the
// post's.
func TestPostImageUploadsInvalidateNothingPublic(t *testing.T) {
	t.Parallel()
	app := newImagesApp(t)
	defer app.Cleanup()
	h := serve(t, app)

	slug := slugOf(t, app, fx.alicePublished)
	answers := []string{"/api/blog/posts", "/api/blog/posts/" + fx.alicePublished, "/", "/posts/" + slug, "/authors/alice", "/rss.xml"}
	round := 0
	warm := func() {
		t.Helper()
		round++
		for _, target := range answers {
			expectCode(t, send(t, h, http.MethodGet, target, "", ""), 200)
		}
		// changed behind the cache's back: an answer showing it was rebuilt
		_, err := app.DB().NewQuery("UPDATE posts SET title = {:mark} || id").Bind(dbx.Params{"mark": imagesRoundMark(round)}).Execute()
		if err != nil {
			t.Fatal(err)
		}
	}
	rebuilt := func(write string, want bool) {
		t.Helper()
		for _, target := range answers {
			rec := send(t, h, http.MethodGet, target, "", "")
			expectCode(t, rec, 200)
			if got := strings.Contains(rec.Body.String(), imagesRoundMark(round)); got != want {
				t.Errorf("after %s: %s rebuilt %v, want %v", write, target, got, want)
			}
		}
	}

	warm()
	body, headers := imageUpload(t, fx.aliceToken, map[string]string{"post": fx.alicePublished}, "file", "a.png", pngBytes(t))
	req := httptest.NewRequest(http.MethodPost, "/api/collections/postImages/records", body)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res := httptest.NewRecorder()
	h.ServeHTTP(res, req)
	expectCode(t, res, 200)
	expectCode(t, send(t, h, http.MethodPatch, "/api/collections/postImages/records/"+imgAliceLoose,
		`{"post":"`+fx.alicePublished+`"}`, fx.aliceToken), 200)
	expectCode(t, send(t, h, http.MethodDelete, "/api/collections/postImages/records/"+imgAliceFree, "", fx.aliceToken), 204)
	rebuilt("writing images", false)

	warm()
	body, headers = imageUpload(t, fx.aliceToken, nil, "cover", "cover.png", pngBytes(t))
	req = httptest.NewRequest(http.MethodPatch, "/api/collections/posts/records/"+fx.alicePublished, body)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res = httptest.NewRecorder()
	h.ServeHTTP(res, req)
	expectCode(t, res, 200)
	rebuilt("setting a cover", true)
}

// imagesRoundMark marks the titles of one round of writes.
func imagesRoundMark(round int) string { return "round-" + string(rune('a'+round)) + " " }
