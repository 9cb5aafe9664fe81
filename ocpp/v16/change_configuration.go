package v16

// ChangeConfigurationRequest is the payload of ChangeConfiguration.req (OCPP 1.6 §5.3).
type ChangeConfigurationRequest struct {
	Key   string `json:"key" ocpp:"required,max=50"`
	Value string `json:"value" ocpp:"required,max=500"`
}

// ChangeConfigurationResponse is the payload of ChangeConfiguration.conf (OCPP 1.6 §5.3).
type ChangeConfigurationResponse struct {
	Status ConfigurationStatus `json:"status" ocpp:"required"`
}

// ConfigurationStatus is an enumeration of ChangeConfiguration (OCPP 1.6 §5.3).
type ConfigurationStatus string

// ConfigurationStatus values.
const (
	ConfigurationStatusAccepted       ConfigurationStatus = "Accepted"
	ConfigurationStatusRejected       ConfigurationStatus = "Rejected"
	ConfigurationStatusRebootRequired ConfigurationStatus = "RebootRequired"
	ConfigurationStatusNotSupported   ConfigurationStatus = "NotSupported"
)

// EnumValues implements ocpp.Enum.
func (ConfigurationStatus) EnumValues() []string {
	return []string{"Accepted", "Rejected", "RebootRequired", "NotSupported"}
}
