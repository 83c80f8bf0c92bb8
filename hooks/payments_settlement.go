package hooks

import (
	"crypto/sha256"
	"fmt"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// bindPaymentEvents prunes the refused messages nobody could verify: they
// are kept a while for a look, not forever, since anyone can send them.
func bindPaymentEvents(app core.App) {
	app.Cron().MustAdd("blogPrunePaymentEvents", "41 * * * *", func() {
		before := types.NowDateTime().Add(-unverifiedEventsKept).String()
		_, err := app.DB().Delete(paymentEventsCollection, dbx.And(
			dbx.HashExp{"verified": false},
			dbx.NewExp("[[created]] < {:before}", dbx.Params{"before": before}),
		)).Execute()
		if err != nil {
			app.Logger().Warn("Failed to prune unverified payment events", "error", err)
		}
	})
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
