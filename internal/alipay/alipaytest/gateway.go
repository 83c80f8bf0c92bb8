package alipaytest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"blogbase/internal/alipay"
)

// queryResponse is the alipay_trade_query_response object, fields in the
// order Alipay writes them.
type queryResponse struct {
	Code           string `json:"code"`
	Msg            string `json:"msg"`
	SubCode        string `json:"sub_code,omitempty"`
	SubMsg         string `json:"sub_msg,omitempty"`
	BuyerPayAmount string `json:"buyer_pay_amount,omitempty"`
	OutTradeNo     string `json:"out_trade_no,omitempty"`
	TotalAmount    string `json:"total_amount,omitempty"`
	TradeNo        string `json:"trade_no,omitempty"`
	TradeStatus    string `json:"trade_status,omitempty"`
}

// ServeHTTP is the gateway. Like Alipay's, it takes form POSTs, checks
// app_id and the request signature, and signs what it answers.
func (p *Platform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		http.Error(w, "want a application/x-www-form-urlencoded body", http.StatusUnsupportedMediaType)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	form := r.Form // common parameters may come in the query string, as with Alipay

	if m := form.Get("method"); m != "alipay.trade.query" {
		writeUnsigned(w, "error_response", queryResponse{
			Code: "40002", Msg: "Invalid Arguments",
			SubCode: "isv.invalid-method", SubMsg: "不存在的方法名",
		})
		return
	}

	p.mu.Lock()
	p.queries++
	fail := p.fail > 0
	if fail {
		p.fail--
	}
	p.mu.Unlock()
	if fail {
		http.Error(w, "Bad Gateway", http.StatusBadGateway)
		return
	}

	const name = "alipay_trade_query_response"
	if form.Get("app_id") != p.AppID {
		writeUnsigned(w, "error_response", queryResponse{
			Code: "40002", Msg: "Invalid Arguments",
			SubCode: "isv.invalid-app-id", SubMsg: "无效的AppID参数",
		})
		return
	}
	if form.Get("sign_type") != "RSA2" ||
		alipay.VerifyRSA2(&p.AppKey.PublicKey, alipay.SigningContent(form), form.Get("sign")) != nil {
		p.writeSigned(w, name, queryResponse{
			Code: "40002", Msg: "Invalid Arguments",
			SubCode: "isv.invalid-signature", SubMsg: "验签出错",
		})
		return
	}

	var biz struct {
		OutTradeNo string `json:"out_trade_no"`
	}
	if err := json.Unmarshal([]byte(form.Get("biz_content")), &biz); err != nil || biz.OutTradeNo == "" {
		p.writeSigned(w, name, queryResponse{
			Code: "40004", Msg: "Business Failed",
			SubCode: "ACQ.INVALID_PARAMETER", SubMsg: "参数无效",
		})
		return
	}

	p.mu.Lock()
	t, ok := p.trades[biz.OutTradeNo]
	p.mu.Unlock()
	if !ok {
		p.writeSigned(w, name, queryResponse{
			Code: "40004", Msg: "Business Failed",
			SubCode: "ACQ.TRADE_NOT_EXIST", SubMsg: "交易不存在",
			OutTradeNo: biz.OutTradeNo,
		})
		return
	}
	resp := queryResponse{
		Code: "10000", Msg: "Success",
		OutTradeNo:  biz.OutTradeNo,
		TradeNo:     t.tradeNo,
		TradeStatus: t.status,
		TotalAmount: t.totalAmount,
	}
	if t.status == "TRADE_SUCCESS" || t.status == "TRADE_FINISHED" {
		resp.BuyerPayAmount = t.totalAmount
	} else {
		resp.BuyerPayAmount = "0.00"
	}
	p.writeSigned(w, name, resp)
}

// writeSigned answers {"<name>":<v>,"sign":"..."}, the signature being
// over exactly the bytes of v written.
func (p *Platform) writeSigned(w http.ResponseWriter, name string, v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	sign, err := alipay.SignRSA2(p.Key, string(raw))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	signJSON, _ := json.Marshal(sign)
	writeResponse(w, name, raw, signJSON)
}

// writeUnsigned answers {"<name>":<v>}, as the gateway does for errors
// it finds before knowing whose key to sign with.
func writeUnsigned(w http.ResponseWriter, name string, v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeResponse(w, name, raw, nil)
}

func writeResponse(w http.ResponseWriter, name string, raw, signJSON []byte) {
	var b bytes.Buffer
	b.WriteString(`{"`)
	b.WriteString(name)
	b.WriteString(`":`)
	b.Write(raw)
	if signJSON != nil {
		b.WriteString(`,"sign":`)
		b.Write(signJSON)
	}
	b.WriteString("}")
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.Write(b.Bytes())
}
