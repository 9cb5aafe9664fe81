package sim

import (
	"sort"
	"strconv"
	"strings"

	"github.com/volt-ev/volt/ocpp/v16"
)

// Configuration key names the simulator acts on (OCPP 1.6 §9).
const (
	keyAllowOfflineTxForUnknownID    = "AllowOfflineTxForUnknownId"
	keyAuthorizationCacheEnabled     = "AuthorizationCacheEnabled"
	keyAuthorizeRemoteTxRequests     = "AuthorizeRemoteTxRequests"
	keyHeartbeatInterval             = "HeartbeatInterval"
	keyLocalAuthListEnabled          = "LocalAuthListEnabled"
	keyLocalAuthorizeOffline         = "LocalAuthorizeOffline"
	keyMeterValueSampleInterval      = "MeterValueSampleInterval"
	keyStopTransactionOnInvalidID    = "StopTransactionOnInvalidId"
	keyTransactionMessageAttempts    = "TransactionMessageAttempts"
	keyTransactionMessageRetryIntvl  = "TransactionMessageRetryInterval"
	keyLocalAuthListMaxLength        = "LocalAuthListMaxLength"
	keyReserveConnectorZeroSupported = "ReserveConnectorZeroSupported"
	keyAuthorizationKey              = "AuthorizationKey"
)

type keyKind uint8

const (
	kindInt keyKind = iota
	kindBool
	kindCSL      // comma-separated list
	kindPassword // AuthorizationKey: 16 to 40 passwordString characters
)

// confKey is one configuration key: its value, whether the central system
// may change it, and what a change needs.
type confKey struct {
	value    string
	readonly bool
	kind     keyKind
	reboot   bool // a change is answered RebootRequired
}

// defaultKeys returns the key set of a typical AC charger (OCPP 1.6 §9.1 Core,
// §9.2 LocalAuthListManagement, §9.3 Reservation, §9.4 SmartCharging).
func defaultKeys(cfg *Config) map[string]*confKey {
	secs := func(d float64) string { return strconv.Itoa(int(d)) }
	rw := func(v string, k keyKind) *confKey { return &confKey{value: v, kind: k} }
	ro := func(v string, k keyKind) *confKey { return &confKey{value: v, kind: k, readonly: true} }
	hb := "0"
	if cfg.Heartbeat > 0 {
		hb = secs(cfg.Heartbeat.Seconds())
	}
	return map[string]*confKey{
		keyAllowOfflineTxForUnknownID:             rw("true", kindBool),
		keyAuthorizationCacheEnabled:              rw("true", kindBool),
		keyAuthorizeRemoteTxRequests:              rw("true", kindBool),
		"BlinkRepeat":                             rw("3", kindInt),
		"ClockAlignedDataInterval":                rw("0", kindInt),
		"ConnectionTimeOut":                       rw("60", kindInt),
		"ConnectorPhaseRotation":                  rw("0.RST", kindCSL),
		"GetConfigurationMaxKeys":                 ro("50", kindInt),
		keyHeartbeatInterval:                      rw(hb, kindInt),
		"LightIntensity":                          rw("50", kindInt),
		keyLocalAuthorizeOffline:                  rw("true", kindBool),
		"LocalPreAuthorize":                       rw("false", kindBool),
		"MeterValuesAlignedData":                  rw("Energy.Active.Import.Register", kindCSL),
		"MeterValuesSampledData":                  rw("Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,SoC", kindCSL),
		keyMeterValueSampleInterval:               rw(secs(cfg.MeterInterval.Seconds()), kindInt),
		"MinimumStatusDuration":                   rw("0", kindInt),
		"NumberOfConnectors":                      ro(strconv.Itoa(cfg.Connectors), kindInt),
		"ResetRetries":                            rw("3", kindInt),
		"StopTransactionOnEVSideDisconnect":       rw("true", kindBool),
		keyStopTransactionOnInvalidID:             rw("true", kindBool),
		"StopTxnAlignedData":                      rw("", kindCSL),
		"StopTxnSampledData":                      rw("Energy.Active.Import.Register", kindCSL),
		"SupportedFeatureProfiles":                ro("Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger", kindCSL),
		keyTransactionMessageAttempts:             rw("3", kindInt),
		keyTransactionMessageRetryIntvl:           rw("30", kindInt),
		"UnlockConnectorOnEVSideDisconnect":       rw("true", kindBool),
		"WebSocketPingInterval":                   rw("0", kindInt),
		keyLocalAuthListEnabled:                   rw("true", kindBool),
		keyLocalAuthListMaxLength:                 ro("1000", kindInt),
		"SendLocalListMaxLength":                  ro("100", kindInt),
		keyReserveConnectorZeroSupported:          ro("false", kindBool),
		"ChargeProfileMaxStackLevel":              ro("10", kindInt),
		"ChargingScheduleAllowedChargingRateUnit": ro("Current,Power", kindCSL),
		"ChargingScheduleMaxPeriods":              ro("24", kindInt),
		"MaxChargingProfilesInstalled":            ro("10", kindInt),
		"AuthorizationKey":                        {value: "", kind: kindPassword},
		"SecurityProfile":                         rw("1", kindInt),
	}
}

// getConfiguration answers GetConfiguration (OCPP 1.6 §5.8): every key when
// none is asked for, else the known ones, and the others as unknownKey.
// AuthorizationKey is write-only and never reported (security extension).
func getConfiguration(keys map[string]*confKey, want []string) *v16.GetConfigurationResponse {
	resp := &v16.GetConfigurationResponse{}
	kv := func(name string, k *confKey) v16.KeyValue {
		v := k.value
		return v16.KeyValue{Key: name, Readonly: k.readonly, Value: &v}
	}
	if len(want) == 0 {
		names := make([]string, 0, len(keys))
		for name := range keys {
			if name != "AuthorizationKey" {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		for _, name := range names {
			resp.ConfigurationKey = append(resp.ConfigurationKey, kv(name, keys[name]))
		}
		return resp
	}
	for _, name := range want {
		if k, ok := keys[name]; ok && name != "AuthorizationKey" {
			resp.ConfigurationKey = append(resp.ConfigurationKey, kv(name, k))
		} else {
			resp.UnknownKey = append(resp.UnknownKey, name)
		}
	}
	return resp
}

// changeConfiguration applies ChangeConfiguration (OCPP 1.6 §5.3) to keys:
// NotSupported for an unknown key, Rejected for a read-only key or a value of
// the wrong form, RebootRequired where the key needs it.
func changeConfiguration(keys map[string]*confKey, name, value string) v16.ConfigurationStatus {
	k, ok := keys[name]
	if !ok {
		return v16.ConfigurationStatusNotSupported
	}
	if k.readonly {
		return v16.ConfigurationStatusRejected
	}
	switch k.kind {
	case kindInt:
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil || n < 0 {
			return v16.ConfigurationStatusRejected
		}
		value = strconv.Itoa(n)
	case kindPassword:
		if !validAuthorizationKey(value) {
			return v16.ConfigurationStatusRejected
		}
	case kindBool:
		v := strings.ToLower(strings.TrimSpace(value))
		if v != "true" && v != "false" {
			return v16.ConfigurationStatusRejected
		}
		value = v
	}
	k.value = value
	if k.reboot {
		return v16.ConfigurationStatusRebootRequired
	}
	return v16.ConfigurationStatusAccepted
}

func keyBool(keys map[string]*confKey, name string) bool {
	k, ok := keys[name]
	return ok && k.value == "true"
}

func keyInt(keys map[string]*confKey, name string) int {
	if k, ok := keys[name]; ok {
		n, _ := strconv.Atoi(k.value)
		return n
	}
	return 0
}

// validAuthorizationKey checks a new AuthorizationKey the way a strict
// charger does: 16 to 40 characters of a-z, A-Z, 0-9 and *-_=:+|@. (the
// passwordString of OCPP 2.0.1, which holds the whitepaper's hexadecimal
// form too).
func validAuthorizationKey(v string) bool {
	if len(v) < 16 || len(v) > 40 {
		return false
	}
	for _, r := range v {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("*-_=:+|@.", r)
		if !ok {
			return false
		}
	}
	return true
}
