package seal_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/volt-ev/volt/internal/seal"
)

// TestSealOpen: a sealed secret opens with the same key, purpose and aad
// only, never shows the plain text, and legacy plain text reads as is.
func TestSealOpen(t *testing.T) {
	s := seal.New("k1", "purpose")
	a, b := s.SealText("whsec_abc", "whe_1"), s.SealText("whsec_abc", "whe_1")
	if a == b || !strings.HasPrefix(a, seal.Prefix) || strings.Contains(a, "whsec_abc") {
		t.Fatalf("sealed %q %q", a, b)
	}
	if p, sealed, err := s.OpenText(a, "whe_1"); err != nil || !sealed || p != "whsec_abc" {
		t.Errorf("open: %q %v %v", p, sealed, err)
	}
	for name, o := range map[string]*seal.Sealer{"another key": seal.New("k2", "purpose"), "another purpose": seal.New("k1", "other")} {
		if _, _, err := o.OpenText(a, "whe_1"); !errors.Is(err, seal.ErrOpen) {
			t.Errorf("%s opened it: %v", name, err)
		}
	}
	if _, _, err := s.OpenText(a, "whe_2"); !errors.Is(err, seal.ErrOpen) {
		t.Errorf("moved to another row and opened: %v", err)
	}
	if _, _, err := s.OpenText(seal.Prefix+"!!", "whe_1"); !errors.Is(err, seal.ErrMalformed) {
		t.Errorf("garbage: %v", err)
	}
	if p, sealed, err := s.OpenText("whsec_plain", "whe_1"); err != nil || sealed || p != "whsec_plain" {
		t.Errorf("legacy plain text: %q %v %v", p, sealed, err)
	}
}
