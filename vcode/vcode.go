// Package vcode makes and hashes removal verification codes.
//
// A code is derived from a 32-byte nonce read from crypto/rand, keyed by
// CODE_SECRET: the nonce is kept only until the e-mail is accepted, so a retried
// send re-derives the same code instead of minting a second one, and afterwards
// only the keyed hash remains. The hash is bound to the removal id, and it is
// what travels through Temporal (signal, update, activity input): the plaintext
// code never enters workflow history.
package vcode

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
)

// Digits is the code length.
const Digits = 6

// NewNonce reads a fresh nonce from the CSPRNG.
func NewNonce() ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("vcode: %w", err)
	}
	return b, nil
}

// Derive turns a nonce into a decimal code of Digits digits.
// The modulo bias over 64 bits is below 1e-13.
func Derive(secret, nonce []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("channel-removal/code/v1\x00"))
	m.Write(nonce)
	n := binary.BigEndian.Uint64(m.Sum(nil)[:8]) % 1_000_000
	return fmt.Sprintf("%0*d", Digits, n)
}

// Hash is the keyed hash of a code for one removal, as hex. Input is trimmed of
// spaces so "123 456" from a pasted e-mail still matches.
func Hash(secret []byte, removalID, code string) string {
	code = strings.Join(strings.Fields(code), "")
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("channel-removal/hash/v1\x00"))
	m.Write([]byte(removalID))
	m.Write([]byte{0})
	m.Write([]byte(code))
	return hex.EncodeToString(m.Sum(nil))
}

// Decode parses a hash made by Hash.
func Decode(h string) ([]byte, error) {
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != sha256.Size {
		return nil, fmt.Errorf("vcode: malformed code hash")
	}
	return b, nil
}
