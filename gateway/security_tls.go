package gateway

import (
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"slices"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/pki"
)

// OCPPCipherSuites are the TLS 1.2 suites of the OCPP listener: the four OCPP
// 2.0.1 A00.FR.318 (and the 1.6 security extension) require of a CSMS,
// among them the RSA key exchange pair Go no longer offers by default
// (LESSONS.md items 21-23), then the ECDHE-RSA and ChaCha20 suites browsers
// use on the portal served by the same listener. Listing them explicitly
// enables the RSA pair on this listener only, without the tlsrsakex GODEBUG
// setting. TLS 1.3 suites are not configurable in Go and all are offered.
var OCPPCipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// TLSConfig returns the tls.Config of the OCPP, API and portal listener
// (--https): TLS 1.2 and 1.3 with OCPPCipherSuites; the server certificate
// chosen per client hello among certs (an RSA and an ECDSA one at once, so
// a station limited to the RSA key exchange suites and one limited to
// ECDSA both connect); a client certificate requested but optional (profile
// 2 sends none), and when sent verified during the handshake against the
// CSMS CA and extraRoots, its validity and revocation. A refused
// certificate fails the handshake and is logged. The certificate's CN is
// checked against the URL identity before the websocket upgrade.
func (g *Gateway) TLSConfig(certs []tls.Certificate, extraRoots []*x509.Certificate) (*tls.Config, error) {
	if len(certs) == 0 {
		return nil, errors.New("tls: no server certificate")
	}
	for i := range certs {
		if certs[i].Leaf == nil && len(certs[i].Certificate) > 0 {
			leaf, err := x509.ParseCertificate(certs[i].Certificate[0])
			if err != nil {
				return nil, err
			}
			certs[i].Leaf = leaf
		}
	}
	// ECDSA first: a client that takes either gets the cheaper handshake
	// (4x fewer server cycles than RSA 2048, BENCHMARKS.md S2).
	certs = slices.Clone(certs)
	slices.SortStableFunc(certs, func(a, b tls.Certificate) int {
		_, ea := a.PrivateKey.(*ecdsa.PrivateKey)
		_, eb := b.PrivateKey.(*ecdsa.PrivateKey)
		switch {
		case ea && !eb:
			return -1
		case eb && !ea:
			return 1
		}
		return 0
	})
	roots := x509.NewCertPool()
	if a := g.cfg.Authority; a != nil {
		for _, c := range a.Roots() {
			roots.AddCert(c)
		}
	}
	for _, c := range extraRoots {
		roots.AddCert(c)
	}
	g.clientRoots.Store(roots)
	base := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		CipherSuites: OCPPCipherSuites,
		ClientAuth:   tls.RequestClientCert,
		NextProtos:   []string{"h2", "http/1.1"},
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			for i := range certs {
				if hello.SupportsCertificate(&certs[i]) == nil {
					return &certs[i], nil
				}
			}
			return &certs[0], nil
		},
	}
	base.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		remote := ""
		if hello.Conn != nil {
			remote = hello.Conn.RemoteAddr().String()
		}
		cfg := base.Clone()
		cfg.GetConfigForClient = nil
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return nil // profile 2, or a browser
			}
			err := g.verifyClientChain(cs.PeerCertificates, roots)
			if err != nil {
				g.clientCertRefused(cs.PeerCertificates[0], remote, err)
			}
			return err
		}
		return cfg, nil
	}
	return base, nil
}

// revoked asks the store whether a serial was revoked. A store error
// refuses the certificate: a revocation check that cannot be made is not a
// pass.
func (g *Gateway) revoked(serial string) bool {
	if g.cfg.Security == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(volt.NewContextWithActor(g.ctx, volt.SystemActor), 5*time.Second)
	defer cancel()
	r, err := g.cfg.Security.IsRevoked(ctx, serial)
	if err != nil {
		g.log.Error("gateway: revocation check", "serial", serial, "err", err)
		return true
	}
	return r
}

// clientCertRefused logs a refused client certificate and records a security
// event on the charger its CN names, when there is one.
func (g *Gateway) clientCertRefused(leaf *x509.Certificate, remote string, err error) {
	g.stats.authFails.Add(1)
	g.log.Warn("gateway: client certificate refused", "cn", leaf.Subject.CommonName, "remote", remote,
		"reason", pki.ClientReason(err), "err", err)
	if g.cfg.Security == nil {
		return
	}
	cn := leaf.Subject.CommonName
	g.goBackground(func() {
		ctx, cancel := context.WithTimeout(volt.NewContextWithActor(g.ctx, volt.SystemActor), 5*time.Second)
		defer cancel()
		ch, ferr := g.cfg.Security.FindChargerByIdentity(ctx, cn)
		if ferr != nil {
			return // not one of ours: logged above
		}
		g.recordSecurity(ctx, ch.CPID, volt.SecurityEventClientCertRefused, pki.ClientReason(err)+" from "+remote)
	})
}

// ProfileOf returns the OCPP security profile of a request: 3 with a
// (verified) client certificate, 2 over TLS without one, 1 otherwise.
func ProfileOf(r *http.Request) int {
	switch {
	case r.TLS == nil:
		return volt.SecurityProfileBasic
	case len(r.TLS.PeerCertificates) > 0:
		return volt.SecurityProfileTLSClient
	}
	return volt.SecurityProfileTLSBasic
}
