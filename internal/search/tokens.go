package search

import (
	"sync"
	"unicode/utf8"
)

// segment is one word or one run of CJK characters of a text, as scan
// reports it. Its slices are reused for the next segment.
type segment struct {
	cjk bool
	// word is the folded word, cut at maxWordBytes (words only).
	word []byte
	// runes are the folded characters of a CJK run, each with the span of
	// the source character it comes from (CJK runs only).
	runes []cjkRune
	// start and end are the segment's byte span in the source, including
	// the ignored characters inside it.
	start, end int
}

type cjkRune struct {
	text       string
	start, end int
}

// scanner holds the segment being built while scan walks a text.
type scanner struct {
	seg  segment
	open bool // a segment is being built
	cut  bool // the word reached maxWordBytes
	emit func(*segment)
}

// scan folds s and reports its words and CJK runs, in order, to emit.
// Invalid UTF-8 bytes separate.
func scan(s string, emit func(*segment)) {
	sc := scanner{emit: emit}
	sc.seg.word = make([]byte, 0, maxWordBytes)
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if f := asciiFold[b]; f != 0 {
				if !sc.open || sc.seg.cjk {
					sc.startWord(i)
				}
				if !sc.cut {
					if len(sc.seg.word) < maxWordBytes {
						sc.seg.word = append(sc.seg.word, f)
					} else {
						sc.cut = true
					}
				}
				sc.seg.end = i + 1
			} else if sc.open {
				sc.flush()
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			sc.flush()
			i++
			continue
		}
		f := foldRune(r)
		end := i + size
		switch f.c {
		case ignored:
			sc.extend(end)
		case separator:
			sc.flush()
		case wordChars:
			sc.addWord(f.text, i, end)
		case cjkChars:
			if mark, n := voicedMark(s[end:]); n > 0 && len(f.text) == 3 {
				if c, ok := composeVoiced(f.text, mark); ok {
					f.text, end = c, end+n
				}
			}
			sc.addCJK(f.text, i, end)
		case mixed:
			for _, c := range f.text {
				switch classify(c) {
				case wordChars:
					sc.addWord(string(c), i, end)
				case cjkChars:
					sc.addCJK(string(c), i, end)
				default:
					sc.flush()
				}
			}
		}
		i = end
	}
	sc.flush()
}

func (sc *scanner) flush() {
	if sc.open {
		sc.open = false
		sc.emit(&sc.seg)
	}
}

func (sc *scanner) startWord(start int) {
	sc.flush()
	sc.open, sc.cut = true, false
	sc.seg.cjk = false
	sc.seg.word = sc.seg.word[:0]
	sc.seg.start = start
}

// addWord adds folded word characters from the source span [start, end).
func (sc *scanner) addWord(text string, start, end int) {
	if !sc.open || sc.seg.cjk {
		sc.startWord(start)
	}
	sc.seg.end = end
	if sc.cut {
		return
	}
	if len(sc.seg.word)+len(text) <= maxWordBytes {
		sc.seg.word = append(sc.seg.word, text...)
		return
	}
	for _, c := range text {
		if len(sc.seg.word)+utf8.RuneLen(c) > maxWordBytes {
			break
		}
		sc.seg.word = utf8.AppendRune(sc.seg.word, c)
	}
	sc.cut = true
}

// addCJK adds folded CJK characters from the source span [start, end),
// one by one.
func (sc *scanner) addCJK(text string, start, end int) {
	if !sc.open || !sc.seg.cjk {
		sc.flush()
		sc.open = true
		sc.seg.cjk = true
		sc.seg.runes = sc.seg.runes[:0]
		sc.seg.start = start
	}
	for len(text) > 0 {
		_, size := utf8.DecodeRuneInString(text)
		sc.seg.runes = append(sc.seg.runes, cjkRune{text: text[:size], start: start, end: end})
		text = text[size:]
	}
	sc.seg.end = end
}

// extend makes the open segment cover an ignored character up to end, so
// a combining mark stays with the letter it sits on.
func (sc *scanner) extend(end int) {
	if !sc.open {
		return
	}
	sc.seg.end = end
	if sc.seg.cjk {
		sc.seg.runes[len(sc.seg.runes)-1].end = end
	}
}

// IndexText returns the tokens of all parts, separated by single spaces:
// the text to store in a column of the FTS5 table (tokenize='ascii'). See
// the package documentation for what the tokens are.
func IndexText(parts ...string) string {
	buf := indexBuffers.Get().(*[]byte)
	defer indexBuffers.Put(buf)
	*buf = (*buf)[:0]
	for _, p := range parts {
		*buf = AppendIndexText(*buf, p)
	}
	if cap(*buf) > maxPooledBuffer {
		defer func() { *buf = nil }()
	}
	return string(*buf)
}

// maxPooledBuffer is the largest buffer IndexText keeps for a next call:
// one huge text must not hold its memory for good.
const maxPooledBuffer = 1 << 20

// indexBuffers spare IndexText growing a buffer to the size of its result
// on every call (a CJK text's tokens are over twice its size), which cost
// more than the copy into the string.
var indexBuffers = sync.Pool{New: func() any { return new([]byte) }}

// AppendIndexText appends the tokens of s to dst, separated by single
// spaces, and from what dst already holds by one more when dst is not
// empty; it spares IndexText's copy to callers that build their column
// text in a reused buffer.
func AppendIndexText(dst []byte, s string) []byte {
	scan(s, func(seg *segment) {
		if len(dst) > 0 {
			dst = append(dst, ' ')
		}
		if !seg.cjk {
			dst = append(dst, seg.word...)
			return
		}
		runes := seg.runes
		for i := 1; i < len(runes); i++ {
			dst = append(dst, runes[i-1].text...)
			dst = append(dst, runes[i].text...)
			dst = append(dst, ' ')
		}
		dst = append(dst, runes[len(runes)-1].text...)
	})
	return dst
}
