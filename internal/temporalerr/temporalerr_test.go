package temporalerr

import (
	"errors"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/crm/channel-removal/domain"
)

// A domain error survives the trip through Temporal: code, message, fields;
// only the codes a later attempt may not meet are retryable.
func TestEncodeDecode(t *testing.T) {
	in := domain.Errorf(domain.CodeInvalidCode, "código incorreto").With("attempts_left", 3)
	out, ok := Decode(Encode(in))
	if !ok || out.Code != in.Code || out.Message != in.Message || out.Fields["attempts_left"] != float64(3) && out.Fields["attempts_left"] != 3 {
		t.Fatalf("%+v", out)
	}
	if Retryable(Encode(in)) || !Retryable(Encode(domain.Errorf(domain.CodeUnavailable, "fora"))) {
		t.Fatal("retryability by code")
	}
	plain := errors.New("connection reset")
	if Encode(plain) != plain || !Retryable(plain) || AsDomain(plain).Code != domain.CodeInternal {
		t.Fatal("an error outside the vocabulary passes unchanged, retryable, internal")
	}
	if _, ok := Decode(temporal.NewTimeoutError(0, nil)); ok {
		t.Fatal("a timeout carries no domain error")
	}
}
