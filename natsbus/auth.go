package natsbus

import (
	"encoding/json"

	"github.com/nats-io/nats.go"
)

// authSubject carries charger authentication outcomes between nodes.
const authSubject = "volt.auth"

// AuthSharer is a gateway whose charger-auth failure limiter can count
// across nodes (gateway.Gateway is one).
type AuthSharer interface {
	ShareAuth(f func(identity, remote string, ok bool))
	RemoteAuth(identity, remote string, ok bool)
}

type authOutcome struct {
	Node     string `json:"node"`
	Identity string `json:"identity"`
	Remote   string `json:"remote"`
	OK       bool   `json:"ok"`
}

// shareAuth makes the limiter cluster-wide: each node publishes the
// outcomes it sees (core NATS, at most once: a limiter may forget) and
// applies the other nodes'. Behind a TCP load balancer the remote address is
// the charger's own when the nodes run with --proxy-protocol (the balancer
// sends the PROXY protocol, realip.ProxyListener); without it, it is the
// balancer's and only the per-identity and per-pair limits bite.
func (n *Node) shareAuth(s AuthSharer) error {
	sub, err := n.nc.Subscribe(authSubject, func(m *nats.Msg) {
		var o authOutcome
		if json.Unmarshal(m.Data, &o) != nil || o.Node == n.cfg.NodeID {
			return
		}
		s.RemoteAuth(o.Identity, o.Remote, o.OK)
	})
	if err != nil {
		return err
	}
	n.subs = append(n.subs, sub)
	s.ShareAuth(func(identity, remote string, ok bool) {
		b, _ := json.Marshal(authOutcome{Node: n.cfg.NodeID, Identity: identity, Remote: remote, OK: ok})
		_ = n.nc.Publish(authSubject, b)
	})
	return nil
}
