package volt

import (
	"bytes"
	"context"
	"strings"
	"time"
)

// Installer is an electrical contractor that installs and commissions
// chargers for a CPO's owners (issue 16 item 3): a company with its OZEV
// authorised installer number, the regions it covers, and its engineers
// (users who act with the engineer role on the jobs they are given).
type Installer struct {
	ID          string    `json:"id"`
	CPOID       string    `json:"cpoId"`
	Name        string    `json:"name"`
	Address     Address   `json:"address"`
	OZEVNumber  string    `json:"ozevNumber"`
	Regions     []string  `json:"regions"`
	Email       string    `json:"email"`
	Phone       string    `json:"phone"`
	EngineerIDs []string  `json:"engineerIds"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// Validate checks the installer's own fields.
func (i *Installer) Validate() error {
	if i.CPOID == "" {
		return FieldError("cpoId", "An installer belongs to a CPO.")
	}
	if strings.TrimSpace(i.Name) == "" {
		return FieldError("name", "Installer name required.")
	}
	i.OZEVNumber = strings.TrimSpace(i.OZEVNumber)
	if len(i.OZEVNumber) > 32 {
		return FieldError("ozevNumber", "An OZEV number is at most 32 characters.")
	}
	if i.Regions == nil {
		i.Regions = []string{}
	}
	if len(i.Regions) > 50 {
		return FieldError("regions", "At most 50 regions.")
	}
	return nil
}

// JobStatus is where an install job stands. It moves forward one step at a
// time: requested → scheduled → in progress → commissioned → signed off.
type JobStatus string

// Install job statuses in their order.
const (
	JobRequested    JobStatus = "requested"
	JobScheduled    JobStatus = "scheduled"
	JobInProgress   JobStatus = "inProgress"
	JobCommissioned JobStatus = "commissioned"
	JobSignedOff    JobStatus = "signedOff"
)

// JobStatuses lists the statuses in order.
var JobStatuses = []JobStatus{JobRequested, JobScheduled, JobInProgress, JobCommissioned, JobSignedOff}

func (s JobStatus) index() int {
	for i, x := range JobStatuses {
		if x == s {
			return i
		}
	}
	return -1
}

// Valid reports whether s is a known status.
func (s JobStatus) Valid() bool { return s.index() >= 0 }

// CheckTransition says whether a job may go from s to next: only the next
// step; commissioned only through commissioning (which onboards the
// chargers), never by setting the status.
func (s JobStatus) CheckTransition(next JobStatus) error {
	if !next.Valid() {
		return FieldError("status", "Unknown status %q.", next)
	}
	if next.index() != s.index()+1 {
		return &Error{Code: EUNPROCESSABLE, Field: "status",
			Message: "An install job moves one step at a time: " + string(s) + " cannot become " + string(next) + "."}
	}
	if next == JobCommissioned {
		return &Error{Code: EUNPROCESSABLE, Field: "status", Message: "A job is commissioned by commissioning its chargers."}
	}
	return nil
}

// PlannedCharger is one charger an install job is to install.
type PlannedCharger struct {
	Vendor     string `json:"vendor"`
	Model      string `json:"model"`
	Connectors int    `json:"connectors"`
	MaxPowerW  int    `json:"maxPowerW"`
	// OCPPIdentity is the identity the charger will connect with (its
	// serial, say); "" takes the CPID allocated at commissioning.
	OCPPIdentity string `json:"ocppIdentity,omitempty"`
	// CPID is set once commissioning onboarded the charger.
	CPID string `json:"cpid,omitempty"`
	// FirstBootAt is the charger's first BootNotification after
	// commissioning.
	FirstBootAt *time.Time `json:"firstBootAt,omitempty"`
}

// ChecklistItem is one line of a job's checklist.
type ChecklistItem struct {
	Label string `json:"label"`
	Done  bool   `json:"done"`
}

// DefaultChecklist is the checklist a job starts with.
func DefaultChecklist() []ChecklistItem {
	return []ChecklistItem{{Label: "Site survey done"}, {Label: "Supply and earthing checked"},
		{Label: "Chargers mounted and wired"}, {Label: "Chargers online and tested"}, {Label: "Customer handover"}}
}

// JobNote is a note on a job.
type JobNote struct {
	ID       string    `json:"id"`
	AuthorID string    `json:"authorId"`
	Body     string    `json:"body"`
	At       time.Time `json:"at"`
}

// JobPhoto is a photo of a job; its bytes are served by their own route.
type JobPhoto struct {
	ID          string    `json:"id"`
	ContentType string    `json:"contentType"`
	Size        int       `json:"size"`
	Caption     string    `json:"caption"`
	AuthorID    string    `json:"authorId"`
	At          time.Time `json:"at"`
}

// MaxPhotoBytes is the largest photo an install job accepts.
const MaxPhotoBytes = 5 << 20

// SniffPhoto returns the type of an uploaded photo from its first bytes,
// whatever the uploader claimed: JPEG, PNG or WebP. Anything else, or a
// photo over MaxPhotoBytes or empty, is EINVALID on field photo.
func SniffPhoto(b []byte) (string, error) {
	switch {
	case len(b) == 0:
		return "", FieldError("photo", "The photo is empty.")
	case len(b) > MaxPhotoBytes:
		return "", FieldError("photo", "A photo is at most %d MiB.", MaxPhotoBytes>>20)
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg", nil
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", nil
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "image/webp", nil
	}
	return "", FieldError("photo", "A photo must be a JPEG, PNG or WebP image.")
}

// InstallJob is an installer's job for an owner: the chargers to install at
// a site (into a charger group), when, the engineers on it, its status,
// checklist, notes and photos. During the job (StartsAt ≤ now < EndsAt,
// not signed off) its engineers may read and command its chargers and
// charge on them free; outside it, nothing.
type InstallJob struct {
	ID             string           `json:"id"`
	CPOID          string           `json:"cpoId"`
	OwnerID        string           `json:"ownerId"`
	SiteID         string           `json:"siteId"`
	ChargerGroupID string           `json:"chargerGroupId"`
	InstallerID    string           `json:"installerId"`
	EngineerIDs    []string         `json:"engineerIds"`
	Chargers       []PlannedCharger `json:"chargers"`
	StartsAt       time.Time        `json:"startsAt"`
	EndsAt         time.Time        `json:"endsAt"`
	ExternalRef    string           `json:"externalRef"`
	Status         JobStatus        `json:"status"`
	Checklist      []ChecklistItem  `json:"checklist"`
	Notes          []JobNote        `json:"notes"`
	Photos         []JobPhoto       `json:"photos"`
	CreatedAt      time.Time        `json:"createdAt"`
	UpdatedAt      time.Time        `json:"updatedAt"`
}

// Ref returns the job's place in the hierarchy.
func (j *InstallJob) Ref() Ref {
	return Ref{CPOID: j.CPOID, OwnerID: j.OwnerID, ChargerGroupID: j.ChargerGroupID}
}

// Validate checks the job's own fields and sets defaults.
func (j *InstallJob) Validate() error {
	if j.ChargerGroupID == "" {
		return FieldError("chargerGroupId", "An install job installs into a charger group.")
	}
	if j.InstallerID == "" {
		return FieldError("installerId", "An install job needs an installer.")
	}
	if len(j.Chargers) == 0 || len(j.Chargers) > 50 {
		return FieldError("chargers", "An install job plans 1 to 50 chargers.")
	}
	for i := range j.Chargers {
		c := &j.Chargers[i]
		if c.Connectors == 0 {
			c.Connectors = 1
		}
		if c.Connectors < 1 || c.Connectors > 8 {
			return FieldError("chargers", "A planned charger has 1 to 8 connectors.")
		}
		if c.MaxPowerW < 0 || c.MaxPowerW > 1_000_000 {
			return FieldError("chargers", "A planned charger's power is 0 to 1 MW.")
		}
	}
	if j.StartsAt.IsZero() || j.EndsAt.IsZero() {
		return FieldError("startsAt", "An install job has start and end dates.")
	}
	if !j.EndsAt.After(j.StartsAt) {
		return FieldError("endsAt", "An install job ends after it starts.")
	}
	if len(j.ExternalRef) > 100 {
		return FieldError("externalRef", "An external reference is at most 100 characters.")
	}
	if j.Status == "" {
		j.Status = JobRequested
	}
	if j.Checklist == nil {
		j.Checklist = DefaultChecklist()
	}
	if j.EngineerIDs == nil {
		j.EngineerIDs = []string{}
	}
	return nil
}

// Active reports whether the job grants its engineers their rights at now.
func (j *InstallJob) Active(now time.Time) bool {
	return !now.Before(j.StartsAt) && now.Before(j.EndsAt) && j.Status != JobSignedOff
}

// CommissionedCharger is a charger onboarded by commissioning a job, with
// its OCPP password shown this once.
type CommissionedCharger struct {
	ChargerCredentials
	Model string `json:"model"`
}

// InstallJobFilter narrows a list of install jobs.
type InstallJobFilter struct {
	CPOID       string
	InstallerID string
	Status      JobStatus
	Page
}

// InstallJobService keeps installers and install jobs (issue 16 item 3). A
// CPO's or owner's admins manage them; an engineer reads only the jobs it is
// on (and its installer), and changes their status, checklist, notes and
// photos, and commissions them; nothing else.
type InstallJobService interface {
	FindInstallers(ctx context.Context, f Filter) ([]*Installer, int, error)
	FindInstallerByID(ctx context.Context, id string) (*Installer, error)
	CreateInstaller(ctx context.Context, i *Installer) error
	UpdateInstaller(ctx context.Context, i *Installer) error
	DeleteInstaller(ctx context.Context, id string) error
	// AddEngineer makes a user of the installer's CPO one of its engineers.
	AddEngineer(ctx context.Context, installerID, userID string) error
	RemoveEngineer(ctx context.Context, installerID, userID string) error

	FindInstallJobs(ctx context.Context, f InstallJobFilter) ([]*InstallJob, int, error)
	FindInstallJobByID(ctx context.Context, id string) (*InstallJob, error)
	CreateInstallJob(ctx context.Context, j *InstallJob) error
	// UpdateInstallJob changes dates, engineers, planned chargers (before
	// commissioning), external reference and checklist.
	UpdateInstallJob(ctx context.Context, j *InstallJob) error
	DeleteInstallJob(ctx context.Context, id string) error
	SetInstallJobStatus(ctx context.Context, id string, status JobStatus) (*InstallJob, error)
	AddInstallJobNote(ctx context.Context, id, body string) (*JobNote, error)
	// AddInstallJobPhoto sniffs and stores a photo (SniffPhoto); a refused
	// one is stored nowhere.
	AddInstallJobPhoto(ctx context.Context, id, caption string, data []byte) (*JobPhoto, error)
	InstallJobPhoto(ctx context.Context, jobID, photoID string) (*JobPhoto, []byte, error)
	// Commission onboards the planned chargers into the job's charger group
	// (a CPID each, the password shown once) and marks the job commissioned.
	Commission(ctx context.Context, id string) ([]CommissionedCharger, error)
	// RecordFirstBoot notes a charger's first boot against the job that
	// commissioned it (the system's event subscriber); false when none.
	RecordFirstBoot(ctx context.Context, cpid string, at time.Time) (bool, error)
}

// FollowFirstBoots records each charger.booted event of the bus against
// the install job that commissioned the charger (RecordFirstBoot keeps the
// first only), until ctx ends. It subscribes again when the bus drops it
// for falling behind; a boot missed meanwhile stays unrecorded. Errors go
// to onError (nil: ignored). Run it in its own goroutine.
func FollowFirstBoots(ctx context.Context, bus EventBus, jobs InstallJobService, onError func(error)) {
	sys := NewContextWithActor(context.WithoutCancel(ctx), SystemActor)
	events, unsubscribe := bus.Subscribe()
	defer func() { unsubscribe() }()
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-events:
			if !ok {
				events, unsubscribe = bus.Subscribe()
				continue
			}
			if e.Type != EventChargerBooted || e.CPID == "" {
				continue
			}
			at := e.At
			if at.IsZero() {
				at = time.Now()
			}
			if _, err := jobs.RecordFirstBoot(sys, e.CPID, at); err != nil && onError != nil {
				onError(err)
			}
		}
	}
}
