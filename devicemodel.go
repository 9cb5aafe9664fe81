package volt

import (
	"context"
	"time"
)

// DeviceVariable is one attribute of one variable of an OCPP 2.0.1/2.1
// charger's device model (OCPP 2.0.1 Part 1 §4; NotifyReport,
// GetVariables, SetVariables): the component it belongs to (with its EVSE
// and connector when it sits on one), the variable, and the attribute's
// type (Actual, Target, MinSet, MaxSet) with its value and properties.
type DeviceVariable struct {
	Component         string    `json:"component"`
	ComponentInstance string    `json:"componentInstance,omitempty"`
	EVSEID            *int      `json:"evseId,omitempty"`
	ConnectorID       *int      `json:"connectorId,omitempty"`
	Variable          string    `json:"variable"`
	VariableInstance  string    `json:"variableInstance,omitempty"`
	AttributeType     string    `json:"attributeType"`
	Value             *string   `json:"value"` // nil: WriteOnly, or never reported
	Mutability        string    `json:"mutability,omitempty"`
	Persistent        bool      `json:"persistent"`
	Constant          bool      `json:"constant"`
	DataType          string    `json:"dataType,omitempty"`
	Unit              string    `json:"unit,omitempty"`
	UpdatedAt         time.Time `json:"updatedAt"`
}

// DeviceModelService keeps the device models that OCPP 2.x chargers report.
// RecordDeviceModel merges: each attribute it is given replaces the stored
// one with the same component, variable and attribute type (a report comes
// in several NotifyReport messages); fields it leaves empty (a GetVariables
// answer has no mutability) keep their stored value.
type DeviceModelService interface {
	RecordDeviceModel(ctx context.Context, cpid string, vars []DeviceVariable) error
	// FindDeviceModel returns the attributes stored for a charger the actor
	// may see, ordered by component, EVSE, variable and attribute type.
	FindDeviceModel(ctx context.Context, cpid string) ([]DeviceVariable, error)
}
