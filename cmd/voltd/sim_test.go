package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadCredentials(t *testing.T) {
	got, err := readCredentials(strings.NewReader("identity,password\n# a comment\n\nCP1,pw1\n CP2 , pw2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Identity != "CP1" || got[0].Password != "pw1" || got[1].Identity != "CP2" || got[1].Password != "pw2" {
		t.Fatalf("credentials %+v", got)
	}
	if _, err := readCredentials(strings.NewReader("CP1\n")); err == nil {
		t.Fatal("a line without password accepted")
	}
}

func TestSimCredentialsNumberingAndOffset(t *testing.T) {
	f, err := parseSimFlags([]string{"--chargers", "3", "--offset", "20000", "--identity-prefix", "LT", "--password", "pw"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := simCredentials(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(creds) != 3 || creds[0].Identity != "LT020001" || creds[2].Identity != "LT020003" || creds[1].Password != "pw" {
		t.Fatalf("credentials %+v", creds)
	}

	file := filepath.Join(t.TempDir(), "creds.csv")
	if err := os.WriteFile(file, []byte("A,1\nB,2\nC,3\nD,4\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err = parseSimFlags([]string{"--credentials", file, "--offset", "1", "--chargers", "2"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	creds, err = simCredentials(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(creds) != 2 || creds[0].Identity != "B" || creds[1].Identity != "C" {
		t.Fatalf("file credentials with offset %+v", creds)
	}
}

func TestSimFlagsRejectBadShare(t *testing.T) {
	if _, err := parseSimFlags([]string{"--session-rate", "1.5"}, io.Discard); err == nil {
		t.Fatal("session rate 1.5 accepted")
	}
}
