package credentials

import (
	"strings"
	"testing"
)

const (
	k1 = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	k2 = "k2:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
)

func TestSealOpenRotateAndRefuse(t *testing.T) {
	old, err := Parse(k1)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := old.Seal("ch-1", "EAAtoken")
	if err != nil || !Sealed(sealed) || strings.Contains(sealed, "EAAtoken") || !strings.HasPrefix(sealed, "enc:v1:k1:") {
		t.Fatalf("sealed %q %v", sealed, err)
	}
	// Rotation: k2 now seals, k1 still opens what it sealed.
	rotated, err := Parse(k2 + "," + k1)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Open("ch-1", sealed); err != nil || got != "EAAtoken" {
		t.Fatalf("open after rotation: %q %v", got, err)
	}
	if again, _ := rotated.Seal("ch-1", "EAAtoken"); !strings.HasPrefix(again, "enc:v1:k2:") || again == sealed {
		t.Fatalf("new seals use the current key with a fresh nonce: %q", again)
	}
	// Another channel's row, a dropped key, a flipped bit: refused.
	if _, err := rotated.Open("ch-2", sealed); err == nil {
		t.Fatal("opened with another channel id")
	}
	onlyNew, _ := Parse(k2)
	if _, err := onlyNew.Open("ch-1", sealed); err == nil || !strings.Contains(err.Error(), `"k1"`) {
		t.Fatalf("dropped key: %v", err)
	}
	tampered := sealed[:len(sealed)-2] + "AA"
	if _, err := old.Open("ch-1", tampered); err == nil {
		t.Fatal("opened a tampered value")
	}
	for _, bad := range []string{"", "k1:short", "k1:" + strings.Repeat("A", 44), k1 + "," + k1, ":abc"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	if _, err := Parse(DevKey); err != nil {
		t.Fatalf("dev key: %v", err)
	}
}
