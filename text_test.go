package volt

import "testing"

func TestText(t *testing.T) {
	for _, c := range []struct {
		in        string
		multiline bool
		bad       bool
		clean     string
	}{
		{"Quay Street", false, false, "Quay Street"},
		{"a\x00b", true, true, "a\uFFFDb"},
		{"line\nline\ttab\r", true, false, "line\nline\ttab\r"},
		{"line\nline", false, true, "line\nline"},
		{"bell\x07", true, true, "bell\uFFFD"},
		{"bad \xff utf8", true, true, "bad \uFFFD utf8"},
		{"é ü 中 \u007f \u0085", false, false, "é ü 中 \u007f \u0085"},
	} {
		if got := BadText(c.in, c.multiline) != ""; got != c.bad {
			t.Errorf("BadText(%q, %v) bad=%v, want %v", c.in, c.multiline, got, c.bad)
		}
		if got, _ := SanitizeText(c.in); got != c.clean {
			t.Errorf("SanitizeText(%q) = %q, want %q", c.in, got, c.clean)
		}
	}
	err := CheckText("name", "x\x00", false)
	if ErrorCode(err) != EINVALID || err.(*Error).Field != "name" || ErrorMessage(err) != "name contains the control character U+0000; remove it and try again." {
		t.Errorf("CheckText: %v", err)
	}
}
