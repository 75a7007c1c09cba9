package temporalcodec

import (
	"context"

	commonpb "go.temporal.io/api/common/v1"
	failurepb "go.temporal.io/api/failure/v1"
	"go.temporal.io/api/proxy"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

// DataConverter is the SDK's default converter with its payloads passed
// through c.
func (c *Codec) DataConverter() converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// FailureConverter encodes failures' messages and stack traces too
// (EncodeCommonAttributes): an error's text may name a contact or an e-mail,
// and without it Temporal would store it in plaintext beside the encrypted
// details.
func (c *Codec) FailureConverter() converter.FailureConverter {
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter: c.DataConverter(), EncodeCommonAttributes: true})
}

// Apply sets both converters on a client's options; a worker built on the
// client inherits them.
func (c *Codec) Apply(o *client.Options) {
	o.DataConverter, o.FailureConverter = c.DataConverter(), c.FailureConverter()
}

// DecodeInPlace decrypts every payload of msg (a history, an event) in
// place, search attributes aside (they are never encrypted), and puts
// failures' messages back: how tests and tools read a history as it was
// before encryption (what Temporal Web shows through the codec server).
func (c *Codec) DecodeInPlace(ctx context.Context, msg proto.Message) error {
	err := proxy.VisitPayloads(ctx, msg, proxy.VisitPayloadsOptions{
		SkipSearchAttributes: true,
		Visitor: func(_ *proxy.VisitPayloadsContext, ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
			return c.Decode(ps)
		},
	})
	if err != nil {
		return err
	}
	plain := converter.GetDefaultDataConverter() // the payloads are decrypted already
	return proxy.VisitFailures(ctx, msg, proxy.VisitFailuresOptions{
		Visitor: func(_ *proxy.VisitFailuresContext, f *failurepb.Failure) error {
			converter.DecodeCommonFailureAttributes(plain, f)
			return nil
		},
	})
}
