package rehearsal

import (
	"crypto/rand"
	"encoding/base64"

	"github.com/crm/channel-removal/credentials"
	"github.com/crm/channel-removal/temporalcodec"
)

func newKeyring() (*credentials.Keyring, string) {
	key := make([]byte, 32)
	rand.Read(key)
	spec := "rehearsal:" + base64.StdEncoding.EncodeToString(key)
	k, err := credentials.Parse(spec)
	if err != nil {
		panic(err)
	}
	return k, spec
}

// newCodec is a TEMPORAL_CODEC_KEY of one new key named id, as newKeyring.
func newCodec(id string) (*temporalcodec.Codec, string) {
	key := make([]byte, 32)
	rand.Read(key)
	spec := id + ":" + base64.StdEncoding.EncodeToString(key)
	return temporalcodec.MustParse(spec), spec
}

func secret() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
