// Package webhook is the outbound half of the integrations' events (SPEC §9,
// Standard Webhooks 1.0): secrets, ids, bodies and signatures, and an HTTP
// client that only reaches public addresses. It signs with the standard
// library's HMAC (ten lines, no dependency on the signer's side); the tests
// verify with the Standard Webhooks reference library, so the two are
// checked against each other rather than against themselves.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/crm/channel-removal/domain"
)

// SecretPrefix marks a Standard Webhooks secret; the key is the base64 after it.
const SecretPrefix = "whsec_"

// secretBytes is the key's length: 32 bytes, the HMAC-SHA256 block's half and
// above the specification's 24-byte minimum.
const secretBytes = 32

// NewSecret makes an endpoint's signing secret, whsec_ + base64(32 random bytes).
func NewSecret() (string, error) {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b), nil
}

// Sign is the v1 signature of a message: base64 HMAC-SHA256, keyed by the
// secret's decoded bytes, over "{webhook-id}.{webhook-timestamp}.{body}".
func Sign(secret, id string, at time.Time, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil || len(key) == 0 {
		return "", fmt.Errorf("webhook: a secret that is not whsec_<base64>")
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + strconv.FormatInt(at.Unix(), 10) + "."))
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// Signatures is the webhook-signature header: one signature per secret,
// space-separated. During a rotation's grace both the new and the previous
// secret sign, so a receiver that has not yet switched keeps verifying.
func Signatures(secrets []string, id string, at time.Time, body []byte) (string, error) {
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		sig, err := Sign(s, id, at, body)
		if err != nil {
			return "", err
		}
		sigs = append(sigs, sig)
	}
	return strings.Join(sigs, " "), nil
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// MessageID is the webhook-id of a fact at an endpoint: derived, not drawn,
// so an activity retried after its first publish names the same delivery
// (and its workflow id), and the endpoint gets the fact once.
func MessageID(endpointID string, t domain.EventType, key string) string {
	sum := sha256.Sum256([]byte(endpointID + "\x00" + string(t) + "\x00" + key))
	return "msg_" + strings.ToLower(idEncoding.EncodeToString(sum[:20]))
}

// Body is the event's JSON body: {"type","timestamp","data":{ids, …}}. The
// ids are set last, so Data cannot overwrite them.
func Body(e domain.Event) ([]byte, error) {
	data := make(map[string]any, len(e.Data)+3)
	for k, v := range e.Data {
		data[k] = v
	}
	data["account_id"], data["channel_id"] = e.AccountID, e.ChannelID
	if e.RemovalID != "" {
		data["removal_id"] = e.RemovalID
	}
	return json.Marshal(map[string]any{"type": e.Type, "timestamp": e.At.UTC().Format(time.RFC3339Nano), "data": data})
}

// SealID is the additional data an endpoint's secret is sealed under
// (credentials.Keyring): a sealed secret copied to another endpoint's row,
// or to a channel's token, does not open.
func SealID(endpointID string) string { return "webhook-endpoint:" + endpointID }
