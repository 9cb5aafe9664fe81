package api

import (
	"context"

	"github.com/volt-ev/volt"
)

// UsergroupCreate is the body of POST /api/v1/usergroups.
type UsergroupCreate struct {
	Name    string    `json:"name" minLength:"1" maxLength:"200"`
	Role    volt.Role `json:"role" enum:"admin,staff,engineer,support,host,driver"`
	CPOID   string    `json:"cpoId" minLength:"1"`
	OwnerID string    `json:"ownerId,omitempty" doc:"Scope the group to this owner."`
	HostID  string    `json:"hostId,omitempty" doc:"Scope the group to this host (role host)."`
	Private bool      `json:"private,omitempty" doc:"A private driver group, joined by affiliate code."`
}

// UsergroupPatch is the body of PATCH /api/v1/usergroups/{id}.
type UsergroupPatch struct {
	Name    *string `json:"name,omitempty" minLength:"1" maxLength:"200"`
	Private *bool   `json:"private,omitempty"`
}

type usergroupListInput struct {
	HierarchyListParams
	HostID string `query:"hostId"`
}

type usergroupCreateInput struct{ Body UsergroupCreate }

type usergroupPatchInput struct {
	IDInput
	Body UsergroupPatch
}

type memberInput struct {
	IDInput
	UserID string `path:"userId" maxLength:"64"`
}

type membersListInput struct {
	IDInput
	PageParams
}

func (s *server) listUsergroups(ctx context.Context, in *usergroupListInput) (*ListOutput[*volt.Usergroup], error) {
	f := in.filter()
	f.HostID = in.HostID
	items, total, err := s.Users.FindUsergroups(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) getUsergroup(ctx context.Context, in *IDInput) (*Out[*volt.Usergroup], error) {
	g, err := s.Users.FindUsergroupByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(g), nil
}

func (s *server) createUsergroup(ctx context.Context, in *usergroupCreateInput) (*Out[*volt.Usergroup], error) {
	b := in.Body
	g := &volt.Usergroup{Name: b.Name, Role: b.Role, CPOID: b.CPOID, OwnerID: b.OwnerID, HostID: b.HostID, Private: b.Private}
	if err := s.Users.CreateUsergroup(ctx, g); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(g), nil
}

func (s *server) patchUsergroup(ctx context.Context, in *usergroupPatchInput) (*Out[*volt.Usergroup], error) {
	g, err := s.Users.FindUsergroupByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	set(&g.Name, in.Body.Name)
	set(&g.Private, in.Body.Private)
	if err := s.Users.UpdateUsergroup(ctx, g); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(g), nil
}

func (s *server) deleteUsergroup(ctx context.Context, in *IDInput) (*struct{}, error) {
	if err := s.Users.DeleteUsergroup(ctx, in.ID); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}

func (s *server) listMembers(ctx context.Context, in *membersListInput) (*ListOutput[*volt.User], error) {
	if _, err := s.Users.FindUsergroupByID(ctx, in.ID); err != nil {
		return nil, s.err(ctx, err)
	}
	f := volt.UserFilter{UsergroupID: in.ID, Page: in.page()}
	items, total, err := s.Users.FindUsers(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) addMember(ctx context.Context, in *memberInput) (*struct{}, error) {
	if err := s.Users.AddMember(ctx, in.ID, in.UserID); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}

func (s *server) removeMember(ctx context.Context, in *memberInput) (*struct{}, error) {
	if err := s.Users.RemoveMember(ctx, in.ID, in.UserID); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}
