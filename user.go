package volt

import (
	"context"
	"net/mail"
	"strings"
	"time"
)

// PublicUsergroupID is the pseudo usergroup every user is in. Tariffs assigned
// to it apply to anyone allowed to charge on a public charger group.
const PublicUsergroupID = "public"

// User is a person: operator staff, engineer, driver. Permissions come only
// from usergroups. A guest user checks out without an account (Guest true,
// no password).
type User struct {
	ID         string `json:"id"`
	Email      string `json:"email"`
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	CPOID      string `json:"cpoId,omitempty"` // the whitelabel a driver signed up with
	SuperAdmin bool   `json:"superAdmin"`
	Guest      bool   `json:"guest"`
	Disabled   bool   `json:"disabled"`
	// External is set on a user seen by another tenant than its home one
	// (a member of that tenant's usergroups): only the membership shows,
	// none of the person's details (see MayManageAccount).
	External  bool      `json:"external,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`

	PasswordHash string `json:"-"`
}

// Validate checks the user's own fields.
func (u *User) Validate() error {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	if u.Email == "" {
		return FieldError("email", "Email required.")
	}
	if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email {
		return FieldError("email", "Email %q is not a valid address.", u.Email)
	}
	if strings.TrimSpace(u.Name) == "" && !u.Guest {
		return FieldError("name", "Name required.")
	}
	return nil
}

// ValidatePassword checks a new password against the platform's policy.
func ValidatePassword(pw string) error {
	if len(pw) < 10 {
		return FieldError("password", "Password must be at least 10 characters.")
	}
	if len(pw) > 256 {
		return FieldError("password", "Password must be at most 256 characters.")
	}
	return nil
}

// Usergroup is a group of users with one role over one scope (a CPO, an owner
// or a host). Driver usergroups may be private: joined by affiliate code, they
// give access to private charger groups and private tariffs.
type Usergroup struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	CPOID     string    `json:"cpoId"`
	OwnerID   string    `json:"ownerId,omitempty"`
	HostID    string    `json:"hostId,omitempty"`
	Private   bool      `json:"private"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Validate checks the usergroup's own fields.
func (g *Usergroup) Validate() error {
	if strings.TrimSpace(g.Name) == "" {
		return FieldError("name", "Usergroup name required.")
	}
	if !g.Role.Valid() {
		return FieldError("role", "Unknown role %q.", g.Role)
	}
	if g.CPOID == "" {
		return FieldError("cpoId", "Usergroup requires a CPO.")
	}
	if g.Role == RoleFleetManager && g.OwnerID == "" {
		return FieldError("ownerId", "A fleet is an owner's usergroup.")
	}
	if g.Role == RoleHost && g.HostID == "" {
		return FieldError("hostId", "A host usergroup requires a host.")
	}
	return nil
}

// Grant returns the authorisation grant of the usergroup (host charger groups
// are filled in by the store).
func (g *Usergroup) Grant() Grant {
	switch {
	case g.Role == RoleFleetManager:
		return Grant{Role: g.Role, OwnerID: g.OwnerID, FleetID: g.ID}
	case g.HostID != "":
		return Grant{Role: g.Role, HostID: g.HostID}
	case g.OwnerID != "":
		return Grant{Role: g.Role, OwnerID: g.OwnerID}
	}
	return Grant{Role: g.Role, CPOID: g.CPOID}
}

// RFIDCard is an identification card attached to a user. UID is stored as the
// OCPP idTag the charger sends (any string up to 20 characters), compared
// case-insensitively.
type RFIDCard struct {
	ID        string     `json:"id"`
	UID       string     `json:"uid"`
	UserID    string     `json:"userId"`
	CPOID     string     `json:"cpoId"`
	Label     string     `json:"label"`
	Blocked   bool       `json:"blocked"`
	ExpiresAt *time.Time `json:"expiresAt"`
	CreatedAt time.Time  `json:"createdAt"`
	UpdatedAt time.Time  `json:"updatedAt"`

	// GroupID is the card's group, sent to chargers as the OCPP parentIdTag:
	// cards of one group may stop each other's sessions. "" means the
	// card's user (CardGroupTag).
	GroupID string `json:"groupId"`
}

// Validate checks the card's own fields.
func (c *RFIDCard) Validate() error {
	c.UID = strings.TrimSpace(c.UID)
	if c.UID == "" || len(c.UID) > 20 {
		return FieldError("uid", "Card UID must be 1 to 20 characters.")
	}
	if c.UserID == "" {
		return FieldError("userId", "Card requires a user.")
	}
	c.GroupID = strings.TrimSpace(c.GroupID)
	if len(c.GroupID) > 20 {
		return FieldError("groupId", "A card group id is at most 20 characters (OCPP parentIdTag, CiString20).")
	}
	for _, r := range c.GroupID {
		if r < 0x21 || r > 0x7e {
			return FieldError("groupId", "A card group id holds printable ASCII characters without spaces.")
		}
	}
	return nil
}

// AffiliateCode puts the driver who enters it into a private usergroup.
type AffiliateCode struct {
	ID          string     `json:"id"`
	Code        string     `json:"code"`
	UsergroupID string     `json:"usergroupId"`
	CPOID       string     `json:"cpoId"`
	MaxUses     int        `json:"maxUses"` // 0: unlimited
	Uses        int        `json:"uses"`
	ExpiresAt   *time.Time `json:"expiresAt"`
	CreatedAt   time.Time  `json:"createdAt"`
}

// Validate checks the code's own fields.
func (a *AffiliateCode) Validate() error {
	a.Code = strings.ToUpper(strings.TrimSpace(a.Code))
	if len(a.Code) < 4 || len(a.Code) > 32 {
		return FieldError("code", "Affiliate code must be 4 to 32 characters.")
	}
	if a.UsergroupID == "" {
		return FieldError("usergroupId", "Affiliate code requires a usergroup.")
	}
	if a.MaxUses < 0 {
		return FieldError("maxUses", "maxUses must not be negative.")
	}
	return nil
}

// UserFilter narrows a list of users.
type UserFilter struct {
	ID          string
	Email       string
	CPOID       string
	UsergroupID string
	Query       string
	Page
}

// UserService manages users, usergroups, memberships, RFID cards and affiliate
// codes.
type UserService interface {
	FindUserByID(ctx context.Context, id string) (*User, error)
	FindUsers(ctx context.Context, f UserFilter) ([]*User, int, error)
	// CreateUser hashes password (if any) with argon2id.
	CreateUser(ctx context.Context, u *User, password string) error
	UpdateUser(ctx context.Context, u *User) error
	SetPassword(ctx context.Context, userID, password string) error
	DeleteUser(ctx context.Context, id string) error

	FindUsergroupByID(ctx context.Context, id string) (*Usergroup, error)
	FindUsergroups(ctx context.Context, f Filter) ([]*Usergroup, int, error)
	CreateUsergroup(ctx context.Context, g *Usergroup) error
	UpdateUsergroup(ctx context.Context, g *Usergroup) error
	DeleteUsergroup(ctx context.Context, id string) error
	AddMember(ctx context.Context, usergroupID, userID string) error
	RemoveMember(ctx context.Context, usergroupID, userID string) error
	// UsergroupsOfUser lists the user's usergroups (without Public).
	UsergroupsOfUser(ctx context.Context, userID string) ([]*Usergroup, error)

	FindRFIDCardByID(ctx context.Context, id string) (*RFIDCard, error)
	FindRFIDCards(ctx context.Context, f UserFilter) ([]*RFIDCard, int, error)
	CreateRFIDCard(ctx context.Context, c *RFIDCard) error
	UpdateRFIDCard(ctx context.Context, c *RFIDCard) error // label, blocked, expiry
	DeleteRFIDCard(ctx context.Context, id string) error

	FindAffiliateCodes(ctx context.Context, f Filter) ([]*AffiliateCode, int, error)
	CreateAffiliateCode(ctx context.Context, a *AffiliateCode) error
	DeleteAffiliateCode(ctx context.Context, id string) error
	// RedeemAffiliateCode adds the actor's user to the code's usergroup.
	RedeemAffiliateCode(ctx context.Context, code string) (*Usergroup, error)
}

// AuthService authenticates people and resolves their grants.
type AuthService interface {
	// Login checks email and password and issues a bearer token that expires.
	// Attempts are throttled per account and per client address (SignIn).
	Login(ctx context.Context, email, password, clientAddr string) (token string, expires time.Time, err error)
	// Authenticate resolves a bearer token to its actor, or EUNAUTHORIZED.
	Authenticate(ctx context.Context, token string) (*Actor, error)
	// Revoke ends a token now.
	Revoke(ctx context.Context, token string) error
	// SignIn is Login with a known-device token; Login is SignIn without.
	SignInService
}

// MayManageAccount is the rule for changing a user's account (credentials,
// e-mail, personal data, flags, cards, deletion): a user belongs to the CPO
// they signed up with (User.CPOID), its home tenant. Joining another
// tenant's usergroup (an affiliate code) grants access to that tenant's
// chargers and prices, never control of the account. So, besides the user
// themself (decided by the callers) and super admins, only an admin of the
// home CPO may change it; an owner admin of the home CPO only when every
// usergroup of the user is one it manages. A user without a home CPO is a
// platform account: super admins only. And an account that holds rights
// (a non-driver role) somewhere the actor does not manage is refused, so
// nobody takes over an account with rights elsewhere. groups are all the
// usergroups of u. The answer is nil or an EFORBIDDEN error.
func MayManageAccount(a *Actor, u *User, groups []*Usergroup) error {
	switch {
	case a == nil:
		return Errorf(EUNAUTHORIZED, "Authentication required.")
	case a.SuperAdmin:
		return nil
	case u.SuperAdmin:
		return Errorf(EFORBIDDEN, "Only super admins may change a super admin.")
	case u.CPOID == "":
		return Errorf(EFORBIDDEN, "This is a platform account: only super admins may change it.")
	}
	home := a.Can(PermWrite, Ref{CPOID: u.CPOID})
	if !home && len(groups) > 0 {
		home = true
		for _, g := range groups {
			if g.CPOID != u.CPOID || !a.Can(PermWrite, Ref{CPOID: g.CPOID, OwnerID: g.OwnerID}) {
				home = false
				break
			}
		}
	}
	if !home {
		return Errorf(EFORBIDDEN, "This account belongs to another network: only its membership of your usergroups can be changed here.")
	}
	for _, g := range groups {
		if g.Role != RoleDriver && !a.Can(PermWrite, Ref{CPOID: g.CPOID, OwnerID: g.OwnerID}) {
			return Errorf(EFORBIDDEN, "This user has rights outside what you manage.")
		}
	}
	return nil
}

// Redacted returns the user as another tenant sees it: a member of its
// usergroups whose account belongs elsewhere. Only the id shows (the
// membership), with External set; no name, e-mail, phone or home CPO.
func (u *User) Redacted() *User {
	return &User{ID: u.ID, External: true}
}
