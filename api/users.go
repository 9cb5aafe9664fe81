package api

import (
	"context"

	"github.com/volt-ev/volt"
)

// UserCreate is the body of POST /api/v1/users.
type UserCreate struct {
	Email    string `json:"email" minLength:"3" maxLength:"320"`
	Name     string `json:"name" maxLength:"200"`
	Password string `json:"password,omitempty" maxLength:"256" doc:"Optional; without it the user cannot log in until one is set."`
	Phone    string `json:"phone,omitempty" maxLength:"40"`
	CPOID    string `json:"cpoId,omitempty" doc:"The whitelabel a driver signed up with."`
}

// UserPatch is the body of PATCH /api/v1/users/{id}.
type UserPatch struct {
	Email    *string `json:"email,omitempty" minLength:"3" maxLength:"320"`
	Name     *string `json:"name,omitempty" maxLength:"200"`
	Phone    *string `json:"phone,omitempty" maxLength:"40"`
	Disabled *bool   `json:"disabled,omitempty"`
}

// PasswordSet is the body of PUT /api/v1/users/{id}/password.
type PasswordSet struct {
	Password string `json:"password" minLength:"1" maxLength:"256"`
}

type userListInput struct {
	Email       string `query:"email" maxLength:"320"`
	CPOID       string `query:"cpoId"`
	UsergroupID string `query:"usergroupId"`
	Query       string `query:"q" maxLength:"200"`
	PageParams
}

type userCreateInput struct{ Body UserCreate }

type userPatchInput struct {
	IDInput
	Body UserPatch
}

type passwordInput struct {
	IDInput
	Body PasswordSet
}

func (s *server) listUsers(ctx context.Context, in *userListInput) (*ListOutput[*volt.User], error) {
	f := volt.UserFilter{Email: in.Email, CPOID: in.CPOID, UsergroupID: in.UsergroupID, Query: in.Query, Page: in.page()}
	items, total, err := s.Users.FindUsers(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) getUser(ctx context.Context, in *IDInput) (*Out[*volt.User], error) {
	u, err := s.Users.FindUserByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(u), nil
}

func (s *server) createUser(ctx context.Context, in *userCreateInput) (*Out[*volt.User], error) {
	b := in.Body
	u := &volt.User{Email: b.Email, Name: b.Name, Phone: b.Phone, CPOID: b.CPOID}
	if err := s.Users.CreateUser(ctx, u, b.Password); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(u), nil
}

func (s *server) patchUser(ctx context.Context, in *userPatchInput) (*Out[*volt.User], error) {
	u, err := s.Users.FindUserByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	b := in.Body
	set(&u.Email, b.Email)
	set(&u.Name, b.Name)
	set(&u.Phone, b.Phone)
	set(&u.Disabled, b.Disabled)
	if err := s.Users.UpdateUser(ctx, u); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(u), nil
}

func (s *server) setPassword(ctx context.Context, in *passwordInput) (*struct{}, error) {
	if err := s.Users.SetPassword(ctx, in.ID, in.Body.Password); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}

func (s *server) deleteUser(ctx context.Context, in *IDInput) (*struct{}, error) {
	if err := s.Users.DeleteUser(ctx, in.ID); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}

// UsergroupsBody lists a user's usergroups.
type UsergroupsBody struct {
	Items []*volt.Usergroup `json:"items"`
}

func (s *server) userUsergroups(ctx context.Context, in *IDInput) (*Out[UsergroupsBody], error) {
	if _, err := s.Users.FindUserByID(ctx, in.ID); err != nil {
		return nil, s.err(ctx, err)
	}
	gs, err := s.Users.UsergroupsOfUser(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	if gs == nil {
		gs = []*volt.Usergroup{}
	}
	return out(UsergroupsBody{Items: gs}), nil
}
