package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/volt-ev/volt"
)

// CertificationService implements volt.CertificationService: the platform's
// catalogue of charger models (issue 16 item 4).
type CertificationService struct {
	db *DB

	// CheckRelaxations refuses relaxation names the OCPP codec does not
	// know (cmd/voltd sets ocpp.ParseRelaxations; the store imports no
	// codec). Nil: names are kept as given, and the gateway decodes a
	// model with an unknown one strictly.
	CheckRelaxations func(names []string) error
}

var _ volt.CertificationService = (*CertificationService)(nil)

// NewCertificationService returns the certification service of db.
func NewCertificationService(db *DB) *CertificationService { return &CertificationService{db: db} }

const modelCols = `m.id, m.vendor, m.model, m.certified, m.firmware_versions, m.ocpp_versions, m.relaxations, m.notes,
	m.certified_by, m.certified_at, m.connector_defaults, m.updated_at,
	r.file_name, r.content_type, r.size, r.uploaded_by, r.uploaded_at`

const modelFrom = `charger_models m LEFT JOIN charger_model_reports r ON r.model_id = m.id`

func scanModel(s rowScanner) (*volt.ChargerModel, error) {
	m := &volt.ChargerModel{}
	var fw, ocppV, relax, defaults string
	var certAt sql.NullInt64
	var updated int64
	var rName, rType, rBy sql.NullString
	var rSize, rAt sql.NullInt64
	if err := s.Scan(&m.ID, &m.Vendor, &m.Model, &m.Certified, &fw, &ocppV, &relax, &m.Notes, &m.CertifiedBy, &certAt,
		&defaults, &updated, &rName, &rType, &rSize, &rBy, &rAt); err != nil {
		return nil, err
	}
	var err error
	if m.FirmwareVersions, err = decodeStringList(fw); err != nil {
		return nil, fmt.Errorf("model %s firmware versions: %w", m.ID, err)
	}
	if m.OCPPVersions, err = decodeStringList(ocppV); err != nil {
		return nil, fmt.Errorf("model %s OCPP versions: %w", m.ID, err)
	}
	if m.Relaxations, err = decodeStringList(relax); err != nil {
		return nil, fmt.Errorf("model %s relaxations: %w", m.ID, err)
	}
	if err := decodeJSON(defaults, &m.ConnectorDefaults); err != nil {
		return nil, fmt.Errorf("model %s connector defaults: %w", m.ID, err)
	}
	if certAt.Valid {
		t := fromMS(certAt.Int64)
		m.CertifiedAt = &t
	}
	m.UpdatedAt = fromMS(updated)
	if rName.Valid {
		m.Report = &volt.ModelReport{FileName: rName.String, ContentType: rType.String, Size: rSize.Int64,
			UploadedBy: rBy.String, UploadedAt: fromMS(rAt.Int64)}
	}
	return m, nil
}

// readsCatalogue: the catalogue is platform-wide and read by every operator
// (no tenant data in it); drivers do not see it.
func readsCatalogue(ctx context.Context) (*volt.Actor, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if !a.SuperAdmin && !a.IsOperator() {
		return nil, volt.Errorf(volt.EFORBIDDEN, "Only operators read the charger model catalogue.")
	}
	return a, nil
}

func certifier(ctx context.Context) (*volt.Actor, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	if !a.SuperAdmin {
		return nil, volt.Errorf(volt.EFORBIDDEN, "Only platform super admins manage and certify charger models.")
	}
	return a, nil
}

// FindModels lists the catalogue by vendor and model.
func (s *CertificationService) FindModels(ctx context.Context) ([]*volt.ChargerModel, error) {
	if _, err := readsCatalogue(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+modelCols+` FROM `+modelFrom+` ORDER BY m.vendor, m.model`)
	if err != nil {
		return nil, fmt.Errorf("find charger models: %w", err)
	}
	defer rows.Close()
	out := []*volt.ChargerModel{}
	for rows.Next() {
		m, err := scanModel(rows)
		if err != nil {
			return nil, fmt.Errorf("find charger models: %w", mapError(err))
		}
		out = append(out, m)
	}
	return out, mapError(rows.Err())
}

// FindModelByID returns one model of the catalogue.
func (s *CertificationService) FindModelByID(ctx context.Context, id string) (*volt.ChargerModel, error) {
	if _, err := readsCatalogue(ctx); err != nil {
		return nil, err
	}
	return findModel(ctx, s.db, id)
}

func findModel(ctx context.Context, q querier, id string) (*volt.ChargerModel, error) {
	m, err := scanModel(q.QueryRow(ctx, `SELECT `+modelCols+` FROM `+modelFrom+` WHERE m.id = ?`, id))
	if err != nil {
		return nil, notFound(err, "Charger model", id)
	}
	return m, nil
}

// CreateModel adds a model to the catalogue (super admins); a model that
// booted before and was recorded uncertified is a conflict: change it.
func (s *CertificationService) CreateModel(ctx context.Context, m *volt.ChargerModel) error {
	a, err := certifier(ctx)
	if err != nil {
		return err
	}
	if err := s.normalize(m); err != nil {
		return err
	}
	m.ID = volt.NewID(volt.PrefixChargerModel)
	defaults, err := encodeJSON(m.ConnectorDefaults)
	if err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		var existing string
		err := tx.QueryRow(ctx, `SELECT id FROM charger_models WHERE vendor = ? AND model = ?`, m.Vendor, m.Model).Scan(&existing)
		if err == nil {
			return &volt.Error{Code: volt.ECONFLICT, Field: "model",
				Message: fmt.Sprintf("%s %s is in the catalogue already (%s): change it instead.", m.Vendor, m.Model, existing)}
		} else if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("create charger model: %w", err)
		}
		var certAt any
		m.CertifiedBy, m.CertifiedAt = "", nil
		if m.Certified {
			t := tx.Now()
			m.CertifiedBy, m.CertifiedAt, certAt = a.Email, &t, tx.NowMS()
		}
		m.UpdatedAt = tx.Now()
		_, err = tx.Exec(ctx, `INSERT INTO charger_models (id, vendor, model, certified, firmware_versions, ocpp_versions,
			relaxations, notes, certified_by, certified_at, connector_defaults, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			m.ID, m.Vendor, m.Model, m.Certified, encodeStringList(m.FirmwareVersions), encodeStringList(m.OCPPVersions),
			encodeStringList(m.Relaxations), m.Notes, m.CertifiedBy, certAt, defaults, tx.NowMS(), tx.NowMS())
		if err != nil {
			return fmt.Errorf("create charger model %s %s: %w", m.Vendor, m.Model, mapError(err))
		}
		return nil
	})
}

// UpdateModel changes a model (super admins). Certifying records the
// certifier and the time; withdrawing a certification clears them.
func (s *CertificationService) UpdateModel(ctx context.Context, id string, u volt.ChargerModelUpdate) (*volt.ChargerModel, error) {
	a, err := certifier(ctx)
	if err != nil {
		return nil, err
	}
	var m *volt.ChargerModel
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		if m, err = findModel(ctx, tx, id); err != nil {
			return err
		}
		set(&m.FirmwareVersions, u.FirmwareVersions)
		set(&m.OCPPVersions, u.OCPPVersions)
		set(&m.Relaxations, u.Relaxations)
		set(&m.Notes, u.Notes)
		set(&m.ConnectorDefaults, u.ConnectorDefaults)
		if u.Certified != nil && *u.Certified != m.Certified {
			m.Certified = *u.Certified
			m.CertifiedBy, m.CertifiedAt = "", nil
			if m.Certified {
				t := tx.Now()
				m.CertifiedBy, m.CertifiedAt = a.Email, &t
			}
		}
		if err := s.normalize(m); err != nil {
			return err
		}
		defaults, err := encodeJSON(m.ConnectorDefaults)
		if err != nil {
			return err
		}
		var certAt any
		if m.CertifiedAt != nil {
			certAt = toMS(*m.CertifiedAt)
		}
		m.UpdatedAt = tx.Now()
		_, err = tx.Exec(ctx, `UPDATE charger_models SET certified = ?, firmware_versions = ?, ocpp_versions = ?, relaxations = ?,
			notes = ?, certified_by = ?, certified_at = ?, connector_defaults = ?, updated_at = ? WHERE id = ?`,
			m.Certified, encodeStringList(m.FirmwareVersions), encodeStringList(m.OCPPVersions), encodeStringList(m.Relaxations),
			m.Notes, m.CertifiedBy, certAt, defaults, tx.NowMS(), id)
		if err != nil {
			return fmt.Errorf("update charger model %s: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// normalize checks a model and its relaxation names.
func (s *CertificationService) normalize(m *volt.ChargerModel) error {
	if err := m.Normalize(); err != nil {
		return err
	}
	if s.CheckRelaxations != nil {
		if err := s.CheckRelaxations(m.Relaxations); err != nil {
			return volt.FieldError("relaxations", "%v", err)
		}
	}
	return nil
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// SetModelReport stores a model's test report, replacing any earlier one.
// Type and size are checked before anything is written.
func (s *CertificationService) SetModelReport(ctx context.Context, id, fileName, contentType string, content []byte) (*volt.ModelReport, error) {
	a, err := certifier(ctx)
	if err != nil {
		return nil, err
	}
	if err := volt.CheckReportUpload(fileName, contentType, len(content)); err != nil {
		return nil, err
	}
	ct, _, _ := strings.Cut(contentType, ";")
	r := &volt.ModelReport{FileName: fileName, ContentType: strings.ToLower(strings.TrimSpace(ct)), Size: int64(len(content)), UploadedBy: a.Email}
	err = s.db.WithTx(ctx, func(tx *Tx) error {
		if _, err := findModel(ctx, tx, id); err != nil {
			return err
		}
		r.UploadedAt = tx.Now()
		_, err := tx.Exec(ctx, `INSERT INTO charger_model_reports (model_id, file_name, content_type, size, content, uploaded_by, uploaded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (model_id) DO UPDATE SET file_name = excluded.file_name,
			content_type = excluded.content_type, size = excluded.size, content = excluded.content,
			uploaded_by = excluded.uploaded_by, uploaded_at = excluded.uploaded_at`,
			id, r.FileName, r.ContentType, r.Size, base64.StdEncoding.EncodeToString(content), r.UploadedBy, tx.NowMS())
		if err != nil {
			return fmt.Errorf("store report of model %s: %w", id, err)
		}
		_, err = tx.Exec(ctx, `UPDATE charger_models SET updated_at = ? WHERE id = ?`, tx.NowMS(), id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// ModelReport returns a model's test report with its content.
func (s *CertificationService) ModelReport(ctx context.Context, id string) (*volt.ModelReport, []byte, error) {
	if _, err := readsCatalogue(ctx); err != nil {
		return nil, nil, err
	}
	r := &volt.ModelReport{}
	var content string
	var at int64
	err := s.db.QueryRow(ctx, `SELECT file_name, content_type, size, content, uploaded_by, uploaded_at
		FROM charger_model_reports WHERE model_id = ?`, id).Scan(&r.FileName, &r.ContentType, &r.Size, &content, &r.UploadedBy, &at)
	if err != nil {
		return nil, nil, notFound(err, "Test report of model", id)
	}
	r.UploadedAt = fromMS(at)
	b, err := base64.StdEncoding.DecodeString(content)
	if err != nil {
		return nil, nil, fmt.Errorf("report of model %s: %w", id, err)
	}
	return r, b, nil
}

// ModelChargers lists the live chargers of a model within the actor's read
// scope, by CPID.
func (s *CertificationService) ModelChargers(ctx context.Context, id string) ([]*volt.ModelCharger, error) {
	a, err := readsCatalogue(ctx)
	if err != nil {
		return nil, err
	}
	m, err := findModel(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	w := &where{}
	w.add("c.vendor = ?", m.Vendor)
	w.add("c.model = ?", m.Model)
	w.add("c.deleted_at IS NULL")
	if err := w.scope(a, volt.PermRead, chargerScope); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT c.cpid, c.cpo_id, c.name, c.online, c.boot_pending, c.firmware
		FROM chargers c WHERE `+w.String()+` ORDER BY c.cpid LIMIT 1000`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("chargers of model %s: %w", id, err)
	}
	defer rows.Close()
	out := []*volt.ModelCharger{}
	for rows.Next() {
		c := &volt.ModelCharger{Certified: m.Certified}
		if err := rows.Scan(&c.CPID, &c.CPOID, &c.Name, &c.Online, &c.BootPending, &c.Firmware); err != nil {
			return nil, fmt.Errorf("chargers of model %s: %w", id, mapError(err))
		}
		out = append(out, c)
	}
	return out, mapError(rows.Err())
}

// PendingChargers lists the CPIDs of the model's live chargers whose last
// boot was held Pending (super admins: the certifier wakes them).
func (s *CertificationService) PendingChargers(ctx context.Context, id string) ([]string, error) {
	if _, err := certifier(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT c.cpid FROM chargers c JOIN charger_models m ON m.vendor = c.vendor AND m.model = c.model
		WHERE m.id = ? AND c.boot_pending AND c.deleted_at IS NULL ORDER BY c.cpid`, id)
	if err != nil {
		return nil, fmt.Errorf("pending chargers of model %s: %w", id, err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var cpid string
		if err := rows.Scan(&cpid); err != nil {
			return nil, fmt.Errorf("pending chargers of model %s: %w", id, err)
		}
		out = append(out, cpid)
	}
	return out, mapError(rows.Err())
}

// ChargerCertification says whether a charger the actor reads is of a
// certified model, was held Pending, and whether its CPO requires it.
func (s *CertificationService) ChargerCertification(ctx context.Context, cpid string) (*volt.ChargerCertification, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, err
	}
	ch, err := findCharger(ctx, s.db, a, "cpid", cpid)
	if err != nil {
		return nil, err
	}
	out := &volt.ChargerCertification{CPID: ch.CPID}
	var modelID sql.NullString
	var certified sql.NullBool
	err = s.db.QueryRow(ctx, `SELECT c.boot_pending, cp.require_certified_chargers, m.id, m.certified
		FROM chargers c JOIN cpos cp ON cp.id = c.cpo_id
		LEFT JOIN charger_models m ON m.vendor = c.vendor AND m.model = c.model
		WHERE c.cpid = ?`, ch.CPID).Scan(&out.BootPending, &out.Required, &modelID, &certified)
	if err != nil {
		return nil, fmt.Errorf("certification of %s: %w", cpid, mapError(err))
	}
	out.ModelID, out.Certified = modelID.String, certified.Bool
	return out, nil
}

// recordBootModel runs inside RecordBoot: it adds an unknown model to the
// catalogue uncertified, fills the charger's unset connector facts from the
// model's defaults, and decides whether the boot is held Pending (the model
// is not certified and the CPO requires certified chargers), which
// RecordBoot keeps on the charger (boot_pending) for the portal and the
// certifier.
func recordBootModel(ctx context.Context, tx *Tx, cpid, cpoID, vendor, model string) (pending bool, err error) {
	_, err = tx.Exec(ctx, `INSERT INTO charger_models (id, vendor, model, certified, relaxations, notes, created_at, updated_at)
		VALUES (?, ?, ?, FALSE, '[]', '', ?, ?) ON CONFLICT DO NOTHING`, volt.NewID(volt.PrefixChargerModel), vendor, model, tx.NowMS(), tx.NowMS())
	if err != nil {
		return false, fmt.Errorf("record model %s/%s: %w", vendor, model, err)
	}
	var certified, required bool
	var defaults string
	err = tx.QueryRow(ctx, `SELECT m.certified, m.connector_defaults, cp.require_certified_chargers
		FROM charger_models m, cpos cp WHERE m.vendor = ? AND m.model = ? AND cp.id = ?`, vendor, model, cpoID).
		Scan(&certified, &defaults, &required)
	if err != nil {
		return false, fmt.Errorf("certification of %s/%s: %w", vendor, model, err)
	}
	pending = required && !certified // RecordBoot keeps it on the charger
	var d volt.ConnectorDefaults
	if err := decodeJSON(defaults, &d); err != nil {
		return false, fmt.Errorf("connector defaults of %s/%s: %w", vendor, model, err)
	}
	if !d.Empty() {
		if err := fillConnectorDefaults(ctx, tx, cpid, d); err != nil {
			return false, err
		}
	}
	return pending, nil
}

// fillConnectorDefaults sets the connector facts nobody set from the model's
// defaults; facts an operator set are kept.
func fillConnectorDefaults(ctx context.Context, tx *Tx, cpid string, d volt.ConnectorDefaults) error {
	rows, err := tx.Query(ctx, `SELECT `+connectorCols+` FROM connectors WHERE cpid = ? AND connector_id > 0 ORDER BY connector_id`, cpid)
	if err != nil {
		return fmt.Errorf("connectors of %s: %w", cpid, err)
	}
	var ks []*volt.Connector
	for rows.Next() {
		k, err := scanConnector(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("connectors of %s: %w", cpid, mapError(err))
		}
		ks = append(ks, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("connectors of %s: %w", cpid, err)
	}
	for _, k := range ks {
		before := *k
		if !d.Fill(k) {
			continue
		}
		if k.Validate() != nil {
			*k = before // defaults that do not fit what an operator set: keep the connector as it is
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE connectors SET type = ?, power_type = ?, format = ?, max_power_w = ?, max_current_a = ?, max_voltage_v = ?
			WHERE cpid = ? AND connector_id = ?`, string(k.Type), string(k.PowerType), string(k.Format), k.MaxPowerW, k.MaxCurrentA, k.MaxVoltageV,
			cpid, k.ConnectorID); err != nil {
			return fmt.Errorf("connector defaults of %s/%d: %w", cpid, k.ConnectorID, err)
		}
	}
	return nil
}
