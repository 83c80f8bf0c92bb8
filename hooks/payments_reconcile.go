package hooks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
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
// expired ones closed; a provider whose settings are missing fails its
// orders, naming the variable. The cron job and `blogbase payments
// reconcile` run it; runs may overlap, the settlements are conditional.
func ReconcilePayments(ctx context.Context, app core.App, config Config, now time.Time) (ReconcileReport, error) {
	return newPayments(config).reconcile(ctx, app, now)
}

// reconcileSchedule is how often the cron job asks the providers about
// pending orders older than reconcileAfter.
const reconcileSchedule = "*/5 * * * *"

// bindReconcile schedules the reconciliation.
func (p *payments) bindReconcile(app core.App) {
	app.Cron().MustAdd("blogReconcilePayments", reconcileSchedule, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		report, err := p.reconcile(ctx, app, time.Now())
		switch {
		case err != nil:
			app.Logger().Warn("Reconciling pending orders failed in part", "report", report.String(), "error", err)
		case report.Checked > 0:
			app.Logger().Info("Reconciled pending orders", "report", report.String())
		}
	})
}

func (p *payments) reconcile(ctx context.Context, app core.App, now time.Time) (ReconcileReport, error) {
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

		var outcome string
		name := order.GetString("provider")
		if provider := p.provider(name); provider == nil {
			err = errors.New("unknown provider " + name)
		} else {
			outcome, err = provider.query(ctx, app, order, now)
		}

		switch {
		case err != nil:
			report.Failed++
			if report.Failed <= reconcileErrorsKept {
				errs = append(errs, fmt.Errorf("order %s (%s): %w", order.Id, name, err))
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
