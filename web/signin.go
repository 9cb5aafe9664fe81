package web

import (
	"net"
	"net/http"
	"strconv"
	"time"

	volt "github.com/volt-ev/volt"
)

// deviceCookie keeps the known-device token a sign-in returned
// (volt.SignInResult.DeviceToken): signing in again from this browser is
// then not slowed by failed attempts from elsewhere. The driver app uses
// the same name, so one browser is one device.
const deviceCookie = "volt_device"

// deviceTTL is how long the browser keeps the device token.
const deviceTTL = 180 * 24 * time.Hour

// deviceToken is this browser's known-device token, or "".
func deviceToken(r *http.Request) string {
	if c, err := r.Cookie(deviceCookie); err == nil && len(c.Value) <= 200 {
		return c.Value
	}
	return ""
}

// setDeviceToken stores the device token in an HttpOnly cookie.
func setDeviceToken(w http.ResponseWriter, r *http.Request, token string) {
	if token == "" {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: deviceCookie, Value: token, Path: "/", MaxAge: int(deviceTTL.Seconds()),
		HttpOnly: true, Secure: isTLS(r), SameSite: http.SameSiteLaxMode})
}

// setRetryAfter sets Retry-After for a throttled request.
func setRetryAfter(w http.ResponseWriter, err error) {
	if d, ok := volt.RetryAfterOf(err); ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(d.Seconds())))
	}
}

// clientAddr is the address sign-ins and reset requests are throttled by:
// Config.ClientAddr (a trusted proxy's forwarded address), else the peer.
func (a *Admin) clientAddr(r *http.Request) string {
	if a.cfg.ClientAddr != nil {
		return a.cfg.ClientAddr(r)
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// waitWords says how long to wait before trying again.
func waitWords(err error) string {
	d, ok := volt.RetryAfterOf(err)
	switch {
	case !ok:
		return "Wait a few minutes before trying again."
	case d < 2*time.Minute:
		return plural(int(d.Seconds()), "second")
	default:
		return plural(int((d+time.Minute-1)/time.Minute), "minute")
	}
}

func plural(n int, unit string) string {
	if n != 1 {
		unit += "s"
	}
	return "Wait " + strconv.Itoa(n) + " " + unit + " before trying again."
}
