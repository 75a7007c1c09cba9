// Package credentials seals channel access tokens at rest with AES-256-GCM
// (the standard library's AEAD). Each sealed value names the key that sealed
// it, so keys rotate: the first key of CREDENTIALS_KEY seals, every listed key
// opens. The channel id is the additional data, so a sealed token copied to
// another channel's row does not open.
package credentials

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

const prefix = "enc:v1:"

// Keyring holds the keys by id; current seals.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
}

// Parse reads CREDENTIALS_KEY: "id:base64key[,id:base64key...]", 32-byte
// keys, the first one current. A bare base64 key is the key "k1".
func Parse(spec string) (*Keyring, error) {
	current, aeads, err := ParseKeys("CREDENTIALS_KEY", spec, "k1")
	if err != nil {
		return nil, err
	}
	return &Keyring{current: current, aeads: aeads}, nil
}

// ParseKeys reads a rotating list of AES-256-GCM keys named name
// ("id:base64(32 bytes)[,…]", the first current): CREDENTIALS_KEY's and
// TEMPORAL_CODEC_KEY's shape. bareID names a key given without an id ("":
// every key needs one).
func ParseKeys(name, spec, bareID string) (current string, aeads map[string]cipher.AEAD, err error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return "", nil, fmt.Errorf("%s is empty", name)
	}
	aeads = map[string]cipher.AEAD{}
	for i, part := range strings.Split(spec, ",") {
		id, b64, found := strings.Cut(strings.TrimSpace(part), ":")
		if !found && bareID != "" {
			id, b64 = bareID, id
		}
		if !found && bareID == "" || id == "" || strings.ContainsAny(id, ": ") {
			return "", nil, fmt.Errorf("%s entry %d: want id:base64key", name, i+1)
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(raw) != 32 {
			return "", nil, fmt.Errorf("%s entry %d (%s): want 32 bytes in base64 (openssl rand -base64 32)", name, i+1, id)
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return "", nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return "", nil, err
		}
		if _, dup := aeads[id]; dup {
			return "", nil, fmt.Errorf("%s: key id %q twice", name, id)
		}
		aeads[id] = aead
		if i == 0 {
			current = id
		}
	}
	return current, aeads, nil
}

// Sealed reports whether a stored value is sealed (not legacy plaintext).
func Sealed(v string) bool { return strings.HasPrefix(v, prefix) }

// Seal encrypts a token for a channel with the current key.
func (k *Keyring) Seal(channelID, token string) (string, error) {
	aead := k.aeads[k.current]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := aead.Seal(nonce, nonce, []byte(token), []byte(channelID))
	return prefix + k.current + ":" + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts a sealed token of a channel.
func (k *Keyring) Open(channelID, sealed string) (string, error) {
	rest, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return "", errors.New("credential is not sealed")
	}
	id, b64, ok := strings.Cut(rest, ":")
	aead, known := k.aeads[id]
	if !ok || !known {
		return "", fmt.Errorf("credential sealed with key %q, which CREDENTIALS_KEY does not list", id)
	}
	raw, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil || len(raw) < aead.NonceSize() {
		return "", errors.New("credential is corrupt")
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(channelID))
	if err != nil {
		return "", errors.New("credential does not open (wrong key or another channel's)")
	}
	return string(plain), nil
}

// DevKey is `dev`'s fixed key: tokens sealed by one dev start open after a restart.
const DevKey = "dev:ZGV2LW9ubHktY3JlZGVudGlhbHMta2V5LTMyLWJ5dGU="
