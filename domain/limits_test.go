package domain

import (
	"testing"
	"time"
)

func TestLimitOver(t *testing.T) {
	now := time.Now()
	l := Limit{Max: 5, Window: 15 * time.Minute}
	if w := l.Over(Bucket{Hits: 5, WindowStart: now.Add(-time.Minute)}, now); w != 0 {
		t.Fatalf("the 5th hit is within a limit of 5: %v", w)
	}
	if w := l.Over(Bucket{Hits: 6, WindowStart: now.Add(-time.Minute)}, now); w != 14*time.Minute {
		t.Fatalf("the 6th waits for the window's end: %v", w)
	}
	if w := (Limit{}).Over(Bucket{Hits: 1000}, now); w != 0 {
		t.Fatalf("Max 0 is off: %v", w)
	}
}

func TestCodeLimits(t *testing.T) {
	l := DefaultCodeLimits
	if r := l.GuessRefusal(CodeHistory{WrongByChannel: 14}); r != nil || l.GuessesLeft(CodeHistory{WrongByChannel: 14}) != 1 {
		t.Fatalf("14 wrong codes leave one: %+v", r)
	}
	r := l.GuessRefusal(CodeHistory{WrongByChannel: 15, ChannelWait: 3 * time.Hour})
	if r == nil || r.Code != CodeTooManyLockedRemovals || r.RetryAfter != 3*3600 {
		t.Fatalf("15 wrong codes: %+v", r)
	}
	// The account's cap, over channels each under theirs.
	r = l.GuessRefusal(CodeHistory{WrongByChannel: 2, WrongByAccount: 50, AccountWait: time.Hour})
	if r == nil || r.RetryAfter != 3600 {
		t.Fatalf("the account's cap: %+v", r)
	}
	if e := l.CodeEmailRefusal(CodeHistory{CodeEmails: 4}); e != nil {
		t.Fatalf("the 5th code e-mail may go: %v", e)
	}
	e := l.CodeEmailRefusal(CodeHistory{CodeEmails: 5, CodeEmailsWait: 90 * time.Second})
	if e == nil || e.Code != CodeTooManyCodes || e.Fields["retry_after"] != 90 {
		t.Fatalf("the 6th: %+v", e)
	}
	if (CodeLimits{}).GuessesLeft(CodeHistory{WrongByChannel: 1000}) <= 0 || (CodeLimits{}).CodeEmailRefusal(CodeHistory{CodeEmails: 1000}) != nil {
		t.Fatal("zero limits bound nothing")
	}
}

func TestWaitText(t *testing.T) {
	for d, want := range map[time.Duration]string{30 * time.Second: "30 s", 90 * time.Second: "2 min", 23*time.Hour + 59*time.Minute + 30*time.Second: "24 h",
		2*time.Hour + 5*time.Minute: "2 h 5 min"} {
		if got := WaitText(d); got != want {
			t.Errorf("WaitText(%v) = %q, want %q", d, got, want)
		}
	}
}
