// Package mail sends the platform's plain-text e-mails (password resets,
// receipts, problem reports) over SMTP, or logs them when no server is
// configured, so a laptop demo needs no mail server.
package mail

import (
	"fmt"
	"log/slog"
	"net/smtp"
	"strconv"
	"strings"
	"time"
)

// Sender sends e-mail through one SMTP server. A zero Host logs each message
// instead of sending it.
type Sender struct {
	Host     string
	Port     int
	From     string
	Username string // empty: no SMTP AUTH
	Password string
	Logger   *slog.Logger
	Now      func() time.Time

	// send is smtp.SendMail; tests replace it.
	send func(addr string, a smtp.Auth, from string, to []string, msg []byte) error
}

// Send sends a plain-text message to one address. Header values are folded to
// one line so a name or subject cannot inject headers.
func (s *Sender) Send(to, subject, body string) error {
	oneLine := strings.NewReplacer("\r", " ", "\n", " ")
	to, subject = oneLine.Replace(strings.TrimSpace(to)), oneLine.Replace(subject)
	if to == "" || strings.ContainsAny(to, ",;<>") {
		return fmt.Errorf("send mail: invalid recipient %q", to)
	}
	if s.Host == "" {
		if s.Logger != nil {
			s.Logger.Info("e-mail (no SMTP server configured)", "to", to, "subject", subject, "body", body)
		}
		return nil
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	body = strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n")
	msg := "From: " + s.From + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\n" +
		"Date: " + now().UTC().Format(time.RFC1123Z) + "\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" + body
	var auth smtp.Auth
	if s.Username != "" {
		auth = smtp.PlainAuth("", s.Username, s.Password, s.Host)
	}
	send := s.send
	if send == nil {
		send = smtp.SendMail
	}
	addr := s.Host + ":" + strconv.Itoa(s.Port)
	if err := send(addr, auth, s.From, []string{to}, []byte(msg)); err != nil {
		return fmt.Errorf("send mail %q via %s: %w", subject, addr, err)
	}
	return nil
}
