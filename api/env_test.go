package api

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// forEachEnv runs fn with a fresh two-tenant environment per database
// engine (SQLite; PostgreSQL when VOLT_TEST_POSTGRES_URL is set).
func forEachEnv(t *testing.T, fn func(t *testing.T, e *env)) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		fn(t, newEnv(t, db))
	})
}

// newEnv builds tenants A and B on db, logs every role in and serves the API
// over the real services with a fake charger connection.
func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	cmd := &fakeCommander{}
	cfg := Config{
		Hierarchy:       store.NewHierarchyService(db),
		Chargers:        store.NewChargerService(db),
		Users:           store.NewUserService(db),
		Charging:        store.NewChargingService(db),
		Commander:       cmd,
		Commands:        func(n string) (string, bool) { v, ok := testCommands[n]; return v, ok },
		ValidateCommand: func(string, json.RawMessage) error { return nil },
		Logger:          quietLogger(),
	}
	auth := newStoreAuth(cfg)
	cfg.Auth = auth
	e := &env{t: t, db: db, cfg: cfg, cmd: cmd, tokens: map[string]string{}}
	e.A = buildTenant(t, cfg, "A")
	e.B = buildTenant(t, cfg, "B")
	super := &volt.User{Email: "root@volt.example", Name: "Root", SuperAdmin: true}
	must(t, cfg.Users.CreateUser(sys(), super, testPassword))
	e.tokens["super"] = auth.login(t, super.ID)
	for _, x := range []*tenant{e.A, e.B} {
		for role, id := range x.Users {
			e.tokens[x.Name+"/"+role] = auth.login(t, id)
		}
	}
	e.h = New(cfg)
	return e
}

// storeAuth resolves tokens to actors from the store's usergroups, as the
// AuthService does.
// TODO(api): use the store's AuthService (Login) once it lands.
type storeAuth struct {
	volt.AuthService
	cfg    Config
	tokens map[string]string // token -> user id
}

func newStoreAuth(cfg Config) *storeAuth { return &storeAuth{cfg: cfg, tokens: map[string]string{}} }

func (a *storeAuth) login(t *testing.T, userID string) string {
	tok := volt.NewID(volt.PrefixToken)
	a.tokens[tok] = userID
	return tok
}

func (a *storeAuth) Authenticate(_ context.Context, token string) (*volt.Actor, error) {
	id, ok := a.tokens[token]
	if !ok {
		return nil, volt.Errorf(volt.EUNAUTHORIZED, "Invalid token.")
	}
	ctx := sys()
	u, err := a.cfg.Users.FindUserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	act := &volt.Actor{UserID: u.ID, Email: u.Email, SuperAdmin: u.SuperAdmin}
	gs, err := a.cfg.Users.UsergroupsOfUser(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		gr := g.Grant()
		if gr.HostID != "" {
			h, err := a.cfg.Hierarchy.FindHostByID(ctx, gr.HostID)
			if err != nil {
				return nil, err
			}
			gr.ChargerGroupIDs = h.ChargerGroupIDs
		}
		act.Grants = append(act.Grants, gr)
	}
	return act, nil
}
