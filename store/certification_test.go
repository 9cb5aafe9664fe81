package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

func superCtx() context.Context {
	return volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "usr_super", Email: "root@example.com", SuperAdmin: true})
}

// TestCertificationCatalogue: super admins create, certify and document
// models; CPO admins read the catalogue but change nothing; bad input names
// its field; a report of the wrong type or size is stored nowhere.
func TestCertificationCatalogue(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		cs := store.NewCertificationService(db)
		m := &volt.ChargerModel{Vendor: " Acme ", Model: "Volt-22", FirmwareVersions: []string{"1.2", "1.2", ""},
			OCPPVersions: []string{"1.6"}, Relaxations: []string{"LongStrings"},
			ConnectorDefaults: volt.ConnectorDefaults{Type: volt.ConnectorType2Socket, MaxPowerW: 22000}}
		wantCode(t, "CPO admin creates", cs.CreateModel(f.adminA(), &volt.ChargerModel{Vendor: "X", Model: "Y"}), volt.EFORBIDDEN)
		must(t, cs.CreateModel(superCtx(), m))
		if m.ID == "" || m.Vendor != "Acme" || len(m.FirmwareVersions) != 1 || m.Certified || m.CertifiedAt != nil {
			t.Fatalf("created %+v", m)
		}
		wantField(t, "duplicate", cs.CreateModel(superCtx(), &volt.ChargerModel{Vendor: "Acme", Model: "Volt-22"}), volt.ECONFLICT, "model")
		wantField(t, "bad OCPP version", cs.CreateModel(superCtx(), &volt.ChargerModel{Vendor: "A", Model: "B", OCPPVersions: []string{"1.5"}}), volt.EINVALID, "ocppVersions")
		wantField(t, "bad defaults", cs.CreateModel(superCtx(), &volt.ChargerModel{Vendor: "A", Model: "B",
			ConnectorDefaults: volt.ConnectorDefaults{Type: volt.ConnectorCCS2, PowerType: volt.PowerAC3Phase}}), volt.EINVALID, "connectorDefaults.powerType")

		yes := true
		_, err := cs.UpdateModel(f.adminA(), m.ID, volt.ChargerModelUpdate{Certified: &yes})
		wantCode(t, "CPO admin certifies", err, volt.EFORBIDDEN)
		got, err := cs.UpdateModel(superCtx(), m.ID, volt.ChargerModelUpdate{Certified: &yes})
		must(t, err)
		if !got.Certified || got.CertifiedBy != "root@example.com" || got.CertifiedAt == nil {
			t.Errorf("certified %+v", got)
		}
		_, err = cs.UpdateModel(superCtx(), "cmo_nope", volt.ChargerModelUpdate{Certified: &yes})
		wantCode(t, "unknown model", err, volt.ENOTFOUND)

		// Reports: refused before storing, then stored and read back.
		_, err = cs.SetModelReport(superCtx(), m.ID, "r.exe", "application/x-msdownload", []byte("MZ"))
		wantField(t, "wrong type", err, volt.EINVALID, "report")
		_, err = cs.SetModelReport(superCtx(), m.ID, "big.pdf", "application/pdf", make([]byte, volt.MaxModelReportBytes+1))
		wantField(t, "too large", err, volt.EINVALID, "report")
		_, _, err = cs.ModelReport(f.staffA(), m.ID)
		wantCode(t, "no report stored after refusals", err, volt.ENOTFOUND)
		_, err = cs.SetModelReport(f.adminA(), m.ID, "r.pdf", "application/pdf", []byte("%PDF-1.4"))
		wantCode(t, "CPO admin uploads", err, volt.EFORBIDDEN)
		_, err = cs.SetModelReport(superCtx(), m.ID, "r.pdf", "application/pdf", []byte("%PDF-1.4 report"))
		must(t, err)
		r, b, err := cs.ModelReport(f.staffA(), m.ID)
		must(t, err)
		if r.ContentType != "application/pdf" || r.Size != 15 || !bytes.Equal(b, []byte("%PDF-1.4 report")) {
			t.Errorf("report %+v %q", r, b)
		}
		ms, err := cs.FindModels(f.adminB())
		must(t, err)
		if len(ms) != 1 || ms[0].Report == nil || ms[0].Report.FileName != "r.pdf" {
			t.Errorf("catalogue %+v", ms)
		}
		cs.CheckRelaxations = func(names []string) error {
			for _, n := range names {
				if n != "LongStrings" {
					return errors.New("unknown relaxation " + n)
				}
			}
			return nil
		}
		bogus := []string{"Bogus"}
		_, err = cs.UpdateModel(superCtx(), m.ID, volt.ChargerModelUpdate{Relaxations: &bogus})
		wantField(t, "unknown relaxation", err, volt.EINVALID, "relaxations")

		driver := volt.NewContextWithActor(context.Background(), &volt.Actor{UserID: "usr_driver"})
		_, err = cs.FindModels(driver)
		wantCode(t, "driver reads catalogue", err, volt.EFORBIDDEN)
	})
}

// TestBootHeldPendingUntilCertified: a CPO that requires certified chargers
// gets Pending for an uncertified model (the boot still recorded); another
// CPO's charger of the same model charges, flagged; certifying lets it in.
func TestBootHeldPendingUntilCertified(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		cs := store.NewCertificationService(db)
		svc := store.NewChargingService(db)
		f.cpoA.RequireCertifiedChargers = true
		must(t, f.h.UpdateCPO(sysCtx(), f.cpoA))
		a := f.charger(t, f.groupA1, "a")
		b := f.charger(t, f.groupB, "b")
		boot := volt.BootInfo{Vendor: "Acme", Model: "New-1", Firmware: "0.9"}
		err := svc.RecordBoot(sysCtx(), a.CPID, boot)
		if !errors.Is(err, volt.ErrBootPending) {
			t.Fatalf("boot on a CPO requiring certification: %v, want ErrBootPending", err)
		}
		must(t, svc.RecordBoot(sysCtx(), b.CPID, boot))
		ch, err := f.ch.FindChargerByCPID(sysCtx(), a.CPID)
		must(t, err)
		if ch.Model != "New-1" || ch.Firmware != "0.9" {
			t.Errorf("pending boot not recorded: %+v", ch)
		}
		certA, err := cs.ChargerCertification(f.adminA(), a.CPID)
		must(t, err)
		if !certA.BootPending || certA.Certified || !certA.Required || certA.ModelID == "" {
			t.Errorf("charger A certification %+v", certA)
		}
		certB, err := cs.ChargerCertification(f.adminB(), b.CPID)
		must(t, err)
		if certB.BootPending || certB.Certified || certB.Required {
			t.Errorf("charger B (flagged, not held) %+v", certB)
		}
		_, err = cs.ChargerCertification(f.adminB(), a.CPID)
		wantCode(t, "other tenant's charger", err, volt.ENOTFOUND)

		// Each tenant sees only its own chargers of the model.
		seen, err := cs.ModelChargers(f.adminB(), certA.ModelID)
		must(t, err)
		if len(seen) != 1 || seen[0].CPID != b.CPID {
			t.Errorf("CPO B sees %+v", seen)
		}
		pending, err := cs.PendingChargers(superCtx(), certA.ModelID)
		must(t, err)
		if len(pending) != 1 || pending[0] != a.CPID {
			t.Errorf("pending %v", pending)
		}
		_, err = cs.PendingChargers(f.adminA(), certA.ModelID)
		wantCode(t, "CPO admin lists pending", err, volt.EFORBIDDEN)

		yes := true
		_, err = cs.UpdateModel(superCtx(), certA.ModelID, volt.ChargerModelUpdate{Certified: &yes})
		must(t, err)
		must(t, svc.RecordBoot(sysCtx(), a.CPID, boot))
		if pending, _ := cs.PendingChargers(superCtx(), certA.ModelID); len(pending) != 0 {
			t.Errorf("still pending after certification: %v", pending)
		}
	})
}

// TestBootFillsConnectorDefaults: a charger booting as a catalogue model
// gets the model's connector facts where nobody set them (issue 16 item 6);
// what an operator set stays.
func TestBootFillsConnectorDefaults(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		cs := store.NewCertificationService(db)
		svc := store.NewChargingService(db)
		must(t, cs.CreateModel(superCtx(), &volt.ChargerModel{Vendor: "Acme", Model: "DC-50", Certified: true,
			ConnectorDefaults: volt.ConnectorDefaults{Type: volt.ConnectorCCS2, MaxPowerW: 50000, MaxCurrentA: 125, MaxVoltageV: 500}}))
		cr, err := f.ch.CreateCharger(f.adminA(), &volt.Charger{ChargerGroupID: f.groupA1.ID}, 2)
		must(t, err)
		typ := volt.ConnectorCHAdeMO
		_, err = f.ch.UpdateConnector(f.adminA(), cr.CPID, 2, volt.ConnectorUpdate{Type: &typ})
		must(t, err)
		must(t, svc.RecordBoot(sysCtx(), cr.CPID, volt.BootInfo{Vendor: "Acme", Model: "DC-50"}))
		ch, err := f.ch.FindChargerByCPID(f.adminA(), cr.CPID)
		must(t, err)
		k1, k2 := ch.Connectors[0], ch.Connectors[1]
		if k1.Type != volt.ConnectorCCS2 || k1.PowerType != volt.PowerDC || k1.MaxPowerW != 50000 || k1.MaxVoltageV != 500 {
			t.Errorf("connector 1 not filled: %+v", k1)
		}
		if k2.Type != volt.ConnectorCHAdeMO || k2.MaxPowerW != 50000 {
			t.Errorf("connector 2: operator's type must stay, ratings filled: %+v", k2)
		}
	})
}
