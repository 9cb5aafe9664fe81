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
// work together during a rolling upgrade (policy in docs/architecture/cluster.md,
// "Rolling upgrades"). A node advertises ClusterProtocol in its registry
// entries and in the header of every command it forwards, and accepts
// MinClusterProtocol..ClusterProtocol from the others.
//
//   - 1: the first clustered builds (no header, entries without fences).
//   - 2: registry entries carry the connection fence and the protocol;
//     forwarded commands carry the protocol header. Additive: 1 and 2 work
//     together, a version-1 node's entries are simply unfenced.
//   - 3: the registry moves to volt_registry, entries written once and
//     valid while their node's one lease in volt_nodes lives (registry.go),
//     instead of per-charger leases in volt_chargers. Protocol-2 nodes
//     cannot read it, so the version is raised; protocol-3 nodes still
//     speak 2 (MinClusterProtocol stays 2 for one release). In a mixed
//     cluster during a rolling upgrade:
//     a protocol-3 node routes commands for chargers held by protocol-2
//     nodes (a registry miss reads their lease in volt_chargers) and
//     serves commands they forward; a newer connection wins in both
//     directions (a protocol-3 claim is also written once into
//     volt_chargers, where protocol-2 nodes watch, and protocol-3 nodes
//     watch volt_chargers for protocol-2 claims). What an old binary cannot
//     learn: a protocol-2 node asked for a charger on a protocol-3 node
//     answers 503 naming protocol 3 while that one-off mark lives
//     (LeaseTTL), 409 offline after it. So upgrade the nodes serving the
//     API and portal first, or drain quickly.
const (
	ClusterProtocol    = 3
	MinClusterProtocol = 2
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

// markLegacy writes this node's claim into protocol 2's registry too, once
// (not renewed: it expires there after LeaseTTL), so that a protocol-2 node
// still holding the charger's older connection sees it on its watch and
// closes it, and refuses commands for it as held by a newer protocol
// rather than sending them to a connection that is gone. Dropped when
// MinClusterProtocol becomes 3.
func (n *Node) markLegacy(ctx context.Context, cpid string, l *lease) {
	if _, err := n.legacy.Put(ctx, cpid, n.value(l)); err != nil && n.ctx.Err() == nil {
		n.log.Debug("natsbus: legacy registry mark", "cpid", cpid, "err", err)
	}
}

// onLegacyEntry settles a claim a protocol-2 (or 1) node wrote into its
// registry for a charger connected here: newest connection wins across
// versions too. Protocol-3 marks are ignored (the registry has them).
func (n *Node) onLegacyEntry(e jetstream.KeyValueEntry) {
	if e.Operation() != jetstream.KeyValuePut {
		return
	}
	var h holder
	if json.Unmarshal(e.Value(), &h) != nil || h.Node == n.cfg.NodeID || h.Proto >= 3 {
		return
	}
	n.contested(e.Key(), h, false, 0)
}

// legacyHolder reads a protocol-2 node's per-charger lease of cpid (valid
// while it exists: its TTL is the lease); "" node when none. Protocol-3
// marks in that bucket are not holders (the registry is).
func (n *Node) legacyHolder(ctx context.Context, cpid string) (holder, error) {
	e, err := n.legacy.Get(ctx, cpid)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return holder{}, nil
	}
	if err != nil {
		return holder{}, err
	}
	var h holder
	if err := json.Unmarshal(e.Value(), &h); err != nil {
		return holder{}, fmt.Errorf("legacy registry entry of %s: %w", cpid, err)
	}
	if h.Proto >= 3 {
		return holder{}, nil
	}
	return h, nil
}
