package bench

import (
	"context"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/proto"
)

// Largest is a removal's largest history event: its size as the server
// stores it (protobuf bytes, payloads as sent: encrypted when the codec is
// on) and its type.
type Largest struct {
	Bytes int
	Type  string
}

// largestEvent reads the removal's history and names its largest event.
func largestEvent(ctx context.Context, tc client.Client, id string) (Largest, error) {
	var l Largest
	it := tc.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return l, err
		}
		if n := proto.Size(ev); n > l.Bytes {
			l = Largest{Bytes: n, Type: ev.GetEventType().String()}
		}
	}
	return l, nil
}
