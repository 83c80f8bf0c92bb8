package hooks

import (
	"html/template"
	"testing"
)

// TestMarkedHTML checks the highlights a page inserts as markup: text
// and <mark> only, else the whole highlight shown as text.
func TestMarkedHTML(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		highlight string
		want      template.HTML
	}{
		{"", ""},
		{"plain text", "plain text"},
		{"<mark>Payments</mark> &lt;script&gt;alert(1)&lt;/script&gt;", "<mark>Payments</mark> &lt;script&gt;alert(1)&lt;/script&gt;"},
		{"a <mark>b</mark> c <mark>d</mark>", "a <mark>b</mark> c <mark>d</mark>"},
		{"久至<mark>博客</mark>的支付", "久至<mark>博客</mark>的支付"},
		{"x > y &amp; z", "x > y &amp; z"},
		// anything else is text
		{"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"<mark>a</mark><b>b</b>", "&lt;mark&gt;a&lt;/mark&gt;&lt;b&gt;b&lt;/b&gt;"},
		{`<mark onclick="x">a</mark>`, "&lt;mark onclick=&#34;x&#34;&gt;a&lt;/mark&gt;"},
		{"<MARK>a</MARK>", "&lt;MARK&gt;a&lt;/MARK&gt;"},
		{"<mark>a", "&lt;mark&gt;a"},
		{"a</mark>", "a&lt;/mark&gt;"},
		{"<mark><mark>a</mark></mark>", "&lt;mark&gt;&lt;mark&gt;a&lt;/mark&gt;&lt;/mark&gt;"},
		{"<mark>a</mark", "&lt;mark&gt;a&lt;/mark"},
		{"a <", "a &lt;"},
		{"<!-- x -->", "&lt;!-- x --&gt;"},
		{"<mark>a</mark><img src=x onerror=alert(1)>", "&lt;mark&gt;a&lt;/mark&gt;&lt;img src=x onerror=alert(1)&gt;"},
		{"\xff<mark>a</mark>", "\uFFFD<mark>a</mark>"},
	} {
		if got := markedHTML(c.highlight); got != c.want {
			t.Errorf("markedHTML(%q) = %q, want %q", c.highlight, got, c.want)
		}
	}
}
