package lms

import (
	"context"
	"errors"
	"math"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/simonvetter/modbus"
	"github.com/volt-ev/volt"
)

// meterServer is a Modbus TCP meter: L1..L3 amperes as float32 holding
// registers from register 100 on unit 1.
type meterServer struct {
	mu   sync.Mutex
	amps [3]float32
	srv  *modbus.ModbusServer
	addr string
}

const meterRegister = 100

func startMeter(t *testing.T) *meterServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	m := &meterServer{addr: addr}
	m.srv, err = modbus.NewServer(&modbus.ServerConfiguration{URL: "tcp://" + addr, MaxClients: 4, Timeout: 30 * time.Second}, m)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.srv.Stop() })
	return m
}

func (m *meterServer) set(a [3]float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, v := range a {
		m.amps[i] = float32(v)
	}
}

func (m *meterServer) HandleHoldingRegisters(req *modbus.HoldingRegistersRequest) ([]uint16, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if req.UnitId != 1 || req.IsWrite {
		return nil, modbus.ErrIllegalFunction
	}
	var regs [6]uint16
	for i, a := range m.amps {
		b := math.Float32bits(a)
		regs[2*i], regs[2*i+1] = uint16(b>>16), uint16(b)
	}
	if req.Addr < meterRegister || int(req.Addr-meterRegister)+int(req.Quantity) > len(regs) {
		return nil, modbus.ErrIllegalDataAddress
	}
	return regs[req.Addr-meterRegister : int(req.Addr-meterRegister)+int(req.Quantity)], nil
}

func (m *meterServer) HandleCoils(*modbus.CoilsRequest) ([]bool, error) {
	return nil, modbus.ErrIllegalFunction
}

func (m *meterServer) HandleDiscreteInputs(*modbus.DiscreteInputsRequest) ([]bool, error) {
	return nil, modbus.ErrIllegalFunction
}

func (m *meterServer) HandleInputRegisters(*modbus.InputRegistersRequest) ([]uint16, error) {
	return nil, modbus.ErrIllegalFunction
}

// RecordMeterReading lets the fake site take the poller's readings.
func (f *fakeSite) RecordMeterReading(_ context.Context, r *volt.SiteMeterReading) error {
	if err := r.Validate(f.model.Phases, r.At); err != nil {
		return err
	}
	f.read(r.CurrentA, r.At)
	return nil
}

func TestModbusMeterPolled(t *testing.T) {
	srv := startMeter(t)
	srv.set([3]float64{12.5, 7.25, 30})
	site := newFakeSite(&volt.LoadManagement{SiteID: "site", Mode: volt.LoadModeDynamic, SupplyLimitA: 63, Phases: 3,
		Meter: volt.LoadMeter{Source: volt.MeterSourceModbus, Address: srv.addr, UnitID: 1, Register: meterRegister}})
	p := &MeterPoller{Sites: site, Recorder: site, Now: func() time.Time { return t0 }}
	defer p.close()
	p.Poll(context.Background())
	r, err := site.LatestMeterReading(context.Background(), "site")
	if err != nil || len(r.CurrentA) != 3 || r.CurrentA[0] != 12.5 || r.CurrentA[1] != 7.25 || r.CurrentA[2] != 30 || !r.At.Equal(t0) {
		t.Fatalf("reading %+v, %v", r, err)
	}
	// A wrong register is an error, not a reading.
	mm := &ModbusMeter{Address: srv.addr, UnitID: 1, Register: 0}
	defer mm.Close()
	if _, err := mm.Read(); err == nil || !errors.Is(err, modbus.ErrIllegalDataAddress) {
		t.Errorf("read of a wrong register: %v", err)
	}
}
