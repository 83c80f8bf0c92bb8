package alipay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxResponseSize bounds what is read from the gateway: a trade query
// answer is well under a kilobyte.
const maxResponseSize = 1 << 20

// Trade is what alipay.trade.query says about one order.
type Trade struct {
	// Exists is false when Alipay has never heard of the order, which
	// is the case until the buyer opens the pay page.
	Exists      bool
	OutTradeNo  string
	TradeNo     string
	TradeStatus string // WAIT_BUYER_PAY, TRADE_CLOSED, TRADE_SUCCESS, TRADE_FINISHED
	TotalAmount string
}

// Paid reports whether the buyer has paid: TRADE_SUCCESS, or
// TRADE_FINISHED once the trade can no longer be refunded.
func (t Trade) Paid() bool {
	return t.TradeStatus == "TRADE_SUCCESS" || t.TradeStatus == "TRADE_FINISHED"
}

type tradeQueryResponse struct {
	Code        string `json:"code"`
	Msg         string `json:"msg"`
	SubCode     string `json:"sub_code"`
	SubMsg      string `json:"sub_msg"`
	OutTradeNo  string `json:"out_trade_no"`
	TradeNo     string `json:"trade_no"`
	TradeStatus string `json:"trade_status"`
	TotalAmount string `json:"total_amount"`
}

// QueryTrade asks Alipay about our order outTradeNo. It is how a payment
// is confirmed when a notification is late or lost, and how an order
// abandoned on the pay page is told apart from a paid one.
//
// The answer is trusted only if Alipay's signature over it verifies,
// for business errors as much as for success; a failure of the signature
// wraps ErrBadSignature, and a business error is an *Error.
func (c *Client) QueryTrade(ctx context.Context, outTradeNo string) (Trade, error) {
	const method = "alipay.trade.query"
	if outTradeNo == "" {
		return Trade{}, errors.New("alipay: trade query: no out_trade_no")
	}
	if c.PublicKey == nil {
		return Trade{}, errors.New("alipay: trade query: the client has no PublicKey to verify answers with")
	}

	biz := struct {
		OutTradeNo string `json:"out_trade_no"`
	}{outTradeNo}
	params, err := c.signedRequest(method, biz, nil)
	if err != nil {
		return Trade{}, err
	}
	raw, err := c.call(ctx, method, params)
	if err != nil {
		return Trade{}, err
	}

	var r tradeQueryResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		return Trade{}, fmt.Errorf("alipay: trade query: malformed answer: %w", err)
	}
	switch {
	case r.Code == "10000":
		if r.OutTradeNo != outTradeNo {
			return Trade{}, fmt.Errorf("alipay: trade query: asked about %q, the answer is about %q", outTradeNo, shorten(r.OutTradeNo))
		}
		return Trade{
			Exists:      true,
			OutTradeNo:  r.OutTradeNo,
			TradeNo:     r.TradeNo,
			TradeStatus: r.TradeStatus,
			TotalAmount: r.TotalAmount,
		}, nil
	case r.Code == "40004" && r.SubCode == "ACQ.TRADE_NOT_EXIST":
		return Trade{OutTradeNo: outTradeNo}, nil
	default:
		return Trade{}, &Error{Method: method, Code: r.Code, Msg: r.Msg, SubCode: r.SubCode, SubMsg: r.SubMsg}
	}
}

// call POSTs a signed request to the gateway and returns the raw bytes of
// the response object, "<method with _ for .>_response", after checking
// Alipay's signature over exactly those bytes: the signature is over the
// text as Alipay wrote it, so it must be checked before any decoding.
func (c *Client) call(ctx context.Context, method string, params url.Values) (json.RawMessage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.gateway(), strings.NewReader(params.Encode()))
	if err != nil {
		return nil, fmt.Errorf("alipay: %s: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")

	res, err := c.httpClient().Do(req)
	if err != nil {
		return nil, fmt.Errorf("alipay: %s: %w", method, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxResponseSize+1))
	if err != nil {
		return nil, fmt.Errorf("alipay: %s: reading the answer: %w", method, err)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return nil, fmt.Errorf("alipay: %s: the gateway answered HTTP %d", method, res.StatusCode)
	}
	if len(body) > maxResponseSize {
		return nil, fmt.Errorf("alipay: %s: the answer is larger than %d bytes", method, maxResponseSize)
	}

	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, fmt.Errorf("alipay: %s: the answer is not a JSON object: %w", method, err)
	}

	// The gateway's own errors (bad app id, bad arguments) come as
	// error_response, often unsigned. Unverified, but an error either way.
	if raw, ok := fields["error_response"]; ok {
		var r tradeQueryResponse
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, fmt.Errorf("alipay: %s: malformed error_response: %w", method, err)
		}
		return nil, &Error{Method: method, Code: r.Code, Msg: r.Msg, SubCode: r.SubCode, SubMsg: r.SubMsg}
	}

	name := strings.ReplaceAll(method, ".", "_") + "_response"
	raw, ok := fields[name]
	if !ok {
		return nil, fmt.Errorf("alipay: %s: the answer has no %s", method, name)
	}
	var sign string
	if err := json.Unmarshal(fields["sign"], &sign); err != nil || sign == "" {
		return nil, fmt.Errorf("alipay: %s: %w: the answer is not signed", method, ErrBadSignature)
	}
	if err := VerifyRSA2(c.PublicKey, string(raw), sign); err != nil {
		return nil, fmt.Errorf("alipay: %s: %w", method, err)
	}
	return raw, nil
}
