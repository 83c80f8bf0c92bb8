package hooks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// paymentProvider is a way for buyers to pay for posts. Each one lives in
// its own file (payments_alipay.go, payments_stripe.go): the purchase route
// asks it for the page the buyer pays on, reconciliation asks it about
// orders whose callback never came, and its callback handlers (listed in
// routes.go) settle orders through applySettlement. A new provider is:
//   - its file, implementing this interface and its callbacks;
//   - its settings in config.go (a struct read from BLOG_* variables);
//   - its field and entry in payments / newPayments;
//   - its callback rows in routes.go;
//   - a migration adding its name to the provider values of orders and
//     paymentEvents (then migrations/COLLECTIONS.md rewritten);
//   - its choice in the web app's buy button (ui/src/post.js) and the
//     README.
//
// Purchase, settlement and reconciliation need no change.
type paymentProvider interface {
	// name is the provider's value in orders.provider and paymentEvents.
	name() string

	// check tells whether the provider can take payments now, or which
	// setting is missing (an errNotConfigured naming the variable).
	check() error

	// set tells whether any of its settings is given: the operator means
	// it on, and is warned at start when it cannot work.
	set() bool

	// takes tells whether the provider handles a currency at all; the
	// purchase of a post that names no provider goes to the first
	// configured provider that does.
	takes(currency string) bool

	// priceError tells why the provider cannot charge this price, or nil.
	priceError(currency string, cents int64) error

	// payUrl is where the buyer pays for a pending order; base is the
	// server's public URL, which return and callback URLs are built on.
	// An errPaymentRefused is a payment the provider will never take; any
	// other error, one worth trying again. It may store what it opened
	// with the order (the purchase answers the order as stored after).
	payUrl(ctx context.Context, app core.App, order *core.Record, base string) (string, error)

	// query asks the provider about a pending order and settles it when
	// the provider knows it paid or closed, returning the outcome (paid,
	// already_paid, closed, ignored, or pending when there is nothing to
	// do yet).
	query(ctx context.Context, app core.App, order *core.Record, now time.Time) (string, error)
}

// payments is the purchase route, the providers and their callbacks, as
// configured.
type payments struct {
	config    Config
	alipay    *alipayPayments
	stripe    *stripePayments
	providers []paymentProvider // in order of preference
}

func newPayments(config Config) *payments {
	p := &payments{
		config: config,
		alipay: &alipayPayments{config: config},
		stripe: &stripePayments{config: config},
	}
	p.providers = []paymentProvider{p.alipay, p.stripe}
	return p
}

// provider is the provider of that name, or nil.
func (p *payments) provider(name string) paymentProvider {
	for _, provider := range p.providers {
		if provider.name() == name {
			return provider
		}
	}
	return nil
}

// names lists the providers' names as a sentence says them: "alipay or
// stripe".
func (p *payments) names() string {
	names := make([]string, len(p.providers))
	for i, provider := range p.providers {
		names[i] = provider.name()
	}
	last := len(names) - 1
	if last < 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:last], ", ") + " or " + names[last]
}

// ready tells whether provider can take a payment now: its own settings
// and the public URL its callbacks come back to.
func (p *payments) ready(provider paymentProvider) error {
	if _, err := p.config.publicBase(); err != nil {
		return err
	}
	return provider.check()
}

// available tells whether any provider can take a payment now: the web
// app offers to buy a post only then.
func (p *payments) available() bool {
	for _, provider := range p.providers {
		if p.ready(provider) == nil {
			return true
		}
	}
	return false
}

// defaultProvider is the provider of a purchase that names none: the
// first ready provider that takes the currency, else the first ready one
// (whose refusal of the currency the buyer then reads), else the first
// (whose missing setting the buyer's 503 names).
func (p *payments) defaultProvider(currency string) paymentProvider {
	var firstReady paymentProvider
	for _, provider := range p.providers {
		if p.ready(provider) != nil {
			continue
		}
		if provider.takes(currency) {
			return provider
		}
		if firstReady == nil {
			firstReady = provider
		}
	}
	if firstReady != nil {
		return firstReady
	}
	return p.providers[0]
}

// warnUnusable tells, at start, of providers some of whose settings are
// given but that cannot work, so that an operator sees a typo before the
// first buyer does; out is the terminal (the app log shows there only
// with --dev).
func (p *payments) warnUnusable(app core.App, out io.Writer) {
	for _, provider := range p.providers {
		if !provider.set() {
			continue // not meant to be on
		}
		if err := p.ready(provider); err != nil {
			fmt.Fprintf(out, "Warning: payments through %s are off: %v\n", provider.name(), err)
			app.Logger().Warn("Payments through "+provider.name()+" are off", "reason", err.Error())
		}
	}
}

// errPaymentRefused is a payment a provider refused for good.
type errPaymentRefused struct{ reason string }

func (e errPaymentRefused) Error() string {
	return "The payment provider refused the payment: " + e.reason
}

// callbackBody reads a payment provider's request body, up to limit
// bytes, ahead of its handler, which records even a refused callback
// (callbackPayload tells it what came).
func callbackBody(limit int64) func(e *core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		payload, err := io.ReadAll(io.LimitReader(e.Request.Body, limit+1))
		tooLarge := int64(len(payload)) > limit
		if tooLarge {
			payload = payload[:limit]
		}
		e.Set(callbackPayloadKey, callbackRead{payload: payload, tooLarge: tooLarge, err: err, limit: limit})
		return e.Next()
	}
}

const callbackPayloadKey = "blogCallbackPayload"

type callbackRead struct {
	payload  []byte
	tooLarge bool // there was more than limit bytes
	err      error
	limit    int64
}

// callbackPayload is what callbackBody read.
func callbackPayload(e *core.RequestEvent) callbackRead {
	read, ok := e.Get(callbackPayloadKey).(callbackRead)
	if !ok {
		return callbackRead{err: errors.New("the callback body was not read")}
	}
	return read
}
