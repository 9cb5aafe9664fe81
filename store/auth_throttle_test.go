package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store"
	"github.com/volt-ev/volt/store/storetest"
)

// clock is a test clock the database reads.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func signIn(auth *store.AuthService, email, pw, addr, device string) (*volt.SignInResult, error) {
	return auth.SignIn(context.Background(), volt.SignInRequest{Email: email, Password: pw, ClientAddr: addr, DeviceToken: device})
}

// TestSignInThrottle: failures slow an account and an address down with
// exponential back-off rather than locking them; the account's owner on a
// device that signed in before is never held back by guesses from
// elsewhere; a second auth service on the same database (another node)
// sees the same counts.
func TestSignInThrottle(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
		db.Now = clk.Now
		us, auth, node2 := store.NewUserService(db), store.NewAuthService(db), store.NewAuthService(db)
		must(t, us.CreateUser(sysCtx(), &volt.User{Email: "v@example.com", Name: "V"}, "victim password"))
		must(t, us.CreateUser(sysCtx(), &volt.User{Email: "w@example.com", Name: "W"}, "other password"))

		// The owner signs in once on their phone: it becomes a known device.
		first, err := signIn(auth, "v@example.com", "victim password", "198.51.100.1", "")
		must(t, err)
		if first.DeviceToken == "" {
			t.Fatal("no device token issued")
		}

		// An attacker guesses from many addresses, on either node.
		for i := range store.LoginMaxFailures + 1 {
			a := []*store.AuthService{auth, node2}[i%2]
			_, err := signIn(a, "v@example.com", fmt.Sprintf("guess %d", i), fmt.Sprintf("10.0.0.%d", i), "")
			wantCode(t, "wrong password", err, volt.EUNAUTHORIZED)
		}
		// An unknown device must now wait, told how long.
		_, err = signIn(node2, "v@example.com", "victim password", "10.9.9.9", "")
		wantCode(t, "right password from an unknown device after 6 failures", err, volt.ERATELIMITED)
		if d, ok := volt.RetryAfterOf(err); !ok || d != time.Second {
			t.Errorf("retry after %s %v, want 1s", d, ok)
		}
		// The owner's known device signs in at once, from anywhere.
		again, err := signIn(auth, "v@example.com", "victim password", "203.0.113.50", first.DeviceToken)
		must(t, err)
		if again.DeviceToken != first.DeviceToken {
			t.Errorf("known device got a new token")
		}
		// Each further failure doubles the wait; it never exceeds 15 minutes
		// and passes: no lockout.
		for i := range 20 {
			clk.Add(16 * time.Minute)
			_, err := signIn(auth, "v@example.com", fmt.Sprintf("more %d", i), fmt.Sprintf("10.1.0.%d", i), "")
			wantCode(t, "guess after the wait", err, volt.EUNAUTHORIZED)
		}
		_, err = signIn(auth, "v@example.com", "victim password", "10.9.9.9", "")
		if d, _ := volt.RetryAfterOf(err); d != 15*time.Minute {
			t.Errorf("wait after 26 failures %s, want the 15 minute cap", d)
		}
		_, err = signIn(auth, "v@example.com", "victim password", "10.9.9.9", first.DeviceToken)
		must(t, err)
		clk.Add(15 * time.Minute)
		_, err = signIn(auth, "v@example.com", "victim password", "10.9.9.9", "")
		must(t, err) // a new device, once the wait has passed
		_, err = signIn(auth, "w@example.com", "other password", "10.0.0.1", "")
		must(t, err) // other accounts were never slowed

		// Per address: many failures over many e-mails slow that address
		// (an IPv6 /64 counts as one), not the accounts behind it on known
		// devices, nor other addresses.
		w, err := signIn(auth, "w@example.com", "other password", "2001:db8::1", "")
		must(t, err)
		for i := range volt.AddressThrottle.Free + 1 {
			_, err := signIn(auth, fmt.Sprintf("nobody%d@example.com", i), "x", fmt.Sprintf("2001:db8::%x", i+2), "")
			wantCode(t, "unknown email", err, volt.EUNAUTHORIZED)
		}
		_, err = signIn(auth, "v@example.com", "victim password", "2001:db8::ffff", "")
		wantCode(t, "right password from a slowed /64", err, volt.ERATELIMITED)
		_, err = signIn(auth, "w@example.com", "other password", "2001:db8::1", w.DeviceToken)
		must(t, err)
		_, err = signIn(auth, "v@example.com", "victim password", "2001:db8:1::1", "")
		must(t, err)

		// A device token is the user's own: another account's does not help.
		_, err = signIn(auth, "v@example.com", "victim password", "2001:db8::ffff", w.DeviceToken)
		wantCode(t, "someone else's device token", err, volt.ERATELIMITED)
	})
}

// TestPasswordResetThrottle: reset e-mails are throttled per address and
// per client, and allowed again after the wait.
func TestPasswordResetThrottle(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
		db.Now = clk.Now
		auth := store.NewAuthService(db)
		ctx := context.Background()
		for i := range volt.ResetThrottle.Free + 1 {
			must(t, auth.AllowPasswordReset(ctx, "v@example.com", fmt.Sprintf("10.0.0.%d", i)))
		}
		err := auth.AllowPasswordReset(ctx, "V@example.com ", "10.0.1.1")
		wantCode(t, "fifth reset for one address", err, volt.ERATELIMITED)
		must(t, auth.AllowPasswordReset(ctx, "w@example.com", "10.0.1.1"))
		clk.Add(time.Minute)
		must(t, auth.AllowPasswordReset(ctx, "v@example.com", "10.0.2.1"))
	})
}

// TestKnownDevicesBounded: an account keeps its most recently used devices
// only, however often a client signs in without its token.
func TestKnownDevicesBounded(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, db *store.DB) {
		clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
		db.Now = clk.Now
		us, auth := store.NewUserService(db), store.NewAuthService(db)
		must(t, us.CreateUser(sysCtx(), &volt.User{Email: "s@example.com", Name: "S"}, "script password"))
		first, err := signIn(auth, "s@example.com", "script password", "10.0.0.1", "")
		must(t, err)
		for range 30 {
			clk.Add(time.Second)
			_, err := signIn(auth, "s@example.com", "script password", "10.0.0.1", "")
			must(t, err)
		}
		var n int
		must(t, db.QueryRow(context.Background(), `SELECT count(*) FROM known_devices`).Scan(&n))
		if n != 20 {
			t.Errorf("%d known devices kept, want 20", n)
		}
		clk.Add(time.Second)
		again, err := signIn(auth, "s@example.com", "script password", "10.0.0.1", first.DeviceToken)
		must(t, err)
		if again.DeviceToken == first.DeviceToken {
			t.Error("the oldest device is still known")
		}
	})
}
