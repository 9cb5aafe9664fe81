package volt

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"
)

// AuditSource says through which surface an audited action came.
type AuditSource string

// Audit sources.
const (
	AuditSourceAPI    AuditSource = "api"
	AuditSourcePortal AuditSource = "portal"
	AuditSourceApp    AuditSource = "app" // the Driver Web App
	AuditSourceSystem AuditSource = "system"
	// AuditSourceOCPI is a roaming partner's own call over OCPI (issue 14).
	AuditSourceOCPI AuditSource = "ocpi"
)

// Audit outcomes: an attempt that the service refused or that failed is
// recorded too, with its error code.
const (
	AuditOK     = "ok"
	AuditFailed = "failed"
)

// Resource types named in audit entries (the API's plural nouns, singular).
const (
	ResourceCPO              = "cpo"
	ResourceOwner            = "owner"
	ResourceHost             = "host"
	ResourceSite             = "site"
	ResourceChargerGroup     = "charger-group"
	ResourceCharger          = "charger"
	ResourceChargerModel     = "charger-model"
	ResourceUser             = "user"
	ResourceUsergroup        = "usergroup"
	ResourceRFIDCard         = "rfid-card"
	ResourceAffiliateCode    = "affiliate-code"
	ResourceTariff           = "tariff"
	ResourceTariffAssignment = "tariff-assignment"
	ResourceTicket           = "ticket"
	ResourceHelplineContact  = "helpline-contact"
	ResourceSession          = "session"
	ResourceHub              = "hub"          // issue 16 item 5
	ResourceOCPIPartner      = "ocpi-partner" // issue 14
	ResourceOCPIParty        = "ocpi-party"   // issue 14: a CPO's own party (id: the CPO's)
)

// AuditEntry is one recorded change or command: who did it, when, through
// which surface, what (Action such as "charger.update" or
// "command.remote-stop"), on which resource, with JSON snapshots of the
// resource before and after, and how it ended. CPOID, OwnerID and
// ChargerGroupID place the entry in the hierarchy so each tenant reads only
// the entries about itself. Entries are append-only.
type AuditEntry struct {
	ID         string      `json:"id"`
	At         time.Time   `json:"at"`
	ActorID    string      `json:"actorId"`
	ActorEmail string      `json:"actorEmail"`
	ActorRoles string      `json:"actorRoles"` // see RolesSummary
	Source     AuditSource `json:"source"`
	ClientAddr string      `json:"clientAddr"`

	Action         string `json:"action"`
	ResourceType   string `json:"resourceType"`
	ResourceID     string `json:"resourceId"`
	CPOID          string `json:"cpoId,omitempty"`
	OwnerID        string `json:"ownerId,omitempty"`
	ChargerGroupID string `json:"chargerGroupId,omitempty"`

	// Before and After are the resource as JSON (null when it did not exist);
	// Details holds what is neither, such as a command's request and answer.
	Before  json.RawMessage `json:"before,omitempty"`
	After   json.RawMessage `json:"after,omitempty"`
	Details json.RawMessage `json:"details,omitempty"`

	Outcome      string `json:"outcome"` // AuditOK or AuditFailed
	ErrorCode    string `json:"errorCode,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`

	// DriverContact is the phone or e-mail of the driver a helpline action
	// was taken for (UK public charge point rules: every contact logged).
	DriverContact string `json:"driverContact,omitempty"`
}

// Validate checks the entry's own fields and sets defaults.
func (e *AuditEntry) Validate() error {
	if strings.TrimSpace(e.Action) == "" {
		return FieldError("action", "Audit action required.")
	}
	if e.Outcome == "" {
		e.Outcome = AuditOK
	}
	if e.Outcome != AuditOK && e.Outcome != AuditFailed {
		return FieldError("outcome", "Outcome must be %q or %q.", AuditOK, AuditFailed)
	}
	if e.Source == "" {
		e.Source = AuditSourceSystem
	}
	for name, raw := range map[string]json.RawMessage{"before": e.Before, "after": e.After, "details": e.Details} {
		if len(raw) > 0 && !json.Valid(raw) {
			return FieldError(name, "Audit %s must be JSON.", name)
		}
	}
	return nil
}

// SetResult marks the entry with the outcome of err: AuditOK for nil,
// otherwise AuditFailed with the error's code and safe message.
func (e *AuditEntry) SetResult(err error) {
	if err == nil {
		e.Outcome, e.ErrorCode, e.ErrorMessage = AuditOK, "", ""
		return
	}
	e.Outcome, e.ErrorCode, e.ErrorMessage = AuditFailed, ErrorCode(err), ErrorMessage(err)
}

// Place sets the entry's hierarchy placement from ref.
func (e *AuditEntry) Place(ref Ref) {
	e.CPOID, e.OwnerID, e.ChargerGroupID = ref.CPOID, ref.OwnerID, ref.ChargerGroupID
}

// AuditFilter narrows a list of audit entries. Action matches exactly, or
// as a prefix when it ends with "." ("charger." finds every charger action).
// Query searches actor e-mail, action, resource id and driver contact.
type AuditFilter struct {
	ActorID      string
	Action       string
	ResourceType string
	ResourceID   string
	CPOID        string
	Outcome      string
	From, To     *time.Time // on At, To exclusive
	Query        string
	Page
}

// AuditService records and finds audit entries. Record takes the actor from
// ctx (ActorID, ActorEmail, ActorRoles are set from it; only the system actor
// may record on someone's behalf) and the source and client address from
// AuditContextFrom(ctx) when the entry leaves them empty. FindAuditEntries
// lists the entries in the actor's read scope, newest first.
//
// Transactions: an audit entry is written in its own transaction after the
// audited change has committed (the services run their own transactions). A
// failed audit write never undoes or fails the change; the recorder that
// calls Record logs it and counts it (see package audit). Failed attempts are
// recorded with Outcome AuditFailed.
type AuditService interface {
	Record(ctx context.Context, e *AuditEntry) error
	FindAuditEntries(ctx context.Context, f AuditFilter) ([]*AuditEntry, int, error)
}

// AuditContext is what a surface knows about the request an action came
// with: the surface, the client's address, and for helpline work the driver
// contact being served.
type AuditContext struct {
	Source        AuditSource
	ClientAddr    string
	DriverContact string
}

type auditKey struct{}

// NewContextWithAudit returns a context carrying ac, for Record and the
// audit wrappers to read.
func NewContextWithAudit(ctx context.Context, ac AuditContext) context.Context {
	return context.WithValue(ctx, auditKey{}, ac)
}

// AuditContextFrom returns the AuditContext of ctx, or the zero value.
func AuditContextFrom(ctx context.Context) AuditContext {
	ac, _ := ctx.Value(auditKey{}).(AuditContext)
	return ac
}

// RolesSummary describes an actor's rights in one short line for the audit
// log: "system", "super-admin", or the sorted grants as role@scope
// ("admin@cpo_x, support@own_y"); "driver" for an actor without grants.
func RolesSummary(a *Actor) string {
	switch {
	case a == nil:
		return ""
	case a.System:
		return "system"
	case a.SuperAdmin:
		return "super-admin"
	}
	var parts []string
	seen := map[string]bool{}
	for _, g := range a.Grants {
		scope := g.CPOID
		switch {
		case g.OwnerID != "":
			scope = g.OwnerID
		case g.HostID != "":
			scope = g.HostID
		case g.JobID != "":
			scope = g.JobID
		case g.InstallerID != "":
			scope = g.InstallerID
		}
		p := string(g.Role) + "@" + scope
		if !seen[p] {
			seen[p] = true
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return "driver"
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// HomeRef returns where an actor's own actions are filed when the resource
// they touched has no place in the hierarchy (or could not be read): the
// scope of its first operator grant, or the zero Ref.
func HomeRef(a *Actor) Ref {
	if a == nil {
		return Ref{}
	}
	for _, g := range a.Grants {
		if g.Role == RoleDriver {
			continue
		}
		switch {
		case g.CPOID != "":
			return Ref{CPOID: g.CPOID}
		case g.OwnerID != "":
			return Ref{OwnerID: g.OwnerID}
		case g.HostID != "" && len(g.ChargerGroupIDs) > 0:
			return Ref{ChargerGroupID: g.ChargerGroupIDs[0]}
		}
	}
	return Ref{}
}
