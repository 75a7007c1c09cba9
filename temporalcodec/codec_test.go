package temporalcodec

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

const (
	k1 = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	k2 = "k2:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
)

type attendance struct{ Contact, Email, IP string }

var secret = attendance{Contact: "Maria Silva", Email: "maria@loja.test", IP: "203.0.113.7"}

// TestEncodeDecodeRotateRefuse: what a key encrypts holds no plaintext and
// names the key; after a rotation the new key encrypts and the old one still
// decrypts; a dropped key, a relabelled or flipped payload are refused; a
// payload without the encryption metadata (an earlier release's history)
// passes through.
func TestEncodeDecodeRotateRefuse(t *testing.T) {
	old := MustParse(k1)
	p, err := old.DataConverter().ToPayload(secret)
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := proto.Marshal(p); bytes.Contains(raw, []byte("Maria")) || bytes.Contains(raw, []byte("maria@")) || bytes.Contains(raw, []byte("203.0.113.7")) {
		t.Fatal("plaintext in the encoded payload")
	}
	if string(p.Metadata[MetadataKeyID]) != "k1" || string(p.Metadata[converter.MetadataEncoding]) != Encoding {
		t.Fatalf("metadata %v", p.Metadata)
	}
	rotated := MustParse(k2 + "," + k1)
	var got attendance
	if err := rotated.DataConverter().FromPayload(p, &got); err != nil || got != secret {
		t.Fatalf("old key after rotation: %+v %v", got, err)
	}
	if again, _ := rotated.DataConverter().ToPayload(secret); string(again.Metadata[MetadataKeyID]) != "k2" {
		t.Fatalf("the first key encrypts: %v", again.Metadata)
	}
	if err := MustParse(k2).DataConverter().FromPayload(p, &got); err == nil || !strings.Contains(err.Error(), `"k1"`) {
		t.Fatalf("dropped key: %v", err)
	}
	relabelled := proto.Clone(p).(*commonpb.Payload)
	relabelled.Metadata[MetadataKeyID] = []byte("k2")
	if _, err := rotated.Decode([]*commonpb.Payload{relabelled}); err == nil {
		t.Fatal("a payload relabelled with another key id decrypted")
	}
	flipped := proto.Clone(p).(*commonpb.Payload)
	flipped.Data[len(flipped.Data)-1] ^= 1
	if _, err := old.Decode([]*commonpb.Payload{flipped}); err == nil {
		t.Fatal("a flipped bit decrypted")
	}
	plain, _ := converter.GetDefaultDataConverter().ToPayload(secret)
	if err := old.DataConverter().FromPayload(plain, &got); err != nil || got != secret {
		t.Fatalf("plaintext payload (no encryption metadata) must pass through: %+v %v", got, err)
	}
	for _, bad := range []string{"", "k1", "k1:c2hvcnQ=", k1 + "," + k1} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

// TestFailuresAreEncodedAndReadBack: an error's message goes to Temporal
// encrypted, and DecodeInPlace gives a history's failure its message back.
func TestFailuresAreEncodedAndReadBack(t *testing.T) {
	c := MustParse(k1)
	f := c.FailureConverter().ErrorToFailure(temporal.NewApplicationError("contato Maria Silva tem atendimento aberto", "active_attendances", secret))
	if raw, _ := proto.Marshal(f); bytes.Contains(raw, []byte("Maria")) {
		t.Fatalf("plaintext in the failure: %v", f)
	}
	ev := &historypb.HistoryEvent{Attributes: &historypb.HistoryEvent_WorkflowExecutionFailedEventAttributes{
		WorkflowExecutionFailedEventAttributes: &historypb.WorkflowExecutionFailedEventAttributes{Failure: proto.Clone(f).(*failurepb.Failure)}}}
	if err := c.DecodeInPlace(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if msg := ev.GetWorkflowExecutionFailedEventAttributes().GetFailure().GetMessage(); msg != "contato Maria Silva tem atendimento aberto" {
		t.Fatalf("decoded message %q", msg)
	}
	var app *temporal.ApplicationError
	if err := c.FailureConverter().FailureToError(f); !errors.As(err, &app) || !strings.Contains(app.Error(), "Maria Silva") {
		t.Fatalf("the SDK reads it back: %v", err)
	}
}
