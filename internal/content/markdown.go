package content

import (
	"crypto/sha256"
	"errors"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	xhtml "golang.org/x/net/html"
)

// markdown renders what authors write: CommonMark with GitHub's tables,
// strikethrough and autolinks. Raw HTML is passed through (WithUnsafe)
// because SanitizeBody runs on the result: an author may mix the two, and
// the allow-list, not the renderer, decides what is safe. Table
// alignment is written as the align attribute, which the allow-list
// knows, rather than as inline style, which it drops. The guards
// (render_guard.go) stop a parse that runs past its deadline.
var markdown = goldmark.New(
	goldmark.WithExtensions(
		extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
		extension.Strikethrough,
		extension.Linkify,
	),
	goldmark.WithParserOptions(
		parser.WithBlockParsers(util.Prioritized(blockGuard{}, 0)),
		parser.WithInlineParsers(
			util.Prioritized(inlineGuard{}, 0),
			util.Prioritized(delimiterGuard{parser.NewEmphasisParser()}, 499),
			util.Prioritized(delimiterGuard{extension.NewStrikethroughParser()}, 499),
		),
	),
	goldmark.WithRendererOptions(html.WithUnsafe()),
)

const (
	// MaxMarkdownLength is the longest source, in characters, that
	// RenderMarkdown takes: some forty thousand words, and short enough
	// that the parser's slowest inputs stay within RenderTimeout.
	MaxMarkdownLength = 256 << 10

	// MaxNesting is the deepest nesting of block quotes and lists a source
	// may have: past it, the markers of a line read as text, and a source
	// that nests deeper over several lines is refused. The parser
	// revisits every open level on each line (a line of a hundred
	// thousand ">" would take it minutes), and a page's HTML parser
	// refuses a body nested some hundreds of elements deep.
	MaxNesting = 32

	// MaxEscapedPipes and MaxReferenceDefinitions bound the items the
	// parser's whole-document passes go over once per item of (see
	// tooManyPassesOver): their cost is quadratic, out of the deadline's
	// reach, and a fraction of a second at these bounds.
	MaxEscapedPipes         = 2000
	MaxReferenceDefinitions = 500

	// MaxBodySize is the largest body blogbase stores, in bytes once
	// sanitized (postContents.body).
	MaxBodySize = 1 << 20

	// MaxTableCells bounds rows × columns of one table. A table's rows are
	// padded to its header's width, so a wide header over many one-cell
	// rows would otherwise grow a source of kilobytes into gigabytes.
	MaxTableCells = 100_000

	// RenderTimeout is how long a render may take before the source is
	// refused as too complex, and the render stopped. Real posts render
	// in milliseconds; the parser has inputs that are quadratic in their
	// length.
	RenderTimeout = 2 * time.Second
)

// Errors of RenderMarkdown, each the author's to fix.
var (
	ErrMarkdownTooLong    = errors.New("markdown too long")
	ErrMarkdownTooComplex = errors.New("markdown too complex")
	ErrMarkdownTooDeep    = errors.New("markdown nested too deep")
	ErrBodyTooLarge       = errors.New("rendered body too large")
	ErrRenderBusy         = errors.New("markdown renders busy")
)

// RenderMarkdown turns an author's Markdown into the body HTML blogbase
// stores: rendered, then sanitized (SanitizeBody), so that it is exactly
// what saving the source would store. The latest results are kept: the
// editor's preview renders what its save renders next. A refusal for time
// is not kept: it depends on the load of the moment.
func RenderMarkdown(source string) (string, error) {
	if utf8.RuneCountInString(source) > MaxMarkdownLength {
		return "", ErrMarkdownTooLong
	}
	key := sha256.Sum256([]byte(source))
	if r, ok := renders.get(key); ok {
		return r.body, r.err
	}
	deadline := time.Now().Add(RenderTimeout)
	select {
	case rendering <- struct{}{}:
		defer func() { <-rendering }()
	case <-time.After(time.Until(deadline)):
		return "", ErrRenderBusy
	}
	body, err := render(source, deadline)
	if !errors.Is(err, ErrMarkdownTooComplex) { // a timeout depends on the moment's load
		renders.put(key, rendered{body, err})
	}
	return body, err
}

// rendering holds a place for each render under way: as many as there
// are processors, so that renders queue rather than share the processors
// (and the memory) between more of them than can run.
var rendering = make(chan struct{}, runtime.GOMAXPROCS(0))

// tooManyPassesOver counts what the parser's whole-document passes go
// over once per item of: escaped pipes (each table cell's code span with
// one is matched against every one of the document) and link reference
// definitions (each one taken out of its paragraph copies the rest of
// it). Past their bounds the source is refused as too complex; no post
// has that many.
func tooManyPassesOver(source string) bool {
	return strings.Count(source, `\|`) > MaxEscapedPipes ||
		len(referenceDefinition.FindAllStringIndex(source, MaxReferenceDefinitions+1)) > MaxReferenceDefinitions
}

// referenceDefinition matches the start of a line that may define a link
// reference ("[label]:"), inside quotes and lists too.
var referenceDefinition = regexp.MustCompile(`(?m)^[ \t>*+\-0-9.)]*\[[^\]\n]{1,999}\]:`)

// render is RenderMarkdown without its memory, ending by deadline.
func render(source string, deadline time.Time) (body string, err error) {
	if tooManyPassesOver(source) {
		return "", ErrMarkdownTooComplex
	}
	src := []byte(limitTables(limitNesting(source)))
	pc := parser.NewContext()
	pc.Set(deadlineKey, deadline)
	defer func() {
		switch r := recover(); r {
		case nil:
		case errRenderTimeout:
			body, err = "", ErrMarkdownTooComplex
		case errRenderTooLarge:
			body, err = "", ErrBodyTooLarge
		default:
			panic(r)
		}
	}()

	doc := markdown.Parser().Parse(text.NewReader(src), parser.WithContext(pc))
	if nesting(doc) > MaxNesting {
		return "", ErrMarkdownTooDeep
	}
	// the sanitizer keeps less than it is given: the rendered HTML may be
	// a few times the stored body, not more
	out := &boundedWriter{max: 4 * MaxBodySize, deadline: deadline}
	if err := markdown.Renderer().Render(out, src, doc); err != nil {
		return "", err
	}
	if body = SanitizeBody(out.String()); len(body) > MaxBodySize {
		return "", ErrBodyTooLarge
	}
	return body, nil
}

// nesting is the deepest nesting of lists and block quotes in doc.
func nesting(doc ast.Node) int {
	deepest, depth := 0, 0
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		switch n.Kind() {
		case ast.KindList, ast.KindBlockquote:
			if entering {
				depth++
				deepest = max(deepest, depth)
			} else {
				depth--
			}
		}
		return ast.WalkContinue, nil
	})
	return deepest
}

// rendered is one result of RenderMarkdown.
type rendered struct {
	body string
	err  error
}

// renderMemory holds the latest results of RenderMarkdown by the hash of
// their source, up to renderMemorySize of them: a few megabytes at most.
type renderMemory struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]rendered
}

const renderMemorySize = 16

var renders = &renderMemory{entries: map[[sha256.Size]byte]rendered{}}

func (m *renderMemory) get(key [sha256.Size]byte) (rendered, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.entries[key]
	return r, ok
}

// put keeps r, forgetting everything once the memory is full: the results
// that count are the few of the moment.
func (m *renderMemory) put(key [sha256.Size]byte, r rendered) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.entries) >= renderMemorySize {
		clear(m.entries)
	}
	m.entries[key] = r
}

// limitNesting escapes, on each line, the container marker (">", "-",
// "*", "+", "1." or "1)") past MaxNesting, so that it and the rest of the
// line read as text. Nesting by indentation needs a longer line for each
// level, and stays within what the parser handles quickly.
func limitNesting(source string) string {
	var out strings.Builder
	changed := false
	for line := range strings.SplitAfterSeq(source, "\n") {
		at := deepMarker(line)
		if at < 0 {
			out.WriteString(line)
			continue
		}
		changed = true
		out.WriteString(line[:at])
		out.WriteByte('\\')
		out.WriteString(line[at:])
	}
	if !changed {
		return source
	}
	return out.String()
}

// deepMarker returns where in line the punctuation of its container
// marker number MaxNesting+1 is, or -1 when the line opens fewer.
func deepMarker(line string) int {
	depth := 0
	for i := 0; i < len(line); {
		switch c := line[i]; {
		case c == ' ' || c == '\t':
			i++
			continue
		case c == '>':
			depth++
			if depth > MaxNesting {
				return i
			}
			i++
			continue
		case c == '-' || c == '*' || c == '+':
			if i+1 < len(line) && (line[i+1] == ' ' || line[i+1] == '\t') {
				depth++
				if depth > MaxNesting {
					return i
				}
				i++
				continue
			}
		case c >= '0' && c <= '9':
			j := i
			for j < len(line) && j-i < 10 && line[j] >= '0' && line[j] <= '9' {
				j++
			}
			if j < len(line) && (line[j] == '.' || line[j] == ')') && j+1 < len(line) && (line[j+1] == ' ' || line[j+1] == '\t') {
				depth++
				if depth > MaxNesting {
					return j
				}
				i = j + 1
				continue
			}
		}
		return -1
	}
	return -1
}

// tableDelimiter matches a table's delimiter row ("|---|:-:|") once the
// line's container markers are taken off.
var tableDelimiter = regexp.MustCompile(`^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$`)

// limitTables escapes the delimiter row of a table with more than
// MaxTableCells cells, so that its lines read as a paragraph. The rows are
// counted up to the next blank line, as a table ends there at the latest.
func limitTables(source string) string {
	if !strings.Contains(source, "-") || !strings.Contains(source, "|") {
		return source
	}
	lines := strings.SplitAfter(source, "\n")
	// rowsAfter[i] is how many lines follow line i before a blank one
	rowsAfter := make([]int, len(lines))
	for i := len(lines) - 2; i >= 0; i-- {
		if next := lines[i+1]; strings.TrimSpace(next[containerPrefix(next):]) != "" {
			rowsAfter[i] = rowsAfter[i+1] + 1
		}
	}
	changed := false
	for i, line := range lines {
		prefix := containerPrefix(line)
		row := line[prefix:]
		if !strings.Contains(row, "|") || !tableDelimiter.MatchString(row) {
			continue
		}
		columns := strings.Count(strings.Trim(strings.TrimSpace(row), "|"), "|") + 1
		rows := rowsAfter[i]
		if rows*columns <= MaxTableCells {
			continue
		}
		dash := prefix + strings.IndexByte(row, '-')
		lines[i] = line[:dash] + `\` + line[dash:]
		changed = true
	}
	if !changed {
		return source
	}
	return strings.Join(lines, "")
}

// containerPrefix is the length of line's leading block quote markers and
// spaces.
func containerPrefix(line string) int {
	return len(line) - len(strings.TrimLeft(line, "> \t"))
}

// IsBlank tells whether a stored (sanitized) body shows nothing: no text
// but whitespace or invisible characters, and no image with a source.
// "<p></p>", "<br>", "<p>&nbsp;</p>" and `<img alt="">` are blank.
func IsBlank(body string) bool {
	tokens := xhtml.NewTokenizer(strings.NewReader(body))
	for {
		switch tokens.Next() {
		case xhtml.ErrorToken:
			return true
		case xhtml.TextToken:
			if strings.IndexFunc(string(tokens.Text()), visible) >= 0 {
				return false
			}
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			// an image shows when it has something to show
			if name, hasAttr := tokens.TagName(); string(name) == "img" && hasAttr {
				for more := true; more; {
					var key, value []byte
					key, value, more = tokens.TagAttr()
					if string(key) == "src" && strings.TrimSpace(string(value)) != "" {
						return false
					}
				}
			}
		}
	}
}

// HasVisibleText tells whether s, plain text, shows any character: a
// comment of zero-width spaces or Hangul fillers says nothing.
func HasVisibleText(s string) bool {
	return strings.IndexFunc(s, visible) >= 0
}

// visible tells whether r shows as something: not whitespace, a control
// or format character (a zero-width space), a mark with nothing to mark,
// nor one of the letters and symbols drawn as blank (Hangul fillers, the
// blank Braille pattern, Khmer's inherent vowels).
func visible(r rune) bool {
	switch r {
	case '\u115F', '\u1160', '\u17B4', '\u17B5', '\u180E', '\u2800', '\u3164', '\uFFA0':
		return false
	}
	return !unicode.IsSpace(r) && !unicode.In(r, unicode.Cc, unicode.Cf, unicode.Mn, unicode.Me)
}
