package hooks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"blogbase/internal/alipay"
)

const (
	// reconcileAfter is the age from which a pending order is queried:
	// by then a working notification would have arrived
	reconcileAfter = 10 * time.Minute

	// expiryGrace covers clock differences with the provider before an
	// order past its expiry is taken as unpaid
	expiryGrace = 5 * time.Minute

	// reconcileErrorsKept bounds the errors a run reports in detail
	reconcileErrorsKept = 5
)

// ReconcileReport counts what one reconciliation run did.
type ReconcileReport struct {
	Checked int // pending orders older than reconcileAfter
	Paid    int // found paid and credited
	Closed  int // found closed or expired, and closed
	Pending int // still waiting for the buyer
	Failed  int // the provider could not be asked, or answered wrongly
}

func (r ReconcileReport) String() string {
	return fmt.Sprintf("checked %d, paid %d, closed %d, still pending %d, failed %d",
		r.Checked, r.Paid, r.Closed, r.Pending, r.Failed)
}

// ReconcilePayments asks the providers about every order still pending
// reconcileAfter after it was opened, for the notifications that never
// came: paid ones are credited (once, as a notification would), closed or
// expired ones closed. The cron job and `blogbase payments reconcile` run
// it; runs may overlap, the settlements are conditional.
func ReconcilePayments(ctx context.Context, app core.App, now time.Time) (ReconcileReport, error) {
	report := ReconcileReport{}
	before, err := types.ParseDateTime(now.Add(-reconcileAfter))
	if err != nil {
		return report, err
	}
	var ids []string
	err = app.DB().Select("id").From(ordersCollection).
		Where(dbx.HashExp{"status": orderPending}).
		AndWhere(dbx.NewExp("[[created]] <= {:before}", dbx.Params{"before": before.String()})).
		OrderBy("created").Column(&ids)
	if err != nil {
		return report, err
	}

	// each provider's settings are read once a run, and only when needed
	var alipayAsk *alipay.Client
	var alipayErr error
	var stripeAsk stripeSettings
	var stripeErr error
	var loaded = map[string]bool{}
	var errs []error

	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		order, err := app.FindRecordById(ordersCollection, id)
		if err != nil || order.GetString("status") != orderPending {
			continue // settled meanwhile
		}
		report.Checked++

		provider := order.GetString("provider")
		if !loaded[provider] {
			loaded[provider] = true
			switch provider {
			case providerAlipay:
				alipayAsk, alipayErr = alipayClient()
			case providerStripe:
				stripeAsk, stripeErr = stripeConfig()
			}
		}

		var outcome string
		switch provider {
		case providerAlipay:
			err = alipayErr
			if err == nil {
				outcome, err = queryAlipayOrder(ctx, app, alipayAsk, order, "query", "", now)
			}
		case providerStripe:
			err = stripeErr
			if err == nil {
				outcome, err = queryStripeOrder(ctx, app, stripeAsk, order, now)
			}
		default:
			err = errors.New("unknown provider " + provider)
		}

		switch {
		case err != nil:
			report.Failed++
			if report.Failed <= reconcileErrorsKept {
				errs = append(errs, fmt.Errorf("order %s (%s): %w", order.Id, provider, err))
			}
		case outcome == "paid" || outcome == "already_paid":
			report.Paid++
		case outcome == "closed" || outcome == "ignored":
			report.Closed++
		default:
			report.Pending++
		}
	}
	if report.Failed > reconcileErrorsKept {
		errs = append(errs, fmt.Errorf("and %d more failed orders", report.Failed-reconcileErrorsKept))
	}
	return report, errors.Join(errs...)
}
