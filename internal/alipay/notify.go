package alipay

import (
	"fmt"
	"net/url"
)

// VerifyCallback checks that an asynchronous notification (the POSTed
// form) or a return-URL query (the browser's query string) was signed by
// Alipay. Only sign_type RSA2 is accepted, and the signature covers every
// parameter but sign and sign_type. Any failure wraps ErrBadSignature.
//
// A valid signature only proves that Alipay said it; the caller still has
// to check that app_id is ours and that out_trade_no and total_amount
// match the order before believing a payment, and should treat a return
// query as a hint to call QueryTrade, since the buyer's browser delivers
// it and may replay an old one.
func (c *Client) VerifyCallback(params url.Values) error {
	sign := params.Get("sign")
	if sign == "" {
		return fmt.Errorf("%w: no sign parameter", ErrBadSignature)
	}
	if st := params.Get("sign_type"); st != "RSA2" {
		return fmt.Errorf("%w: sign_type %q, only RSA2 is accepted", ErrBadSignature, shorten(st))
	}
	// Alipay never repeats a parameter. A repeated one would be signed by
	// its first value, and whoever reads it later might take another.
	for k, vs := range params {
		if len(vs) > 1 {
			return fmt.Errorf("%w: parameter %q is repeated", ErrBadSignature, shorten(k))
		}
	}
	if err := VerifyRSA2(c.PublicKey, SigningContent(params, "sign_type"), sign); err != nil {
		return fmt.Errorf("alipay: callback: %w", err)
	}
	return nil
}

// Notification is the part of an asynchronous notification (or of a
// return query, which carries a subset) that blogbase uses.
type Notification struct {
	NotifyID    string
	NotifyType  string
	AppID       string
	OutTradeNo  string
	TradeNo     string
	TradeStatus string
	TotalAmount string
	SellerID    string
}

// ParseNotification copies the fields out of params. It verifies nothing:
// call VerifyCallback first.
func ParseNotification(params url.Values) Notification {
	return Notification{
		NotifyID:    params.Get("notify_id"),
		NotifyType:  params.Get("notify_type"),
		AppID:       params.Get("app_id"),
		OutTradeNo:  params.Get("out_trade_no"),
		TradeNo:     params.Get("trade_no"),
		TradeStatus: params.Get("trade_status"),
		TotalAmount: params.Get("total_amount"),
		SellerID:    params.Get("seller_id"),
	}
}
