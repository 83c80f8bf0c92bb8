package content_test

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"

	"blogbase/internal/content"
	"blogbase/internal/content/contenttest"
)

// hostileBodies seed the body targets: the classic ways of smuggling
// script past a sanitizer, and markup a summary must see through.
var hostileBodies = []string{
	"<p>Hello, <b>world</b></p>",
	"<script>alert(1)</script><p>after</p>",
	"<SCRIPT SRC=//evil.test/x.js></SCRIPT>",
	`<img src=x onerror=alert(1)>`,
	`<a href="javascript:alert(1)">x</a>`,
	`<a href="JaVaScRiPt&#58;alert(1)">x</a>`,
	`<a href=" &#x6a;avascript:alert(1)">x</a>`,
	"<a href=\"java\tscript:alert(1)\">x</a>",
	"<a href=\"\x01javascript:alert(1)\">x</a>",
	`<a href="vbscript:msgbox(1)">x</a>`,
	`<a href="https://example.com/a?b=1&amp;c=2">x</a><a href="/rel">r</a><a href="mailto:a@b.c">m</a>`,
	`<img src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">`,
	`<blockquote cite="javascript:alert(1)">q</blockquote>`,
	`<svg><script>alert(1)</script></svg>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`<p style="background:url(javascript:alert(1))" onclick="x()">p</p>`,
	`<iframe srcdoc="<script>alert(1)</script>"></iframe>`,
	`<scr<script>ipt>alert(1)</script>`,
	`<!--<script>-->alert(1)`,
	`<![CDATA[<script>alert(1)</script>]]>`,
	`<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`,
	`<xmp><b>x</b></xmp><plaintext><b>y</b>`,
	`<textarea><script>alert(1)</script></textarea><title>t</title>`,
	`<div id="x" class="y" data-x="1" title="t" lang="en" dir="rtl">d</div>`,
	`<code class="language-go">x := 1</code><ol start="3"><li>l</li></ol><td colspan="2">c</td>`,
	`<p>a &lt;b&gt; &amp;amp; &#0; &#x110000; &nosuchentity;</p>`,
	"<h1>Title</h1>\n\n<p>First   paragraph,\twith  spaces.</p><p>Second</p>" + strings.Repeat("<p>word </p>", 60),
	strings.Repeat("长", 250),
	"\x00<p>\xff\xfe</p>",
	"",
}

// FuzzSanitizeBody: whatever an author sends, the stored body can run no
// script when shown as HTML, and sanitizing it again changes nothing.
func FuzzSanitizeBody(f *testing.F) {
	for _, s := range hostileBodies {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		out := content.SanitizeBody(body)
		if problem := contenttest.UnsafeHTML(out); problem != "" {
			t.Fatalf("SanitizeBody(%q) = %q: %s", body, out, problem)
		}
		if again := content.SanitizeBody(out); again != out {
			t.Fatalf("SanitizeBody is not idempotent on %q:\nonce  %q\ntwice %q", body, out, again)
		}
	})
}

// FuzzSummarize: a summary is valid UTF-8 of at most SummaryRunes
// characters (and an ellipsis when cut), for any body. Besides the body
// itself, the target summarizes a body it builds from text (its '<' and
// '&' removed, so that only markup could bring one) inside a tag of the
// fuzzed name with the text as an attribute too: no '<' of the markup may
// reach that summary.
func FuzzSummarize(f *testing.F) {
	for i, s := range hostileBodies {
		tags := []string{"p", "b", "script", "style", "title", "textarea", "xmp", "svg", "a", "img", "br", "noscript", "template"}
		f.Add(s, tags[i%len(tags)], "some words, "+strings.Repeat("more words ", i*3))
	}
	f.Add("", "", "")
	f.Add(strings.Repeat("a ", 300), "iframe", strings.Repeat("x", 400))
	f.Add("<p>"+strings.Repeat("é", 199)+" tail</p>", "h1", "\"quoted\" >gt> 'single'")

	f.Fuzz(func(t *testing.T, body, tag, text string) {
		checkSummary(t, body, content.Summarize(body))
		checkSummary(t, body, content.Summarize(content.SanitizeBody(body)))

		name := strings.Map(func(r rune) rune {
			if r < 'a' || r > 'z' {
				return -1
			}
			return r
		}, strings.ToLower(tag))
		if name == "" {
			name = "b"
		}
		clean := strings.NewReplacer("<", "", "&", "").Replace(text)
		built := "<" + name + ` title="` + html.EscapeString(text) + `">` + clean + "</" + name + ">" + clean
		sanitized := content.SanitizeBody(built)
		for _, in := range []string{built, sanitized} {
			if name == "plaintext" && in == built {
				continue // everything after <plaintext> is text, its end tag too; never in a stored body
			}
			if s := content.Summarize(in); strings.Contains(s, "<") {
				t.Fatalf("Summarize(%q) = %q: markup in the summary", in, s)
			}
		}
	})
}

func checkSummary(t *testing.T, body, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("Summarize(%q) = %q: not valid UTF-8", body, s)
	}
	if n := utf8.RuneCountInString(strings.TrimSuffix(s, "…")); n > content.SummaryRunes {
		t.Fatalf("Summarize(%q) has %d characters, more than %d", body, n, content.SummaryRunes)
	}
	if s != strings.TrimSpace(s) {
		t.Fatalf("Summarize(%q) = %q: surrounding whitespace", body, s)
	}
}

var slugShape = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// FuzzSlug: any title gives a slug of the posts' slug shape, at most
// MaxSlugBase long, which is its own slug.
func FuzzSlug(f *testing.F) {
	for _, s := range []string{
		"Hello, World!", "你好 世界", "Ünïcödé Straße", "---", "___a___b___", "a_-_b", "   ", "",
		"<script>alert(1)</script>", "C++ & Go: 100% fun", "😀🎉", "\x00\xff\xfe",
		strings.Repeat("word ", 40), strings.Repeat("a", 200), strings.Repeat("ab-", 40),
		"abcdefghijklmno", "../../etc/passwd", "ß", "İstanbul", "ﬁ ligature", "Ⅻ", "١٢٣",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, title string) {
		s := content.Slug(title)
		if !slugShape.MatchString(s) {
			t.Fatalf("Slug(%q) = %q: not a slug", title, s)
		}
		if len(s) > content.MaxSlugBase {
			t.Fatalf("Slug(%q) = %q: longer than %d", title, s, content.MaxSlugBase)
		}
		if again := content.Slug(s); again != s {
			t.Fatalf("Slug(%q) = %q, but Slug(%q) = %q", title, s, s, again)
		}
	})
}

// FuzzRenderMarkdown: whatever the Markdown, the body it renders to is
// safe and is stored as rendered (preview and save agree).
func FuzzRenderMarkdown(f *testing.F) {
	for _, s := range hostileBodies {
		f.Add(s)
	}
	for _, s := range []string{
		"# T\n\n**b** *e* `c` ~~s~~ https://example.com",
		"[x](javascript:alert(1)) <javascript:alert(1)> ![i](data:text/html,x)",
		"| a | b |\n|:-|-:|\n| <script>x</script> | [l](vbscript:x) |",
		"> - > 1. > * deep\n\n```html\n<script>alert(1)</script>\n```",
		"<div>\n\n*md inside html*\n\n</div><img src=x onerror=alert(1)>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, source string) {
		out, err := content.RenderMarkdown(source)
		if err != nil {
			return // too long or too complex: refused, nothing stored
		}
		if problem := contenttest.UnsafeHTML(out); problem != "" {
			t.Fatalf("RenderMarkdown(%q) = %q: %s", source, out, problem)
		}
		if again := content.SanitizeBody(out); again != out {
			t.Fatalf("RenderMarkdown(%q) is not stored as rendered:\nrendered %q\nstored   %q", source, out, again)
		}
	})
}
