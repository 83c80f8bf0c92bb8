package content

import (
	"strings"
	"testing"
	"time"
)

// The render's cost on a typical post and on the worst inputs the limits
// leave (render, not RenderMarkdown: its memory would answer every
// iteration after the first).
//
//	go test ./internal/content -run '^$' -bench Render -benchmem
func BenchmarkRender(b *testing.B) {
	var post strings.Builder
	for i := range 20 {
		post.WriteString("## Section\n\nA paragraph with **bold**, *emphasis*, `code` and a [link](https://example.com/a).\n\n")
		post.WriteString("- one\n- two\n  - nested\n\n> a quote\n\n```go\nfmt.Println(1)\n```\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n\n")
		if i%5 == 0 {
			post.WriteString("![chart](/api/files/postImages/abc/chart.png)\n\n")
		}
	}
	inputs := []struct{ name, source string }{
		{"typical post", post.String()},
		{"quotes 128K deep", strings.Repeat(">", MaxMarkdownLength/2)},
		{"lists 256K deep", strings.Repeat("- ", MaxMarkdownLength/2)},
		{"table over MaxTableCells", "|" + strings.Repeat("h|", 1000) + "\n|" + strings.Repeat("-|", 1000) + "\n" + strings.Repeat("x\n", (MaxMarkdownLength-4010)/2)},
		{"brackets 256K", strings.Repeat("[", MaxMarkdownLength)},
	}
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.source)))
			for b.Loop() {
				if _, err := render(in.source, time.Now().Add(time.Hour)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
