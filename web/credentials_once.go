package web

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"

	volt "github.com/volt-ev/volt"
)

// credsCookie carries a charger's new OCPP credentials from the POST that
// made them to the page that shows them once (post/redirect/get), sealed
// with AES-GCM under a key derived from the secret key, so any node can
// open it and no one can read it on the way.
const credsCookie = "volt_creds"

// sealedCreds is what the cookie holds.
type sealedCreds struct {
	Creds volt.ChargerCredentials `json:"c"`
	Name  string                  `json:"n"`
	Reset bool                    `json:"r"`
}

func (a *Admin) credsAEAD() cipher.AEAD {
	block, _ := aes.NewCipher(a.mac("charger-credentials")[:32])
	aead, _ := cipher.NewGCM(block)
	return aead
}

// showCredentialsOnce redirects to the page that shows new credentials once,
// handing them over in a sealed cookie that lives five minutes.
func (a *Admin) showCredentialsOnce(w http.ResponseWriter, r *http.Request, c *volt.Charger, creds *volt.ChargerCredentials, reset bool) {
	raw, _ := json.Marshal(sealedCreds{Creds: *creds, Name: c.Name, Reset: reset})
	aead := a.credsAEAD()
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	sealed := aead.Seal(nonce, nonce, raw, []byte(creds.CPID))
	http.SetCookie(w, &http.Cookie{Name: credsCookie, Value: base64.RawURLEncoding.EncodeToString(sealed),
		Path: AdminPrefix + "/chargers/" + creds.CPID + "/", MaxAge: 300, HttpOnly: true, Secure: isTLS(r), SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, AdminPrefix+"/chargers/"+creds.CPID+"/credentials", http.StatusSeeOther)
}

// chargerCredentials shows new credentials once: the cookie is opened and
// cleared, so a reload says they were shown already.
func (a *Admin) chargerCredentials(w http.ResponseWriter, r *http.Request, s *sess) {
	cpid := r.PathValue("cpid")
	c, err := a.cfg.Chargers.FindChargerByCPID(s.ctx, cpid)
	if err != nil {
		a.fail(w, r, s, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: credsCookie, Path: AdminPrefix + "/chargers/" + cpid + "/", MaxAge: -1,
		HttpOnly: true, Secure: isTLS(r), SameSite: http.SameSiteStrictMode})
	var sc sealedCreds
	ok := false
	if ck, err := r.Cookie(credsCookie); err == nil {
		if b, err := base64.RawURLEncoding.DecodeString(ck.Value); err == nil {
			aead := a.credsAEAD()
			if len(b) > aead.NonceSize() {
				if raw, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], []byte(cpid)); err == nil {
					ok = json.Unmarshal(raw, &sc) == nil && sc.Creds.CPID == cpid
				}
			}
		}
	}
	if !ok {
		a.renderStatus(w, r, s, http.StatusGone, "error", "Shown once", errorView{Message: "The OCPP password of charger " + cpid +
			" was shown once and is not kept. Issue a new one from the charger's page if it was not written down."})
		return
	}
	title := "Charger " + cpid + " onboarded"
	if sc.Reset {
		title = "New OCPP password"
	}
	a.render(w, r, s, "onboarded", title, onboardedView{C: c, Creds: &sc.Creds, URL: a.ocppURL(r, sc.Creds.OCPPIdentity), Reset: sc.Reset})
}
