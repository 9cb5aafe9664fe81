package v16

import "github.com/volt-ev/volt/ocpp"

// AuthorizationStatus is an enumeration shared by several messages (OCPP 1.6 §7, AuthorizationStatus).
type AuthorizationStatus string

// AuthorizationStatus values.
const (
	AuthorizationStatusAccepted     AuthorizationStatus = "Accepted"
	AuthorizationStatusBlocked      AuthorizationStatus = "Blocked"
	AuthorizationStatusExpired      AuthorizationStatus = "Expired"
	AuthorizationStatusInvalid      AuthorizationStatus = "Invalid"
	AuthorizationStatusConcurrentTx AuthorizationStatus = "ConcurrentTx"
)

// EnumValues implements ocpp.Enum.
func (AuthorizationStatus) EnumValues() []string {
	return []string{"Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx"}
}

// CertificateUse is an enumeration shared by several messages (OCPP 1.6 security extension, CertificateUseType).
type CertificateUse string

// CertificateUse values.
const (
	CertificateUseCentralSystemRootCertificate CertificateUse = "CentralSystemRootCertificate"
	CertificateUseManufacturerRootCertificate  CertificateUse = "ManufacturerRootCertificate"
)

// EnumValues implements ocpp.Enum.
func (CertificateUse) EnumValues() []string {
	return []string{"CentralSystemRootCertificate", "ManufacturerRootCertificate"}
}

// ChargePointErrorCode is an enumeration shared by several messages (OCPP 1.6 §7, ChargePointErrorCode).
type ChargePointErrorCode string

// ChargePointErrorCode values.
const (
	ChargePointErrorCodeConnectorLockFailure ChargePointErrorCode = "ConnectorLockFailure"
	ChargePointErrorCodeEVCommunicationError ChargePointErrorCode = "EVCommunicationError"
	ChargePointErrorCodeGroundFailure        ChargePointErrorCode = "GroundFailure"
	ChargePointErrorCodeHighTemperature      ChargePointErrorCode = "HighTemperature"
	ChargePointErrorCodeInternalError        ChargePointErrorCode = "InternalError"
	ChargePointErrorCodeLocalListConflict    ChargePointErrorCode = "LocalListConflict"
	ChargePointErrorCodeNoError              ChargePointErrorCode = "NoError"
	ChargePointErrorCodeOtherError           ChargePointErrorCode = "OtherError"
	ChargePointErrorCodeOverCurrentFailure   ChargePointErrorCode = "OverCurrentFailure"
	ChargePointErrorCodePowerMeterFailure    ChargePointErrorCode = "PowerMeterFailure"
	ChargePointErrorCodePowerSwitchFailure   ChargePointErrorCode = "PowerSwitchFailure"
	ChargePointErrorCodeReaderFailure        ChargePointErrorCode = "ReaderFailure"
	ChargePointErrorCodeResetFailure         ChargePointErrorCode = "ResetFailure"
	ChargePointErrorCodeUnderVoltage         ChargePointErrorCode = "UnderVoltage"
	ChargePointErrorCodeOverVoltage          ChargePointErrorCode = "OverVoltage"
	ChargePointErrorCodeWeakSignal           ChargePointErrorCode = "WeakSignal"
)

// EnumValues implements ocpp.Enum.
func (ChargePointErrorCode) EnumValues() []string {
	return []string{"ConnectorLockFailure", "EVCommunicationError", "GroundFailure", "HighTemperature", "InternalError", "LocalListConflict", "NoError", "OtherError", "OverCurrentFailure", "PowerMeterFailure", "PowerSwitchFailure", "ReaderFailure", "ResetFailure", "UnderVoltage", "OverVoltage", "WeakSignal"}
}

// ChargePointStatus is an enumeration shared by several messages (OCPP 1.6 §7, ChargePointStatus).
type ChargePointStatus string

// ChargePointStatus values.
const (
	ChargePointStatusAvailable     ChargePointStatus = "Available"
	ChargePointStatusPreparing     ChargePointStatus = "Preparing"
	ChargePointStatusCharging      ChargePointStatus = "Charging"
	ChargePointStatusSuspendedEVSE ChargePointStatus = "SuspendedEVSE"
	ChargePointStatusSuspendedEV   ChargePointStatus = "SuspendedEV"
	ChargePointStatusFinishing     ChargePointStatus = "Finishing"
	ChargePointStatusReserved      ChargePointStatus = "Reserved"
	ChargePointStatusUnavailable   ChargePointStatus = "Unavailable"
	ChargePointStatusFaulted       ChargePointStatus = "Faulted"
)

// EnumValues implements ocpp.Enum.
func (ChargePointStatus) EnumValues() []string {
	return []string{"Available", "Preparing", "Charging", "SuspendedEVSE", "SuspendedEV", "Finishing", "Reserved", "Unavailable", "Faulted"}
}

// ChargingProfileKindType is an enumeration shared by several messages (OCPP 1.6 §7, ChargingProfileKindType).
type ChargingProfileKindType string

// ChargingProfileKindType values.
const (
	ChargingProfileKindTypeAbsolute  ChargingProfileKindType = "Absolute"
	ChargingProfileKindTypeRecurring ChargingProfileKindType = "Recurring"
	ChargingProfileKindTypeRelative  ChargingProfileKindType = "Relative"
)

// EnumValues implements ocpp.Enum.
func (ChargingProfileKindType) EnumValues() []string {
	return []string{"Absolute", "Recurring", "Relative"}
}

// ChargingProfilePurposeType is an enumeration shared by several messages (OCPP 1.6 §7, ChargingProfilePurposeType).
type ChargingProfilePurposeType string

// ChargingProfilePurposeType values.
const (
	ChargingProfilePurposeTypeChargePointMaxProfile ChargingProfilePurposeType = "ChargePointMaxProfile"
	ChargingProfilePurposeTypeTxDefaultProfile      ChargingProfilePurposeType = "TxDefaultProfile"
	ChargingProfilePurposeTypeTxProfile             ChargingProfilePurposeType = "TxProfile"
)

// EnumValues implements ocpp.Enum.
func (ChargingProfilePurposeType) EnumValues() []string {
	return []string{"ChargePointMaxProfile", "TxDefaultProfile", "TxProfile"}
}

// ChargingRateUnitType is an enumeration shared by several messages (OCPP 1.6 §7, ChargingRateUnitType).
type ChargingRateUnitType string

// ChargingRateUnitType values.
const (
	ChargingRateUnitTypeA ChargingRateUnitType = "A"
	ChargingRateUnitTypeW ChargingRateUnitType = "W"
)

// EnumValues implements ocpp.Enum.
func (ChargingRateUnitType) EnumValues() []string {
	return []string{"A", "W"}
}

// HashAlgorithm is an enumeration shared by several messages (OCPP 1.6 security extension, HashAlgorithmType).
type HashAlgorithm string

// HashAlgorithm values.
const (
	HashAlgorithmSHA256 HashAlgorithm = "SHA256"
	HashAlgorithmSHA384 HashAlgorithm = "SHA384"
	HashAlgorithmSHA512 HashAlgorithm = "SHA512"
)

// EnumValues implements ocpp.Enum.
func (HashAlgorithm) EnumValues() []string {
	return []string{"SHA256", "SHA384", "SHA512"}
}

// Location is an enumeration shared by several messages (OCPP 1.6 §7, Location).
type Location string

// Location values.
const (
	LocationCable  Location = "Cable"
	LocationEV     Location = "EV"
	LocationInlet  Location = "Inlet"
	LocationOutlet Location = "Outlet"
	LocationBody   Location = "Body"
)

// EnumValues implements ocpp.Enum.
func (Location) EnumValues() []string {
	return []string{"Cable", "EV", "Inlet", "Outlet", "Body"}
}

// Measurand is an enumeration shared by several messages (OCPP 1.6 §7, Measurand).
type Measurand string

// Measurand values.
const (
	MeasurandEnergyActiveExportRegister   Measurand = "Energy.Active.Export.Register"
	MeasurandEnergyActiveImportRegister   Measurand = "Energy.Active.Import.Register"
	MeasurandEnergyReactiveExportRegister Measurand = "Energy.Reactive.Export.Register"
	MeasurandEnergyReactiveImportRegister Measurand = "Energy.Reactive.Import.Register"
	MeasurandEnergyActiveExportInterval   Measurand = "Energy.Active.Export.Interval"
	MeasurandEnergyActiveImportInterval   Measurand = "Energy.Active.Import.Interval"
	MeasurandEnergyReactiveExportInterval Measurand = "Energy.Reactive.Export.Interval"
	MeasurandEnergyReactiveImportInterval Measurand = "Energy.Reactive.Import.Interval"
	MeasurandPowerActiveExport            Measurand = "Power.Active.Export"
	MeasurandPowerActiveImport            Measurand = "Power.Active.Import"
	MeasurandPowerOffered                 Measurand = "Power.Offered"
	MeasurandPowerReactiveExport          Measurand = "Power.Reactive.Export"
	MeasurandPowerReactiveImport          Measurand = "Power.Reactive.Import"
	MeasurandPowerFactor                  Measurand = "Power.Factor"
	MeasurandCurrentImport                Measurand = "Current.Import"
	MeasurandCurrentExport                Measurand = "Current.Export"
	MeasurandCurrentOffered               Measurand = "Current.Offered"
	MeasurandVoltage                      Measurand = "Voltage"
	MeasurandFrequency                    Measurand = "Frequency"
	MeasurandTemperature                  Measurand = "Temperature"
	MeasurandSoC                          Measurand = "SoC"
	MeasurandRPM                          Measurand = "RPM"
)

// EnumValues implements ocpp.Enum.
func (Measurand) EnumValues() []string {
	return []string{"Energy.Active.Export.Register", "Energy.Active.Import.Register", "Energy.Reactive.Export.Register", "Energy.Reactive.Import.Register", "Energy.Active.Export.Interval", "Energy.Active.Import.Interval", "Energy.Reactive.Export.Interval", "Energy.Reactive.Import.Interval", "Power.Active.Export", "Power.Active.Import", "Power.Offered", "Power.Reactive.Export", "Power.Reactive.Import", "Power.Factor", "Current.Import", "Current.Export", "Current.Offered", "Voltage", "Frequency", "Temperature", "SoC", "RPM"}
}

// Phase is an enumeration shared by several messages (OCPP 1.6 §7, Phase).
type Phase string

// Phase values.
const (
	PhaseL1   Phase = "L1"
	PhaseL2   Phase = "L2"
	PhaseL3   Phase = "L3"
	PhaseN    Phase = "N"
	PhaseL1N  Phase = "L1-N"
	PhaseL2N  Phase = "L2-N"
	PhaseL3N  Phase = "L3-N"
	PhaseL1L2 Phase = "L1-L2"
	PhaseL2L3 Phase = "L2-L3"
	PhaseL3L1 Phase = "L3-L1"
)

// EnumValues implements ocpp.Enum.
func (Phase) EnumValues() []string {
	return []string{"L1", "L2", "L3", "N", "L1-N", "L2-N", "L3-N", "L1-L2", "L2-L3", "L3-L1"}
}

// ReadingContext is an enumeration shared by several messages (OCPP 1.6 §7, ReadingContext).
type ReadingContext string

// ReadingContext values.
const (
	ReadingContextInterruptionBegin ReadingContext = "Interruption.Begin"
	ReadingContextInterruptionEnd   ReadingContext = "Interruption.End"
	ReadingContextSampleClock       ReadingContext = "Sample.Clock"
	ReadingContextSamplePeriodic    ReadingContext = "Sample.Periodic"
	ReadingContextTransactionBegin  ReadingContext = "Transaction.Begin"
	ReadingContextTransactionEnd    ReadingContext = "Transaction.End"
	ReadingContextTrigger           ReadingContext = "Trigger"
	ReadingContextOther             ReadingContext = "Other"
)

// EnumValues implements ocpp.Enum.
func (ReadingContext) EnumValues() []string {
	return []string{"Interruption.Begin", "Interruption.End", "Sample.Clock", "Sample.Periodic", "Transaction.Begin", "Transaction.End", "Trigger", "Other"}
}

// RecurrencyKindType is an enumeration shared by several messages (OCPP 1.6 §7, RecurrencyKindType).
type RecurrencyKindType string

// RecurrencyKindType values.
const (
	RecurrencyKindTypeDaily  RecurrencyKindType = "Daily"
	RecurrencyKindTypeWeekly RecurrencyKindType = "Weekly"
)

// EnumValues implements ocpp.Enum.
func (RecurrencyKindType) EnumValues() []string {
	return []string{"Daily", "Weekly"}
}

// RemoteStartStopStatus is an enumeration shared by several messages (OCPP 1.6 §7, RemoteStartStopStatus).
type RemoteStartStopStatus string

// RemoteStartStopStatus values.
const (
	RemoteStartStopStatusAccepted RemoteStartStopStatus = "Accepted"
	RemoteStartStopStatusRejected RemoteStartStopStatus = "Rejected"
)

// EnumValues implements ocpp.Enum.
func (RemoteStartStopStatus) EnumValues() []string {
	return []string{"Accepted", "Rejected"}
}

// TriggerMessageStatus is an enumeration shared by several messages (OCPP 1.6 §7, TriggerMessageStatus).
type TriggerMessageStatus string

// TriggerMessageStatus values.
const (
	TriggerMessageStatusAccepted       TriggerMessageStatus = "Accepted"
	TriggerMessageStatusRejected       TriggerMessageStatus = "Rejected"
	TriggerMessageStatusNotImplemented TriggerMessageStatus = "NotImplemented"
)

// EnumValues implements ocpp.Enum.
func (TriggerMessageStatus) EnumValues() []string {
	return []string{"Accepted", "Rejected", "NotImplemented"}
}

// UnitOfMeasure is an enumeration shared by several messages (OCPP 1.6 §7, UnitOfMeasure).
type UnitOfMeasure string

// UnitOfMeasure values.
const (
	UnitOfMeasureWh         UnitOfMeasure = "Wh"
	UnitOfMeasureKWh        UnitOfMeasure = "kWh"
	UnitOfMeasureVarh       UnitOfMeasure = "varh"
	UnitOfMeasureKvarh      UnitOfMeasure = "kvarh"
	UnitOfMeasureW          UnitOfMeasure = "W"
	UnitOfMeasureKW         UnitOfMeasure = "kW"
	UnitOfMeasureVA         UnitOfMeasure = "VA"
	UnitOfMeasureKVA        UnitOfMeasure = "kVA"
	UnitOfMeasureVar        UnitOfMeasure = "var"
	UnitOfMeasureKvar       UnitOfMeasure = "kvar"
	UnitOfMeasureA          UnitOfMeasure = "A"
	UnitOfMeasureV          UnitOfMeasure = "V"
	UnitOfMeasureK          UnitOfMeasure = "K"
	UnitOfMeasureCelcius    UnitOfMeasure = "Celcius"
	UnitOfMeasureCelsius    UnitOfMeasure = "Celsius"
	UnitOfMeasureFahrenheit UnitOfMeasure = "Fahrenheit"
	UnitOfMeasurePercent    UnitOfMeasure = "Percent"
	UnitOfMeasureHertz      UnitOfMeasure = "Hertz"
)

// EnumValues implements ocpp.Enum.
func (UnitOfMeasure) EnumValues() []string {
	return []string{"Wh", "kWh", "varh", "kvarh", "W", "kW", "VA", "kVA", "var", "kvar", "A", "V", "K", "Celcius", "Celsius", "Fahrenheit", "Percent", "Hertz"}
}

// ValueFormat is an enumeration shared by several messages (OCPP 1.6 §7, ValueFormat).
type ValueFormat string

// ValueFormat values.
const (
	ValueFormatRaw        ValueFormat = "Raw"
	ValueFormatSignedData ValueFormat = "SignedData"
)

// EnumValues implements ocpp.Enum.
func (ValueFormat) EnumValues() []string {
	return []string{"Raw", "SignedData"}
}

// CertificateHashData is a type shared by several messages (OCPP 1.6 security extension, CertificateHashDataType).
type CertificateHashData struct {
	HashAlgorithm  HashAlgorithm `json:"hashAlgorithm" ocpp:"required"`
	IssuerNameHash string        `json:"issuerNameHash" ocpp:"required,max=128"`
	IssuerKeyHash  string        `json:"issuerKeyHash" ocpp:"required,max=128"`
	SerialNumber   string        `json:"serialNumber" ocpp:"required,max=40"`
}

// ChargingProfile is a type shared by several messages (OCPP 1.6 §7, ChargingProfile).
type ChargingProfile struct {
	ChargingProfileID      int                        `json:"chargingProfileId" ocpp:"required"`
	TransactionID          *int                       `json:"transactionId,omitempty"`
	StackLevel             int                        `json:"stackLevel" ocpp:"required"`
	ChargingProfilePurpose ChargingProfilePurposeType `json:"chargingProfilePurpose" ocpp:"required"`
	ChargingProfileKind    ChargingProfileKindType    `json:"chargingProfileKind" ocpp:"required"`
	RecurrencyKind         RecurrencyKindType         `json:"recurrencyKind,omitempty"`
	ValidFrom              *ocpp.DateTime             `json:"validFrom,omitempty"`
	ValidTo                *ocpp.DateTime             `json:"validTo,omitempty"`
	ChargingSchedule       ChargingSchedule           `json:"chargingSchedule" ocpp:"required"`
}

// ChargingSchedule is a type shared by several messages (OCPP 1.6 §7, ChargingSchedule).
type ChargingSchedule struct {
	Duration               *int                     `json:"duration,omitempty"`
	StartSchedule          *ocpp.DateTime           `json:"startSchedule,omitempty"`
	ChargingRateUnit       ChargingRateUnitType     `json:"chargingRateUnit" ocpp:"required"`
	ChargingSchedulePeriod []ChargingSchedulePeriod `json:"chargingSchedulePeriod" ocpp:"required"`
	MinChargingRate        *float64                 `json:"minChargingRate,omitempty" ocpp:"multipleof=0.1"`
}

// ChargingSchedulePeriod is a type shared by several messages (OCPP 1.6 §7, ChargingSchedulePeriod).
type ChargingSchedulePeriod struct {
	StartPeriod  int     `json:"startPeriod" ocpp:"required"`
	Limit        float64 `json:"limit" ocpp:"required,multipleof=0.1"`
	NumberPhases *int    `json:"numberPhases,omitempty"`
}

// IdTagInfo is a type shared by several messages (OCPP 1.6 §7, IdTagInfo).
type IdTagInfo struct {
	ExpiryDate  *ocpp.DateTime      `json:"expiryDate,omitempty"`
	ParentIdTag string              `json:"parentIdTag,omitempty" ocpp:"max=20"`
	Status      AuthorizationStatus `json:"status" ocpp:"required"`
}

// MeterValue is a type shared by several messages (OCPP 1.6 §7, MeterValue).
type MeterValue struct {
	Timestamp    ocpp.DateTime  `json:"timestamp" ocpp:"required"`
	SampledValue []SampledValue `json:"sampledValue" ocpp:"required,minitems=1,relax=EmptySampledValue"`
}

// SampledValue is a type shared by several messages (OCPP 1.6 §7, SampledValue).
type SampledValue struct {
	Value     string         `json:"value" ocpp:"required"`
	Context   ReadingContext `json:"context,omitempty"`
	Format    ValueFormat    `json:"format,omitempty"`
	Measurand Measurand      `json:"measurand,omitempty"`
	Phase     Phase          `json:"phase,omitempty"`
	Location  Location       `json:"location,omitempty"`
	Unit      UnitOfMeasure  `json:"unit,omitempty"`
}
