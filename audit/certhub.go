package audit

import (
	"context"

	"github.com/volt-ev/volt"
)

// Certification and hubs (issue 16 items 4-5).

type certification struct {
	volt.CertificationService
	r *Recorder
}

// WrapCertification returns next with the catalogue's changes recorded:
// "charger-model.create", "charger-model.update" (certifying included, the
// model before and after) and "charger-model.report" (the report's name,
// type and size, never its content).
func WrapCertification(next volt.CertificationService, r *Recorder) volt.CertificationService {
	return &certification{CertificationService: next, r: r}
}

func (c *certification) tracked() tracked[*volt.ChargerModel] {
	return tracked[*volt.ChargerModel]{typ: volt.ResourceChargerModel, find: c.FindModelByID,
		place: func(*volt.ChargerModel) volt.Ref { return volt.Ref{} }} // platform-wide
}

// CreateModel adds a model and records "charger-model.create".
func (c *certification) CreateModel(ctx context.Context, m *volt.ChargerModel) error {
	return run(ctx, c.r, c.tracked(), mutation{action: "charger-model.create", call: func() (string, error) {
		if err := c.CertificationService.CreateModel(ctx, m); err != nil {
			return "", err
		}
		return m.ID, nil
	}})
}

// UpdateModel changes or certifies a model and records "charger-model.update".
func (c *certification) UpdateModel(ctx context.Context, id string, u volt.ChargerModelUpdate) (*volt.ChargerModel, error) {
	var m *volt.ChargerModel
	err := run(ctx, c.r, c.tracked(), mutation{action: "charger-model.update", id: id, call: func() (string, error) {
		var err error
		m, err = c.CertificationService.UpdateModel(ctx, id, u)
		return idIf(id, err)
	}})
	return m, err
}

// SetModelReport stores a test report and records "charger-model.report".
func (c *certification) SetModelReport(ctx context.Context, id, fileName, contentType string, content []byte) (*volt.ModelReport, error) {
	var rep *volt.ModelReport
	err := run(ctx, c.r, c.tracked(), mutation{action: "charger-model.report", id: id,
		details: map[string]any{"fileName": fileName, "contentType": contentType, "size": len(content)},
		call: func() (string, error) {
			var err error
			rep, err = c.CertificationService.SetModelReport(ctx, id, fileName, contentType, content)
			return idIf(id, err)
		}})
	return rep, err
}

type hubs struct {
	volt.HubService
	r *Recorder
}

// WrapHubs returns next with onboarding recorded as "hub.create" (the hub
// and its sockets; the password never reaches the log).
func WrapHubs(next volt.HubService, r *Recorder) volt.HubService {
	return &hubs{HubService: next, r: r}
}

// CreateHub onboards a hub and records "hub.create".
func (h *hubs) CreateHub(ctx context.Context, in volt.HubCreate) (*volt.HubCredentials, error) {
	var creds *volt.HubCredentials
	t := tracked[*volt.Hub]{typ: volt.ResourceHub, find: h.FindHubByID,
		place: func(x *volt.Hub) volt.Ref {
			return volt.Ref{CPOID: x.CPOID, OwnerID: x.OwnerID, ChargerGroupID: x.ChargerGroupID}
		}}
	err := run(ctx, h.r, t, mutation{action: "hub.create", details: map[string]int{"sockets": in.Sockets}, call: func() (string, error) {
		var err error
		if creds, err = h.HubService.CreateHub(ctx, in); err != nil {
			return "", err
		}
		return creds.ID, nil
	}})
	return creds, err
}
