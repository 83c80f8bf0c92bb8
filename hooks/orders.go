package hooks

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
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
	order.Set("currency", strings.ToUpper(order.GetString("currency")))
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

func validateOrder(e *core.RecordEvent) error {
	errs := validation.Errors{}
	if hasMoreThanTwoDecimals(e.Record.GetFloat("amount")) {
		errs["amount"] = validation.NewError("validation_amount_cents", "Must have at most 2 decimal places.")
	}
	if !knownCurrency(e.Record.GetString("currency")) {
		errs["currency"] = validation.NewError("validation_currency_unknown", "Must be an ISO 4217 currency code, such as CNY or USD.")
	}
	if !e.Record.IsNew() {
		var stored string
		err := e.App.DB().Select("outTradeNo").From(ordersCollection).
			Where(dbx.HashExp{"id": e.Record.LastSavedPK()}).Row(&stored)
		if err == nil && stored != "" && stored != e.Record.GetString("outTradeNo") {
			errs["outTradeNo"] = validation.NewError("validation_out_trade_no_immutable", "The trade number of an order cannot change.")
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return e.Next()
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

// paymentEvent is one message from a payment provider, or one answer to
// our query, as it is logged in paymentEvents.
type paymentEvent struct {
	Provider string
	Kind     string // notify, return, webhook or query
	EventId  string
	OrderId  string
	Verified bool
	Outcome  string
	Message  string
	Payload  string
	IP       string
}

// recordPaymentEvent saves ev. A failure is logged with the payload, so
// that nothing a provider sent is lost without a trace even then.
func recordPaymentEvent(app core.App, ev paymentEvent) error {
	err := savePaymentEvent(app, ev)
	if err != nil {
		app.Logger().Error("Failed to record a payment event",
			"provider", ev.Provider, "kind", ev.Kind, "outcome", ev.Outcome, "payload", ev.Payload, "error", err)
	}
	return err
}

func savePaymentEvent(app core.App, ev paymentEvent) error {
	if !ev.Verified && len(ev.Payload) > maxUnverifiedPayload {
		// anyone can post anything here: keep enough to see what it was
		sum := sha256.Sum256([]byte(ev.Payload))
		ev.Message = strings.TrimSpace(fmt.Sprintf("%s (payload of %d bytes, sha256 %x; the first %d kept)",
			ev.Message, len(ev.Payload), sum, maxUnverifiedPayload))
		ev.Payload = strings.ToValidUTF8(ev.Payload[:maxUnverifiedPayload], "")
	}
	collection, err := app.FindCachedCollectionByNameOrId(paymentEventsCollection)
	if err != nil {
		return err
	}
	record := core.NewRecord(collection)
	record.Set("provider", ev.Provider)
	record.Set("kind", ev.Kind)
	record.Set("eventId", truncateRunes(ev.EventId, 255))
	record.Set("order", ev.OrderId)
	record.Set("verified", ev.Verified)
	record.Set("outcome", ev.Outcome)
	record.Set("message", truncateRunes(ev.Message, 1000))
	record.Set("payload", truncateRunes(ev.Payload, maxEventPayload))
	record.Set("ip", truncateRunes(ev.IP, 64))
	return app.SaveNoValidate(record)
}

// settleOrder is what a provider said, verified, about an order.
type settleOrder struct {
	OrderId string
	Paid    bool   // paid; otherwise closed, when still pending
	TradeNo string // the provider's number, kept when the order has none
}

// applySettlement changes the order as s says, at most once, and records
// ev in the same transaction, its outcome set from what happened. The
// change is a conditional UPDATE as the first statement of the
// transaction: whichever of many concurrent copies of one notification
// comes first moves the order, the others find it moved and change
// nothing. The record is then saved through PocketBase so that realtime
// subscribers (the buyer's page) hear of it.
//
// A payment credits a pending order, or one closed before it was ever
// paid (the buyer paid a page opened before we gave up on it: the money
// is real). An order a superuser closed after it was paid (a refund)
// stays closed. A payment for a post the buyer had already paid for under
// another order is credited too, and flagged duplicate_payment for a
// refund; the buyer's other pending orders for the post are closed.
func applySettlement(app core.App, s settleOrder, ev paymentEvent) (paymentEvent, error) {
	ev.OrderId = s.OrderId
	err := app.RunInTransaction(func(tx core.App) error {
		now := types.NowDateTime().String()
		var query *dbx.Query
		if s.Paid {
			query = tx.DB().NewQuery(`UPDATE {{orders}} SET [[status]] = 'paid', [[paidAt]] = {:now}, [[updated]] = {:now},
				[[tradeNo]] = CASE WHEN [[tradeNo]] = '' THEN {:tradeNo} ELSE [[tradeNo]] END
				WHERE [[id]] = {:id} AND ([[status]] = 'pending' OR ([[status]] = 'closed' AND [[paidAt]] = ''))
				RETURNING [[buyer]], [[post]]`)
		} else {
			query = tx.DB().NewQuery(`UPDATE {{orders}} SET [[status]] = 'closed', [[updated]] = {:now},
				[[tradeNo]] = CASE WHEN [[tradeNo]] = '' THEN {:tradeNo} ELSE [[tradeNo]] END
				WHERE [[id]] = {:id} AND [[status]] = 'pending' RETURNING [[buyer]], [[post]]`)
		}
		var changed []struct {
			Buyer string `db:"buyer"`
			Post  string `db:"post"`
		}
		err := query.Bind(dbx.Params{"id": s.OrderId, "now": now, "tradeNo": s.TradeNo}).All(&changed)
		if err != nil {
			return err
		}

		if len(changed) == 0 {
			var previous string
			if err := tx.DB().Select("status").From(ordersCollection).
				Where(dbx.HashExp{"id": s.OrderId}).Row(&previous); err != nil {
				return err
			}
			if s.Paid && previous == orderPaid {
				ev.Outcome = "already_paid"
			} else {
				ev.Outcome = "ignored"
				ev.Message = strings.TrimSpace(ev.Message + " The order is " + previous + ".")
			}
			return savePaymentEvent(tx, ev)
		}

		ev.Outcome = orderClosed
		if s.Paid {
			ev.Outcome = orderPaid
			if err := settleSiblings(tx, s.OrderId, changed[0].Buyer, changed[0].Post, &ev); err != nil {
				return err
			}
		}
		order, err := tx.FindRecordById(ordersCollection, s.OrderId)
		if err != nil {
			return err
		}
		if err := tx.SaveNoValidate(order); err != nil {
			return err
		}
		return savePaymentEvent(tx, ev)
	})
	if err != nil {
		ev.Outcome = "error"
		ev.Message = err.Error()
		// the transaction is gone: keep at least the message itself
		_ = recordPaymentEvent(app, ev)
	}
	if ev.Outcome == "duplicate_payment" {
		app.Logger().Warn("A buyer paid twice for one post; refund one order", "order", s.OrderId, "message", ev.Message)
	}
	return ev, err
}

// settleSiblings looks at the buyer's other orders for the post once one
// is paid: another paid one makes this payment a duplicate to refund;
// pending ones are closed, nothing is left to pay.
func settleSiblings(tx core.App, orderId, buyerId, postId string, ev *paymentEvent) error {
	if buyerId == "" || postId == "" {
		return nil
	}
	siblings, err := tx.FindRecordsByFilter(ordersCollection,
		`buyer = {:buyer} && post = {:post} && id != {:id} && (status = "paid" || status = "pending")`,
		"", 0, 0, dbx.Params{"buyer": buyerId, "post": postId, "id": orderId})
	if err != nil {
		return err
	}
	for _, sibling := range siblings {
		if sibling.GetString("status") == orderPaid {
			ev.Outcome = "duplicate_payment"
			ev.Message = strings.TrimSpace(ev.Message + " The buyer already paid for this post with order " + sibling.Id + ".")
			continue
		}
		sibling.Set("status", orderClosed)
		if err := tx.SaveNoValidate(sibling); err != nil {
			return err
		}
	}
	return nil
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
