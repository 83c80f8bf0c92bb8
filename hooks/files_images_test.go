package hooks_test

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/filesystem"
)

// TestImageNames uploads avatars whose names lie about their content and
// expects them stored, and served, as what they are.
func TestImageNames(t *testing.T) {
	t.Parallel()

	// the scenario's router, kept to read the stored file back
	var mux http.Handler
	keepMux := func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		var err error
		if mux, err = e.Router.BuildMux(); err != nil {
			t.Fatal(err)
		}
	}
	// storedAs expects alice's avatar to keep its name but for the
	// extension, and to be served with contentType
	storedAs := func(prefix, ext, contentType string) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, res *http.Response) {
			alice, err := app.FindRecordById("users", fx.aliceId)
			if err != nil {
				t.Fatal(err)
			}
			name := alice.GetString("avatar")
			if !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, ext) {
				t.Fatalf("stored as %q, want %s…%s", name, prefix, ext)
			}
			rec := send(t, mux, http.MethodGet, "/api/files/users/"+fx.aliceId+"/"+name, "", "")
			if rec.Code != 200 || rec.Header().Get("Content-Type") != contentType {
				t.Fatalf("served %d as %q, want %q", rec.Code, rec.Header().Get("Content-Type"), contentType)
			}
		}
	}

	scenarios := []tests.ApiScenario{
		{
			Name:               "user uploading a GIF named .svg",
			Method:             http.MethodPatch,
			URL:                "/api/collections/users/records/" + fx.aliceId,
			Body:               avatarUpload(t, "avatar.svg", gifBytes(t)),
			Headers:            avatarHeaders(fx.aliceToken),
			BeforeTestFunc:     keepMux,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"avatar":"avatar_`},
			NotExpectedContent: []string{`.svg"`},
			AfterTestFunc:      storedAs("avatar_", ".gif", "image/gif"),
		},
		{
			Name:            "user uploading a PNG named .gif",
			Method:          http.MethodPatch,
			URL:             "/api/collections/users/records/" + fx.aliceId,
			Body:            avatarUpload(t, "photo.gif", pngBytes(t)),
			Headers:         avatarHeaders(fx.aliceToken),
			BeforeTestFunc:  keepMux,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"avatar":"photo_`},
			AfterTestFunc:   storedAs("photo_", ".png", "image/png"),
		},
		{
			Name:            "user uploading a PNG named as one",
			Method:          http.MethodPatch,
			URL:             "/api/collections/users/records/" + fx.aliceId,
			Body:            avatarUpload(t, "portrait.png", pngBytes(t)),
			Headers:         avatarHeaders(fx.aliceToken),
			BeforeTestFunc:  keepMux,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"avatar":"portrait_`},
			AfterTestFunc:   storedAs("portrait_", ".png", "image/png"),
		},
		{
			Name:            "user uploading an SVG",
			Method:          http.MethodPatch,
			URL:             "/api/collections/users/records/" + fx.aliceId,
			Body:            avatarUpload(t, "avatar.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)),
			Headers:         avatarHeaders(fx.aliceToken),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"avatar":{"code":"validation_invalid_mime_type"`},
		},
		{
			Name:           "user uploading text named .png",
			Method:         http.MethodPatch,
			URL:            "/api/collections/users/records/" + fx.aliceId,
			Body:           avatarUpload(t, "notes.png", []byte("just some text, not an image")),
			Headers:        avatarHeaders(fx.aliceToken),
			ExpectedStatus: 400,
			// the refusal names the file as it was sent
			ExpectedContent:    []string{`"avatar":{"code":"validation_invalid_mime_type"`, `notes_`, `.png\"`},
			NotExpectedContent: []string{`.txt`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		s.Test(t)
	}
}

// TestImageNamesInGoCode saves an avatar from Go code, as the dashboard
// and migrations do, and expects it named by its content too.
func TestImageNamesInGoCode(t *testing.T) {
	t.Parallel()
	app := newTestApp(t)
	defer app.Cleanup()

	alice, err := app.FindRecordById("users", fx.aliceId)
	if err != nil {
		t.Fatal(err)
	}
	file, err := filesystem.NewFileFromBytes(gifBytes(t), "avatar.svg")
	if err != nil {
		t.Fatal(err)
	}
	alice.Set("avatar", file)
	if err := app.Save(alice); err != nil {
		t.Fatal(err)
	}
	stored, err := app.FindRecordById("users", fx.aliceId)
	if err != nil {
		t.Fatal(err)
	}
	if name := stored.GetString("avatar"); !strings.HasSuffix(name, ".gif") {
		t.Fatalf("stored as %q", name)
	}
}

// uploadBoundary separates the parts of avatarUpload's bodies.
const uploadBoundary = "blogbase-avatar-upload"

// avatarUpload is a multipart body with one file in the avatar field.
func avatarUpload(t testing.TB, filename string, content []byte) io.Reader {
	t.Helper()
	body := new(bytes.Buffer)
	mp := multipart.NewWriter(body)
	err := mp.SetBoundary(uploadBoundary)
	var w io.Writer
	if err == nil {
		w, err = mp.CreateFormFile("avatar", filename)
	}
	if err == nil {
		_, err = w.Write(content)
	}
	if err == nil {
		err = mp.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// avatarHeaders are the headers of an avatarUpload sent with token.
func avatarHeaders(token string) map[string]string {
	return map[string]string{"Authorization": token, "Content-Type": "multipart/form-data; boundary=" + uploadBoundary}
}

// gifBytes is a 1×1 GIF (its content starts with "GIF89a").
func gifBytes(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, image.NewPaletted(image.Rect(0, 0, 1, 1), []color.Color{color.Black}), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngBytes is a 1×1 PNG.
func pngBytes(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
