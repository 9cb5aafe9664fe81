package mail

import (
	"bytes"
	"errors"
	"log/slog"
	"net/smtp"
	"strings"
	"testing"
	"time"
)

func TestSendBuildsOneMessage(t *testing.T) {
	var gotAddr, gotFrom string
	var gotTo []string
	var gotMsg []byte
	s := &Sender{Host: "127.0.0.1", Port: 2525, From: "volt@example.com",
		Now: func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) },
		send: func(addr string, _ smtp.Auth, from string, to []string, msg []byte) error {
			gotAddr, gotFrom, gotTo, gotMsg = addr, from, to, msg
			return nil
		}}
	if err := s.Send("dana@example.com", "Your receipt\r\nBcc: evil@example.com", "Line 1\nLine 2"); err != nil {
		t.Fatal(err)
	}
	if gotAddr != "127.0.0.1:2525" || gotFrom != "volt@example.com" || len(gotTo) != 1 || gotTo[0] != "dana@example.com" {
		t.Fatalf("envelope %s %s %v", gotAddr, gotFrom, gotTo)
	}
	msg := string(gotMsg)
	if strings.Contains(msg, "\r\nBcc:") {
		t.Fatalf("subject injected a header:\n%s", msg)
	}
	for _, want := range []string{"Subject: Your receipt  Bcc: evil@example.com\r\n", "Date: Wed, 25 Nov 2026 12:00:00 +0000", "\r\n\r\nLine 1\r\nLine 2"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}

func TestSendRefusesBadRecipientAndWrapsErrors(t *testing.T) {
	s := &Sender{Host: "h", Port: 25, send: func(string, smtp.Auth, string, []string, []byte) error { return errors.New("refused") }}
	for _, to := range []string{"", "a@x.com, b@y.com", "<a@x.com>"} {
		if err := s.Send(to, "s", "b"); err == nil {
			t.Errorf("recipient %q accepted", to)
		}
	}
	if err := s.Send("a@x.com", "s", "b"); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("server error not returned: %v", err)
	}
}

func TestSendWithoutServerLogs(t *testing.T) {
	var buf bytes.Buffer
	s := &Sender{Logger: slog.New(slog.NewTextHandler(&buf, nil))}
	if err := s.Send("dana@example.com", "Reset", "link"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "dana@example.com") || !strings.Contains(buf.String(), "Reset") {
		t.Fatalf("log: %s", buf.String())
	}
}
