package alipay

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits Alipay puts on a page-pay order. Checking them here turns a
// confusing error page in front of the buyer into an error for us.
const (
	maxOutTradeNoLen = 64
	maxSubjectRunes  = 256
	minPayAmount     = 1              // 0.01 yuan, in fen
	maxPayAmount     = 100_000_000_00 // 100000000.00 yuan, in fen
)

// PagePay describes one alipay.trade.page.pay request: a payment the
// buyer makes on Alipay's desktop website.
type PagePay struct {
	// OutTradeNo is our order number, unique per app, at most 64
	// characters. Alipay documents letters, digits and "_" only.
	OutTradeNo string

	// TotalAmount is the exact 2-decimal yuan string, e.g. "9.90"; build
	// it with FormatAmount.
	TotalAmount string

	// Subject is what the buyer sees as the order title; longer than
	// 256 characters, it is cut.
	Subject string

	// NotifyURL gets the asynchronous notification; ReturnURL is where
	// the buyer's browser is sent back to. Either may be empty, in which
	// case it is not sent.
	NotifyURL string
	ReturnURL string

	// TimeExpire, when not zero, is the absolute time after which the
	// order can no longer be paid.
	TimeExpire time.Time
}

type pagePayBiz struct {
	OutTradeNo  string `json:"out_trade_no"`
	ProductCode string `json:"product_code"`
	TotalAmount string `json:"total_amount"`
	Subject     string `json:"subject"`
	TimeExpire  string `json:"time_expire,omitempty"`
}

// PagePayURL returns the signed gateway URL that the buyer's browser is
// sent to in order to pay. Nothing is sent to Alipay until the browser
// follows it, so a URL that is never used costs nothing; the order only
// exists on Alipay's side once the buyer opens the page.
func (c *Client) PagePayURL(p PagePay) (string, error) {
	if p.OutTradeNo == "" {
		return "", errors.New("alipay: page pay: no out_trade_no")
	}
	if len(p.OutTradeNo) > maxOutTradeNoLen {
		return "", fmt.Errorf("alipay: page pay: out_trade_no is %d characters, at most %d allowed", len(p.OutTradeNo), maxOutTradeNoLen)
	}
	cents, err := ParseAmount(p.TotalAmount)
	if err != nil {
		return "", fmt.Errorf("alipay: page pay: total_amount: %w", err)
	}
	if cents < minPayAmount || cents > maxPayAmount {
		return "", fmt.Errorf("alipay: page pay: total_amount %s is outside %s–%s",
			p.TotalAmount, FormatAmount(minPayAmount), FormatAmount(maxPayAmount))
	}
	subject := truncateRunes(p.Subject, maxSubjectRunes)
	if strings.TrimSpace(subject) == "" {
		return "", errors.New("alipay: page pay: no subject")
	}

	biz := pagePayBiz{
		OutTradeNo:  p.OutTradeNo,
		ProductCode: "FAST_INSTANT_TRADE_PAY",
		TotalAmount: FormatAmount(cents), // canonical: "09.9" goes out as "9.90"
		Subject:     subject,
	}
	if !p.TimeExpire.IsZero() {
		biz.TimeExpire = p.TimeExpire.In(chinaTime).Format(timeLayout)
	}

	params, err := c.signedRequest("alipay.trade.page.pay", biz, map[string]string{
		"notify_url": p.NotifyURL,
		"return_url": p.ReturnURL,
	})
	if err != nil {
		return "", err
	}

	gateway := c.gateway()
	sep := "?"
	if strings.Contains(gateway, "?") {
		sep = "&"
	}
	return gateway + sep + params.Encode(), nil
}

// truncateRunes cuts s to at most n characters without splitting one.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}
