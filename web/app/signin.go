package app

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	volt "github.com/volt-ev/volt"
)

// deviceCookie keeps the known-device token of the last sign-in in this
// browser (volt.SignInResult.DeviceToken), with the Admin Portal's name
// and path so one browser is one device: failed attempts from elsewhere
// then never slow this browser's sign-in down.
const (
	deviceCookie = "volt_device"
	deviceTTL    = 180 * 24 * time.Hour
)

func deviceToken(r *http.Request) string {
	if c, err := r.Cookie(deviceCookie); err == nil && len(c.Value) <= 200 {
		return c.Value
	}
	return ""
}

func setDeviceToken(w http.ResponseWriter, r *http.Request, token string) {
	if token == "" {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: deviceCookie, Value: token, Path: "/", MaxAge: int(deviceTTL.Seconds()),
		HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteLaxMode})
}

// signIn signs the driver in with this browser's device token and keeps the
// device token it gets back.
func (a *App) signIn(w http.ResponseWriter, r *http.Request, email, password string) (*volt.SignInResult, error) {
	res, err := a.cfg.Auth.SignIn(r.Context(), volt.SignInRequest{Email: email, Password: password,
		ClientAddr: a.clientAddr(r), DeviceToken: deviceToken(r)})
	if err != nil {
		if d, ok := volt.RetryAfterOf(err); ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(d.Seconds())))
		}
		return nil, err
	}
	setDeviceToken(w, r, res.DeviceToken)
	return res, nil
}

// clientAddr is the address sign-ins are throttled by: Config.ClientAddr
// (a trusted proxy's forwarded address), else the peer's.
func (a *App) clientAddr(r *http.Request) string {
	if a.cfg.ClientAddr != nil {
		return a.cfg.ClientAddr(r)
	}
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// waitWords says how long a throttled driver should wait.
func waitWords(err error) string {
	d, ok := volt.RetryAfterOf(err)
	if !ok {
		return "Wait a few minutes and try again."
	}
	n, unit := int(d.Seconds()), "second"
	if d >= 2*time.Minute {
		n, unit = int((d+time.Minute-1)/time.Minute), "minute"
	}
	if n != 1 {
		unit += "s"
	}
	return "Wait " + strconv.Itoa(n) + " " + unit + " and try again."
}
