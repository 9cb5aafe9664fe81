package lms

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/simonvetter/modbus"
	"github.com/volt-ev/volt"
)

// ModbusMeter reads a grid or building meter's phase currents over Modbus
// TCP: three float32 holding registers (L1, L2, L3 in amperes, big-endian,
// high word first) from Register on unit UnitID. The connection is opened
// on the first read and again after a failure.
type ModbusMeter struct {
	Address  string // host:port
	UnitID   uint8
	Register uint16
	Timeout  time.Duration

	mu     sync.Mutex
	client *modbus.ModbusClient
}

// Read returns the meter's current per phase.
func (mm *ModbusMeter) Read() ([]float64, error) {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	if mm.client == nil {
		t := mm.Timeout
		if t <= 0 {
			t = 2 * time.Second
		}
		c, err := modbus.NewClient(&modbus.ClientConfiguration{URL: "tcp://" + mm.Address, Timeout: t})
		if err != nil {
			return nil, fmt.Errorf("modbus meter %s: %w", mm.Address, err)
		}
		if err := c.Open(); err != nil {
			return nil, fmt.Errorf("modbus meter %s: open: %w", mm.Address, err)
		}
		_ = c.SetEncoding(modbus.BIG_ENDIAN, modbus.HIGH_WORD_FIRST)
		mm.client = c
	}
	if err := mm.client.SetUnitId(mm.UnitID); err != nil {
		return nil, fmt.Errorf("modbus meter %s: %w", mm.Address, err)
	}
	vs, err := mm.client.ReadFloat32s(mm.Register, 3, modbus.HOLDING_REGISTER)
	if err != nil {
		_ = mm.client.Close()
		mm.client = nil
		return nil, fmt.Errorf("modbus meter %s: read registers %d: %w", mm.Address, mm.Register, err)
	}
	out := make([]float64, len(vs))
	for i, v := range vs {
		// float32 to 3 decimals: what the store keeps (mA).
		out[i] = math.Round(float64(v)*1000) / 1000
	}
	return out, nil
}

// Close closes the connection.
func (mm *ModbusMeter) Close() {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	if mm.client != nil {
		_ = mm.client.Close()
		mm.client = nil
	}
}

// ReadingRecorder stores a site's meter reading
// (volt.LoadManagementService, wrapped by Notifying so the loop hears it).
type ReadingRecorder interface {
	RecordMeterReading(ctx context.Context, r *volt.SiteMeterReading) error
}

// MeterPoller polls the Modbus meters of the managed sites and records
// their readings as the system. A meter that fails records nothing: after
// the model's timeout the loop applies the fallback limit.
type MeterPoller struct {
	Sites    Sites
	Recorder ReadingRecorder
	Logger   *slog.Logger
	Now      func() time.Time

	mu     sync.Mutex
	meters map[string]*ModbusMeter // by site, for its current address
}

// Poll reads every managed site's Modbus meter once.
func (p *MeterPoller) Poll(ctx context.Context) {
	ctx = volt.NewContextWithActor(ctx, volt.SystemActor)
	ids, err := p.Sites.FindLoadManagedSites(ctx)
	if err != nil {
		p.logger().Error("lms: managed sites", "err", err)
		return
	}
	for _, id := range ids {
		lm, err := p.Sites.FindLoadManagement(ctx, id)
		if err != nil || lm.Meter.Source != volt.MeterSourceModbus {
			continue
		}
		mm := p.meter(id, lm.Meter)
		a, err := mm.Read()
		if err != nil {
			p.logger().Warn("lms: meter not read", "site", id, "err", err)
			continue
		}
		r := &volt.SiteMeterReading{SiteID: id, CurrentA: a[:min(lm.Phases, len(a))], At: p.now(), Source: volt.MeterSourceModbus}
		if err := p.Recorder.RecordMeterReading(ctx, r); err != nil {
			p.logger().Warn("lms: meter reading refused", "site", id, "err", err)
		}
	}
}

// Run polls every interval until ctx ends.
func (p *MeterPoller) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	defer p.close()
	for {
		p.Poll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (p *MeterPoller) meter(site string, cfg volt.LoadMeter) *ModbusMeter {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.meters == nil {
		p.meters = map[string]*ModbusMeter{}
	}
	mm := p.meters[site]
	if mm == nil || mm.Address != cfg.Address || mm.UnitID != uint8(cfg.UnitID) || mm.Register != uint16(cfg.Register) {
		if mm != nil {
			mm.Close()
		}
		mm = &ModbusMeter{Address: cfg.Address, UnitID: uint8(cfg.UnitID), Register: uint16(cfg.Register)}
		p.meters[site] = mm
	}
	return mm
}

func (p *MeterPoller) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, mm := range p.meters {
		mm.Close()
	}
}

func (p *MeterPoller) logger() *slog.Logger {
	if p.Logger == nil {
		return slog.Default()
	}
	return p.Logger
}

func (p *MeterPoller) now() time.Time {
	if p.Now == nil {
		return time.Now()
	}
	return p.Now()
}
