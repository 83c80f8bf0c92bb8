package search_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"blogbase/internal/search"
)

func TestHighlight(t *testing.T) {
	tests := []struct {
		name, q, text, want string
		matched             bool
	}{
		{"escapes everything else", "script", "<script>alert(1)</script> payments",
			"&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt; payments", true},
		{"prefix marks the whole word", "pay", `Payments & "refunds"`,
			"<mark>Payments</mark> &amp; &#34;refunds&#34;", true},
		{"exact short word", "go", "Go gopher go!", "<mark>Go</mark> gopher <mark>go</mark>!", true},
		{"diacritics", "cafe", "Le café, LE CAFÉ", "Le <mark>café</mark>, LE <mark>CAFÉ</mark>", true},
		{"combining mark stays in the mark", "cafe", "cafe\u0301!", "<mark>cafe\u0301</mark>!", true},
		{"full width", "go", "ＧＯ言語", "<mark>ＧＯ</mark>言語", true},
		{"cjk substring inside a run", "博客", "久至博客的支付功能", "久至<mark>博客</mark>的支付功能", true},
		{"single cjk rune", "支", "支付宝和微信支付", "<mark>支</mark>付宝和微信<mark>支</mark>付", true},
		{"overlapping cjk matches merge", "哈哈", "哈哈哈！", "<mark>哈哈哈</mark>！", true},
		{"touching terms merge", "博客 的", "博客的", "<mark>博客的</mark>", true},
		{"not across runs", "博客的", "博客。客的", "博客。客的", false},
		{"kana", "カタカナ", "ひらがなとカタカナ", "ひらがなと<mark>カタカナ</mark>", true},
		{"half-width kana", "ガイド", "ｶﾞｲﾄﾞです", "<mark>ｶﾞｲﾄﾞ</mark>です", true},
		{"hangul", "블로그", "한국어 블로그입니다", "한국어 <mark>블로그</mark>입니다", true},
		{"mixed", "Go语言", "学习Go语言", "学习<mark>Go语言</mark>", true},
		{"no match", "zzz", "a < b", "a &lt; b", false},
		{"controls and invalid utf-8", "ab", "ab\x00\x01ab\xff", "<mark>ab</mark>  <mark>ab</mark>\ufffd", true},
		{"operators are words", "or", "this OR that", "this <mark>OR</mark> that", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := search.ParseQuery(tt.q)
			if err != nil {
				t.Fatal(err)
			}
			got, matched := q.Highlight(tt.text, 0)
			if got != tt.want || matched != tt.matched {
				t.Errorf("Highlight(%q) = %q, %v; want %q, %v", tt.text, got, matched, tt.want, tt.matched)
			}
		})
	}
}

func TestHighlightWindow(t *testing.T) {
	filler := strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", 40)
	text := filler + "The payments page lists every refund. " + filler
	q, _ := search.ParseQuery("payments")

	got, matched := q.Highlight(text, 100)
	if !matched || !strings.Contains(got, "<mark>payments</mark>") {
		t.Fatalf("window misses the match: %q", got)
	}
	if !strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "…") {
		t.Errorf("window not marked as cut at both ends: %q", got)
	}
	plain := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(got)
	if n := utf8.RuneCountInString(plain); n < 80 || n > 110 {
		t.Errorf("window of %d characters for 100: %q", n, got)
	}
	inner := strings.TrimSuffix(strings.TrimPrefix(plain, "…"), "…")
	if !strings.Contains(text, inner) {
		t.Errorf("window is no part of the text: %q", inner)
	}
	for _, w := range strings.Fields(inner) {
		if !strings.Contains(" "+text+" ", " "+w+" ") && !strings.Contains(text, " "+w+" ") {
			t.Errorf("window cuts a word: %q in %q", w, inner)
		}
	}
	if i := strings.Index(plain, "payments"); i > len(plain)/2 {
		t.Errorf("match not near the start of the window: %q", got)
	}

	// at the start: no leading …
	got, _ = q.Highlight("payments "+filler, 50)
	if !strings.HasPrefix(got, "<mark>payments</mark> Lorem") || !strings.HasSuffix(got, "…") {
		t.Errorf("window at the start = %q", got)
	}
	// at the end: the window fills up with what is before
	got, _ = q.Highlight(filler+"payments", 50)
	if !strings.HasSuffix(got, "<mark>payments</mark>") || utf8.RuneCountInString(got) < 50 {
		t.Errorf("window at the end = %q", got)
	}
	// no match: the start of the text
	none, _ := search.ParseQuery("zzz")
	got, matched = none.Highlight(filler, 30)
	if matched || got != "Lorem ipsum dolor sit amet,…" {
		t.Errorf("window without a match = %q, %v", got, matched)
	}
	// short enough: whole
	if got, _ := q.Highlight("short payments", 50); got != "short <mark>payments</mark>" {
		t.Errorf("short text = %q", got)
	}
	// CJK has no word boundaries: cut anywhere
	cjk := strings.Repeat("这是一段很长的中文文本，", 20) + "支付功能" + strings.Repeat("这是一段很长的中文文本，", 20)
	zq, _ := search.ParseQuery("支付")
	got, _ = zq.Highlight(cjk, 40)
	if !strings.Contains(got, "<mark>支付</mark>") || !strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "…") {
		t.Errorf("CJK window = %q", got)
	}
	if n := utf8.RuneCountInString(got); n > 40+2+len("<mark></mark>") {
		t.Errorf("CJK window of %d characters = %q", n, got)
	}
}
