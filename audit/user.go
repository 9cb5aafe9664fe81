package audit

import (
	"context"

	"github.com/volt-ev/volt"
)

// users audits every change of a volt.UserService.
type users struct {
	volt.UserService
	r *Recorder
}

// WrapUsers returns next with every change of users, usergroups,
// memberships, RFID cards and affiliate codes recorded ("user.create",
// "user.set-password", "usergroup.add-member", "rfid-card.update",
// "affiliate-code.redeem", ...). Passwords never reach the log.
func WrapUsers(next volt.UserService, r *Recorder) volt.UserService {
	return &users{UserService: next, r: r}
}

func (u *users) users() tracked[*volt.User] {
	return tracked[*volt.User]{typ: volt.ResourceUser, find: u.FindUserByID,
		place: func(x *volt.User) volt.Ref { return volt.Ref{CPOID: x.CPOID} }}
}

func (u *users) groups() tracked[*volt.Usergroup] {
	return tracked[*volt.Usergroup]{typ: volt.ResourceUsergroup, find: u.FindUsergroupByID,
		place: func(g *volt.Usergroup) volt.Ref { return volt.Ref{CPOID: g.CPOID, OwnerID: g.OwnerID} }}
}

func (u *users) cards() tracked[*volt.RFIDCard] {
	return tracked[*volt.RFIDCard]{typ: volt.ResourceRFIDCard, find: u.FindRFIDCardByID,
		place: func(c *volt.RFIDCard) volt.Ref { return volt.Ref{CPOID: c.CPOID} }}
}

func (u *users) codes() tracked[*volt.AffiliateCode] {
	return tracked[*volt.AffiliateCode]{typ: volt.ResourceAffiliateCode, find: u.findCode,
		place: func(c *volt.AffiliateCode) volt.Ref { return volt.Ref{CPOID: c.CPOID} }}
}

func (u *users) findCode(ctx context.Context, id string) (*volt.AffiliateCode, error) {
	cs, _, err := u.FindAffiliateCodes(ctx, volt.Filter{ID: id})
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.ID == id {
			return c, nil
		}
	}
	return nil, volt.Errorf(volt.ENOTFOUND, "Affiliate code %q not found.", id)
}

// CreateUser creates and records "user.create".
func (u *users) CreateUser(ctx context.Context, x *volt.User, password string) error {
	return run(ctx, u.r, u.users(), mutation{action: "user.create", call: func() (string, error) {
		return idIf(x.ID, u.UserService.CreateUser(ctx, x, password))
	}})
}

// UpdateUser updates and records "user.update".
func (u *users) UpdateUser(ctx context.Context, x *volt.User) error {
	return run(ctx, u.r, u.users(), mutation{action: "user.update", id: x.ID, call: func() (string, error) {
		return idIf(x.ID, u.UserService.UpdateUser(ctx, x))
	}})
}

// SetPassword changes a password and records "user.set-password".
func (u *users) SetPassword(ctx context.Context, userID, password string) error {
	return run(ctx, u.r, u.users(), mutation{action: "user.set-password", id: userID, call: func() (string, error) {
		return idIf(userID, u.UserService.SetPassword(ctx, userID, password))
	}})
}

// DeleteUser deletes and records "user.delete".
func (u *users) DeleteUser(ctx context.Context, id string) error {
	return run(ctx, u.r, u.users(), mutation{action: "user.delete", id: id, deletes: true, call: func() (string, error) {
		return idIf(id, u.UserService.DeleteUser(ctx, id))
	}})
}

// CreateUsergroup creates and records "usergroup.create".
func (u *users) CreateUsergroup(ctx context.Context, g *volt.Usergroup) error {
	return run(ctx, u.r, u.groups(), mutation{action: "usergroup.create", call: func() (string, error) {
		return idIf(g.ID, u.UserService.CreateUsergroup(ctx, g))
	}})
}

// UpdateUsergroup updates and records "usergroup.update".
func (u *users) UpdateUsergroup(ctx context.Context, g *volt.Usergroup) error {
	return run(ctx, u.r, u.groups(), mutation{action: "usergroup.update", id: g.ID, call: func() (string, error) {
		return idIf(g.ID, u.UserService.UpdateUsergroup(ctx, g))
	}})
}

// DeleteUsergroup deletes and records "usergroup.delete".
func (u *users) DeleteUsergroup(ctx context.Context, id string) error {
	return run(ctx, u.r, u.groups(), mutation{action: "usergroup.delete", id: id, deletes: true, call: func() (string, error) {
		return idIf(id, u.UserService.DeleteUsergroup(ctx, id))
	}})
}

// AddMember adds a member and records "usergroup.add-member".
func (u *users) AddMember(ctx context.Context, usergroupID, userID string) error {
	return run(ctx, u.r, u.groups(), mutation{action: "usergroup.add-member", id: usergroupID,
		details: map[string]string{"userId": userID}, call: func() (string, error) {
			return idIf(usergroupID, u.UserService.AddMember(ctx, usergroupID, userID))
		}})
}

// RemoveMember removes a member and records "usergroup.remove-member".
func (u *users) RemoveMember(ctx context.Context, usergroupID, userID string) error {
	return run(ctx, u.r, u.groups(), mutation{action: "usergroup.remove-member", id: usergroupID,
		details: map[string]string{"userId": userID}, call: func() (string, error) {
			return idIf(usergroupID, u.UserService.RemoveMember(ctx, usergroupID, userID))
		}})
}

// CreateRFIDCard creates and records "rfid-card.create".
func (u *users) CreateRFIDCard(ctx context.Context, c *volt.RFIDCard) error {
	return run(ctx, u.r, u.cards(), mutation{action: "rfid-card.create", call: func() (string, error) {
		return idIf(c.ID, u.UserService.CreateRFIDCard(ctx, c))
	}})
}

// UpdateRFIDCard updates and records "rfid-card.update".
func (u *users) UpdateRFIDCard(ctx context.Context, c *volt.RFIDCard) error {
	return run(ctx, u.r, u.cards(), mutation{action: "rfid-card.update", id: c.ID, call: func() (string, error) {
		return idIf(c.ID, u.UserService.UpdateRFIDCard(ctx, c))
	}})
}

// DeleteRFIDCard deletes and records "rfid-card.delete".
func (u *users) DeleteRFIDCard(ctx context.Context, id string) error {
	return run(ctx, u.r, u.cards(), mutation{action: "rfid-card.delete", id: id, deletes: true, call: func() (string, error) {
		return idIf(id, u.UserService.DeleteRFIDCard(ctx, id))
	}})
}

// CreateAffiliateCode creates and records "affiliate-code.create".
func (u *users) CreateAffiliateCode(ctx context.Context, a *volt.AffiliateCode) error {
	return run(ctx, u.r, u.codes(), mutation{action: "affiliate-code.create", call: func() (string, error) {
		return idIf(a.ID, u.UserService.CreateAffiliateCode(ctx, a))
	}})
}

// DeleteAffiliateCode deletes and records "affiliate-code.delete".
func (u *users) DeleteAffiliateCode(ctx context.Context, id string) error {
	return run(ctx, u.r, u.codes(), mutation{action: "affiliate-code.delete", id: id, deletes: true, call: func() (string, error) {
		return idIf(id, u.UserService.DeleteAffiliateCode(ctx, id))
	}})
}

// RedeemAffiliateCode redeems a code and records "affiliate-code.redeem" on
// the usergroup joined (the code itself stays out of the log's snapshots).
func (u *users) RedeemAffiliateCode(ctx context.Context, code string) (*volt.Usergroup, error) {
	var g *volt.Usergroup
	err := run(ctx, u.r, u.groups(), mutation{action: "affiliate-code.redeem", call: func() (string, error) {
		var err error
		g, err = u.UserService.RedeemAffiliateCode(ctx, code)
		if err != nil {
			return "", err
		}
		return g.ID, nil
	}})
	return g, err
}
