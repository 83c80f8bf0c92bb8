package search_test

import (
	"strings"
	"testing"

	"blogbase/internal/search"
)

// TestIndexTextConcurrent folds characters no test before it has met from
// several goroutines at once, as concurrent requests do (run with -race).
func TestIndexTextConcurrent(t *testing.T) {
	text := "Ωμέγα Ελληνικά ภาษาไทย ქართული"
	done := make(chan string)
	for range 8 {
		go func() { done <- search.IndexText(text) }()
	}
	want := "ωμεγα ελληνικα ภาษาไทย ქართული"
	for range 8 {
		if got := <-done; got != want {
			t.Errorf("concurrent IndexText = %q, want %q", got, want)
		}
	}
}

func TestIndexText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"chinese run", "久至博客的支付功能", "久至 至博 博客 客的 的支 支付 付功 功能 能"},
		{"one-rune run", "我", "我"},
		{"runes split by punctuation", "博客。客的", "博客 客 客的 的"},
		{"latin words", "Hello, World! It's 2024.", "hello world it s 2024"},
		{"case, diacritics, full width", "Café CAFE ＧＯ Ünïcödé", "cafe cafe go unicode"},
		{"mixed scripts", "Go语言v2", "go 语言 言 v2"},
		{"japanese", "ひらがなとカタカナ", "ひら らが がな なと とカ カタ タカ カナ ナ"},
		{"prolonged and iteration marks", "コーヒー 人々", "コー ーヒ ヒー ー 人々 々"},
		{"korean", "한국어 블로그", "한국 국어 어 블로 로그 그"},
		{"kana keep their voicing", "が", "が"},
		{"decomposed kana composed", "か\u3099", "が"},
		{"half-width kana composed", "ｶﾞｲﾄﾞ", "ガイ イド ド"},
		{"folds to ascii punctuation split", "a＂b ①② ﬁne ½", "a b 12 fine 1 2"},
		{"fold to mixed", "㈱ブログ", "株 ブロ ログ グ"},
		{"squared word", "㍿", "株式 式会 会社 社"},
		{"combining marks stay inside words", "Cafe\u0301s", "cafes"},
		{"devanagari", "नमस्ते दुनिया", "नमसत दनिया"},
		{"soft hyphen and joiners ignored", "pay\u00adments", "payments"},
		{"zero width space separates", "pay\u200bments", "pay ments"},
		{"controls and invalid utf-8 separate", "a\x00b\x1fc\xffd\xc3", "a b c d"},
		{"symbols separate", "a+b=c © d😀e", "a b c d e"},
		{"cyrillic and greek", "Привет ΚΌΣΜΕ", "привет κοσμε"},
		{"empty", "", ""},
		{"nothing but punctuation", " ,.;!? ", ""},
		{"long word cut at 64 bytes", strings.Repeat("x", 100) + " y", strings.Repeat("x", 64) + " y"},
		{"long word cut at a rune boundary", strings.Repeat("x", 63) + "éé", strings.Repeat("x", 63) + "e"},
		{"long word cut inside multi-byte", strings.Repeat("x", 63) + "жж", strings.Repeat("x", 63)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := search.IndexText(tt.in); got != tt.want {
				t.Errorf("IndexText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestIndexTextParts(t *testing.T) {
	got := search.IndexText("Hello 博客", "", "。", "world")
	if want := "hello 博客 客 world"; got != want {
		t.Errorf("IndexText(parts) = %q, want %q", got, want)
	}
	buf := search.AppendIndexText([]byte("title"), "Body text")
	if want := "title body text"; string(buf) != want {
		t.Errorf("AppendIndexText = %q, want %q", buf, want)
	}
}

// TestIndexTextTokens checks that every token is one the ascii tokenizer
// keeps whole: ASCII letters and digits and non-ASCII bytes only.
func TestIndexTextTokens(t *testing.T) {
	var all strings.Builder
	for r := rune(0); r < 0x40000; r++ {
		all.WriteRune(r)
		all.WriteRune(r)
		all.WriteString("a")
	}
	checkTokens(t, search.IndexText(all.String()))
}

func checkTokens(t *testing.T, text string) {
	t.Helper()
	if strings.HasPrefix(text, " ") || strings.HasSuffix(text, " ") || strings.Contains(text, "  ") {
		t.Fatalf("tokens not separated by single spaces: %q", text)
	}
	for i := 0; i < len(text); i++ {
		b := text[i]
		if b >= 0x80 || b == ' ' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' {
			continue
		}
		t.Fatalf("byte %q at %d in %q", b, i, text[max(0, i-20):min(len(text), i+20)])
	}
}
