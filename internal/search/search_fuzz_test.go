package search_test

import (
	"errors"
	"html"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"blogbase/internal/search"
)

// FuzzParseQuery checks that whatever a reader types, ParseQuery keeps its
// length rule, Match is valid FTS5 that finds the query's own text, and
// Highlight finds it too.
func FuzzParseQuery(f *testing.F) {
	for _, raw := range hostileQueries {
		f.Add(raw)
	}
	for _, d := range corpus[1:] {
		f.Add(d[0])
		f.Add(d[1])
	}
	db := openIndex(f, corpus[1:]...)
	if _, err := db.Exec(`CREATE VIRTUAL TABLE self USING fts5(body, tokenize='ascii')`); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := search.ParseQuery(raw)
		switch n := utf8.RuneCountInString(strings.TrimSpace(raw)); {
		case n == 0:
			if !errors.Is(err, search.ErrQueryEmpty) {
				t.Fatalf("ParseQuery(%q) = %v, want ErrQueryEmpty", raw, err)
			}
			return
		case n > search.MaxQueryRunes:
			if !errors.Is(err, search.ErrQueryTooLong) {
				t.Fatalf("ParseQuery(%q) = %v, want ErrQueryTooLong", raw, err)
			}
			return
		case err != nil:
			t.Fatalf("ParseQuery(%q): %v", raw, err)
		}
		if !utf8.ValidString(q.Text) || utf8.RuneCountInString(q.Text) != utf8.RuneCountInString(strings.TrimSpace(raw)) {
			t.Fatalf("Text = %q for %q", q.Text, raw)
		}
		indexed := search.IndexText(raw)
		checkTokens(t, indexed)
		if (q.Match == "") != (indexed == "") {
			t.Fatalf("Match %q for tokens %q", q.Match, indexed)
		}
		matchRows(t, db, q)
		if q.Match == "" {
			return
		}

		if _, err := db.Exec(`DELETE FROM self`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO self(rowid, body) VALUES (1, ?)`, indexed); err != nil {
			t.Fatal(err)
		}
		var found int
		if err := db.QueryRow(`SELECT count(*) FROM self WHERE self MATCH ?`, q.Match).Scan(&found); err != nil {
			t.Fatalf("MATCH %q: %v", q.Match, err)
		}
		if found != 1 {
			t.Fatalf("%q (MATCH %q) does not find its own text, indexed as %q", raw, q.Match, indexed)
		}
		if _, matched := q.Highlight(raw, 0); !matched {
			t.Fatalf("%q (MATCH %q) does not highlight its own text", raw, q.Match)
		}
	})
}

// FuzzHighlight checks that an excerpt is well-formed HTML whatever the
// text and the query: balanced, unnested marks and nothing else unescaped,
// and text from the source.
func FuzzHighlight(f *testing.F) {
	f.Add("script", "<script>alert(1)</script> payments", 0)
	f.Add("博客", "久至博客的支付功能", 5)
	f.Add("cafe", "Le café, LE CAFÉ & \"co\"", 8)
	f.Add("ab", "ab\x00\x01ab\xff", 3)
	f.Add("ガイド", "ｶﾞｲﾄﾞです", 2)
	f.Add("a b", strings.Repeat("a b ", 100)+"…", 20)
	for _, raw := range hostileQueries {
		f.Add(raw, raw+" "+raw, 10)
	}
	f.Fuzz(func(t *testing.T, query, text string, maxRunes int) {
		q, err := search.ParseQuery(query)
		if err != nil {
			return
		}
		maxRunes %= 300
		excerpt, matched := q.Highlight(text, maxRunes)
		if !utf8.ValidString(excerpt) {
			t.Fatalf("invalid UTF-8 in %q", excerpt)
		}

		var plain strings.Builder
		open, marks := false, 0
		for rest := excerpt; rest != ""; {
			switch {
			case strings.HasPrefix(rest, "<mark>"):
				if open {
					t.Fatalf("nested <mark> in %q", excerpt)
				}
				open, rest = true, rest[len("<mark>"):]
				marks++
			case strings.HasPrefix(rest, "</mark>"):
				if !open {
					t.Fatalf("</mark> without <mark> in %q", excerpt)
				}
				open, rest = false, rest[len("</mark>"):]
			default:
				i := strings.IndexByte(rest, '<')
				if i == 0 {
					t.Fatalf("unescaped < in %q", excerpt)
				}
				if i < 0 {
					i = len(rest)
				}
				plain.WriteString(rest[:i])
				rest = rest[i:]
			}
		}
		if open {
			t.Fatalf("unclosed <mark> in %q", excerpt)
		}
		if strings.Contains(excerpt, "<mark></mark>") {
			t.Fatalf("empty mark in %q", excerpt)
		}
		if marks > 0 && !matched {
			t.Fatalf("marks but not matched: %q", excerpt)
		}
		escaped := plain.String()
		if strings.ContainsAny(escaped, `>"'`) {
			t.Fatalf("unescaped character in %q", excerpt)
		}
		unescaped := html.UnescapeString(escaped)
		if html.EscapeString(unescaped) != escaped {
			t.Fatalf("not html.EscapeString's escaping: %q", excerpt)
		}

		source := printable(text)
		if maxRunes <= 0 || utf8.RuneCountInString(source) <= maxRunes {
			if unescaped != source {
				t.Fatalf("whole excerpt %q of %q", unescaped, source)
			}
			return
		}
		ok := false
		for _, cut := range []string{unescaped, strings.TrimPrefix(unescaped, "…"), strings.TrimSuffix(unescaped, "…"),
			strings.TrimSuffix(strings.TrimPrefix(unescaped, "…"), "…")} {
			if strings.Contains(source, cut) {
				ok = true
				break
			}
		}
		if !ok {
			t.Fatalf("excerpt %q is no part of %q", unescaped, source)
		}
		if n := utf8.RuneCountInString(unescaped); n > maxRunes+16+2 {
			t.Fatalf("excerpt of %d characters for %d: %q", n, maxRunes, unescaped)
		}
	})
}

// printable is the text Highlight shows: invalid UTF-8 as U+FFFD, control
// characters but tab and newline as spaces.
func printable(s string) string {
	return strings.Map(func(r rune) rune { // an invalid byte maps as one utf8.RuneError
		if unicode.IsControl(r) && r != '\t' && r != '\n' {
			return ' '
		}
		return r
	}, s)
}
