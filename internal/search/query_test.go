package search_test

import (
	"database/sql"
	"errors"
	"slices"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"blogbase/internal/search"
)

// openIndex returns an in-memory FTS5 table t(title, body) as blogbase
// declares it, holding docs (title, body pairs) as rows 1, 2, ...
func openIndex(tb testing.TB, docs ...[2]string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		tb.Fatal(err)
	}
	db.SetMaxOpenConns(1) // every connection to :memory: is a database of its own
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='ascii')`); err != nil {
		tb.Fatal(err)
	}
	for i, d := range docs {
		if _, err := db.Exec(`INSERT INTO t(rowid, title, body) VALUES (?, ?, ?)`, i+1, search.IndexText(d[0]), search.IndexText(d[1])); err != nil {
			tb.Fatal(err)
		}
	}
	return db
}

// matchRows returns the rows q matches, nil for an empty Match.
func matchRows(tb testing.TB, db *sql.DB, q search.Query) []int {
	tb.Helper()
	if q.Match == "" {
		return nil
	}
	rows, err := db.Query(`SELECT rowid FROM t WHERE t MATCH ? ORDER BY rowid`, q.Match)
	if err != nil {
		tb.Fatalf("MATCH %q: %v", q.Match, err)
	}
	defer rows.Close()
	var ids []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			tb.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("MATCH %q: %v", q.Match, err)
	}
	return ids
}

var corpus = [][2]string{
	1: {"久至博客的支付功能", "支付宝和微信支付都可以使用。"},
	2: {"博客。客的", "标点隔开的两段"},
	3: {"ひらがなとカタカナのブログ", "コーヒーが好きです"},
	4: {"한국어 블로그", "결제 기능을 소개합니다"},
	5: {"Accepting payments", "We take card payments and refunds."},
	6: {"Café notes", "CAFÉ ＧＯ Ünïcödé"},
	7: {"Go语言入门", "学习Go语言"},
	8: {"Or near and not", "the words of the query syntax"},
	9: {"Paying it forward", "go or stay"},
}

func TestQueryMatches(t *testing.T) {
	db := openIndex(t, corpus[1:]...)
	tests := []struct {
		q    string
		want []int
	}{
		{"博客", []int{1, 2}},
		{"至博客", []int{1}},
		{"博客的支", []int{1}},
		{"博客的", []int{1}}, // 博客。客的 is two runs
		{"客的", []int{1, 2}},
		{"博", []int{1, 2}},
		{"能", []int{1}},   // a run's last character
		{"的支付", []int{1}}, // title only
		{"支付 微信", []int{1}},
		{"がなとカタ", []int{3}},
		{"カタカナ", []int{3}},
		{"コーヒー", []int{3}},
		{"블로그", []int{4}},
		{"국어", []int{4}},
		{"pay", []int{5, 9}},
		{"payments", []int{5}},
		{"PAYMENTS", []int{5}},
		{"payment", []int{5}},
		{"refund", []int{5}},
		{"pa", nil}, // two letters: whole words only
		{"go", []int{6, 7, 9}},
		{"cafe", []int{6}},
		{"CAFÉ", []int{6}},
		{"ｃａｆｅ", []int{6}},
		{"unicode", []int{6}},
		{"Go语言", []int{7}},
		{"语言", []int{7}},
		{"OR", []int{8, 9}},
		{"NEAR", []int{8}},
		{"AND", []int{5, 8}},
		{"NOT", []int{6, 8}}, // notes
		{"a OR b", nil},
		{"stay OR", []int{9}},
		{"博客。客的", []int{1, 2}}, // both runs, anywhere
		{"博客 nothing", nil},
		{"xyz", nil},
	}
	for _, tt := range tests {
		q, err := search.ParseQuery(tt.q)
		if err != nil {
			t.Errorf("ParseQuery(%q): %v", tt.q, err)
			continue
		}
		if got := matchRows(t, db, q); !slices.Equal(got, tt.want) {
			t.Errorf("%q (MATCH %q) found %v, want %v", tt.q, q.Match, got, tt.want)
		}
	}
}

func TestQueryMatch(t *testing.T) {
	tests := []struct{ q, want string }{
		{"go", `"go"`},
		{"pay", `"pay"*`},
		{"Café Payments", `"cafe" "payments"*`},
		{"payments café", `"payments" "cafe"*`},
		{"payments 博客", `"payments" "博客"`},
		{"博客", `"博客"`},
		{"久至博客", `"久至 至博 博客"`},
		{"博", `"博"*`},
		{"Go语言", `"go" "语言"`},
		{`"unbalanced`, `"unbalanced"*`},
		{`NEAR(a b)`, `"near" "a" "b"`},
		{`col:term`, `"col" "term"*`},
		{`go go GO pay`, `"go" "pay"*`},
		{"go go GO", `"go"`},
		{"***", ``},
		{"a b c d e f g h i j k l m n", `"a" "b" "c" "d" "e" "f" "g" "h" "i" "j" "k" "l"`},
	}
	for _, tt := range tests {
		q, err := search.ParseQuery(tt.q)
		if err != nil {
			t.Errorf("ParseQuery(%q): %v", tt.q, err)
			continue
		}
		if q.Match != tt.want {
			t.Errorf("ParseQuery(%q).Match = %q, want %q", tt.q, q.Match, tt.want)
		}
	}
}

// hostileQueries are what readers may type that is FTS5 syntax, or no
// text at all; none may reach the engine as anything but text.
var hostileQueries = []string{
	`"`, `""`, `"unbalanced`, `unbalanced"`, `*`, `a*`, `*a`, `-foo`, `foo -bar`,
	`NEAR(a b)`, `NEAR(a b, 2)`, `a OR b`, `a AND b`, `NOT a`, `AND`, `NOT`, `OR`, `NEAR`,
	`(`, `)`, `()`, `{`, `}`, `{title body}: x`, `:`, `^`, `^a`, `+`, `a + b`, `col:term`, `title:x`,
	`title : x`, `- title:x`, `"a" * "b"`, `'`, `\`, `a"b`, `a""b`, `%`, `_`, `;`, `'); DROP TABLE t; --`,
	"\x00", "a\x00b", "\x01\x02\x1f\x7f", "\t\n\r", "\u0085", "\u200b", "\u202e", "\ufeff",
	"\xff", "\xc3", "a\xffb", "\xed\xa0\x80", "博\xff客",
	"①", "ﬁ", "＂", "＊", "（", "㈱", "ﾞ", "\u3099",
	strings.Repeat("a", 100), strings.Repeat("博", 100), strings.Repeat("a ", 50),
	strings.Repeat("x", 99) + "*",
}

func TestQueryHostile(t *testing.T) {
	db := openIndex(t, corpus[1:]...)
	for _, raw := range hostileQueries {
		q, err := search.ParseQuery(raw)
		if err != nil {
			if strings.TrimSpace(raw) != "" {
				t.Errorf("ParseQuery(%q): %v", raw, err)
			}
			continue
		}
		matchRows(t, db, q)
	}
	for _, raw := range []string{"", "   ", "\t\n", "\u3000", "\u00a0"} {
		if _, err := search.ParseQuery(raw); !errors.Is(err, search.ErrQueryEmpty) {
			t.Errorf("ParseQuery(%q) = %v, want ErrQueryEmpty", raw, err)
		}
	}
	for _, raw := range []string{strings.Repeat("a", 101), strings.Repeat("博", 101), strings.Repeat("\xff", 101)} {
		if _, err := search.ParseQuery(raw); !errors.Is(err, search.ErrQueryTooLong) {
			t.Errorf("ParseQuery(%q) = %v, want ErrQueryTooLong", raw, err)
		}
	}
	if q, err := search.ParseQuery("  " + strings.Repeat("a", 100) + "\n"); err != nil || q.Text != strings.Repeat("a", 100) {
		t.Errorf("100 characters with spaces around: %q, %v", q.Text, err)
	}
	if q, _ := search.ParseQuery("a\xffb"); q.Text != "a\ufffdb" {
		t.Errorf("Text = %q, want invalid UTF-8 replaced", q.Text)
	}
}

func TestQueryFoldsCaseFully(t *testing.T) {
	db := openIndex(t, [2]string{"Ο λόγος", "Ο κόσμος είναι ωραίος. Straße und Fußball."})
	for _, q := range []string{"ΛΌΓΟΣ", "λογοσ", "ΚΟΣΜΟΣ", "STRASSE", "strasse", "FUSSBALL", "straße"} {
		parsed, err := search.ParseQuery(q)
		if err != nil {
			t.Fatal(err)
		}
		if got := matchRows(t, db, parsed); len(got) != 1 {
			t.Errorf("%q found %v", q, got)
		}
		if _, matched := parsed.Highlight("Ο λόγος: Ο κόσμος είναι ωραίος. Straße und Fußball.", 0); !matched {
			t.Errorf("%q not highlighted", q)
		}
	}
}
