package gateway

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Collectors returns the gateway's Prometheus collectors, to register with
// the node's registry. They read the same counters as Stats.
func (g *Gateway) Collectors() []prometheus.Collector {
	return []prometheus.Collector{&collector{g: g}}
}

type metricDesc struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(Stats) float64
}

var metricDescs = []metricDesc{
	{prometheus.NewDesc("volt_ocpp_connections", "Live charger connections on this node.", nil, nil), prometheus.GaugeValue,
		func(s Stats) float64 { return float64(s.Connections) }},
	{prometheus.NewDesc("volt_ocpp_calls_in_total", "CALLs received from chargers.", nil, nil), prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.CallsIn) }},
	{prometheus.NewDesc("volt_ocpp_calls_out_total", "CALLs sent to chargers.", nil, nil), prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.CallsOut) }},
	{prometheus.NewDesc("volt_ocpp_answers_dropped_total", "Answers from chargers matching no pending CALL.", nil, nil), prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.AnswersDropped) }},
	{prometheus.NewDesc("volt_ocpp_slow_consumers_total", "Connections closed because their outbox was full.", nil, nil), prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.SlowConsumers) }},
	{prometheus.NewDesc("volt_ocpp_frame_log_drops_total", "Frames the message log dropped.", nil, nil), prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.FrameLogDrops) }},
	{prometheus.NewDesc("volt_ocpp_auth_failures_total", "Refused charger Basic-auth attempts.", nil, nil), prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.AuthFailures) }},
	{prometheus.NewDesc("volt_ocpp_rate_limited_total", "Upgrade requests refused with 429.", nil, nil), prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.RateLimited) }},
	{prometheus.NewDesc("volt_ocpp_replaced_total", "Connections closed by a newer one of the same charger.", nil, nil), prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.Replaced) }},
	{prometheus.NewDesc("volt_ocpp_stale_total", "Connections closed for lack of traffic.", nil, nil), prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.Stale) }},
	{prometheus.NewDesc("volt_ocpp_refused_full_total", "Upgrade requests refused with 503 at the connection limit.", nil, nil), prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.RefusedFull) }},
	{prometheus.NewDesc("volt_ocpp_refused_busy_total", "Upgrade requests refused with 503: no place to authenticate within the queue wait.", nil, nil), prometheus.CounterValue,
		func(s Stats) float64 { return float64(s.RefusedBusy) }},
	{prometheus.NewDesc("volt_ocpp_boot_reads_queued", "Post-boot configuration reads (GetConfiguration, GetBaseReport) waiting for a worker.", nil, nil), prometheus.GaugeValue,
		func(s Stats) float64 { return float64(s.BootReads) }},
}

type collector struct{ g *Gateway }

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range metricDescs {
		ch <- m.desc
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	s := c.g.Stats()
	for _, m := range metricDescs {
		ch <- prometheus.MustNewConstMetric(m.desc, m.kind, m.value(s))
	}
}
