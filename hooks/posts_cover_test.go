package hooks_test

import (
	"bytes"
	"encoding/xml"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"golang.org/x/net/html"
)

// coverBytes is a 64×36 PNG.
func coverBytes(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 36))
	for x := range 64 {
		img.Set(x, x%36, color.RGBA{B: 255, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// setCover gives a post a cover from Go code and returns its file name.
func setCover(t testing.TB, app core.App, postId string) string {
	t.Helper()
	file, err := filesystem.NewFileFromBytes(coverBytes(t), "cover.png")
	if err != nil {
		t.Fatal(err)
	}
	update(t, app, "posts", postId, func(r *core.Record) { r.Set("cover", file) })
	post, err := app.FindRecordById("posts", postId)
	if err != nil {
		t.Fatal(err)
	}
	return post.GetString("cover")
}

// coverOf expects the post's stored cover to start with prefix ("" for
// no cover).
func coverOf(postId, prefix string) func(testing.TB, *tests.TestApp, *http.Response) {
	return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		post, err := app.FindRecordById("posts", postId)
		if err != nil {
			t.Fatal(err)
		}
		cover := post.GetString("cover")
		if (prefix == "") != (cover == "") || !strings.HasPrefix(cover, prefix) {
			t.Fatalf("cover %q, want %q…", cover, prefix)
		}
	}
}

// TestPostCoverUploads: a post's author (and superusers) set and remove
// its cover through the collections API; only images of 10 MB at most.
func TestPostCoverUploads(t *testing.T) {
	t.Parallel()
	record := "/api/collections/posts/records/" + fx.alicePublished

	scenario := func(name, method, url, token string, fields map[string]string, filename string, content []byte, status int, expected ...string) tests.ApiScenario {
		body, headers := imageUpload(t, token, fields, "cover", filename, content)
		return tests.ApiScenario{
			Name: name, Method: method, URL: url, Body: body, Headers: headers,
			ExpectedStatus: status, ExpectedContent: expected,
		}
	}
	cover := coverBytes(t)
	scenarios := []tests.ApiScenario{
		scenario("author setting a cover", http.MethodPatch, record, fx.aliceToken, nil, "sunrise.png", cover, 200, `"cover":"sunrise_`),
		scenario("superuser setting a cover", http.MethodPatch, record, fx.superuserToken, nil, "sunrise.png", cover, 200, `"cover":"sunrise_`),
		scenario("other user setting a cover", http.MethodPatch, record, fx.bobToken, nil, "sunrise.png", cover, 404, `"status":404`),
		scenario("guest setting a cover", http.MethodPatch, record, "", nil, "sunrise.png", cover, 404, `"status":404`),
		scenario("author writing a post with a cover", http.MethodPost, "/api/collections/posts/records", fx.aliceToken,
			map[string]string{"title": "Covered", "author": fx.aliceId}, "sunrise.png", cover, 200, `"cover":"sunrise_`, `"title":"Covered"`),

		scenario("author setting a JPEG cover named .webp", http.MethodPatch, record, fx.aliceToken, nil, "shot.webp", jpegBytes(t), 200, `"cover":"shot_`, `.jpg"`),
		scenario("author setting a WebP cover", http.MethodPatch, record, fx.aliceToken, nil, "shot.webp", webpBytes, 200, `.webp"`),
		scenario("author setting a GIF cover", http.MethodPatch, record, fx.aliceToken, nil, "shot.gif", gifBytes(t), 200, `.gif"`),
		scenario("author setting an SVG cover", http.MethodPatch, record, fx.aliceToken, nil, "logo.svg", svgBytes, 400,
			`"cover":{"code":"validation_invalid_mime_type"`),
		scenario("author setting an SVG cover named .jpg", http.MethodPatch, record, fx.aliceToken, nil, "logo.jpg", svgBytes, 400,
			`"cover":{"code":"validation_invalid_mime_type"`),
		scenario("author setting a text cover", http.MethodPatch, record, fx.aliceToken, nil, "notes.png", []byte("words"), 400,
			`"cover":{"code":"validation_invalid_mime_type"`),

		scenario("author setting a 10 MB cover", http.MethodPatch, record, fx.aliceToken, nil, "big.png", pngOfSize(10<<20), 200, `"cover":"big_`),
		scenario("author setting a cover of 10 MB and a byte", http.MethodPatch, record, fx.aliceToken, nil, "big.png", pngOfSize(10<<20+1), 400,
			`"cover":{"code":"validation_file_size_limit"`),
		scenario("author setting an 11 MB cover", http.MethodPatch, record, fx.aliceToken, nil, "big.png", pngOfSize(11<<20), 400,
			`"cover":{"code":"validation_file_size_limit"`),
		scenario("author setting a 20 MB cover", http.MethodPatch, record, fx.aliceToken, nil, "big.png", pngOfSize(20<<20), 413,
			`"cover":{"code":"validation_file_size_limit"`),
		{
			Name: "author removing the cover", Method: http.MethodPatch, URL: record,
			Body:    strings.NewReader(`{"cover":null}`),
			Headers: map[string]string{"Authorization": fx.aliceToken, "Content-Type": "application/json"},
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				setCover(t, app, fx.alicePublished)
			},
			ExpectedStatus: 200, ExpectedContent: []string{`"cover":""`},
			AfterTestFunc: coverOf(fx.alicePublished, ""),
		},
	}
	after := map[string]func(testing.TB, *tests.TestApp, *http.Response){
		"author setting a cover":                 coverOf(fx.alicePublished, "sunrise_"),
		"other user setting a cover":             coverOf(fx.alicePublished, ""),
		"author setting an SVG cover named .jpg": coverOf(fx.alicePublished, ""),
		"author setting an 11 MB cover":          coverOf(fx.alicePublished, ""),
	}
	for _, s := range scenarios {
		s.TestAppFactory = newTestApp
		if f, ok := after[s.Name]; ok {
			s.AfterTestFunc = f
		}
		s.Test(t)
	}
}

// TestCoversShown: a post's cover on the listing cards (home and author
// pages), on its page, in its link previews and structured data and in
// the feeds, as thumbnails of the sizes the pages promise.
func TestCoversShown(t *testing.T) {
	t.Parallel()
	app := newTestAppWith(t, withPublicURL)
	defer app.Cleanup()
	cover := setCover(t, app, fx.alicePublished)
	posts, err := app.FindCollectionByNameOrId("posts")
	if err != nil {
		t.Fatal(err)
	}
	h := serve(t, app)

	file := "/api/files/" + posts.Id + "/" + fx.alicePublished + "/" + cover
	card := file + "?thumb=480x270"
	wide := file + "?thumb=1200x630"

	// coverImages is the img.cover elements of a page
	coverImages := func(p *crawledPage) []*html.Node {
		return elements(p.doc, func(n *html.Node) bool { return n.Data == "img" && hasClass(n, "cover") })
	}

	for _, path := range []string{"/", "/authors/alice"} {
		p := crawlPage(t, h, path)
		imgs := coverImages(p)
		if len(imgs) != 1 {
			t.Fatalf("%s: %d covers, want alice's one", path, len(imgs))
		}
		img := imgs[0]
		if attr(img, "src") != card || attr(img, "width") != "480" || attr(img, "height") != "270" ||
			attr(img, "loading") != "lazy" || !hasAttribute(img, "alt") || !hasClass(img.Parent, "post-summary") {
			t.Errorf("%s: card cover %v", path, img.Attr)
		}
		if p.meta["og:image"] == blogURL+wide {
			t.Errorf("%s: a listing previewed by a post's cover", path)
		}
	}

	p := crawlPage(t, h, "/posts/"+slugOf(t, app, fx.alicePublished))
	p.checkHead(t, map[string]string{
		"og:image":        blogURL + wide,
		"og:image:width":  "1200",
		"og:image:height": "630",
		"twitter:card":    "summary_large_image",
	})
	if jsonPath(p.jsonLD, "image", "url") != blogURL+wide || jsonPath(p.jsonLD, "image", "width") != 1200.0 {
		t.Errorf("JSON-LD image %v", jsonPath(p.jsonLD, "image"))
	}
	if imgs := coverImages(p); len(imgs) != 1 || attr(imgs[0], "src") != wide || attr(imgs[0], "width") != "1200" || attr(imgs[0], "height") != "630" {
		t.Errorf("the post's page shows covers %v", imgs)
	}
	if jsonPath(p.data, "page", "post", "cover") != cover {
		t.Errorf("blog-data: cover %v", jsonPath(p.data, "page", "post", "cover"))
	}

	// a post without a cover has no preview picture
	p = crawlPage(t, h, "/posts/"+slugOf(t, app, fx.bobPublished))
	p.checkHead(t, map[string]string{"og:image": "", "og:image:width": "", "twitter:card": "summary"})
	if jsonPath(p.jsonLD, "image") != nil || len(coverImages(p)) != 0 {
		t.Errorf("a post without a cover shows one: %v", jsonPath(p.jsonLD, "image"))
	}

	// the feed carries the cover as Media RSS
	rec := getPage(t, h, "/rss.xml", http.StatusOK)
	var feed struct {
		Items []struct {
			GUID  string `xml:"guid"`
			Media []struct {
				URL    string `xml:"url,attr"`
				Medium string `xml:"medium,attr"`
				Width  string `xml:"width,attr"`
			} `xml:"http://search.yahoo.com/mrss/ content"`
		} `xml:"channel>item"`
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &feed); err != nil {
		t.Fatal(err)
	}
	for _, item := range feed.Items {
		var want []string
		if item.GUID == fx.alicePublished {
			want = []string{blogURL + wide + " image 1200"}
		}
		var got []string
		for _, m := range item.Media {
			got = append(got, m.URL+" "+m.Medium+" "+m.Width)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("feed item %s: media %q, want %q", item.GUID, got, want)
		}
	}

	// the thumbnails are of the sizes the pages give, public
	for target, size := range map[string][2]int{card: {480, 270}, wide: {1200, 630}, file: {64, 36}} {
		rec := send(t, h, http.MethodGet, target, "", "")
		expectCode(t, rec, 200)
		cfg, format, err := image.DecodeConfig(bytes.NewReader(rec.Body.Bytes()))
		if err != nil || format != "png" || cfg.Width != size[0] || cfg.Height != size[1] {
			t.Errorf("%s: %s %dx%d (%v), want png %dx%d", target, format, cfg.Width, cfg.Height, err, size[0], size[1])
		}
		if strings.Contains(rec.Header().Get("Cache-Control"), "private") {
			t.Errorf("%s: Cache-Control %q", target, rec.Header().Get("Cache-Control"))
		}
	}

	// a new cover shows at once
	bobsCover := setCover(t, app, fx.bobPublished)
	p = crawlPage(t, h, "/")
	if imgs := coverImages(p); len(imgs) != 2 || !strings.Contains(attr(imgs[0], "src"), bobsCover) {
		t.Errorf("after bob's new cover the home page shows %d covers", len(imgs))
	}
}

// hasAttribute tells whether n has the attribute key, even empty.
func hasAttribute(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}
