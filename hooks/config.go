package hooks

import (
	"crypto/rsa"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"blogbase/internal/alipay"
)

// Config is the blog's configuration. The server reads it once, at start,
// from the BLOG_* variables (ConfigFromEnv) and its flags, and hands it to
// Register; tests build one. Key files are parsed when it is loaded, not
// per request. A feature whose settings are missing or unusable does not
// stop the server: its routes answer 503 naming the variable, and Register
// warns at start about providers that are half set up.
type Config struct {
	// PublicDir is the directory of the web app served at /; "" serves
	// none (the API alone).
	PublicDir string

	// PublicURL is BLOG_PUBLIC_URL: where readers and payment providers
	// reach the server. Payment callback and return URLs are built on it.
	PublicURL string

	// ListingMaxAge is BLOG_LISTING_MAX_AGE: the seconds browsers and CDNs
	// may reuse a public answer before revalidating it.
	ListingMaxAge int

	// CommentsPerMinute is BLOG_COMMENTS_PER_MINUTE: the comments one user
	// may write in any minute; 0 for no limit.
	CommentsPerMinute int

	SMS    SMSConfig
	Alipay AlipayConfig
	Stripe StripeConfig

	// warnings are what loading found wrong and replaced with a default;
	// Register logs them.
	warnings []string

	// clock, when set, is the time as the posts' dates are judged by it:
	// whether a date is in the future, when a scheduled post is due
	// (tests move it; see now)
	clock func() time.Time
}

// now is the time the posts' dates are judged by: the clock's, else the
// system's.
func (c Config) now() time.Time {
	if c.clock != nil {
		return c.clock()
	}
	return time.Now()
}

// SMSConfig is how sign-in codes are sent.
type SMSConfig struct {
	// Provider is BLOG_SMS_PROVIDER: "log" (or "") writes codes to the log
	// and the terminal, "webhook" POSTs them to WebhookURL.
	Provider      string
	WebhookURL    string // BLOG_SMS_WEBHOOK_URL
	WebhookSecret string // BLOG_SMS_WEBHOOK_SECRET: signs each POST when set
	// IPHourly is BLOG_SMS_IP_HOURLY: the codes one IP may ask for an hour.
	IPHourly int

	// clock, when set, is the time as the code rules see it (tests move it)
	clock func() time.Time
}

// AlipayConfig is the Alipay open-platform app payments go through.
type AlipayConfig struct {
	AppID      string          // BLOG_ALIPAY_APP_ID
	PrivateKey *rsa.PrivateKey // from the file BLOG_ALIPAY_PRIVATE_KEY names: signs pay URLs and queries
	PublicKey  *rsa.PublicKey  // from the file BLOG_ALIPAY_PUBLIC_KEY names: verifies what Alipay sends
	Gateway    string          // BLOG_ALIPAY_GATEWAY; "" is Alipay's production gateway

	// why a key file named by a variable could not be used
	privateKeyErr, publicKeyErr error
	// a misspelled BLOG_ALIPAY_ variable was given
	named bool
}

// StripeConfig is the Stripe account payments go through.
type StripeConfig struct {
	SecretKey     string // BLOG_STRIPE_SECRET_KEY: opens checkout sessions
	WebhookSecret string // BLOG_STRIPE_WEBHOOK_SECRET: verifies webhooks
	APIBase       string // BLOG_STRIPE_API_BASE; "" is Stripe's

	named bool // a misspelled BLOG_STRIPE_ variable was given
}

// Defaults of the variables that have one.
const (
	// a listing page may be a few seconds old in a CDN
	defaultListingMaxAge = 5
	// comments a user may write a minute (in bursts of as many): more
	// than any person types, far less than a script floods
	defaultCommentsPerMinute = 10
	// sign-in codes an IP may ask for an hour
	defaultSmsIPHourly = 10
)

// DefaultConfig is the configuration with no BLOG_* variable set.
func DefaultConfig() Config {
	return Config{
		ListingMaxAge:     defaultListingMaxAge,
		CommentsPerMinute: defaultCommentsPerMinute,
		SMS:               SMSConfig{Provider: "log", IPHourly: defaultSmsIPHourly},
	}
}

// ConfigFromEnv reads the configuration from the process environment.
func ConfigFromEnv() Config {
	return configFromEnviron(os.Environ())
}

// configVariables are the variables LoadConfig reads.
var configVariables = []string{
	"BLOG_PUBLIC_URL", "BLOG_LISTING_MAX_AGE", "BLOG_COMMENTS_PER_MINUTE",
	"BLOG_SMS_PROVIDER", "BLOG_SMS_WEBHOOK_URL", "BLOG_SMS_WEBHOOK_SECRET", "BLOG_SMS_IP_HOURLY",
	"BLOG_ALIPAY_APP_ID", "BLOG_ALIPAY_PRIVATE_KEY", "BLOG_ALIPAY_PUBLIC_KEY", "BLOG_ALIPAY_GATEWAY",
	"BLOG_STRIPE_SECRET_KEY", "BLOG_STRIPE_WEBHOOK_SECRET", "BLOG_STRIPE_API_BASE",
}

// configFromEnviron loads the configuration from environ ("NAME=value"
// entries) and warns about any other BLOG_* variable given, a misspelling
// most likely: one under BLOG_ALIPAY_ or BLOG_STRIPE_ also counts as
// meaning that provider on, so that its missing setting is warned about.
func configFromEnviron(environ []string) Config {
	vars := map[string]string{}
	for _, entry := range environ {
		name, value, _ := strings.Cut(entry, "=")
		vars[name] = value
	}
	c := LoadConfig(func(name string) string { return vars[name] })

	var unknown []string
	for name, value := range vars {
		if strings.HasPrefix(name, "BLOG_") && value != "" && !slices.Contains(configVariables, name) {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		c.warnings = append(c.warnings, name+" is not a variable blogbase reads; is it misspelled?")
		upper := strings.ToUpper(name)
		c.Alipay.named = c.Alipay.named || strings.HasPrefix(upper, "BLOG_ALIPAY_")
		c.Stripe.named = c.Stripe.named || strings.HasPrefix(upper, "BLOG_STRIPE_")
	}
	return c
}

// LoadConfig reads the configuration from the BLOG_* variables getenv
// returns, reading and parsing the key files they name. It never fails:
// a malformed number is replaced by its default (with a warning), and an
// unusable provider setting is kept to be reported when the provider is
// used.
func LoadConfig(getenv func(string) string) Config {
	c := DefaultConfig()
	c.PublicURL = strings.TrimRight(getenv("BLOG_PUBLIC_URL"), "/")
	if _, err := c.publicBase(); c.PublicURL != "" && err != nil {
		c.warnings = append(c.warnings, fmt.Sprintf("BLOG_PUBLIC_URL must be an absolute http(s) URL such as "+
			"https://blog.example.com, not %q: pages link to the Application URL of the settings instead, "+
			"and payments stay off", c.PublicURL))
	}
	c.ListingMaxAge = c.wholeNumber(getenv, "BLOG_LISTING_MAX_AGE", defaultListingMaxAge, 0)
	c.CommentsPerMinute = c.wholeNumber(getenv, "BLOG_COMMENTS_PER_MINUTE", defaultCommentsPerMinute, 0)

	if p := getenv("BLOG_SMS_PROVIDER"); p != "" {
		c.SMS.Provider = p
	}
	c.SMS.WebhookURL = getenv("BLOG_SMS_WEBHOOK_URL")
	c.SMS.WebhookSecret = getenv("BLOG_SMS_WEBHOOK_SECRET")
	c.SMS.IPHourly = c.wholeNumber(getenv, "BLOG_SMS_IP_HOURLY", defaultSmsIPHourly, 1)

	c.Alipay.AppID = getenv("BLOG_ALIPAY_APP_ID")
	c.Alipay.Gateway = getenv("BLOG_ALIPAY_GATEWAY")
	c.Alipay.PrivateKey, c.Alipay.privateKeyErr = readKeyFile(getenv, "BLOG_ALIPAY_PRIVATE_KEY",
		"an RSA private key (PKCS#1 or PKCS#8 PEM)", alipay.ParsePrivateKey)
	c.Alipay.PublicKey, c.Alipay.publicKeyErr = readKeyFile(getenv, "BLOG_ALIPAY_PUBLIC_KEY",
		"an RSA public key (PKIX PEM)", alipay.ParsePublicKey)

	c.Stripe.SecretKey = getenv("BLOG_STRIPE_SECRET_KEY")
	c.Stripe.WebhookSecret = getenv("BLOG_STRIPE_WEBHOOK_SECRET")
	c.Stripe.APIBase = strings.TrimRight(getenv("BLOG_STRIPE_API_BASE"), "/")
	return c
}

// wholeNumber reads a variable holding a whole number of at least min,
// or def when it is unset or not one.
func (c *Config) wholeNumber(getenv func(string) string, name string, def, min int) int {
	raw := getenv(name)
	if raw == "" {
		return def
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < min {
		c.warnings = append(c.warnings, fmt.Sprintf("%s must be a whole number of at least %d, not %q; using the default, %d", name, min, raw, def))
		return def
	}
	return n
}

// readKeyFile parses the key in the file the variable name names; nil and
// no error when the variable is not set.
func readKeyFile[K any](getenv func(string) string, name, what string, parse func([]byte) (K, error)) (K, error) {
	var zero K
	path := getenv(name)
	if path == "" {
		return zero, nil
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

// errNotConfigured is a setting that is missing or unusable. Its message
// names the variable, for the 503 a client gets and for the operator
// reading it.
type errNotConfigured struct{ reason string }

func (e errNotConfigured) Error() string { return "Payments are not configured: " + e.reason }

func notSet(name string) error { return errNotConfigured{name + " is not set"} }

// publicBase is PublicURL when it is an absolute http(s) URL.
func (c Config) publicBase() (string, error) {
	if c.PublicURL == "" {
		return "", notSet("BLOG_PUBLIC_URL")
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errNotConfigured{"BLOG_PUBLIC_URL must be an absolute http(s) URL"}
	}
	return strings.TrimRight(c.PublicURL, "/"), nil
}

// verifier is the client checking what Alipay sends (notifications,
// returns): the app id and Alipay's public key, enough without the app's
// private key.
func (c AlipayConfig) verifier() (*alipay.Client, error) {
	switch {
	case c.AppID == "":
		return nil, notSet("BLOG_ALIPAY_APP_ID")
	case c.publicKeyErr != nil:
		return nil, c.publicKeyErr
	case c.PublicKey == nil:
		return nil, notSet("BLOG_ALIPAY_PUBLIC_KEY")
	}
	return &alipay.Client{AppID: c.AppID, PublicKey: c.PublicKey, Gateway: c.Gateway}, nil
}

// client is the full client: the verifier plus the app's private key,
// which signs pay URLs and trade queries.
func (c AlipayConfig) client() (*alipay.Client, error) {
	client, err := c.verifier()
	switch {
	case err != nil:
		return nil, err
	case c.privateKeyErr != nil:
		return nil, c.privateKeyErr
	case c.PrivateKey == nil:
		return nil, notSet("BLOG_ALIPAY_PRIVATE_KEY")
	}
	client.PrivateKey = c.PrivateKey
	return client, nil
}

// set tells whether any Alipay setting was given: the operator meant it on.
func (c AlipayConfig) set() bool {
	return c.AppID != "" || c.Gateway != "" || c.PrivateKey != nil || c.PublicKey != nil ||
		c.privateKeyErr != nil || c.publicKeyErr != nil || c.named
}

// check tells whether Stripe can take payments: without the webhook
// secret no payment could ever be credited.
func (c StripeConfig) check() error {
	switch {
	case c.SecretKey == "":
		return notSet("BLOG_STRIPE_SECRET_KEY")
	case c.WebhookSecret == "":
		return notSet("BLOG_STRIPE_WEBHOOK_SECRET")
	}
	return nil
}

// set tells whether any Stripe setting was given.
func (c StripeConfig) set() bool {
	return c.SecretKey != "" || c.WebhookSecret != "" || c.APIBase != "" || c.named
}
