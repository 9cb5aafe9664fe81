package natsbus

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	volt "github.com/volt-ev/volt"
)

var _ volt.EventBus = (*Node)(nil)

// Publish hands an event of this node to the cluster without blocking,
// straight to the stream (at most once), unless Config.Direct leaves its
// type to the outbox relay (at least once; voltd: the types the store
// writes to the outbox). Where both send an event, the copies carry the
// same message id (eventID) and the stream keeps one.
// Connection events also claim or release the charger in the registry.
func (n *Node) Publish(_ context.Context, e volt.Event) {
	switch e.Type {
	case volt.EventChargerConnected:
		n.claim(e.CPID, connectionFence(e.Data))
	case volt.EventChargerDisconnected:
		n.unclaim(e.CPID)
	}
	if !n.cfg.Direct(e.Type) {
		return
	}
	b, id, err := encodeEvent(e)
	if err != nil {
		n.log.Error("natsbus: publish", "type", e.Type, "err", err)
		return
	}
	// A core publish is buffered by the client (also while reconnecting):
	// it never blocks the OCPP read loop. The stream captures the subject,
	// and drops it when the relay's copy of the same event came first.
	msg := &nats.Msg{Subject: subject(e.Type), Data: b}
	if id != "" {
		msg.Header = nats.Header{jetstream.MsgIDHeader: []string{id}}
	}
	if err := n.nc.PublishMsg(msg); err != nil {
		n.log.Warn("natsbus: publish", "type", e.Type, "err", err)
	}
}

// connectionFence is the fence of a charger.connected event's connection
// (gateway.ConnectionState), 0 when it carries none.
func connectionFence(data any) int64 {
	if f, ok := data.(interface{ ConnectionFence() int64 }); ok {
		return f.ConnectionFence()
	}
	return 0
}

// Subscribe returns the events of the whole cluster as they arrive, for live
// views: at most once, from now on. A subscriber that falls behind is dropped
// and its channel closed, as on the in-process bus.
func (n *Node) Subscribe() (<-chan volt.Event, func()) { return n.local.Subscribe() }

// follow reads the stream from now on with an ordered (ephemeral) consumer
// and fans the events out to this node's subscribers. The ordered consumer
// recreates itself after a NATS outage or a gap.
func (n *Node) follow(ctx context.Context) error {
	var cons jetstream.Consumer
	err := retry(ctx, 30*time.Second, func(ctx context.Context) error {
		var err error
		cons, err = n.js.OrderedConsumer(ctx, EventStream, jetstream.OrderedConsumerConfig{
			DeliverPolicy: jetstream.DeliverNewPolicy,
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("follow events: %w", err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		e, err := decodeEvent(m.Data())
		if err != nil {
			n.log.Warn("natsbus: skip event", "subject", m.Subject(), "err", err)
			return
		}
		n.local.Publish(n.ctx, e)
	})
	if err != nil {
		return fmt.Errorf("follow events: %w", err)
	}
	n.stops = append(n.stops, cc.Stop)
	return nil
}

// ackWait is how long a delivered event may go unacknowledged before
// another node gets it; pullExpiry how long a node's request for events
// stays open. Both are short so that the events a killed node had taken are
// handled elsewhere within seconds rather than holding a CDR's settlement
// for minutes; a handler slower than ackWait may run twice, which the
// handlers' idempotency (ledger keys) absorbs.
const (
	ackWait    = 15 * time.Second
	pullExpiry = 5 * time.Second
)

// Consume runs handle on the events of the given types through a durable
// consumer shared by every node (name), so each event is handled by one node
// at least once, from where the consumer last acknowledged, across restarts.
// handle must be idempotent: an event whose handler fails is redelivered
// after a minute, one whose node died (it was never acknowledged) after
// ackWait, up to 10 times; after that the periodic sweeps catch what it
// missed (SettleUnsettled for CDRs). Pull requests expire after
// pullExpiry, so a dead node's waiting request soon stops taking events.
func (n *Node) Consume(ctx context.Context, name string, types []string, handle func(context.Context, volt.Event) error) error {
	subjects := make([]string, len(types))
	for i, t := range types {
		subjects[i] = subject(t)
	}
	var cons jetstream.Consumer
	err := retry(ctx, 30*time.Second, func(ctx context.Context) error {
		var err error
		cons, err = n.js.CreateOrUpdateConsumer(ctx, EventStream, jetstream.ConsumerConfig{
			Durable:        name,
			FilterSubjects: subjects,
			AckPolicy:      jetstream.AckExplicitPolicy,
			AckWait:        ackWait,
			MaxDeliver:     10,
			DeliverPolicy:  jetstream.DeliverAllPolicy,
			Replicas:       n.cfg.Replicas,
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("consumer %s: %w", name, err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		e, err := decodeEvent(m.Data())
		if err != nil {
			n.log.Warn("natsbus: drop undecodable event", "consumer", name, "err", err)
			_ = m.Term()
			return
		}
		if err := handle(n.ctx, e); err != nil {
			n.log.Warn("natsbus: event handler failed; redelivery later", "consumer", name, "type", e.Type, "err", err)
			_ = m.NakWithDelay(time.Minute)
			return
		}
		_ = m.Ack()
	}, jetstream.PullMaxMessages(16), jetstream.PullExpiry(pullExpiry))
	if err != nil {
		return fmt.Errorf("consumer %s: %w", name, err)
	}
	n.stops = append(n.stops, cc.Stop)
	return nil
}
