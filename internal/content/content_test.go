package content

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitizeBody(t *testing.T) {
	t.Parallel()

	cases := []struct {
		name, in, want string
	}{
		{"script element", `<p>a<script>alert(1)</script>b</p>`, `<p>ab</p>`},
		{"event handler", `<p onclick="x()" onmouseover="y()">a</p>`, `<p>a</p>`},
		{"javascript link", `<a href="javascript:alert(1)">x</a>`, `x`},
		{"data URL image", `<img src="data:text/html;base64,PHNjcmlwdD4=">`, ``},
		{"vbscript link", `<a href="vbscript:msgbox(1)">x</a>`, `x`},
		{"iframe", `<iframe src="https://evil.example"></iframe>ok`, `ok`},
		{"style attribute", `<p style="background:url(javascript:x)">a</p>`, `<p>a</p>`},
		{"svg with script", `<svg><script>alert(1)</script></svg>ok`, `ok`},
		{"external link", `<a href="https://example.com/a">x</a>`, `<a href="https://example.com/a" rel="nofollow noopener" target="_blank">x</a>`},
		{"relative link", `<a href="/posts/x">x</a>`, `<a href="/posts/x" rel="nofollow">x</a>`},
		{"blog markup", `<h2>T</h2><ul><li>a</li></ul><blockquote>q</blockquote><pre><code class="language-go">x := 1</code></pre><table><tr><td>c</td></tr></table>`,
			`<h2>T</h2><ul><li>a</li></ul><blockquote>q</blockquote><pre><code class="language-go">x := 1</code></pre><table><tr><td>c</td></tr></table>`},
		{"foreign class", `<code class="evil">x</code>`, `<code>x</code>`},
		{"id attribute (DOM clobbering)", `<p id="location">a</p><img src="/a.png" name="x" id="y">`, `<p>a</p><img src="/a.png">`},
		{"form elements", `<form action="https://evil.example"><input name="q"><button>go</button></form>`, `go`},
		{"image size", `<img src="/a.png" alt="A" width="640" height="50%" onload="x()">`, `<img src="/a.png" alt="A" width="640" height="50%">`},
	}
	for _, c := range cases {
		if got := SanitizeBody(c.in); got != c.want {
			t.Errorf("%s: SanitizeBody(%q) = %q, want %q", c.name, c.in, got, c.want)
		}
	}
}

func TestSummarizeBody(t *testing.T) {
	t.Parallel()

	if got := Summarize(`<h1>Title</h1><p>One&amp;two</p><p>three</p>`); got != "Title One&two three" {
		t.Fatalf("got %q", got)
	}
	if got := Summarize(`<p>Read <a href="/x">this</a>. And <b>bold</b>, done. H<sub>2</sub>O.</p><p>Next</p><ul><li>one</li><li>two</li></ul>a<br>b`); got != "Read this. And bold, done. H2O. Next one two a b" {
		t.Fatalf("inline and block elements: %q", got)
	}
	if got := Summarize(`<p>a<script>hidden()</script></p>`); strings.Contains(got, "hidden") {
		t.Fatalf("script text leaked into the summary: %q", got)
	}
	if got := Summarize(""); got != "" {
		t.Fatalf("got %q", got)
	}

	long := Summarize("<p>" + strings.Repeat("word ", 100) + "</p>")
	if n := utf8.RuneCountInString(long); n > SummaryRunes+1 || !strings.HasSuffix(long, "word…") {
		t.Fatalf("long summary not cut at a word (%d runes): %q", n, long)
	}

	cjk := Summarize("<p>" + strings.Repeat("中文", 150) + "</p>")
	if n := utf8.RuneCountInString(cjk); n != SummaryRunes+1 || !utf8.ValidString(cjk) {
		t.Fatalf("CJK summary has %d runes or is not valid UTF-8: %q", n, cjk)
	}
}

func TestSlugFromTitle(t *testing.T) {
	t.Parallel()

	cases := map[string]string{
		"Hello, World!":          "hello-world",
		"你好 世界":                  "ni-hao-shi-jie",
		"  Go 1.26 — what's new": "go-1-26-whats-new",
		"!!!":                    "post",
		"":                       "post",
	}
	for in, want := range cases {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}

	long := Slug(strings.Repeat("word ", 60))
	if len(long) > MaxSlugBase || strings.HasSuffix(long, "-") {
		t.Fatalf("long slug %q (%d bytes)", long, len(long))
	}
}

func TestLooksLikeRecordId(t *testing.T) {
	t.Parallel()

	if !LooksLikeRecordId("abcdefghij12345") || LooksLikeRecordId("abcdefghij-1234") || LooksLikeRecordId("abcdefghij1234") {
		t.Fatal("record id shape misjudged")
	}
	if SlugCandidate("a", 1) != "a" || SlugCandidate("a", 3) != "a-3" {
		t.Fatal("slug candidates")
	}
}
