package content

import (
	"bytes"
	"time"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// The Markdown parser cannot be cancelled, and some inputs cost it time
// quadratic in their length ("[a](" repeated: each link's destination is
// looked for to the end of the paragraph). The guards are parsers of
// nothing, asked first at the opening of every block (blockGuard) and at
// every character that starts a link, an emphasis, a code span or raw
// HTML (inlineGuard): past the render's deadline they stop the parse
// (errRenderTimeout, a panic that render recovers), so that a refused
// source costs no more than RenderTimeout. Between two of their turns the
// parser does at most one scan of a paragraph.
type (
	blockGuard  struct{}
	inlineGuard struct{}
)

// deadlineKey holds, in a parse's context, the time.Time it must end by.
var deadlineKey = parser.NewContextKey()

// errRenderTimeout is the panic value of a parse stopped at its deadline.
var errRenderTimeout = &struct{ string }{"markdown render timeout"}

// checkDeadline stops the parse of pc once its deadline has passed.
func checkDeadline(pc parser.Context) {
	if deadline, ok := pc.Get(deadlineKey).(time.Time); ok && time.Now().After(deadline) {
		panic(errRenderTimeout)
	}
}

// Trigger is nil: the guard is asked on every line that may open a block.
func (blockGuard) Trigger() []byte { return nil }

func (blockGuard) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	checkDeadline(pc)
	return nil, parser.NoChildren
}

func (blockGuard) Continue(node ast.Node, reader text.Reader, pc parser.Context) parser.State {
	return parser.Close
}

func (blockGuard) Close(node ast.Node, reader text.Reader, pc parser.Context) {}

func (blockGuard) CanInterruptParagraph() bool { return true }

func (blockGuard) CanAcceptIndentedLine() bool { return true }

func (inlineGuard) Trigger() []byte {
	return []byte{'[', ']', '!', '(', '*', '_', '`', '<', '~', '&', '\\'}
}

func (inlineGuard) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	checkDeadline(pc)
	return nil
}

// delimiterGuard parses as its inner parser (emphasis, strikethrough) and
// has the delimiter runs it finds checked against the deadline as they
// are matched: the matching runs once a paragraph is read, after the
// inline guards' last turn, and can take time quadratic in the number of
// runs ("_a*" repeated). Placed before its inner parser, it parses what
// that one would and leaves it nothing.
type delimiterGuard struct{ parser.InlineParser }

func (g delimiterGuard) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	node := g.InlineParser.Parse(parent, block, pc)
	if d, ok := node.(*parser.Delimiter); ok {
		deadline, _ := pc.Get(deadlineKey).(time.Time)
		d.Processor = guardedDelimiters{d.Processor, deadline}
	}
	return node
}

// guardedDelimiters is a delimiter processor that stops the parse at its
// deadline while looking for a run's match.
type guardedDelimiters struct {
	parser.DelimiterProcessor
	deadline time.Time
}

func (g guardedDelimiters) CanOpenCloser(opener, closer *parser.Delimiter) bool {
	if !g.deadline.IsZero() && time.Now().After(g.deadline) {
		panic(errRenderTimeout)
	}
	return g.DelimiterProcessor.CanOpenCloser(opener, closer)
}

// boundedWriter takes the rendered HTML, stopping the render at the
// deadline or once it has written more than max bytes: a few bytes of
// source can be written many times over (a reference link's long
// address, used at every mention).
type boundedWriter struct {
	bytes.Buffer
	max      int
	deadline time.Time
}

// errRenderTooLarge is the panic value of a render stopped at its size.
var errRenderTooLarge = &struct{ string }{"markdown render too large"}

func (w *boundedWriter) Write(p []byte) (int, error) {
	if w.Len()+len(p) > w.max {
		panic(errRenderTooLarge)
	}
	if time.Now().After(w.deadline) {
		panic(errRenderTimeout)
	}
	return w.Buffer.Write(p)
}
