package hooks

import (
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"blogbase/internal/alipay"
)

// errNotConfigured is a payment setting that is missing or unusable. Its
// message names the variable, for the 503 a client gets and for the
// operator reading it.
type errNotConfigured struct{ reason string }

func (e errNotConfigured) Error() string { return "Payments are not configured: " + e.reason }

func notSet(name string) error { return errNotConfigured{name + " is not set"} }

// publicURL reads BLOG_PUBLIC_URL, the address buyers and providers reach
// this server at; notify, return and Stripe success URLs are built on it.
func publicURL() (string, error) {
	raw := strings.TrimRight(os.Getenv("BLOG_PUBLIC_URL"), "/")
	if raw == "" {
		return "", notSet("BLOG_PUBLIC_URL")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errNotConfigured{"BLOG_PUBLIC_URL must be an absolute http(s) URL"}
	}
	return raw, nil
}

// alipayAppID reads BLOG_ALIPAY_APP_ID.
func alipayAppID() (string, error) {
	id := os.Getenv("BLOG_ALIPAY_APP_ID")
	if id == "" {
		return "", notSet("BLOG_ALIPAY_APP_ID")
	}
	return id, nil
}

// alipayVerifier is the client for checking what Alipay sends
// (notifications, returns): the app id and Alipay's public key.
func alipayVerifier() (*alipay.Client, error) {
	appID, err := alipayAppID()
	if err != nil {
		return nil, err
	}
	publicKey, err := readKeyFile("BLOG_ALIPAY_PUBLIC_KEY", "an RSA public key (PKIX PEM)", alipay.ParsePublicKey)
	if err != nil {
		return nil, err
	}
	return &alipay.Client{AppID: appID, PublicKey: publicKey, Gateway: os.Getenv("BLOG_ALIPAY_GATEWAY")}, nil
}

// alipayClient is the full client: the verifier plus the app's private
// key, which signs pay URLs and trade queries.
func alipayClient() (*alipay.Client, error) {
	client, err := alipayVerifier()
	if err != nil {
		return nil, err
	}
	client.PrivateKey, err = readKeyFile("BLOG_ALIPAY_PRIVATE_KEY", "an RSA private key (PKCS#1 or PKCS#8 PEM)", alipay.ParsePrivateKey)
	if err != nil {
		return nil, err
	}
	return client, nil
}

// readKeyFile parses the key in the file named by the variable name.
func readKeyFile[K any](name, what string, parse func([]byte) (K, error)) (K, error) {
	var zero K
	path := os.Getenv(name)
	if path == "" {
		return zero, notSet(name)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return zero, errNotConfigured{name + " names a file that cannot be read"}
	}
	key, err := parse(data)
	if err != nil {
		return zero, errNotConfigured{fmt.Sprintf("%s does not hold %s", name, what)}
	}
	return key, nil
}

// stripeSettings reads the Stripe variables: the secret key creating
// checkout sessions, the webhook secret (without which no payment could
// ever be credited) and the optional API base.
type stripeSettings struct {
	SecretKey     string
	WebhookSecret string
	APIBase       string
}

func stripeConfig() (stripeSettings, error) {
	s := stripeSettings{
		SecretKey:     os.Getenv("BLOG_STRIPE_SECRET_KEY"),
		WebhookSecret: os.Getenv("BLOG_STRIPE_WEBHOOK_SECRET"),
		APIBase:       strings.TrimRight(os.Getenv("BLOG_STRIPE_API_BASE"), "/"),
	}
	if s.SecretKey == "" {
		return s, notSet("BLOG_STRIPE_SECRET_KEY")
	}
	if s.WebhookSecret == "" {
		return s, notSet("BLOG_STRIPE_WEBHOOK_SECRET")
	}
	return s, nil
}

// checkProvider tells whether provider can take a payment now.
func checkProvider(provider string) error {
	if _, err := publicURL(); err != nil {
		return err
	}
	switch provider {
	case providerAlipay:
		_, err := alipayClient()
		return err
	case providerStripe:
		_, err := stripeConfig()
		return err
	}
	return fmt.Errorf("unknown provider %q", provider)
}

// defaultProvider is the provider of a purchase that names none: Alipay
// when it is configured and takes the currency, else Stripe when it is
// configured, else Alipay (whose missing setting the buyer's 503 then
// names).
func defaultProvider(currency string) string {
	if currency == "CNY" && checkProvider(providerAlipay) == nil {
		return providerAlipay
	}
	if checkProvider(providerStripe) == nil {
		return providerStripe
	}
	return providerAlipay
}

// warnPaymentSettings logs, at start, settings that are there but
// unusable, so that an operator sees a typo before the first buyer does.
func warnPaymentSettings(app core.App) {
	for provider, prefix := range map[string]string{providerAlipay: "BLOG_ALIPAY_", providerStripe: "BLOG_STRIPE_"} {
		if !anyVariableSet(prefix) {
			continue // not meant to be on
		}
		if err := checkProvider(provider); err != nil {
			// on the terminal too: the app log shows there only with --dev
			fmt.Fprintf(os.Stderr, "Warning: payments through %s are off: %v\n", provider, err)
			app.Logger().Warn("Payments through "+provider+" are off", "reason", err.Error())
		}
	}
}

// anyVariableSet tells whether a non-empty variable starts with prefix.
func anyVariableSet(prefix string) bool {
	for _, kv := range os.Environ() {
		name, value, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, prefix) && value != "" {
			return true
		}
	}
	return false
}
