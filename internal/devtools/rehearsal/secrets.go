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

// newCodec is the rehearsal's TEMPORAL_CODEC_KEY, as newKeyring.
func newCodec() (*temporalcodec.Codec, string) {
	key := make([]byte, 32)
	rand.Read(key)
	spec := "rehearsal:" + base64.StdEncoding.EncodeToString(key)
	return temporalcodec.MustParse(spec), spec
}

func secret() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
