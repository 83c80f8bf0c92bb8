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

	// Whole is Match with its last word searched whole, when that word is
	// a prefix longer than the index keeps prefixes of (see Find); "" when
	// there is no such word.
	Whole string

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
// Words are searched whole, but for the last one, when it ends the query
// and has three characters or more: it is searched as a prefix, so "pay"
// finds "payments" and a query is found while it is being typed. (A
// prefix is a merge of every word it starts, which FTS5 builds whole
// before it can stop at the first results; the index keeps the 3- and
// 4-character prefixes ready, and a longer prefix of the last word
// matches few words. A one- or two-letter prefix would expand to a large
// part of the index.) A CJK run is searched as a substring (see the
// package documentation).
func ParseQuery(raw string) (Query, error) {
	text := strings.TrimSpace(raw)
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return Query{}, ErrQueryEmpty
	case n > MaxQueryRunes:
		return Query{}, ErrQueryTooLong
	}
	q := Query{Text: validUTF8(text)}

	// the terms first, each with its expression: whether a word is a
	// prefix depends on whether another word follows it
	type candidate struct {
		t    term
		expr string
	}
	var found []candidate
	lastWord := -1
	var cjkText strings.Builder
	scan(text, func(seg *segment) {
		var t term
		if seg.cjk {
			cjkText.Reset()
			for _, r := range seg.runes {
				cjkText.WriteString(r.text)
			}
			t = term{text: cjkText.String(), cjk: true, prefix: len(seg.runes) == 1}
		} else {
			t = term{text: string(seg.word)}
			lastWord = len(found)
		}
		found = append(found, candidate{t, t.expr(seg)})
	})
	// the last word, if it is the query's last term, is the one a reader
	// may still be typing
	if lastWord >= 0 && lastWord == len(found)-1 && utf8.RuneCountInString(found[lastWord].t.text) >= minPrefixRunes {
		found[lastWord].t.prefix = true
		found[lastWord].expr += "*"
	}

	var match, whole strings.Builder
	seen := make(map[string]bool)
	for _, c := range found {
		if len(q.terms) == maxTerms {
			break
		}
		if seen[c.expr] {
			continue
		}
		seen[c.expr] = true
		q.terms = append(q.terms, c.t)
		if match.Len() > 0 {
			match.WriteByte(' ')
			whole.WriteByte(' ')
		}
		match.WriteString(c.expr)
		if c.t.prefix && !c.t.cjk && utf8.RuneCountInString(c.t.text) > maxIndexedPrefixRunes {
			whole.WriteString(strings.TrimSuffix(c.expr, "*"))
			q.Whole = "-" // set below
		} else {
			whole.WriteString(c.expr)
		}
	}
	if q.Whole != "" {
		q.Whole = whole.String()
	}
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
