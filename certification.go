package volt

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
)

// Charge point certification (issue 16 item 4). The platform keeps a
// catalogue of charger models; super admins certify them. A CPO whose
// RequireCertifiedChargers is set holds its chargers of uncertified models
// at BootNotification Pending; otherwise they charge and are flagged.

// PrefixChargerModel is the id prefix of charger models.
const PrefixChargerModel = "cmo"

// ErrBootPending is wrapped by ChargingService.RecordBoot when it recorded the
// boot but the charger must wait (BootNotification Pending): its model is not
// certified and its CPO requires certified chargers.
var ErrBootPending = errors.New("charger model not certified: boot held pending")

// Limits of a model's test report upload.
const MaxModelReportBytes = 1 << 20

// ModelReportTypes are the content types a test report may have.
var ModelReportTypes = []string{"application/pdf", "text/plain", "text/csv", "application/zip", "text/html"}

// OCPP versions a model may be certified on.
var certifiableOCPP = []string{"1.6", "2.0.1", "2.1"}

// ModelReport describes a model's uploaded test report (its content is
// served on its own).
type ModelReport struct {
	FileName    string    `json:"fileName"`
	ContentType string    `json:"contentType"`
	Size        int64     `json:"size"`
	UploadedBy  string    `json:"uploadedBy"`
	UploadedAt  time.Time `json:"uploadedAt"`
}

// ConnectorDefaults are the facts a model's connectors have unless an
// operator set them: filled in when a charger boots as this model.
type ConnectorDefaults struct {
	Type        ConnectorType `json:"type,omitempty"`
	PowerType   PowerType     `json:"powerType,omitempty"`
	MaxPowerW   int           `json:"maxPowerW,omitempty"`
	MaxCurrentA int           `json:"maxCurrentA,omitempty"`
	MaxVoltageV int           `json:"maxVoltageV,omitempty"`
}

// Empty reports whether the defaults set nothing.
func (d ConnectorDefaults) Empty() bool { return d == ConnectorDefaults{} }

// Validate checks the defaults as a connector would be (Connector.Validate),
// naming the field under connectorDefaults.
func (d ConnectorDefaults) Validate() error {
	k := Connector{Type: d.Type, PowerType: d.PowerType, MaxPowerW: d.MaxPowerW, MaxCurrentA: d.MaxCurrentA, MaxVoltageV: d.MaxVoltageV}
	if d.Type != "" && d.PowerType == "" && d.Type.Valid() {
		k.PowerType = defaultPowerType(d.Type)
	}
	if err := k.Validate(); err != nil {
		var ve *Error
		if errors.As(err, &ve) && ve.Field != "" {
			return &Error{Code: ve.Code, Field: "connectorDefaults." + ve.Field, Message: ve.Message}
		}
		return err
	}
	return nil
}

// Fill sets the facts of k that are unset from the defaults, and reports
// whether it changed anything.
func (d ConnectorDefaults) Fill(k *Connector) bool {
	changed := false
	if k.Type == "" && d.Type != "" {
		k.Type, k.Format, changed = d.Type, d.Type.Format(), true
		if k.PowerType == "" && d.PowerType == "" && d.Type.Valid() {
			k.PowerType = defaultPowerType(d.Type)
		}
	}
	fill := func(v *int, def int) {
		if *v == 0 && def != 0 {
			*v, changed = def, true
		}
	}
	if k.PowerType == "" && d.PowerType != "" {
		k.PowerType, changed = d.PowerType, true
	}
	fill(&k.MaxPowerW, d.MaxPowerW)
	fill(&k.MaxCurrentA, d.MaxCurrentA)
	fill(&k.MaxVoltageV, d.MaxVoltageV)
	return changed
}

// Normalize trims the model's names and lists and checks them.
func (m *ChargerModel) Normalize() error {
	m.Vendor, m.Model = strings.TrimSpace(m.Vendor), strings.TrimSpace(m.Model)
	if m.Vendor == "" || len(m.Vendor) > 50 {
		return FieldError("vendor", "Vendor required, at most 50 characters (OCPP 1.6 CiString20 is 20; longer names come from relaxed firmware).")
	}
	if m.Model == "" || len(m.Model) > 50 {
		return FieldError("model", "Model required, at most 50 characters.")
	}
	clean := func(field string, xs []string, max int) ([]string, error) {
		out := []string{}
		for _, x := range xs {
			x = strings.TrimSpace(x)
			if x == "" || slices.Contains(out, x) {
				continue
			}
			if len(x) > max {
				return nil, FieldError(field, "Each entry is at most %d characters.", max)
			}
			out = append(out, x)
		}
		return out, nil
	}
	var err error
	if m.FirmwareVersions, err = clean("firmwareVersions", m.FirmwareVersions, 50); err != nil {
		return err
	}
	if m.OCPPVersions, err = clean("ocppVersions", m.OCPPVersions, 10); err != nil {
		return err
	}
	for _, v := range m.OCPPVersions {
		if !slices.Contains(certifiableOCPP, v) {
			return FieldError("ocppVersions", "OCPP version must be one of %v, got %q.", certifiableOCPP, v)
		}
	}
	if m.Relaxations, err = clean("relaxations", m.Relaxations, 50); err != nil {
		return err
	}
	if len(m.Notes) > 2000 {
		return FieldError("notes", "Notes are at most 2000 characters.")
	}
	return m.ConnectorDefaults.Validate()
}

// ChargerModelUpdate changes a model; nil fields stay as they are.
type ChargerModelUpdate struct {
	Certified         *bool
	FirmwareVersions  *[]string
	OCPPVersions      *[]string
	Relaxations       *[]string
	Notes             *string
	ConnectorDefaults *ConnectorDefaults
}

// ModelCharger is one charger of a model as the certification page shows
// it: whether its last boot was held Pending, and whether its model is
// certified (an uncertified model's chargers are flagged).
type ModelCharger struct {
	CPID        string `json:"cpid"`
	CPOID       string `json:"cpoId"`
	Name        string `json:"name"`
	Online      bool   `json:"online"`
	BootPending bool   `json:"bootPending"`
	Certified   bool   `json:"certified"`
	Firmware    string `json:"firmwareVersion"`
}

// ChargerCertification is what a charger's page shows of its model's
// certification.
type ChargerCertification struct {
	CPID        string `json:"cpid"`
	ModelID     string `json:"modelId,omitempty"`
	Certified   bool   `json:"certified"`
	BootPending bool   `json:"bootPending"`
	Required    bool   `json:"required"` // the CPO requires certified chargers
}

// CertificationService is the charger model catalogue. Every authenticated
// operator reads the catalogue; only super admins create, change and
// certify models and upload reports.
type CertificationService interface {
	FindModels(ctx context.Context) ([]*ChargerModel, error)
	FindModelByID(ctx context.Context, id string) (*ChargerModel, error)
	CreateModel(ctx context.Context, m *ChargerModel) error
	// UpdateModel changes a model; certifying records who and when.
	UpdateModel(ctx context.Context, id string, u ChargerModelUpdate) (*ChargerModel, error)
	// SetModelReport stores a model's test report (type and size checked
	// before anything is stored).
	SetModelReport(ctx context.Context, id, fileName, contentType string, content []byte) (*ModelReport, error)
	// ModelReport returns a model's report and its content.
	ModelReport(ctx context.Context, id string) (*ModelReport, []byte, error)
	// ModelChargers lists the chargers of the model the actor may read.
	ModelChargers(ctx context.Context, id string) ([]*ModelCharger, error)
	// PendingChargers lists the CPIDs of the model's chargers held Pending
	// (any actor that may certify: the certifier wakes them).
	PendingChargers(ctx context.Context, id string) ([]string, error)
	// ChargerCertification says what a charger the actor reads has of its
	// model's certification.
	ChargerCertification(ctx context.Context, cpid string) (*ChargerCertification, error)
}

// CheckReportUpload refuses a test report of the wrong type or size before
// anything is stored.
func CheckReportUpload(fileName, contentType string, size int) error {
	if strings.TrimSpace(fileName) == "" || len(fileName) > 200 {
		return FieldError("report", "The report needs a file name of at most 200 characters.")
	}
	ct, _, _ := strings.Cut(contentType, ";")
	if !slices.Contains(ModelReportTypes, strings.TrimSpace(strings.ToLower(ct))) {
		return FieldError("report", "A test report must be one of %v, got %q.", ModelReportTypes, contentType)
	}
	if size == 0 {
		return FieldError("report", "The report is empty.")
	}
	if size > MaxModelReportBytes {
		return FieldError("report", "The report is larger than 1 MiB.")
	}
	return nil
}
