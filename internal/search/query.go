package search

import (
	"errors"
	"strings"
	"unicode/utf8"
)

var (
	// ErrQueryEmpty is ParseQuery's answer to a query that is empty once
	// trimmed.
	ErrQueryEmpty = errors.New("search: the query is empty")
	// ErrQueryTooLong is ParseQuery's answer to a query longer than
	// MaxQueryRunes characters once trimmed.
	ErrQueryTooLong = errors.New("search: the query is longer than 100 characters")
)

// Query is a reader's search, parsed.
type Query struct {
	// Text is the query as typed, trimmed, with every invalid UTF-8 byte
	// replaced by U+FFFD.
	Text string

	// Match is the FTS5 MATCH expression: every term double-quoted, so
	// nothing the reader types is FTS5 syntax, and the terms ANDed. It is
	// empty when the query holds no word at all ("***", "-"): such a query
	// matches nothing, and must not be run (FTS5 rejects an empty one).
	Match string

	terms []term
}

// term is one thing a query looks for, folded: a word, found whole
// (exact) or as the start of a word (prefix), or a CJK string, found
// anywhere inside a run.
type term struct {
	text   string
	cjk    bool
	prefix bool
}

// ParseQuery parses what a reader typed. Any text of 1 to MaxQueryRunes
// characters once trimmed of spaces is a query, whatever it holds: quotes,
// operators, control characters and invalid UTF-8 are text (and, not being
// letters, separators), never syntax and never an error. Each invalid byte
// counts as one character.
//
// Words of three characters or more are searched as prefixes, so "pay"
// finds "payments"; shorter ones only whole, as a one- or two-letter prefix
// would expand to a large part of the index. A CJK run is searched as a
// substring (see the package documentation).
func ParseQuery(raw string) (Query, error) {
	text := strings.TrimSpace(raw)
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return Query{}, ErrQueryEmpty
	case n > MaxQueryRunes:
		return Query{}, ErrQueryTooLong
	}
	q := Query{Text: validUTF8(text)}

	var match strings.Builder
	seen := make(map[string]bool)
	var cjkText strings.Builder
	scan(text, func(seg *segment) {
		if len(q.terms) == maxTerms {
			return
		}
		var t term
		if seg.cjk {
			cjkText.Reset()
			for _, r := range seg.runes {
				cjkText.WriteString(r.text)
			}
			t = term{text: cjkText.String(), cjk: true, prefix: len(seg.runes) == 1}
		} else {
			t = term{text: string(seg.word), prefix: utf8.RuneCount(seg.word) >= 3}
		}
		expr := t.expr(seg)
		if seen[expr] {
			return
		}
		seen[expr] = true
		q.terms = append(q.terms, t)
		if match.Len() > 0 {
			match.WriteByte(' ')
		}
		match.WriteString(expr)
	})
	q.Match = match.String()
	return q, nil
}

// expr is the term's FTS5 expression: a quoted string (a phrase of the
// run's bigrams for a CJK run), followed by * for a prefix. Tokens never
// hold a double quote; it would be doubled if they did.
func (t term) expr(seg *segment) string {
	var b strings.Builder
	b.WriteByte('"')
	if t.cjk && len(seg.runes) > 1 {
		for i := 1; i < len(seg.runes); i++ {
			if i > 1 {
				b.WriteByte(' ')
			}
			b.WriteString(seg.runes[i-1].text)
			b.WriteString(seg.runes[i].text)
		}
	} else {
		b.WriteString(strings.ReplaceAll(t.text, `"`, `""`))
	}
	b.WriteByte('"')
	if t.prefix {
		b.WriteByte('*')
	}
	return b.String()
}

// validUTF8 replaces every invalid byte of s with U+FFFD.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		b.WriteRune(r) // an invalid byte ranges as one utf8.RuneError
	}
	return b.String()
}
