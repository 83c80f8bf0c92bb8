package search

import (
	"bytes"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	markOpen  = "<mark>"
	markClose = "</mark>"
	ellipsis  = "…"
)

// htmlEscaper escapes as html.EscapeString does, writing straight into the
// excerpt.
var htmlEscaper = strings.NewReplacer(
	`&`, "&amp;",
	`'`, "&#39;",
	`<`, "&lt;",
	`>`, "&gt;",
	`"`, "&#34;",
)

// span is a byte range [start, end) of a text.
type span struct{ start, end int }

// Highlight returns an HTML excerpt of text in which every match of q is
// wrapped in <mark> and everything else is escaped, and whether any term
// of q is in text. A word matches where its fold equals a term or starts
// with a prefix term, and the whole word is marked; a CJK term matches
// wherever a run holds it. Touching matches share one mark.
//
// With maxRunes > 0 the excerpt is a window of about that many characters
// around the first match (from the start when nothing matches), cut
// between words where the script has spaces, with … at each cut end.
// Invalid UTF-8 becomes U+FFFD and control characters other than tab and
// newline become spaces.
func (q Query) Highlight(text string, maxRunes int) (excerpt string, matched bool) {
	text = printable(text)
	var marks []span
	var run []byte // the folded CJK run
	var at []int   // at[i]: the index in seg.runes of the rune holding run[i]
	scan(text, func(seg *segment) {
		if !seg.cjk {
			for _, t := range q.terms {
				if !t.cjk && t.matchesWord(seg.word) {
					marks = append(marks, span{seg.start, seg.end})
					break
				}
			}
			return
		}
		run, at = run[:0], at[:0]
		for i, r := range seg.runes {
			for range len(r.text) {
				at = append(at, i)
			}
			run = append(run, r.text...)
		}
		for _, t := range q.terms {
			if !t.cjk {
				continue
			}
			for from := 0; ; {
				i := bytes.Index(run[from:], []byte(t.text))
				if i < 0 {
					break
				}
				i += from
				first, last := seg.runes[at[i]], seg.runes[at[i+len(t.text)-1]]
				marks = append(marks, span{first.start, last.end})
				from = i + 1
			}
		}
	})
	marks = mergeSpans(marks)

	start, end := 0, len(text)
	if maxRunes > 0 && utf8.RuneCountInString(text) > maxRunes {
		start, end = window(text, marks, maxRunes)
	}

	var b strings.Builder
	b.Grow(end - start + len(marks)*(len(markOpen)+len(markClose)) + 16)
	if start > 0 {
		b.WriteString(ellipsis)
	}
	pos := start
	for _, m := range marks {
		m.start, m.end = max(m.start, start), min(m.end, end)
		if m.start >= m.end {
			continue
		}
		htmlEscaper.WriteString(&b, text[pos:m.start])
		b.WriteString(markOpen)
		htmlEscaper.WriteString(&b, text[m.start:m.end])
		b.WriteString(markClose)
		pos = m.end
	}
	htmlEscaper.WriteString(&b, text[pos:end])
	if end < len(text) {
		b.WriteString(ellipsis)
	}
	return b.String(), len(marks) > 0
}

// mergeSpans sorts spans and joins those that overlap or touch.
func mergeSpans(spans []span) []span {
	if len(spans) < 2 {
		return spans
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	merged := spans[:1]
	for _, s := range spans[1:] {
		last := &merged[len(merged)-1]
		if s.start <= last.end {
			last.end = max(last.end, s.end)
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// maxOverrun is how far, in characters, an excerpt looks for the ends of
// a word it would cut: it ends past its size with the whole word that
// holds the match, and longer words are cut where they are.
const maxOverrun = 16

// window picks the byte range of an excerpt of about maxRunes characters:
// starting a quarter of it before the first match, so the reader sees what
// leads to it, and not in the middle of a word; at the start of text when
// nothing matches.
func window(text string, marks []span, maxRunes int) (start, end int) {
	anchor, anchorEnd := 0, 0
	if len(marks) > 0 {
		anchor, anchorEnd = marks[0].start, marks[0].end
		start = back(text, anchor, maxRunes/4)
		// a match near the end: fill the window with what is before it
		if tail := utf8.RuneCountInString(text[start:]); tail < maxRunes {
			start = back(text, start, maxRunes-tail)
		}
		if _, wordEnd, ok := wordAround(text, start); ok {
			start = min(wordEnd, anchor)
		}
	}
	end = forward(text, start, maxRunes)
	if wordStart, wordEnd, ok := wordAround(text, end); ok {
		if wordStart > max(start, anchorEnd) {
			end = wordStart
		} else {
			end = wordEnd
		}
	}
	if end < len(text) {
		end = start + len(strings.TrimRightFunc(text[start:end], unicode.IsSpace))
	}
	if start > 0 {
		start = end - len(strings.TrimLeftFunc(text[start:end], unicode.IsSpace))
	}
	return start, end
}

// matchesWord reports whether the folded word is the term, or starts with
// it for a prefix term.
func (t term) matchesWord(word []byte) bool {
	if t.prefix {
		return len(word) >= len(t.text) && string(word[:len(t.text)]) == t.text
	}
	return string(word) == t.text
}

// wordAround returns the bounds of the word that pos cuts in two; ok is
// false when pos is between words, in CJK text (cut anywhere), or in a
// word whose ends are more than maxOverrun characters away.
func wordAround(text string, pos int) (start, end int, ok bool) {
	if pos <= 0 || pos >= len(text) {
		return 0, 0, false
	}
	if r, _ := utf8.DecodeLastRuneInString(text[:pos]); !inWord(r) {
		return 0, 0, false
	}
	if r, _ := utf8.DecodeRuneInString(text[pos:]); !inWord(r) {
		return 0, 0, false
	}
	start, end = pos, pos
	for n := 0; start > 0; n++ {
		r, size := utf8.DecodeLastRuneInString(text[:start])
		if !inWord(r) {
			break
		}
		if n == maxOverrun {
			return 0, 0, false
		}
		start -= size
	}
	for n := 0; end < len(text); n++ {
		r, size := utf8.DecodeRuneInString(text[end:])
		if !inWord(r) {
			break
		}
		if n == maxOverrun {
			return 0, 0, false
		}
		end += size
	}
	return start, end, true
}

// inWord reports whether r is part of a word: a word character, or one
// folded away inside words (a combining mark).
func inWord(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiFold[r] != 0
	}
	c := foldRune(r).c
	return c == wordChars || c == ignored
}

// back returns the byte offset n characters before pos, or 0.
func back(text string, pos, n int) int {
	for ; n > 0 && pos > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(text[:pos])
		pos -= size
	}
	return pos
}

// forward returns the byte offset n characters after pos, or len(text).
func forward(text string, pos, n int) int {
	for ; n > 0 && pos < len(text); n-- {
		_, size := utf8.DecodeRuneInString(text[pos:])
		pos += size
	}
	return pos
}

// printable returns text with every invalid UTF-8 byte replaced by U+FFFD
// and every control character but tab and newline by a space, so that an
// excerpt is valid text that lays out like its source.
func printable(text string) string {
	for i := 0; i < len(text); {
		if b := text[i]; b < utf8.RuneSelf {
			if b < ' ' && b != '\t' && b != '\n' || b == 0x7f {
				return replaceUnprintable(text)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if size == 1 || unicode.IsControl(r) {
			return replaceUnprintable(text)
		}
		i += size
	}
	return text
}

func replaceUnprintable(text string) string {
	var b strings.Builder
	b.Grow(len(text) + 8)
	for _, r := range text { // an invalid byte ranges as one utf8.RuneError
		if unicode.IsControl(r) && r != '\t' && r != '\n' {
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}
