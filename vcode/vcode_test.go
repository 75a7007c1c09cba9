package vcode

import (
	"regexp"
	"testing"
)

func TestDeriveIsSixDigitsAndDeterministicPerNonce(t *testing.T) {
	secret := []byte("s")
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		n, err := NewNonce()
		if err != nil {
			t.Fatal(err)
		}
		c := Derive(secret, n)
		if !regexp.MustCompile(`^\d{6}$`).MatchString(c) {
			t.Fatalf("code %q is not 6 digits", c)
		}
		if Derive(secret, n) != c {
			t.Fatal("same nonce must give the same code")
		}
		seen[c] = true
	}
	if len(seen) < 190 {
		t.Fatalf("only %d distinct codes out of 200", len(seen))
	}
}

func TestHashIsKeyedAndBoundToRemoval(t *testing.T) {
	h := Hash([]byte("k1"), "remove-channel:a", "123456")
	if h == Hash([]byte("k2"), "remove-channel:a", "123456") {
		t.Fatal("hash must depend on the key")
	}
	if h == Hash([]byte("k1"), "remove-channel:b", "123456") {
		t.Fatal("hash must depend on the removal")
	}
	if h != Hash([]byte("k1"), "remove-channel:a", " 123 456 ") {
		t.Fatal("spaces must not matter")
	}
	if _, err := Decode(h); err != nil {
		t.Fatal(err)
	}
	if _, err := Decode("zz"); err == nil {
		t.Fatal("malformed hash accepted")
	}
}
