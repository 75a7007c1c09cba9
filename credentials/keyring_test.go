package credentials

import (
	"encoding/base64"
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
	// One bit of the ciphertext flipped, re-encoded: the AEAD refuses it (not
	// the base64 decoding).
	head, b64 := sealed[:strings.LastIndexByte(sealed, ':')+1], sealed[strings.LastIndexByte(sealed, ':')+1:]
	raw, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)-1] ^= 0x01
	tampered := head + base64.RawStdEncoding.EncodeToString(raw)
	if _, err := old.Open("ch-1", tampered); err == nil || strings.Contains(err.Error(), "base64") || strings.Contains(err.Error(), "illegal") {
		t.Fatalf("a tampered value: %v", err)
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
