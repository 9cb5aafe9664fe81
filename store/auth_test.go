package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

func TestLoginAuthenticateRevoke(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		f := newCoreFixture(t, db)
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		u := &volt.User{Email: "host@example.com", Name: "Host user", CPOID: f.cpoA.ID}
		must(t, f.us.CreateUser(sysCtx(), u, "host password 123"))
		f.group(t, &volt.Usergroup{Name: "Host A users", Role: volt.RoleHost, CPOID: f.cpoA.ID, HostID: f.hostA.ID}, u)
		f.group(t, &volt.Usergroup{Name: "A staff", Role: volt.RoleStaff, CPOID: f.cpoA.ID}, u)

		token, expires, err := f.auth.Login(context.Background(), "HOST@example.com", "host password 123", "10.0.0.1")
		must(t, err)
		if !expires.Equal(now.Add(24*time.Hour)) || len(token) < 40 {
			t.Errorf("token %q expires %v", token, expires)
		}
		var stored string
		must(t, db.QueryRow(context.Background(), `SELECT token_hash FROM auth_tokens WHERE user_id = ?`, u.ID).Scan(&stored))
		sum := sha256.Sum256([]byte(token))
		if stored != hex.EncodeToString(sum[:]) || stored == token {
			t.Errorf("stored %q is not the SHA-256 of the token", stored)
		}

		a, err := f.auth.Authenticate(context.Background(), token)
		must(t, err)
		if a.UserID != u.ID || a.SuperAdmin || len(a.Grants) != 2 {
			t.Fatalf("actor %+v", a)
		}
		var host, staff *volt.Grant
		for i := range a.Grants {
			switch a.Grants[i].Role {
			case volt.RoleHost:
				host = &a.Grants[i]
			case volt.RoleStaff:
				staff = &a.Grants[i]
			}
		}
		if host == nil || host.HostID != f.hostA.ID || fmt.Sprint(host.ChargerGroupIDs) != fmt.Sprint([]string{f.groupA1.ID}) {
			t.Errorf("host grant %+v", host)
		}
		if staff == nil || staff.CPOID != f.cpoA.ID {
			t.Errorf("staff grant %+v", staff)
		}

		_, err = f.auth.Authenticate(context.Background(), token+"x")
		wantCode(t, "wrong token", err, volt.EUNAUTHORIZED)
		now = now.Add(25 * time.Hour)
		_, err = f.auth.Authenticate(context.Background(), token)
		wantCode(t, "expired token", err, volt.EUNAUTHORIZED)
		now = now.Add(-25 * time.Hour)
		must(t, f.auth.Revoke(context.Background(), token))
		_, err = f.auth.Authenticate(context.Background(), token)
		wantCode(t, "revoked token", err, volt.EUNAUTHORIZED)

		// A disabled user can neither log in nor use an old token.
		token, _, err = f.auth.Login(context.Background(), u.Email, "host password 123", "")
		must(t, err)
		u.Disabled = true
		must(t, f.us.UpdateUser(sysCtx(), u))
		_, err = f.auth.Authenticate(context.Background(), token)
		wantCode(t, "token of disabled user", err, volt.EUNAUTHORIZED)
		_, _, err = f.auth.Login(context.Background(), u.Email, "host password 123", "")
		wantCode(t, "disabled login", err, volt.EUNAUTHORIZED)
	})
}

func TestBootstrapSuperAdmin(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, err := store.BootstrapSuperAdmin(ctx, db, "admin@example.com", "short")
		wantField(t, "short password", err, volt.EINVALID, "password")
		created, err := store.BootstrapSuperAdmin(ctx, db, "admin@example.com", "first admin password")
		must(t, err)
		if !created {
			t.Fatal("first bootstrap did not create the admin")
		}
		created, err = store.BootstrapSuperAdmin(ctx, db, "other@example.com", "second admin password")
		must(t, err)
		if created {
			t.Fatal("second bootstrap created another admin")
		}
		auth := store.NewAuthService(db)
		token, _, err := auth.Login(ctx, "admin@example.com", "first admin password", "")
		must(t, err)
		a, err := auth.Authenticate(ctx, token)
		must(t, err)
		if !a.SuperAdmin {
			t.Fatalf("bootstrapped actor %+v is not super admin", a)
		}
	})
}
