package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/pnc"
)

// pncPoolConfig is the contract certificate pool Get15118EVCertificate is
// relayed to (issue 18): VOLT_PNC_POOL_*. None when URL is empty.
type pncPoolConfig struct {
	URL            string        // VOLT_PNC_POOL_URL: the pool's installation endpoint (https; http only to loopback)
	Token          string        // VOLT_PNC_POOL_TOKEN(_FILE): a fixed bearer token
	TokenURL       string        // VOLT_PNC_POOL_TOKEN_URL: OAuth 2.0 token endpoint (client credentials) instead
	ClientID       string        // VOLT_PNC_POOL_CLIENT_ID
	ClientSecret   string        // VOLT_PNC_POOL_CLIENT_SECRET(_FILE)
	Scope          string        // VOLT_PNC_POOL_SCOPE: space-separated OAuth scopes
	ClientCertFile string        // VOLT_PNC_POOL_CLIENT_CERT_FILE: PEM client certificate (mutual TLS)
	ClientKeyFile  string        // VOLT_PNC_POOL_CLIENT_KEY_FILE: its key
	CAFile         string        // VOLT_PNC_POOL_CA_FILE: roots the pool's certificate chains to; empty: the system's
	Timeout        time.Duration // VOLT_PNC_POOL_TIMEOUT: bound of a whole relay; default 10s
}

func (c *pncPoolConfig) parse(str, secret func(*string, string), dur func(*time.Duration, string)) {
	str(&c.URL, "VOLT_PNC_POOL_URL")
	secret(&c.Token, "VOLT_PNC_POOL_TOKEN")
	str(&c.TokenURL, "VOLT_PNC_POOL_TOKEN_URL")
	str(&c.ClientID, "VOLT_PNC_POOL_CLIENT_ID")
	secret(&c.ClientSecret, "VOLT_PNC_POOL_CLIENT_SECRET")
	str(&c.Scope, "VOLT_PNC_POOL_SCOPE")
	str(&c.ClientCertFile, "VOLT_PNC_POOL_CLIENT_CERT_FILE")
	str(&c.ClientKeyFile, "VOLT_PNC_POOL_CLIENT_KEY_FILE")
	str(&c.CAFile, "VOLT_PNC_POOL_CA_FILE")
	dur(&c.Timeout, "VOLT_PNC_POOL_TIMEOUT")
}

// MaxPnCPoolTimeout caps VOLT_PNC_POOL_TIMEOUT: stations commonly wait 30 s
// for an answer, and the answer must reach them before.
const MaxPnCPoolTimeout = 20 * time.Second

// pool builds the HTTP pool client; nil when no URL is set.
func (c pncPoolConfig) pool() (*pnc.HTTPPool, error) {
	if c.URL == "" {
		return nil, nil
	}
	if err := pnc.CheckPoolURL(c.URL); err != nil {
		return nil, fmt.Errorf("VOLT_PNC_POOL_URL: %w", err)
	}
	timeout := c.Timeout
	if timeout == 0 {
		timeout = pnc.DefaultPoolTimeout
	}
	if timeout < 0 || timeout > MaxPnCPoolTimeout {
		return nil, fmt.Errorf("VOLT_PNC_POOL_TIMEOUT %s: want more than 0 and at most %s", c.Timeout, MaxPnCPoolTimeout)
	}
	hc, err := pnc.PoolTLS{CertFile: c.ClientCertFile, KeyFile: c.ClientKeyFile, CAFile: c.CAFile}.Client(timeout)
	if err != nil {
		return nil, fmt.Errorf("VOLT_PNC_POOL_CLIENT_CERT_FILE/KEY_FILE/CA_FILE: %w", err)
	}
	p := &pnc.HTTPPool{URL: c.URL, Client: hc, Timeout: timeout}
	switch {
	case c.TokenURL != "" && c.Token != "":
		return nil, errors.New("VOLT_PNC_POOL_TOKEN and VOLT_PNC_POOL_TOKEN_URL: set one")
	case c.TokenURL != "":
		if err := pnc.CheckPoolURL(c.TokenURL); err != nil {
			return nil, fmt.Errorf("VOLT_PNC_POOL_TOKEN_URL: %w", err)
		}
		if c.ClientID == "" || c.ClientSecret == "" {
			return nil, errors.New("VOLT_PNC_POOL_TOKEN_URL needs VOLT_PNC_POOL_CLIENT_ID and VOLT_PNC_POOL_CLIENT_SECRET")
		}
		p.Auth = &pnc.ClientCredentials{TokenURL: c.TokenURL, ClientID: c.ClientID, ClientSecret: c.ClientSecret, Scope: c.Scope, Client: hc}
	case c.Token != "":
		p.Auth = pnc.StaticToken(c.Token)
	case c.ClientCertFile == "":
		return nil, errors.New("VOLT_PNC_POOL_URL: set a token (VOLT_PNC_POOL_TOKEN or _TOKEN_URL) or a client certificate (VOLT_PNC_POOL_CLIENT_CERT_FILE)")
	}
	return p, nil
}

// withPnCPool puts the configured contract certificate pool behind
// Get15118EVCertificate of contracts (the OCSP or configured provider,
// which keeps contract checks and GetCertificateStatus; nil: none accepted).
func (m *Main) withPnCPool(contracts volt.ContractProvider) (volt.ContractProvider, error) {
	p, err := m.Config.PnCPool.pool()
	if err != nil || p == nil {
		return contracts, err
	}
	m.Logger.Info("plug & charge: contract certificate installations relayed to the pool", "url", m.Config.PnCPool.URL)
	return pnc.Composite{Contracts: contracts, Installer: p}, nil
}
