package alipay_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"blogbase/internal/alipay"
	"blogbase/internal/alipay/alipaytest"
)

func TestQueryTrade(t *testing.T) {
	p := alipaytest.New(t)
	c := p.Client()
	ctx := context.Background()

	p.SetTrade("paid_1", "2025010222001400001", "TRADE_SUCCESS", "9.90")
	p.SetTrade("open_1", "2025010222001400002", "WAIT_BUYER_PAY", "19.00")
	p.SetTrade("done_1", "2025010222001400003", "TRADE_FINISHED", "0.01")
	p.SetTrade("closed_1", "2025010222001400004", "TRADE_CLOSED", "5.00")

	tests := []struct {
		outTradeNo string
		want       alipay.Trade
		paid       bool
	}{
		{"paid_1", alipay.Trade{Exists: true, OutTradeNo: "paid_1", TradeNo: "2025010222001400001", TradeStatus: "TRADE_SUCCESS", TotalAmount: "9.90"}, true},
		{"open_1", alipay.Trade{Exists: true, OutTradeNo: "open_1", TradeNo: "2025010222001400002", TradeStatus: "WAIT_BUYER_PAY", TotalAmount: "19.00"}, false},
		{"done_1", alipay.Trade{Exists: true, OutTradeNo: "done_1", TradeNo: "2025010222001400003", TradeStatus: "TRADE_FINISHED", TotalAmount: "0.01"}, true},
		{"closed_1", alipay.Trade{Exists: true, OutTradeNo: "closed_1", TradeNo: "2025010222001400004", TradeStatus: "TRADE_CLOSED", TotalAmount: "5.00"}, false},
		{"never_opened", alipay.Trade{Exists: false, OutTradeNo: "never_opened"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.outTradeNo, func(t *testing.T) {
			got, err := c.QueryTrade(ctx, tt.outTradeNo)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if got.Paid() != tt.paid {
				t.Errorf("Paid() = %v", got.Paid())
			}
		})
	}

	p.RemoveTrade("paid_1")
	if got, err := c.QueryTrade(ctx, "paid_1"); err != nil || got.Exists {
		t.Errorf("after RemoveTrade: %+v, %v", got, err)
	}
	if n := p.Queries(); n != len(tests)+1 {
		t.Errorf("Queries() = %d, want %d", n, len(tests)+1)
	}
}

func TestQueryTradeGatewayFailures(t *testing.T) {
	p := alipaytest.New(t)
	p.SetTrade("paid_1", "2025010222001400001", "TRADE_SUCCESS", "9.90")
	ctx := context.Background()

	t.Run("HTTP 502", func(t *testing.T) {
		p.FailQueries(1)
		if _, err := p.Client().QueryTrade(ctx, "paid_1"); err == nil || !strings.Contains(err.Error(), "502") {
			t.Fatalf("err = %v, want an HTTP 502 error", err)
		}
		if _, err := p.Client().QueryTrade(ctx, "paid_1"); err != nil {
			t.Fatalf("after the failure: %v", err)
		}
	})

	t.Run("request signed with another key", func(t *testing.T) {
		c := p.Client()
		c.PrivateKey = p.Key
		_, err := c.QueryTrade(ctx, "paid_1")
		var aerr *alipay.Error
		if !errors.As(err, &aerr) || aerr.Code != "40002" || aerr.SubCode != "isv.invalid-signature" {
			t.Fatalf("err = %v, want 40002 isv.invalid-signature", err)
		}
	})

	t.Run("wrong app id", func(t *testing.T) {
		c := p.Client()
		c.AppID = "2021999999999999"
		_, err := c.QueryTrade(ctx, "paid_1")
		var aerr *alipay.Error
		if !errors.As(err, &aerr) || aerr.SubCode != "isv.invalid-app-id" {
			t.Fatalf("err = %v, want isv.invalid-app-id", err)
		}
	})

	t.Run("answer verified with the wrong key", func(t *testing.T) {
		c := p.Client()
		c.PublicKey = &p.AppKey.PublicKey
		if _, err := c.QueryTrade(ctx, "paid_1"); !errors.Is(err, alipay.ErrBadSignature) {
			t.Fatalf("err = %v, want ErrBadSignature", err)
		}
		// Business errors are verified too.
		if _, err := c.QueryTrade(ctx, "never_opened"); !errors.Is(err, alipay.ErrBadSignature) {
			t.Fatalf("not-exist answer: err = %v, want ErrBadSignature", err)
		}
	})

	t.Run("slow gateway", func(t *testing.T) {
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm() // the server notices a client hanging up only once the body is read
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}))
		defer slow.Close()
		c := p.Client()
		c.Gateway, c.HTTPClient = slow.URL, slow.Client()

		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.QueryTrade(ctx, "paid_1")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want a deadline error", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("took %s", d)
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i%2 == 0 {
					p.SetTrade("paid_1", "2025010222001400001", "TRADE_SUCCESS", "9.90")
				}
				if _, err := p.Client().QueryTrade(ctx, "paid_1"); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}

// signedAnswer is a gateway body with object as the response value,
// signed with key over exactly those bytes.
func signedAnswer(t *testing.T, key *rsa.PrivateKey, object string) string {
	t.Helper()
	sig, err := alipay.SignRSA2(key, object)
	if err != nil {
		t.Fatal(err)
	}
	sigJSON, _ := json.Marshal(sig)
	return `{"alipay_trade_query_response":` + object + `,"sign":` + string(sigJSON) + `}`
}

// fakeGateway is a Client for p's keys whose gateway answers with handler.
func fakeGateway(t *testing.T, p *alipaytest.Platform, handler http.HandlerFunc) *alipay.Client {
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	c := p.Client()
	c.Gateway, c.HTTPClient = srv.URL, srv.Client()
	return c
}

func answer(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.Write([]byte(body))
	}
}

func TestQueryTradeAnswers(t *testing.T) {
	p := alipaytest.New(t)
	p.SetTrade("paid_1", "2025010222001400001", "TRADE_SUCCESS", "9.90")
	const paid = `{"code":"10000","msg":"Success","out_trade_no":"paid_1","trade_no":"2025010222001400001","trade_status":"TRADE_SUCCESS","total_amount":"9.90"}`

	tamper := func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, r)
		w.Write(bytes.Replace(rec.Body.Bytes(), []byte(`"9.90"`), []byte(`"0.01"`), -1))
	}

	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    alipay.Trade // checked when wantErr is ""
		wantErr string       // "bad signature" is checked with errors.Is
	}{
		{
			name: "whitespace and escapes are signed as written",
			handler: answer(" {\n \"alipay_trade_query_response\" : " + signedAnswer(t, p.Key,
				`{ "code":"10000", "msg":"Success", "out_trade_no":"paid_1", "trade_no":"2\u0030", "trade_status":"TRADE_SUCCESS", "total_amount":"9.90", "subject":"a\/b 博客" }`,
			)[len(`{"alipay_trade_query_response":`):] + "\n"),
			want: alipay.Trade{Exists: true, OutTradeNo: "paid_1", TradeNo: "20", TradeStatus: "TRADE_SUCCESS", TotalAmount: "9.90"},
		},
		{name: "amount changed after signing", handler: tamper, wantErr: "bad signature"},
		{name: "signed with another key", handler: answer(signedAnswer(t, p.AppKey, paid)), wantErr: "bad signature"},
		{name: "unsigned", handler: answer(`{"alipay_trade_query_response":` + paid + `}`), wantErr: "bad signature"},
		{name: "null sign", handler: answer(`{"alipay_trade_query_response":` + paid + `,"sign":null}`), wantErr: "bad signature"},
		{name: "sign not base64", handler: answer(`{"alipay_trade_query_response":` + paid + `,"sign":"***"}`), wantErr: "bad signature"},
		{
			name:    "another order",
			handler: answer(signedAnswer(t, p.Key, strings.Replace(paid, "paid_1", "paid_2", 1))),
			wantErr: `the answer is about "paid_2"`,
		},
		{
			name:    "business error",
			handler: answer(signedAnswer(t, p.Key, `{"code":"20000","msg":"Service Currently Unavailable","sub_code":"aop.ACQ.SYSTEM_ERROR","sub_msg":"系统繁忙"}`)),
			wantErr: "code 20000 (Service Currently Unavailable), sub_code aop.ACQ.SYSTEM_ERROR: 系统繁忙",
		},
		{
			name:    "error_response",
			handler: answer(`{"error_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-app-id","sub_msg":"无效的AppID参数"}}`),
			wantErr: "isv.invalid-app-id",
		},
		{name: "no response object", handler: answer(`{"sign":"abc"}`), wantErr: "no alipay_trade_query_response"},
		{name: "not JSON", handler: answer(`<html>502</html>`), wantErr: "not a JSON object"},
		{name: "too large", handler: answer(`{"x":"` + strings.Repeat("a", 1<<20) + `"}`), wantErr: "larger than"},
		{
			name: "HTTP 500 with a signed body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusInternalServerError)
				w.Write([]byte(signedAnswer(t, p.Key, paid)))
			},
			wantErr: "HTTP 500",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := fakeGateway(t, p, tt.handler).QueryTrade(context.Background(), "paid_1")
			switch {
			case tt.wantErr == "":
				if err != nil {
					t.Fatal(err)
				}
				if got != tt.want {
					t.Fatalf("got  %+v\nwant %+v", got, tt.want)
				}
			case tt.wantErr == "bad signature":
				if !errors.Is(err, alipay.ErrBadSignature) {
					t.Fatalf("err = %v, want ErrBadSignature", err)
				}
			default:
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				if errors.Is(err, alipay.ErrBadSignature) {
					t.Fatalf("err = %v is a signature error", err)
				}
			}
		})
	}
}

func TestQueryTradeRefusesBeforeCalling(t *testing.T) {
	p := alipaytest.New(t)
	c := p.Client()
	if _, err := c.QueryTrade(context.Background(), ""); err == nil {
		t.Error("empty out_trade_no accepted")
	}
	c.PublicKey = nil
	if _, err := c.QueryTrade(context.Background(), "paid_1"); err == nil {
		t.Error("queried with no key to verify the answer")
	}
	if n := p.Queries(); n != 0 {
		t.Errorf("%d queries reached the gateway", n)
	}
}
