package search_test

import (
	"strings"
	"testing"

	"blogbase/internal/search"
)

const (
	englishText = "Accepting payments on a small blog is easier than it used to be. " +
		"This post walks through the checkout page, the webhook that confirms an order, " +
		"and the refunds readers ask for. We'll keep it short: 3 steps, 2 screenshots, " +
		"and one (optional) config file — nothing you can't undo. Café owners, writers " +
		"and photographers all asked the same question last year, so here's the answer. "
	chineseText = "久至博客的支付功能支持支付宝和微信支付。读者可以在文章页面直接打赏作者，" +
		"也可以订阅付费专栏。本文介绍如何开通、如何查看订单以及如何处理退款，" +
		"并附上常见问题的解答。ブログの決済機能について説明します。블로그 결제 기능을 소개합니다. "
)

// repeatTo repeats s up to n bytes or just past.
func repeatTo(s string, n int) string {
	return strings.Repeat(s, n/len(s)+1)
}

// The cost of indexing, which seeding 100,000 posts runs on ~100 MB of
// text, and of one search result's excerpt.
//
//	go test ./internal/search -run '^$' -bench . -benchmem
func BenchmarkIndexText(b *testing.B) {
	inputs := []struct{ name, text string }{
		{"english 2KB", repeatTo(englishText, 2048)},
		{"chinese 2KB", repeatTo(chineseText, 2048)},
	}
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.text)))
			var buf []byte
			for b.Loop() {
				buf = search.AppendIndexText(buf[:0], in.text)
			}
		})
		b.Run(in.name+" string", func(b *testing.B) {
			b.SetBytes(int64(len(in.text)))
			for b.Loop() {
				search.IndexText(in.text)
			}
		})
	}
}

func BenchmarkHighlight(b *testing.B) {
	inputs := []struct{ name, query, text string }{
		{"english 5KB", "refund pay", repeatTo(englishText, 5120)},
		{"chinese 5KB", "支付 退款", repeatTo(chineseText, 5120)},
	}
	for _, in := range inputs {
		q, err := search.ParseQuery(in.query)
		if err != nil {
			b.Fatal(err)
		}
		for _, maxRunes := range []int{0, 160} {
			name := in.name + " whole"
			if maxRunes > 0 {
				name = in.name + " window"
			}
			b.Run(name, func(b *testing.B) {
				b.SetBytes(int64(len(in.text)))
				for b.Loop() {
					q.Highlight(in.text, maxRunes)
				}
			})
		}
	}
}
