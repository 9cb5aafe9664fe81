package store

import (
	"strings"
	"testing"
)

func TestPasswordAndSecretHashes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		hash   func(string) (string, error)
		prefix string
	}{
		{"argon2id for people", HashPassword, "$argon2id$"},
		{"sha256 for generated secrets", HashSecret, "$sha256$"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := tc.hash("correct horse battery")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(h, tc.prefix) {
				t.Fatalf("hash %q lacks prefix %q", h, tc.prefix)
			}
			if ok, err := VerifyPassword(h, "correct horse battery"); err != nil || !ok {
				t.Fatalf("right password: ok=%v err=%v", ok, err)
			}
			if ok, err := VerifyPassword(h, "correct horse batterY"); err != nil || ok {
				t.Fatalf("wrong password: ok=%v err=%v", ok, err)
			}
			h2, _ := tc.hash("correct horse battery")
			if h2 == h {
				t.Fatal("two hashes of one password are equal: no salt")
			}
		})
	}
	for _, bad := range []string{"", "$sha256$", "$sha256$!!$AAAA", "$sha256$AAAA$AAAA", "$md5$x$y$z$w"} {
		if ok, err := VerifyPassword(bad, "x"); err == nil || ok {
			t.Errorf("malformed hash %q: ok=%v err=%v, want an error", bad, ok, err)
		}
	}
	if ok, _ := VerifyPassword(dummySecretHash(), "volt-dummy-secret-for-timing"); !ok {
		t.Error("dummy secret hash does not verify its own secret")
	}
}

func BenchmarkVerifyChargerSecret(b *testing.B) {
	h, _ := HashSecret("Abcdefghijkmnopqrstuvwxy")
	for b.Loop() {
		_, _ = VerifyPassword(h, "Abcdefghijkmnopqrstuvwxy")
	}
}

func BenchmarkVerifyUserPassword(b *testing.B) {
	h, _ := HashPassword("correct horse battery")
	for b.Loop() {
		_, _ = VerifyPassword(h, "correct horse battery")
	}
}
