// Package search is the text side of blogbase's full-text search: it turns
// what authors write into the tokens the index stores, what readers type
// into FTS5 MATCH expressions, and found text into excerpts with every
// match marked.
//
// The index is an SQLite FTS5 table declared with tokenize='ascii', and Go
// does all the tokenizing: the stored text is already a sequence of clean
// tokens separated by single spaces, so the table only splits on spaces.
// Every character is folded first (NFKC, lower case, no diacritics), so
// "Café", "CAFE" and full-width "ＣＡＦＥ" are one word. Latin-script text
// and every other script that separates its words is cut into words, found
// by the whole word or by a prefix of it.
//
// Chinese, Japanese and Korean text has no spaces between words, and
// readers expect any part of a sentence to find it. A run of such
// characters is stored as its overlapping bigrams followed by the run's
// last character alone:
//
//	久至博客的支付功能 → 久至 至博 博客 客的 的支 支付 付功 功能 能
//
// A query run of two or more characters is searched as the phrase of its
// bigrams (consecutive tokens), which is a substring match; a single
// character is searched as a prefix, which finds it anywhere in a run. The
// trailing single character ends every run, so a phrase never matches
// across two runs split by punctuation: 博客。客的 is stored as
// 博客 客 客的 的, where the phrase 博客 客的 of 博客的 is not.
//
// Bigrams rather than the trigram tokenizer the bundled SQLite ships: a
// trigram index matches nothing shorter than three characters, and most
// Chinese words are two; the fallback, LIKE, scans the whole table for
// patterns that short.
package search

const (
	// MaxQueryRunes is the longest query, in characters after trimming,
	// ParseQuery accepts.
	MaxQueryRunes = 100

	// maxWordBytes is where a word is cut, at a character boundary, once
	// folded: longer "words" are garbage (hashes, base64, a run of one
	// letter), and keeping them whole would only bloat the index.
	maxWordBytes = 64

	// minPrefixRunes is the shortest last word searched as a prefix.
	minPrefixRunes = 3

	// maxIndexedPrefixRunes is the longest prefix the index keeps lists of
	// (prefix='3 4' in its migration). A longer one is a merge of the
	// lists of every word it starts, built whole before FTS5 returns a
	// row: Find tries the word whole first.
	maxIndexedPrefixRunes = 4

	// maxTerms is the most terms a query keeps. Each term is one more
	// index lookup, and past a dozen words every further one only narrows
	// the results of a search that is already specific.
	maxTerms = 12
)
