package hooks

import (
	"errors"
	"math"
	"time"
	"unicode/utf8"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"
	"github.com/pocketbase/pocketbase/tools/types"
)

const (
	ordersCollection        = "orders"
	paymentEventsCollection = "paymentEvents"

	orderPending = "pending"
	orderPaid    = "paid"
	orderClosed  = "closed"

	providerAlipay = "alipay"
	providerStripe = "stripe"

	// orderLifetime is how long a provider accepts payment for an order
	// (Alipay's time_expire, a Stripe session's expires_at); after it,
	// reconciliation closes what was not paid
	orderLifetime = 2 * time.Hour

	// maxEventPayload bounds the raw payload kept with a payment event,
	// maxUnverifiedPayload that of one whose signature did not verify
	maxEventPayload      = 1 << 20
	maxUnverifiedPayload = 2 << 10

	// unverifiedEventsKept is how long refused, unverified messages stay
	unverifiedEventsKept = 30 * 24 * time.Hour
)

// bindOrders keeps the invariants of orders on every write path, the
// dashboard included: each has its own trade number, once given never
// changed, an amount in whole cents, and a paidAt once paid.
func bindOrders(app core.App) {
	app.OnRecordCreate(ordersCollection).BindFunc(func(e *core.RecordEvent) error {
		completeOrder(e.App, e.Record)
		return e.Next()
	})
	app.OnRecordUpdate(ordersCollection).BindFunc(func(e *core.RecordEvent) error {
		completeOrder(e.App, e.Record)
		return e.Next()
	})
	app.OnRecordValidate(ordersCollection).BindFunc(validateOrder)
}

// completeOrder fills what a superuser writing an order by hand may leave
// out.
func completeOrder(app core.App, order *core.Record) {
	if order.GetString("outTradeNo") == "" && order.IsNew() {
		order.Set("outTradeNo", newOutTradeNo())
	}
	if order.GetString("status") == "" {
		order.Set("status", orderPending)
	}
	order.Set("currency", normalizeCurrency(order.GetString("currency")))
	if order.GetString("status") == orderPaid && order.GetDateTime("paidAt").IsZero() {
		order.Set("paidAt", types.NowDateTime())
	}
	if order.GetDateTime("expires").IsZero() {
		order.Set("expires", types.NowDateTime().Add(orderLifetime))
	}
	if postId := order.GetString("post"); postId != "" && order.GetString("subject") == "" {
		if post, err := app.FindRecordById(postsCollection, postId); err == nil {
			order.Set("subject", truncateRunes(post.GetString("title"), 256))
		}
	}
}

// validateOrder adds to the field validations what their options cannot
// express: whole cents, a real currency, a trade number that never
// changes once given.
func validateOrder(e *core.RecordEvent) error {
	return validateRecord(e, func(errs fieldErrors) error {
		order := e.Record
		checkPrice(errs, order, "amount", "validation_amount_cents")
		if order.IsNew() || errs.has("outTradeNo") {
			return nil
		}
		var stored struct {
			OutTradeNo string `db:"outTradeNo"`
		}
		err := readStoredRow(e.App, order, &stored)
		if err == nil && stored.OutTradeNo != "" && stored.OutTradeNo != order.GetString("outTradeNo") {
			errs.add("outTradeNo", validation.NewError("validation_out_trade_no_immutable", "The trade number of an order cannot change."))
		}
		return nil
	})
}

// chinaTime is the time zone of Alipay's console.
var chinaTime = time.FixedZone("CST", 8*3600)

// newOutTradeNo is our trade number for a new order: its creation time as
// Alipay's console shows times, and 10 random digits.
func newOutTradeNo() string {
	return time.Now().In(chinaTime).Format("20060102150405") + security.RandomStringWithAlphabet(10, "0123456789")
}

// orderCents is an order's amount in cents, the unit every comparison with
// what a provider says is made in.
func orderCents(order *core.Record) int64 {
	return centsOf(order.GetFloat("amount"))
}

// centsOf turns a price (validated to whole cents) into cents.
func centsOf(amount float64) int64 {
	return int64(math.Round(amount * 100))
}

// errAlreadyPaid is a purchase of a post the buyer already paid for.
var errAlreadyPaid = errors.New("already paid")

// truncateRunes cuts s to at most n runes, for text columns with a limit.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
