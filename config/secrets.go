package config

import (
	"fmt"
	"strings"

	"github.com/crm/channel-removal/credentials"
	"github.com/crm/channel-removal/temporalcodec"
)

// MinSecretBytes is the shortest key a production process accepts: an
// HMAC key (AUTH_JWT_SECRET, CODE_SECRET, META_APP_SECRET) shorter than the
// hash's 32 bytes gives away strength for nothing.
const MinSecretBytes = 32

// devSecrets are the values anyone can read in this repository: the dev
// defaults and .env.example's placeholders ("change-me…"). A production
// process that runs with one signs tokens everyone can forge.
var devSecrets = map[string]bool{DevJWTSecret: true, DevCodeSecret: true, DevMetaAppSecret: true,
	DevWebhookVerifyToken: true, credentials.DevKey: true, DevCodecAuthToken: true, temporalcodec.DevKey: true, DevPartnerToken: true}

// refuseDevSecrets fails when a required key (or the webhook's verify
// token, when set) is a documented dev value or shorter than MinSecretBytes.
// Outside `dev` only: `dev` fills these itself (ApplyDevDefaults) and never
// calls Require.
func (c Config) refuseDevSecrets(names []string) error {
	keys := map[string]Secret{"AUTH_JWT_SECRET": c.AuthJWTSecret, "CODE_SECRET": c.CodeSecret, "META_APP_SECRET": c.MetaAppSecret,
		"CODEC_AUTH_TOKEN": c.CodecAuthToken}
	for _, n := range names {
		v, isKey := keys[n]
		if n == "CREDENTIALS_KEY" {
			if isDevSecret(string(c.CredentialsKey)) || strings.Contains(string(c.CredentialsKey), devKeyMaterial()) {
				return fmt.Errorf("config: CREDENTIALS_KEY is the documented dev key; set keys of your own (openssl rand -base64 32)")
			}
			continue // its keys' length is checked by credentials.Parse (32 bytes)
		}
		if n == "TEMPORAL_CODEC_KEY" {
			if _, material, _ := strings.Cut(temporalcodec.DevKey, ":"); strings.Contains(string(c.TemporalCodecKey), material) {
				return fmt.Errorf("config: TEMPORAL_CODEC_KEY is the documented dev key; set keys of your own (openssl rand -base64 32)")
			}
			continue // its keys' length is checked by temporalcodec.Parse (32 bytes)
		}
		if !isKey {
			continue
		}
		if isDevSecret(string(v)) {
			return fmt.Errorf("config: %s is a documented dev value; set a secret of your own (openssl rand -base64 32)", n)
		}
		if len(v) < MinSecretBytes {
			return fmt.Errorf("config: %s is %d bytes; it must be at least %d (openssl rand -base64 32)", n, len(v), MinSecretBytes)
		}
	}
	if isDevSecret(string(c.MetaWebhookVerifyToken)) {
		return fmt.Errorf("config: META_WEBHOOK_VERIFY_TOKEN is a documented dev value; set a token of your own")
	}
	if isDevSecret(string(c.MetaPartnerToken)) {
		return fmt.Errorf("config: META_PARTNER_TOKEN is a documented dev value; set our business's system-user token")
	}
	return nil
}

func isDevSecret(v string) bool { return devSecrets[v] || strings.HasPrefix(v, "change-me") }

// devKeyMaterial is the dev key's base64, whatever id a config gives it.
func devKeyMaterial() string {
	_, material, _ := strings.Cut(credentials.DevKey, ":")
	return material
}
