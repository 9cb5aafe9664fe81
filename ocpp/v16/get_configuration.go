package v16

// GetConfigurationRequest is the payload of GetConfiguration.req (OCPP 1.6 §5.8).
type GetConfigurationRequest struct {
	Key []string `json:"key,omitempty" ocpp:"max=50"`
}

// GetConfigurationResponse is the payload of GetConfiguration.conf (OCPP 1.6 §5.8).
type GetConfigurationResponse struct {
	ConfigurationKey []KeyValue `json:"configurationKey,omitempty"`
	UnknownKey       []string   `json:"unknownKey,omitempty" ocpp:"max=50"`
}

// KeyValue is a part of GetConfiguration (OCPP 1.6 §5.8).
type KeyValue struct {
	Key      string  `json:"key" ocpp:"required,max=50"`
	Readonly bool    `json:"readonly" ocpp:"required"`
	Value    *string `json:"value,omitempty" ocpp:"max=500"`
}
