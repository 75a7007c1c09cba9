// Package temporalcodec encrypts every payload the processes send to
// Temporal (workflow inputs and results, signals, updates, markers, activity
// inputs, failures' messages and details, timers' summaries) with
// AES-256-GCM, so that whoever reads Temporal (its Web, its database, its
// backups, a hosted Temporal) reads no contact name, e-mail or IP address.
// Those allowed read them through the codec server (server.go), which Temporal
// Web and the CLI call.
package temporalcodec

import (
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

	"github.com/crm/channel-removal/credentials"
	"google.golang.org/protobuf/proto"
)

const (
	// Encoding marks an encrypted payload; its Data is nonce + ciphertext
	// of the whole original payload (metadata and data).
	Encoding = "binary/encrypted"
	// MetadataKeyID names the key that encrypted it, so keys rotate.
	MetadataKeyID = "encryption-key-id"
)

// DevKey is `dev`'s and the tests' fixed key: runs left waiting by one dev
// start decode after a restart. A production process refuses it (config).
const DevKey = "dev:ZGV2LW9ubHktdGVtcG9yYWwtY29kZWMta2V5LTMyYnk="

// Codec is a converter.PayloadCodec: the first key encrypts, every key
// decrypts.
type Codec struct {
	current string
	aeads   map[string]cipher.AEAD
}

var _ converter.PayloadCodec = (*Codec)(nil)

// Parse reads TEMPORAL_CODEC_KEY: "id:base64(32 bytes)[,id:base64…]", the
// same shape as CREDENTIALS_KEY; the first key is current.
func Parse(spec string) (*Codec, error) {
	current, aeads, err := credentials.ParseKeys("TEMPORAL_CODEC_KEY", spec, "")
	if err != nil {
		return nil, err
	}
	return &Codec{current: current, aeads: aeads}, nil
}

// MustParse is Parse for keys fixed in code (DevKey, tests).
func MustParse(spec string) *Codec {
	c, err := Parse(spec)
	if err != nil {
		panic(err)
	}
	return c
}

// Encode encrypts each payload under the current key. The key id is the
// additional data, so a ciphertext relabelled with another id does not open.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	aead := c.aeads[c.current]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, err
		}
		nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return nil, err
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{converter.MetadataEncoding: []byte(Encoding), MetadataKeyID: []byte(c.current)},
			Data:     aead.Seal(nonce, nonce, plain, []byte(c.current)),
		}
	}
	return out, nil
}

// Decode decrypts what one of the keys encrypted. A payload without the
// encrypted encoding is returned as it is: the histories of runs started
// before the codec (the sealed releases' in workflows/testdata, runs still
// waiting at the upgrade) hold plaintext payloads, and they must replay.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != Encoding {
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[MetadataKeyID])
		aead, ok := c.aeads[id]
		if !ok {
			return nil, fmt.Errorf("payload encrypted with key %q, which TEMPORAL_CODEC_KEY does not list", id)
		}
		data := p.GetData()
		if len(data) < aead.NonceSize() {
			return nil, errors.New("encrypted payload is corrupt")
		}
		plain, err := aead.Open(nil, data[:aead.NonceSize()], data[aead.NonceSize():], []byte(id))
		if err != nil {
			return nil, fmt.Errorf("payload does not decrypt with key %q", id)
		}
		dec := &commonpb.Payload{}
		if err := proto.Unmarshal(plain, dec); err != nil {
			return nil, errors.New("encrypted payload is corrupt")
		}
		out[i] = dec
	}
	return out, nil
}
