package search

import (
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// class is what a folded character does to the token around it.
type class uint8

const (
	// ignored characters fold to nothing and do not split a word:
	// combining marks once their diacritics are dropped, soft hyphens,
	// joiners, direction marks.
	ignored class = iota
	// separators end the token before them.
	separator
	// wordChars continue or start a word.
	wordChars
	// cjkChars continue or start a run of CJK characters.
	cjkChars
	// mixed folds hold separators or both kinds of characters (NFKC of
	// ㈱ is "(株)"), and are classified character by character.
	mixed
)

// folded is one character's fold: text holds only word and CJK characters
// and single spaces standing for separators.
type folded struct {
	text string
	c    class
}

// asciiFold maps each ASCII byte to its fold, 0 for a separator: ASCII text
// is most of what the index stores, and this keeps it off the Unicode
// tables.
var asciiFold = func() (t [utf8.RuneSelf]byte) {
	for b := range utf8.RuneSelf {
		switch {
		case b >= 'a' && b <= 'z', b >= '0' && b <= '9':
			t[b] = byte(b)
		case b >= 'A' && b <= 'Z':
			t[b] = byte(b) + 'a' - 'A'
		}
	}
	return t
}()

const (
	chunkBits = 8
	// cachedRunes bounds the fold cache: every assigned letter below it
	// (all of the BMP, the historic scripts, the CJK extensions); above it
	// are tags, variation selectors and private use, folded when met.
	cachedRunes = 0x40000
)

// foldChunks caches the folds of non-ASCII characters, in blocks of 256
// built the first time one of their characters is met: NFKC and NFD on a
// single character cost about a microsecond and allocate, which would make
// indexing CJK text twenty times slower.
var foldChunks [cachedRunes >> chunkBits]atomic.Pointer[[1 << chunkBits]folded]

// foldRune returns the fold of a non-ASCII character.
func foldRune(r rune) folded {
	if r >= cachedRunes || r < 0 {
		return computeFold(r)
	}
	chunk := foldChunks[r>>chunkBits].Load()
	if chunk == nil {
		chunk = new([1 << chunkBits]folded)
		base := r &^ (1<<chunkBits - 1)
		for i := range chunk {
			chunk[i] = computeFold(base + rune(i))
		}
		// two goroutines may build the same chunk: both are the same
		foldChunks[r>>chunkBits].Store(chunk)
	}
	return chunk[r&(1<<chunkBits-1)]
}

// computeFold folds one character: NFKC, then, for all but CJK characters,
// case folded and the diacritics dropped (NFD without its nonspacing marks,
// composed again). CJK characters keep their marks: が and か are two
// letters to a Japanese reader, not one letter with an accent.
func computeFold(r rune) folded {
	if !utf8.ValidRune(r) {
		return folded{text: " ", c: separator}
	}
	var b strings.Builder
	for _, c := range norm.NFKC.String(string(r)) {
		switch {
		case isCJK(c):
			b.WriteRune(c)
		case c < utf8.RuneSelf:
			if f := asciiFold[c]; f != 0 {
				b.WriteByte(f)
			} else {
				b.WriteByte(' ')
			}
		default:
			// full case folding, not lower case alone: ß is ss, and
			// the final ς is σ, as the tags' keys fold them
			var kept []rune
			for _, d := range norm.NFD.String(cases.Fold().String(string(c))) {
				if !unicode.Is(unicode.Mn, d) {
					kept = append(kept, d)
				}
			}
			for _, d := range norm.NFC.String(string(kept)) {
				switch classify(d) {
				case wordChars, cjkChars:
					b.WriteRune(d)
				case separator:
					b.WriteByte(' ')
				}
			}
		}
	}
	f := folded{text: b.String()}
	switch {
	case f.text == "":
		f.c = ignored
	case strings.Trim(f.text, " ") == "":
		f.text, f.c = " ", separator
	default:
		f.c = classify(firstRune(f.text))
		for _, c := range f.text {
			if classify(c) != f.c {
				f.c = mixed
				break
			}
		}
	}
	return f
}

// classify tells what a folded character is.
func classify(r rune) class {
	switch {
	case r < utf8.RuneSelf:
		if asciiFold[r] != 0 {
			return wordChars
		}
		return separator
	case isCJK(r):
		return cjkChars
	case unicode.IsLetter(r), unicode.IsDigit(r), unicode.IsMark(r):
		return wordChars
	case r == '\u200b': // zero width space: a word break with no width
		return separator
	case unicode.Is(unicode.Cf, r):
		return ignored
	}
	return separator
}

// isCJK reports whether r is a letter of the scripts whose words are not
// separated by spaces: Han, Hiragana, Katakana and Hangul, with the
// prolonged sound mark and the iteration marks.
func isCJK(r rune) bool {
	switch r {
	case 'ー', '々', '〆', 'ヽ', 'ヾ', 'ゝ', 'ゞ':
		return true
	}
	if r < 0x1100 || unicode.IsSymbol(r) || unicode.IsPunct(r) {
		return false
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// composeVoiced joins a kana and the (semi-)voiced sound mark after it,
// combining or half-width, into one letter: か followed by U+3099 is が.
// Folding one character at a time cannot see the pair, and without this
// text typed on a system that decomposes kana would not find text that did
// not. It reports false when the pair has no composed letter.
func composeVoiced(kana string, mark rune) (string, bool) {
	switch mark {
	case '\uff9e':
		mark = '\u3099'
	case '\uff9f':
		mark = '\u309a'
	}
	c := norm.NFC.String(kana + string(mark))
	if utf8.RuneCountInString(c) != 1 {
		return "", false
	}
	return c, true
}

// voicedMark returns the sound mark s starts with, if it does.
func voicedMark(s string) (rune, int) {
	if len(s) < 3 {
		return 0, 0
	}
	switch {
	case s[0] == 0xe3 && s[1] == 0x82 && (s[2] == 0x99 || s[2] == 0x9a),
		s[0] == 0xef && s[1] == 0xbe && (s[2] == 0x9e || s[2] == 0x9f):
		r, size := utf8.DecodeRuneInString(s)
		return r, size
	}
	return 0, 0
}
