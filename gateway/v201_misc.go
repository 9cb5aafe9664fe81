package gateway

import (
	"cmp"
	"context"
	"encoding/json"
	"strconv"
	"strings"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/ocpp"
	"github.com/volt-ev/volt/ocpp/v201"
)

// The device model (OCPP 2.0.1 Part 1 §4) is kept whole, every attribute
// with its properties, when the ChargingService is a volt.DeviceModelService
// (store's is: charger_device_model), and its Actual values also as
// configuration keys named Component[.instance][@evse[:connector]]/
// Variable[.instance], so the configuration API and page show a 2.x
// charger's variables as they show 1.6 keys.

// deviceVariable is the domain's attribute of a variable of comp.
func deviceVariable(comp v201.Component, v v201.Variable, attr string, value *string) volt.DeviceVariable {
	dv := volt.DeviceVariable{Component: comp.Name, ComponentInstance: comp.Instance, Variable: v.Name,
		VariableInstance: v.Instance, AttributeType: attr, Value: value}
	if comp.Evse != nil {
		id := comp.Evse.ID
		dv.EVSEID, dv.ConnectorID = &id, comp.Evse.ConnectorID
	}
	return dv
}

// recordDeviceModel stores attributes when the service keeps device models.
func recordDeviceModel(ctx context.Context, c *conn, vars []volt.DeviceVariable) error {
	dm, ok := c.g.cfg.Charging.(volt.DeviceModelService)
	if !ok || len(vars) == 0 {
		return nil
	}
	return dm.RecordDeviceModel(ctx, c.cpid, vars)
}

// DeviceModelKey names a variable of a 2.x device model as a configuration
// key: "OCPPCommCtrlr/HeartbeatInterval", "EVSE@1/Power.Max",
// "Connector@1:2/ConnectorType".
func DeviceModelKey(c v201.Component, v v201.Variable) string {
	var b strings.Builder
	b.WriteString(c.Name)
	if c.Instance != "" {
		b.WriteString("." + c.Instance)
	}
	if c.Evse != nil {
		b.WriteString("@" + strconv.Itoa(c.Evse.ID))
		if c.Evse.ConnectorID != nil {
			b.WriteString(":" + strconv.Itoa(*c.Evse.ConnectorID))
		}
	}
	b.WriteString("/" + v.Name)
	if v.Instance != "" {
		b.WriteString("." + v.Instance)
	}
	return b.String()
}

func notifyReport201(ctx context.Context, c *conn, req *v201.NotifyReportRequest) (*v201.NotifyReportResponse, error) {
	keys := make([]volt.ConfigKey, 0, len(req.ReportData))
	var vars []volt.DeviceVariable
	for _, rd := range req.ReportData {
		for _, a := range rd.VariableAttribute {
			dv := deviceVariable(rd.Component, rd.Variable, string(a.Type), nil)
			if a.Mutability != v201.MutabilityEnumWriteOnly {
				val := a.Value
				dv.Value = &val
			}
			dv.AttributeType = cmp.Or(dv.AttributeType, string(v201.AttributeEnumActual))
			dv.Mutability = cmp.Or(string(a.Mutability), string(v201.MutabilityEnumReadWrite)) // the schema's default
			dv.Persistent, dv.Constant = a.Persistent != nil && *a.Persistent, a.Constant != nil && *a.Constant
			if vc := rd.VariableCharacteristics; vc != nil {
				dv.DataType, dv.Unit = string(vc.DataType), vc.Unit
			}
			vars = append(vars, dv)
			if a.Type != "" && a.Type != v201.AttributeEnumActual {
				continue // Target, MinSet, MaxSet: in the device model only
			}
			k := volt.ConfigKey{Key: DeviceModelKey(rd.Component, rd.Variable), Readonly: a.Mutability == v201.MutabilityEnumReadOnly}
			if a.Mutability != v201.MutabilityEnumWriteOnly {
				val := a.Value
				k.Value = &val
			}
			keys = append(keys, k)
		}
	}
	if err := recordDeviceModel(ctx, c, vars); err != nil {
		return nil, internal(c, "record device model", err)
	}
	if len(keys) > 0 {
		if err := c.g.cfg.Charging.RecordConfiguration(ctx, c.cpid, keys); err != nil {
			return nil, internal(c, "record device model", err)
		}
	}
	return &v201.NotifyReportResponse{}, nil
}

// afterGetVariables201 stores the values a charger read out.
func afterGetVariables201(ctx context.Context, c *conn, _, res json.RawMessage) {
	var answer v201.GetVariablesResponse
	if err := ocpp.Decode(c.proto.version, res, &answer, c.relaxations()); err != nil {
		c.g.log.Warn("gateway: GetVariables answer not stored", "cpid", c.cpid, "err", err)
		return
	}
	var (
		keys []volt.ConfigKey
		vars []volt.DeviceVariable
	)
	for _, r := range answer.GetVariableResult {
		if r.AttributeStatus != v201.GetVariableStatusEnumAccepted {
			continue
		}
		val := r.AttributeValue
		vars = append(vars, deviceVariable(r.Component, r.Variable, string(r.AttributeType), &val))
		if r.AttributeType == "" || r.AttributeType == v201.AttributeEnumActual {
			keys = append(keys, volt.ConfigKey{Key: DeviceModelKey(r.Component, r.Variable), Value: &val})
		}
	}
	if err := recordDeviceModel(ctx, c, vars); err != nil {
		c.g.log.Error("gateway: record device model values", "cpid", c.cpid, "err", err)
	}
	recordKeys(ctx, c, keys)
}

// afterSetVariables201 stores each value the charger accepted (per
// attribute: one SetVariables may be accepted in part).
func afterSetVariables201(ctx context.Context, c *conn, req, res json.RawMessage) {
	var (
		set    v201.SetVariablesRequest
		answer v201.SetVariablesResponse
	)
	if ocpp.Decode(c.proto.version, res, &answer, c.relaxations()) != nil || ocpp.Decode(c.proto.version, req, &set, ocpp.Strict) != nil {
		return
	}
	values := make(map[string]string, len(set.SetVariableData))
	for _, d := range set.SetVariableData {
		values[DeviceModelKey(d.Component, d.Variable)+"#"+string(cmp.Or(d.AttributeType, v201.AttributeEnumActual))] = d.AttributeValue
	}
	var (
		keys []volt.ConfigKey
		vars []volt.DeviceVariable
	)
	for _, r := range answer.SetVariableResult {
		if r.AttributeStatus != v201.SetVariableStatusEnumAccepted {
			continue
		}
		k := DeviceModelKey(r.Component, r.Variable)
		attr := cmp.Or(r.AttributeType, v201.AttributeEnumActual)
		v, ok := values[k+"#"+string(attr)]
		if !ok {
			continue
		}
		vars = append(vars, deviceVariable(r.Component, r.Variable, string(attr), &v))
		if attr == v201.AttributeEnumActual {
			keys = append(keys, volt.ConfigKey{Key: k, Value: &v})
		}
	}
	if err := recordDeviceModel(ctx, c, vars); err != nil {
		c.g.log.Error("gateway: record device model values", "cpid", c.cpid, "err", err)
	}
	recordKeys(ctx, c, keys)
}

func recordKeys(ctx context.Context, c *conn, keys []volt.ConfigKey) {
	if len(keys) == 0 {
		return
	}
	if err := c.g.cfg.Charging.RecordConfiguration(ctx, c.cpid, keys); err != nil {
		c.g.log.Error("gateway: record device model values", "cpid", c.cpid, "err", err)
	}
}

func notifyEvent201(ctx context.Context, c *conn, req *v201.NotifyEventRequest) (*v201.NotifyEventResponse, error) {
	for _, e := range req.EventData {
		detail := DeviceModelKey(e.Component, e.Variable) + "=" + e.ActualValue
		if e.TechCode != "" {
			detail += " (" + e.TechCode + ")"
		}
		chargerEvent(ctx, c, v201.ActionNotifyEvent, string(e.Trigger)+": "+detail, e.Timestamp.Time)
	}
	return &v201.NotifyEventResponse{}, nil
}

func securityEvent201(ctx context.Context, c *conn, req *v201.SecurityEventNotificationRequest) (*v201.SecurityEventNotificationResponse, error) {
	detail := req.Type
	if req.TechInfo != "" {
		detail += ": " + req.TechInfo
	}
	chargerEvent(ctx, c, v201.ActionSecurityEventNotification, detail, req.Timestamp.Time)
	storeSecurityEvent(ctx, c, req.Type, req.TechInfo, req.Timestamp.Time)
	return &v201.SecurityEventNotificationResponse{}, nil
}

func firmwareStatus201(ctx context.Context, c *conn, req *v201.FirmwareStatusNotificationRequest) (*v201.FirmwareStatusNotificationResponse, error) {
	chargerEvent(ctx, c, v201.ActionFirmwareStatusNotification, string(req.Status)+requestRef(req.RequestID), c.g.cfg.Now())
	return &v201.FirmwareStatusNotificationResponse{}, nil
}

func logStatus201(ctx context.Context, c *conn, req *v201.LogStatusNotificationRequest) (*v201.LogStatusNotificationResponse, error) {
	chargerEvent(ctx, c, v201.ActionLogStatusNotification, string(req.Status)+requestRef(req.RequestID), c.g.cfg.Now())
	return &v201.LogStatusNotificationResponse{}, nil
}

func requestRef(id *int) string {
	if id == nil {
		return ""
	}
	return " (request " + strconv.Itoa(*id) + ")"
}

// dataTransfer201 serves DataTransfer with the same vendor handlers as 1.6;
// data of any JSON type is handed over as its JSON text.
func dataTransfer201(ctx context.Context, c *conn, req *v201.DataTransferRequest) (*v201.DataTransferResponse, error) {
	h := c.g.cfg.DataTransfer[req.VendorID]
	if h == nil {
		return &v201.DataTransferResponse{Status: v201.DataTransferStatusEnumUnknownVendorId}, nil
	}
	data := string(req.Data)
	var s string
	if json.Unmarshal(req.Data, &s) == nil {
		data = s // a JSON string is handed over unquoted, as on 1.6
	}
	status, out, err := h(ctx, c.cpid, req.MessageID, data)
	if err != nil {
		return nil, internal(c, "data transfer "+req.VendorID, err)
	}
	resp := &v201.DataTransferResponse{Status: v201.DataTransferStatusEnum(status)}
	if out != "" {
		resp.Data, _ = json.Marshal(out)
	}
	return resp, nil
}
