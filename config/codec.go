package config

import (
	"strings"

	"github.com/crm/channel-removal/temporalcodec"
)

// Codec parses TEMPORAL_CODEC_KEY.
func (c Config) Codec() (*temporalcodec.Codec, error) {
	return temporalcodec.Parse(string(c.TemporalCodecKey))
}

// CodecBaseURL is where the codec server is reached: CODEC_URL, or
// http:// and CODEC_ADDR.
func (c Config) CodecBaseURL() string {
	if c.CodecURL != "" {
		return strings.TrimSuffix(c.CodecURL, "/")
	}
	return "http://" + c.CodecAddr
}
