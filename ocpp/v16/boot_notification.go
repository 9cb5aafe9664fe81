package v16

import "github.com/volt-ev/volt/ocpp"

// BootNotificationRequest is the payload of BootNotification.req (OCPP 1.6 §4.2).
type BootNotificationRequest struct {
	ChargePointVendor       string `json:"chargePointVendor" ocpp:"required,max=20"`
	ChargePointModel        string `json:"chargePointModel" ocpp:"required,max=20"`
	ChargePointSerialNumber string `json:"chargePointSerialNumber,omitempty" ocpp:"max=25"`
	ChargeBoxSerialNumber   string `json:"chargeBoxSerialNumber,omitempty" ocpp:"max=25"`
	FirmwareVersion         string `json:"firmwareVersion,omitempty" ocpp:"max=50"`
	ICCID                   string `json:"iccid,omitempty" ocpp:"max=20"`
	IMSI                    string `json:"imsi,omitempty" ocpp:"max=20"`
	MeterType               string `json:"meterType,omitempty" ocpp:"max=25"`
	MeterSerialNumber       string `json:"meterSerialNumber,omitempty" ocpp:"max=25"`
}

// BootNotificationResponse is the payload of BootNotification.conf (OCPP 1.6 §4.2).
type BootNotificationResponse struct {
	Status      RegistrationStatus `json:"status" ocpp:"required"`
	CurrentTime ocpp.DateTime      `json:"currentTime" ocpp:"required"`
	Interval    int                `json:"interval" ocpp:"required"`
}

// RegistrationStatus is an enumeration of BootNotification (OCPP 1.6 §4.2).
type RegistrationStatus string

// RegistrationStatus values.
const (
	RegistrationStatusAccepted RegistrationStatus = "Accepted"
	RegistrationStatusPending  RegistrationStatus = "Pending"
	RegistrationStatusRejected RegistrationStatus = "Rejected"
)

// EnumValues implements ocpp.Enum.
func (RegistrationStatus) EnumValues() []string {
	return []string{"Accepted", "Pending", "Rejected"}
}
