package natsbus

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"encoding/json"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	volt "github.com/volt-ev/volt"
)

// The cluster protocol: what nodes of different builds must agree on to
// work together during a rolling upgrade (policy in ARCHITECTURE.md,
// "Rolling upgrades"). A node advertises ClusterProtocol in its registry
// entries and in the header of every command it forwards, and accepts
// MinClusterProtocol..ClusterProtocol from the others.
//
//   - 1: the first clustered builds (no header, entries without fences).
//   - 2: registry entries carry the connection fence and the protocol;
//     forwarded commands carry the protocol header. Additive: 1 and 2 work
//     together, a version-1 node's entries are simply unfenced.
const (
	ClusterProtocol    = 2
	MinClusterProtocol = 1
)

// protocolHeader carries the sender's cluster protocol on forwarded commands.
const protocolHeader = "Volt-Cluster-Protocol"

// compatible reports whether a peer speaking protocol p (0: unknown, a
// version-1 node that did not say) can work with this node.
func compatible(p int) bool {
	if p == 0 {
		p = 1
	}
	return p >= MinClusterProtocol && p <= ClusterProtocol
}

// incompatible is the error of a command for a charger held by a node this
// node cannot talk to: 503, with both versions named, never a guess.
func incompatible(node string, theirs int) error {
	return volt.Errorf(volt.EUNAVAILABLE,
		"charger is held by node %s, which speaks cluster protocol %d; this node speaks %d to %d: finish the rolling upgrade (or let the charger reconnect to an upgraded node)",
		node, theirs, MinClusterProtocol, ClusterProtocol)
}

// requestProtocol reads a forwarded command's protocol (1 when absent).
func requestProtocol(m *nats.Msg) int {
	if m.Header == nil {
		return 1
	}
	p, err := strconv.Atoi(m.Header.Get(protocolHeader))
	if err != nil {
		return 1
	}
	return p
}

// holderEntry reads cpid's registry entry ("" node when none).
func (n *Node) holderEntry(ctx context.Context, cpid string) (holder, error) {
	e, err := n.chargers.Get(ctx, cpid)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return holder{}, nil
	}
	if err != nil {
		return holder{}, err
	}
	var h holder
	if err := json.Unmarshal(e.Value(), &h); err != nil {
		return holder{}, fmt.Errorf("registry entry of %s: %w", cpid, err)
	}
	return h, nil
}
