package web

import (
	"bufio"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	volt "github.com/volt-ev/volt"
	"github.com/volt-ev/volt/store/storetest"
)

// smtpSink is a tiny SMTP server that accepts every message and keeps it:
// enough of RFC 5321 for net/smtp.SendMail without STARTTLS or AUTH.
type smtpSink struct {
	ln   net.Listener
	mu   sync.Mutex
	mail []string
	got  chan string
}

func newSMTPSink(t *testing.T) *smtpSink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{ln: ln, got: make(chan string, 10)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpSink) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	say := func(line string) { _, _ = c.Write([]byte(line + "\r\n")) }
	say("220 sink ready")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 sink")
		case strings.HasPrefix(cmd, "DATA"):
			say("354 go ahead")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			s.mu.Lock()
			s.mail = append(s.mail, b.String())
			s.mu.Unlock()
			s.got <- b.String()
			say("250 queued")
		case strings.HasPrefix(cmd, "QUIT"):
			say("221 bye")
			return
		default: // MAIL, RCPT, RSET, NOOP
			say("250 ok")
		}
	}
}

func (s *smtpSink) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func TestPasswordResetByEmail(t *testing.T) {
	sink := newSMTPSink(t)
	f := newFixture(t, storetest.SQLite(t), func(c *AdminConfig) {
		c.SMTP = &SMTPConfig{Host: "127.0.0.1", Port: 0, From: "portal@volt.test"}
	})
	f.admin.cfg.SMTP.Port = sink.port()
	c := f.client()
	c.get("/admin/reset")

	// An unknown address gets the same answer and no mail.
	res := c.post("/admin/reset", url.Values{"email": {"nobody@spark.test"}})
	wantContains(t, "unknown address", res.body, "If an account uses nobody@spark.test")
	res = c.post("/admin/reset", url.Values{"email": {"Staff@Spark.test"}})
	wantContains(t, "known address", res.body, "If an account uses staff@spark.test")

	var mail string
	select {
	case mail = <-sink.got:
	case <-time.After(5 * time.Second):
		t.Fatal("no reset e-mail arrived")
	}
	if n := len(sink.mail); n != 1 {
		t.Errorf("%d mails sent, want 1", n)
	}
	wantContains(t, "mail", mail, "To: staff@spark.test", "Subject: Reset your Volt password")
	m := regexp.MustCompile(`http://[^/\s]+(/admin/reset/[^\s]+)`).FindStringSubmatch(mail)
	if m == nil {
		t.Fatalf("no link in mail:\n%s", mail)
	}
	link := m[1]

	res = c.get(link)
	wantContains(t, "reset form", res.body, "Choose a new password", `for="confirm"`)
	res = c.post(link, url.Values{"password": {"brand new password"}, "confirm": {"brand new passw0rd"}})
	wantContains(t, "mismatch", res.body, "The two passwords differ")
	res = c.post(link, url.Values{"password": {"short"}, "confirm": {"short"}})
	wantContains(t, "short", res.body, "at least 10 characters")
	res = c.post(link, url.Values{"password": {"brand new password"}, "confirm": {"brand new password"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("reset: %d %s", res.status, excerpt(res.body))
	}

	// The link is single-use: the password hash it was signed over changed.
	res = c.get(link)
	wantContains(t, "used link", res.body, "invalid, was already used, or has expired")
	res = c.post(link, url.Values{"password": {"another new password"}, "confirm": {"another new password"}})
	if res.status == http.StatusSeeOther {
		t.Error("a used reset link set the password again")
	}

	c.get("/admin/login")
	res = c.post("/admin/login", url.Values{"email": {"staff@spark.test"}, "password": {"brand new password"}})
	if res.status != http.StatusSeeOther {
		t.Errorf("login with the new password: %d", res.status)
	}
}

func TestResetTokenExpiresAndIsBoundToUser(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	users, _, err := f.users.FindUsers(sysCtx(), userByEmail("staff@spark.test"))
	must(t, err)
	u := users[0]
	c := f.client()

	expired := f.admin.resetToken(u, time.Now().Add(-time.Minute))
	wantContains(t, "expired", c.get("/admin/reset/"+expired).body, "has expired")

	good := f.admin.resetToken(u, time.Now().Add(time.Hour))
	parts := strings.Split(good, ".")
	admins, _, err := f.users.FindUsers(sysCtx(), userByEmail("admin@spark.test"))
	must(t, err)
	forged := admins[0].ID + "." + parts[1] + "." + parts[2]
	wantContains(t, "other user", c.get("/admin/reset/"+forged).body, "invalid")
	wantContains(t, "good", c.get("/admin/reset/"+good).body, `for="password"`)
}

func userByEmail(email string) volt.UserFilter { return volt.UserFilter{Email: email} }
