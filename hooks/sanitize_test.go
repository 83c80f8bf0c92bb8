package hooks

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
	}
	for _, c := range cases {
		if got := sanitizeBody(c.in); got != c.want {
			t.Errorf("%s: sanitizeBody(%q) = %q, want %q", c.name, c.in, got, c.want)
		}
	}
}

func TestSummarizeBody(t *testing.T) {
	t.Parallel()

	if got := summarizeBody(`<h1>Title</h1><p>One&amp;two</p><p>three</p>`); got != "Title One&two three" {
		t.Fatalf("got %q", got)
	}
	if got := summarizeBody(`<p>a<script>hidden()</script></p>`); strings.Contains(got, "hidden") {
		t.Fatalf("script text leaked into the summary: %q", got)
	}
	if got := summarizeBody(""); got != "" {
		t.Fatalf("got %q", got)
	}

	long := summarizeBody("<p>" + strings.Repeat("word ", 100) + "</p>")
	if n := utf8.RuneCountInString(long); n > summaryRunes+1 || !strings.HasSuffix(long, "word…") {
		t.Fatalf("long summary not cut at a word (%d runes): %q", n, long)
	}

	cjk := summarizeBody("<p>" + strings.Repeat("中文", 150) + "</p>")
	if n := utf8.RuneCountInString(cjk); n != summaryRunes+1 || !utf8.ValidString(cjk) {
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
		if got := slugFromTitle(in); got != want {
			t.Errorf("slugFromTitle(%q) = %q, want %q", in, got, want)
		}
	}

	long := slugFromTitle(strings.Repeat("word ", 60))
	if len(long) > maxSlugBase || strings.HasSuffix(long, "-") {
		t.Fatalf("long slug %q (%d bytes)", long, len(long))
	}
}

func TestHasMoreThanTwoDecimals(t *testing.T) {
	t.Parallel()

	for _, ok := range []float64{0, 1, 19.99, 0.1, 0.01, 999999.99, 1.1 + 2.2} {
		if hasMoreThanTwoDecimals(ok) {
			t.Errorf("%v was refused", ok)
		}
	}
	for _, bad := range []float64{0.001, 19.999, 1.005, 0.125} {
		if !hasMoreThanTwoDecimals(bad) {
			t.Errorf("%v was accepted", bad)
		}
	}
}
