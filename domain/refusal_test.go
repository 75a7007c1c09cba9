package domain

import "testing"

// A code check learns why its code no longer counts; anything else, the status.
func TestRefusal(t *testing.T) {
	for _, c := range []struct {
		codeCheck bool
		s         Status
		want      Code
	}{
		{true, StatusExpired, CodeCodeExpired}, {true, StatusLocked, CodeLocked},
		{false, StatusLocked, CodeInvalidState}, {true, StatusCompleted, CodeInvalidState},
	} {
		if got := Refusal(c.codeCheck, c.s); got.Code != c.want {
			t.Errorf("Refusal(%v, %s) = %s, want %s", c.codeCheck, c.s, got.Code, c.want)
		}
	}
}
