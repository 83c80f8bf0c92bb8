package content

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRenderMarkdown(t *testing.T) {
	t.Parallel()

	cases := []struct {
		name, in, want string
	}{
		{"paragraphs and headings", "# Title\n\nOne line\nsame paragraph.\n\nSecond.",
			"<h1>Title</h1>\n<p>One line\nsame paragraph.</p>\n<p>Second.</p>\n"},
		{"emphasis", "**bold** and *em* and `code`", "<p><strong>bold</strong> and <em>em</em> and <code>code</code></p>\n"},
		{"image", "![a cat](/api/files/postImages/x/cat.png)", `<p><img src="/api/files/postImages/x/cat.png" alt="a cat"></p>` + "\n"},
		{"strikethrough", "~~gone~~", "<p><del>gone</del></p>\n"},
		{"autolink", "see https://example.com/a now", `<p>see <a href="https://example.com/a" rel="nofollow noopener" target="_blank">https://example.com/a</a> now</p>` + "\n"},
		{"table with alignment", "| a | b |\n|:--|--:|\n| 1 | 2 |",
			"<table>\n<thead>\n<tr>\n<th align=\"left\">a</th>\n<th align=\"right\">b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td align=\"left\">1</td>\n<td align=\"right\">2</td>\n</tr>\n</tbody>\n</table>\n"},
		{"fenced code", "```go\nx := 1\n```", "<pre><code class=\"language-go\">x := 1\n</code></pre>\n"},
		{"lists", "- a\n- b\n\n1. c", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<ol>\n<li>c</li>\n</ol>\n"},
		{"quote", "> said", "<blockquote>\n<p>said</p>\n</blockquote>\n"},
		{"raw HTML kept when safe", "<mark>hi</mark> there", "<p><mark>hi</mark> there</p>\n"},
		{"raw script dropped", "a <script>alert(1)</script> b\n\n<script>\nalert(2)\n</script>", "<p>a  b</p>\n"},
		{"event handler dropped", `<img src="/a.png" onerror="alert(1)">`, `<img src="/a.png">`},
		{"javascript link dropped", "[x](javascript:alert(1))", "<p>x</p>\n"},
		{"javascript autolink dropped", "<javascript:alert(1)>", "<p>javascript:alert(1)</p>\n"},
		{"Chinese", "## 久至博客\n\n支付功能", "<h2>久至博客</h2>\n<p>支付功能</p>\n"},
	}
	for _, c := range cases {
		got, err := RenderMarkdown(c.in)
		if err != nil {
			t.Errorf("%s: RenderMarkdown(%q): %v", c.name, c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s: RenderMarkdown(%q)\n got %q\nwant %q", c.name, c.in, got, c.want)
		}
		if again := SanitizeBody(got); again != got {
			t.Errorf("%s: the rendered body is not stored as rendered:\n%q\n%q", c.name, got, again)
		}
	}
}

func TestRenderMarkdownLimits(t *testing.T) {
	t.Parallel()

	if _, err := RenderMarkdown(strings.Repeat("a", MaxMarkdownLength+1)); !errors.Is(err, ErrMarkdownTooLong) {
		t.Errorf("a source over MaxMarkdownLength: err = %v, want ErrMarkdownTooLong", err)
	}
	if _, err := RenderMarkdown(strings.Repeat("字", MaxMarkdownLength)); err != nil {
		t.Errorf("MaxMarkdownLength characters of three bytes each: %v", err)
	}

	// nesting past MaxNesting is text, whatever the markers
	for _, marker := range []string{">", "> ", "- ", "* ", "1. ", "2) ", "> - ", "> 1. "} {
		src := strings.Repeat(marker, 10*MaxNesting) + "deep"
		got, err := RenderMarkdown(src)
		if err != nil {
			t.Errorf("nested %q: %v", marker, err)
			continue
		}
		opened := strings.Count(got, "<blockquote>") + strings.Count(got, "<li>")
		if opened > MaxNesting || opened == 0 {
			t.Errorf("nested %q: %d levels opened, want 1..%d", marker, opened, MaxNesting)
		}
		if !strings.Contains(got, "deep") {
			t.Errorf("nested %q: the text is lost: %q", marker, got)
		}
	}
	if got, _ := RenderMarkdown(strings.Repeat(">", MaxNesting) + " kept"); strings.Count(got, "<blockquote>") != MaxNesting {
		t.Errorf("MaxNesting quotes: %d opened, want all %d", strings.Count(got, "<blockquote>"), MaxNesting)
	}

	// a table past MaxTableCells reads as a paragraph; one within it is a table
	wide := "|" + strings.Repeat("h|", 1000) + "\n|" + strings.Repeat("-|", 1000) + "\n" + strings.Repeat("x\n", MaxTableCells/1000+1)
	if got, _ := RenderMarkdown(wide); strings.Contains(got, "<table>") {
		t.Errorf("a table of more than MaxTableCells cells was rendered as one")
	}
	quoted := "> |a|b|\n> |-|-|\n" + strings.Repeat("> x\n", MaxTableCells/2+1)
	if got, _ := RenderMarkdown(quoted); strings.Contains(got, "<table>") {
		t.Errorf("a quoted table of more than MaxTableCells cells was rendered as one")
	}
	// nesting built over several lines, by indentation, is refused
	var deep strings.Builder
	for level := range MaxNesting + 1 {
		deep.WriteString(strings.Repeat("  ", level) + "- item\n")
	}
	if _, err := RenderMarkdown(deep.String()); !errors.Is(err, ErrMarkdownTooDeep) {
		t.Errorf("%d lists nested by indentation: err = %v, want ErrMarkdownTooDeep", MaxNesting+1, err)
	}
	var mixed strings.Builder
	for level := range MaxNesting + 1 {
		mixed.WriteString(strings.Repeat("  ", level) + "> - x\n")
	}
	if _, err := RenderMarkdown(mixed.String()); err != nil && !errors.Is(err, ErrMarkdownTooDeep) {
		t.Errorf("quotes and lists nested by indentation: %v", err)
	}

	// a parse past its deadline stops, at the next block or inline mark
	if _, err := render("a [link](/x) *and* more", time.Now().Add(-time.Second)); !errors.Is(err, ErrMarkdownTooComplex) {
		t.Errorf("a render past its deadline: err = %v, want ErrMarkdownTooComplex", err)
	}

	// a reference used over and over writes its address each time: the
	// render stops at four times MaxBodySize, long before gigabytes
	longRef := "[x]: /" + strings.Repeat("a", 100_000) + "\n\n" + strings.Repeat("[x]", 10_000)
	if _, err := RenderMarkdown(longRef); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("a long reference used 10,000 times: err = %v, want ErrBodyTooLarge", err)
	}

	// the parser's whole-document passes are bounded by what they go over
	pipes := "|" + strings.Repeat("a|", 100) + "\n|" + strings.Repeat("-|", 100) + "\n" + strings.Repeat("|"+strings.Repeat("`\\|`|", 100)+"\n", 21)
	if _, err := RenderMarkdown(pipes); !errors.Is(err, ErrMarkdownTooComplex) {
		t.Errorf("%d escaped pipes: err = %v, want ErrMarkdownTooComplex", strings.Count(pipes, `\|`), err)
	}
	refs := strings.Repeat("[a]:b\n", MaxReferenceDefinitions+1) + "x\n"
	if _, err := RenderMarkdown(refs); !errors.Is(err, ErrMarkdownTooComplex) {
		t.Errorf("%d reference definitions: err = %v, want ErrMarkdownTooComplex", MaxReferenceDefinitions+1, err)
	}
	if got, err := RenderMarkdown("[go][]\n\n[go]: https://go.dev\n> [q]: /q\n"); err != nil || !strings.Contains(got, `href="https://go.dev"`) {
		t.Errorf("a few reference definitions: %q, %v", got, err)
	}

	// a body over MaxBodySize once rendered is refused by its source
	if _, err := RenderMarkdown(strings.Repeat("😀", MaxMarkdownLength)); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("a source rendering over MaxBodySize: err = %v, want ErrBodyTooLarge", err)
	}

	small := "|a|b|\n|-|-|\n" + strings.Repeat("x\n", 100)
	if got, _ := RenderMarkdown(small); strings.Count(got, "<td>") != 200 {
		t.Errorf("a table of 2×100 cells: %d cells rendered", strings.Count(got, "<td>"))
	}
}

func TestIsBlank(t *testing.T) {
	t.Parallel()

	for _, body := range []string{"", " \n\t", "<p></p>", "<br>", "<p><br></p>", "<p>&nbsp;</p>", "<p>\u200b</p>", "<h1> </h1><div></div>", "<!-- x -->",
		`<img alt="">`, `<img title="x">`, `<table><tr><td><img alt=""></td></tr></table>`, "<p>\u3164\u115f\uffa0\u2800\u17b4\u034f\x00</p>"} {
		if !IsBlank(body) {
			t.Errorf("IsBlank(%q) = false, want true", body)
		}
	}
	for _, body := range []string{"<p>a</p>", "x", `<img src="/a.png">`, `<img alt="" src="/a.png">`, "<p>字</p>", "<pre><code>0</code></pre>", "<p>ก่</p>", "<p>é</p>"} {
		if IsBlank(body) {
			t.Errorf("IsBlank(%q) = true, want false", body)
		}
	}
}
