package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
)

// Config is everything voltd can be told, from flags, then environment
// variables, then defaults. Every secret also reads from NAME_FILE.
type Config struct {
	HTTPAddr            string        // --http / VOLT_HTTP_ADDR
	DatabaseURL         string        // --db / VOLT_DATABASE_URL: a file path or postgres:// URL
	NATSURL             string        // --nats / VOLT_NATS_URL: empty = in-process
	NATSListen          string        // --nats-listen / VOLT_NATS_LISTEN: this node's route address (embedded)
	NATSRoutes          string        // --nats-routes / VOLT_NATS_ROUTES: nats://HOST:PORT,... of every node
	NATSStore           string        // VOLT_NATS_STORE: embedded JetStream's folder
	NATSReplicas        int           // VOLT_NATS_REPLICAS: stream and bucket replicas (0: up to 3 nodes)
	NodeID              string        // VOLT_NODE_ID: this node's name in the cluster
	DBPool              int           // VOLT_DB_POOL: open database connections of this node (0: driver default)
	DatabaseReadURL     string        // VOLT_DATABASE_READ_URL: a read-only PostgreSQL URL (replica) for reports
	AdminEmail          string        // VOLT_ADMIN_EMAIL: first super admin
	AdminPassword       string        // VOLT_ADMIN_PASSWORD(_FILE)
	SecretKey           string        // VOLT_SECRET_KEY(_FILE): signs cookies and CSRF tokens
	PublicURL           string        // VOLT_PUBLIC_URL: how chargers and browsers reach us
	LogLevel            string        // --log-level / VOLT_LOG_LEVEL
	LogFormat           string        // VOLT_LOG_FORMAT: text or json
	Heartbeat           time.Duration // VOLT_OCPP_HEARTBEAT: interval given to chargers at boot
	CallTimeout         time.Duration // VOLT_OCPP_CALL_TIMEOUT: default wait for a charger's answer
	MaxAuthenticating   int           // VOLT_OCPP_MAX_AUTHENTICATING: handshakes reading the database at once (0: the gateway's default; negative: no limit)
	AuthQueueWait       time.Duration // VOLT_OCPP_AUTH_QUEUE_WAIT: the longest a handshake waits for one of those places (0: the gateway's default)
	FrameRetention      time.Duration // VOLT_OCPP_FRAME_RETENTION: how long the message log is kept
	TileURL             string        // VOLT_TILE_URL: map tile template for the portal and app
	SMTPAddr            string        // VOLT_SMTP_ADDR host:port; empty logs e-mails instead
	SMTPFrom            string        // VOLT_SMTP_FROM
	SMTPUser            string        // VOLT_SMTP_USER
	SMTPPassword        string        // VOLT_SMTP_PASSWORD(_FILE)
	StripeKey           string        // VOLT_STRIPE_SECRET_KEY(_FILE): empty uses the sandbox provider
	StripeWebhookSecret string        // VOLT_STRIPE_WEBHOOK_SECRET(_FILE)
	StripeURL           string        // VOLT_STRIPE_URL: API base override (stripe-mock)
	DemoChargers        int           // --demo-chargers: simulated chargers started by `voltd demo`
	MetricsAddr         string        // --metrics / VOLT_METRICS_ADDR: Prometheus listener; empty: none
	MetricsToken        string        // VOLT_METRICS_TOKEN(_FILE): also serve /metrics publicly behind this bearer token
	TrustedProxies      string        // --trusted-proxies / VOLT_TRUSTED_PROXIES: CIDRs whose X-Forwarded-For/Forwarded is believed
	ProxyProtocol       bool          // --proxy-protocol / VOLT_PROXY_PROTOCOL: every connection starts with a PROXY v1/v2 header (issue 12)
	WebhookAllowNets    string        // VOLT_WEBHOOK_ALLOW_NETS: private CIDRs webhooks may reach (tests, internal receivers; issue #17)

	// Issue 14: OCPI rounds. OCPIPushInterval (VOLT_OCPI_PUSH_INTERVAL)
	// is how often pushes owed to partners are queued and delivered;
	// OCPIPullInterval (VOLT_OCPI_PULL_INTERVAL) how often partner CPOs'
	// locations and tariffs are pulled, by one node of a cluster (0: never).
	OCPIPushInterval, OCPIPullInterval time.Duration

	// TelematicsSandboxSecret is VOLT_TELEMATICS_SANDBOX_SECRET(_FILE): the
	// HMAC secret of the sandbox telematics webhook; empty refuses it (issue 19).
	TelematicsSandboxSecret string
	// TelematicsHTTP is a vehicle-data API (VOLT_TELEMATICS_HTTP_*, issue
	// 19): none when its name is empty.
	TelematicsHTTP telematicsHTTPConfig
	// BacsCalendar corrects the bank holidays Bacs payout files skip
	// (VOLT_BACS_CLOSED_DAYS, VOLT_BACS_OPEN_DAYS; issue 19).
	BacsCalendar volt.BacsCalendar
	// Issue 18: the TLS listener of OCPP security profiles 2 and 3.
	HTTPSAddr       string // --https / VOLT_HTTPS_ADDR: TLS listener for OCPP (wss), the API and the portal; empty: none
	TLSCertFile     string // --tls-cert / VOLT_TLS_CERT_FILE: PEM certificate file(s), comma-separated (RSA and ECDSA)
	TLSKeyFile      string // --tls-key / VOLT_TLS_KEY_FILE: PEM key file(s), in the same order
	TLSCert         string // VOLT_TLS_CERT: PEM certificates inline
	TLSKey          string // VOLT_TLS_KEY: PEM keys inline (secret)
	TLSClientCAFile string // VOLT_TLS_CLIENT_CA_FILE: more roots for chargers' client certificates
	OCPPTLSURL      string // VOLT_OCPP_TLS_URL: wss URL a 2.x upgrade gives stations (SetNetworkProfile); default from the listener
	PnCRootsFile    string // VOLT_PNC_V2G_ROOTS_FILE: V2G root certificates (PEM) for Plug & Charge contract checks
	PnCOCSPHosts    string // VOLT_PNC_OCSP_HOSTS: comma-separated OCSP responder hosts Plug & Charge checks may ask; empty: any
	V2GCACertFile   string // VOLT_V2G_CA_CERT_FILE: the V2G CPO sub-CA (PEM, then its issuers) signing SECC certificates
	V2GCAKeyFile    string // VOLT_V2G_CA_KEY_FILE: its key (PEM)
	// PnCPool is the contract certificate pool Get15118EVCertificate is
	// relayed to over HTTPS (VOLT_PNC_POOL_*, pnc_pool.go); none without a URL.
	PnCPool pncPoolConfig
	// Contracts, when set (tests, embedders), is the Plug & Charge
	// contract provider instead of the one VOLT_PNC_V2G_ROOTS_FILE builds.
	Contracts volt.ContractProvider

	// MeterDownsampleAfter (VOLT_METER_DOWNSAMPLE_AFTER): meter values of
	// sessions ended longer ago are thinned to one per 15 minutes, keeping
	// the first and last; 0 (the default) keeps them all.
	MeterDownsampleAfter time.Duration
}

func defaultConfig() Config {
	return Config{
		HTTPAddr:       "127.0.0.1:8080",
		DatabaseURL:    "./volt-data/volt.db",
		LogLevel:       "info",
		LogFormat:      "text",
		Heartbeat:      300 * time.Second,
		CallTimeout:    30 * time.Second,
		FrameRetention: 30 * 24 * time.Hour,
		TileURL:        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
		SMTPFrom:       "volt@localhost",
		NATSListen:     "127.0.0.1:6222",
		NATSStore:      defaultNATSStore,
		DemoChargers:   6,

		OCPIPushInterval: 5 * time.Second,
		OCPIPullInterval: 15 * time.Minute,
	}
}

// parseConfig reads flags from args and the environment through getenv.
// Flags win over environment variables, which win over defaults.
func parseConfig(name string, args []string, getenv func(string) string) (Config, error) {
	c := defaultConfig()
	var err error
	str := func(dst *string, env string) {
		if v := getenv(env); v != "" {
			*dst = v
		}
	}
	secret := func(dst *string, env string) {
		str(dst, env)
		if f := getenv(env + "_FILE"); f != "" {
			b, ferr := os.ReadFile(f)
			if ferr != nil {
				err = errors.Join(err, fmt.Errorf("read %s_FILE: %w", env, ferr))
				return
			}
			*dst = strings.TrimRight(string(b), "\r\n")
		}
	}
	dur := func(dst *time.Duration, env string) {
		if v := getenv(env); v != "" {
			d, derr := time.ParseDuration(v)
			if derr != nil {
				err = errors.Join(err, fmt.Errorf("%s: %w", env, derr))
				return
			}
			*dst = d
		}
	}
	num := func(dst *int, env string) {
		if v := getenv(env); v != "" {
			n, nerr := strconv.Atoi(v)
			if nerr != nil || n < 0 {
				err = errors.Join(err, fmt.Errorf("%s: want a whole number, got %q", env, v))
				return
			}
			*dst = n
		}
	}
	str(&c.HTTPAddr, "VOLT_HTTP_ADDR")
	str(&c.DatabaseURL, "VOLT_DATABASE_URL")
	str(&c.NATSURL, "VOLT_NATS_URL")
	str(&c.NATSListen, "VOLT_NATS_LISTEN")
	str(&c.NATSRoutes, "VOLT_NATS_ROUTES")
	str(&c.NATSStore, "VOLT_NATS_STORE")
	str(&c.NodeID, "VOLT_NODE_ID")
	num(&c.NATSReplicas, "VOLT_NATS_REPLICAS")
	num(&c.DBPool, "VOLT_DB_POOL")
	secret(&c.DatabaseReadURL, "VOLT_DATABASE_READ_URL")
	str(&c.AdminEmail, "VOLT_ADMIN_EMAIL")
	secret(&c.AdminPassword, "VOLT_ADMIN_PASSWORD")
	secret(&c.SecretKey, "VOLT_SECRET_KEY")
	str(&c.PublicURL, "VOLT_PUBLIC_URL")
	str(&c.LogLevel, "VOLT_LOG_LEVEL")
	str(&c.LogFormat, "VOLT_LOG_FORMAT")
	dur(&c.Heartbeat, "VOLT_OCPP_HEARTBEAT")
	dur(&c.CallTimeout, "VOLT_OCPP_CALL_TIMEOUT")
	if v := getenv("VOLT_OCPP_MAX_AUTHENTICATING"); v != "" { // negative: no limit
		n, nerr := strconv.Atoi(v)
		if nerr != nil {
			err = errors.Join(err, fmt.Errorf("VOLT_OCPP_MAX_AUTHENTICATING: want a whole number, got %q", v))
		}
		c.MaxAuthenticating = n
	}
	dur(&c.AuthQueueWait, "VOLT_OCPP_AUTH_QUEUE_WAIT")
	dur(&c.FrameRetention, "VOLT_OCPP_FRAME_RETENTION")
	dur(&c.OCPIPushInterval, "VOLT_OCPI_PUSH_INTERVAL")
	dur(&c.OCPIPullInterval, "VOLT_OCPI_PULL_INTERVAL")
	dur(&c.MeterDownsampleAfter, "VOLT_METER_DOWNSAMPLE_AFTER")
	str(&c.TileURL, "VOLT_TILE_URL")
	str(&c.SMTPAddr, "VOLT_SMTP_ADDR")
	str(&c.SMTPFrom, "VOLT_SMTP_FROM")
	str(&c.SMTPUser, "VOLT_SMTP_USER")
	secret(&c.SMTPPassword, "VOLT_SMTP_PASSWORD")
	secret(&c.StripeKey, "VOLT_STRIPE_SECRET_KEY")
	secret(&c.StripeWebhookSecret, "VOLT_STRIPE_WEBHOOK_SECRET")
	str(&c.StripeURL, "VOLT_STRIPE_URL")
	secret(&c.TelematicsSandboxSecret, "VOLT_TELEMATICS_SANDBOX_SECRET")
	c.TelematicsHTTP.parse(str, secret, dur)
	for env, dst := range map[string]*[]time.Time{"VOLT_BACS_CLOSED_DAYS": &c.BacsCalendar.Closed, "VOLT_BACS_OPEN_DAYS": &c.BacsCalendar.Open} {
		days, derr := volt.ParseBacsDays(env, getenv(env))
		if derr != nil {
			err = errors.Join(err, fmt.Errorf("%s: %w", env, derr))
		}
		*dst = days
	}
	str(&c.MetricsAddr, "VOLT_METRICS_ADDR")
	secret(&c.MetricsToken, "VOLT_METRICS_TOKEN")
	str(&c.TrustedProxies, "VOLT_TRUSTED_PROXIES")
	if v := getenv("VOLT_PROXY_PROTOCOL"); v != "" {
		b, berr := strconv.ParseBool(v)
		if berr != nil {
			err = errors.Join(err, fmt.Errorf("VOLT_PROXY_PROTOCOL: want true or false, got %q", v))
		}
		c.ProxyProtocol = b
	}
	str(&c.WebhookAllowNets, "VOLT_WEBHOOK_ALLOW_NETS")
	str(&c.HTTPSAddr, "VOLT_HTTPS_ADDR")
	str(&c.TLSCertFile, "VOLT_TLS_CERT_FILE")
	str(&c.TLSKeyFile, "VOLT_TLS_KEY_FILE")
	str(&c.TLSCert, "VOLT_TLS_CERT")
	str(&c.TLSKey, "VOLT_TLS_KEY")
	str(&c.TLSClientCAFile, "VOLT_TLS_CLIENT_CA_FILE")
	str(&c.OCPPTLSURL, "VOLT_OCPP_TLS_URL")
	str(&c.PnCRootsFile, "VOLT_PNC_V2G_ROOTS_FILE")
	str(&c.PnCOCSPHosts, "VOLT_PNC_OCSP_HOSTS")
	str(&c.V2GCACertFile, "VOLT_V2G_CA_CERT_FILE")
	str(&c.V2GCAKeyFile, "VOLT_V2G_CA_KEY_FILE")
	c.PnCPool.parse(str, secret, dur)
	if err != nil {
		return c, err
	}

	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&c.HTTPAddr, "http", c.HTTPAddr, "listen address for HTTP, the API and OCPP websockets (VOLT_HTTP_ADDR)")
	fs.StringVar(&c.DatabaseURL, "db", c.DatabaseURL, "SQLite file path or postgres:// URL (VOLT_DATABASE_URL)")
	fs.StringVar(&c.NATSURL, "nats", c.NATSURL, "NATS URL, or embedded; empty runs everything in-process (VOLT_NATS_URL)")
	fs.StringVar(&c.NATSListen, "nats-listen", c.NATSListen, "with --nats embedded: this node's cluster route address HOST:PORT (VOLT_NATS_LISTEN)")
	fs.StringVar(&c.NATSRoutes, "nats-routes", c.NATSRoutes, "with --nats embedded: nats://HOST:PORT,... of the cluster's nodes (VOLT_NATS_ROUTES)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (VOLT_LOG_LEVEL)")
	fs.StringVar(&c.MetricsAddr, "metrics", c.MetricsAddr, "listen address for Prometheus /metrics, off the public listener; empty: none (VOLT_METRICS_ADDR)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "comma-separated CIDRs of reverse proxies whose X-Forwarded-For/Forwarded is trusted (VOLT_TRUSTED_PROXIES)")
	fs.BoolVar(&c.ProxyProtocol, "proxy-protocol", c.ProxyProtocol, "the HTTP listener is behind a TCP load balancer sending the PROXY protocol (HAProxy send-proxy/send-proxy-v2): take each client's address from it; connections without it are refused (VOLT_PROXY_PROTOCOL)")
	fs.StringVar(&c.HTTPSAddr, "https", c.HTTPSAddr, "TLS listen address for OCPP security profiles 2 and 3 (wss), the API and the portal (VOLT_HTTPS_ADDR)")
	fs.StringVar(&c.TLSCertFile, "tls-cert", c.TLSCertFile, "PEM certificate file(s) of --https, comma-separated (VOLT_TLS_CERT_FILE)")
	fs.StringVar(&c.TLSKeyFile, "tls-key", c.TLSKeyFile, "PEM key file(s) of --https, in the same order (VOLT_TLS_KEY_FILE)")
	fs.IntVar(&c.DemoChargers, "demo-chargers", c.DemoChargers, "simulated chargers started by the demo command")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if err := clusterConfigError(c); err != nil {
		return c, err
	}
	if c.Heartbeat < 10*time.Second {
		return c, fmt.Errorf("VOLT_OCPP_HEARTBEAT %s is below 10s", c.Heartbeat)
	}
	if c.OCPIPushInterval < 100*time.Millisecond || c.OCPIPullInterval < 0 {
		return c, fmt.Errorf("VOLT_OCPI_PUSH_INTERVAL %s must be at least 100ms and VOLT_OCPI_PULL_INTERVAL %s not negative", c.OCPIPushInterval, c.OCPIPullInterval)
	}
	return c, nil
}
