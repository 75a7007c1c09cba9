package e2e

import (
	"bytes"
	"context"
	"testing"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"google.golang.org/protobuf/proto"

	"github.com/crm/channel-removal/app"
	"github.com/crm/channel-removal/workflows"
)

// TestARefusedRemovalsHistoryIsEncrypted: a removal refused for an open
// attendance lists its contact; read with a plain SDK client (the default
// converter, no codec: what Temporal's Web, database or backups hold) its
// history names no contact, e-mail, IP address or channel name; through the
// codec it reads as before (the contact, the admin's IP, the channel).
func TestARefusedRemovalsHistoryIsEncrypted(t *testing.T) {
	s := newStack(t)
	s.start(true)
	contact := s.must(s.b.Contact("", s.account, "Josefina Cardoso", "+5511977776666"))
	busy := s.channel("whatsapp_cloud", "WB-"+s.account[:8], "")
	s.must(s.b.Conversation("", s.account, busy, contact, "pending"))
	r := s.want(s.do("POST", "/v1/channels/"+busy+"/removals", s.adminToken, nil), 422, "active_attendances")
	if !bytes.Contains([]byte(r.Raw), []byte("Josefina Cardoso")) {
		t.Fatalf("the refusal lists the attendance's contact: %s", r.Raw)
	}
	id := workflows.WorkflowID(busy)
	s.closed(id)

	plain, err := client.Dial(client.Options{HostPort: s.addr, Namespace: "default", Logger: sdklog.NewStructuredLogger(quietLog())})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	// The channel's name too: the run's summary and its timers' name it.
	ch, err := s.store.Channel(context.Background(), busy)
	if err != nil {
		t.Fatal(err)
	}
	name := ch.Name
	personal := []string{"Josefina Cardoso", "+5511977776666", s.adminEmail(), "127.0.0.1", name}
	raw := s.rawHistory(plain, id)
	found := func(h proto.Message, what string) bool {
		b, _ := proto.Marshal(h)
		return bytes.Contains(b, []byte(what))
	}
	for _, p := range personal {
		if found(raw, p) {
			t.Errorf("%q in plaintext in the raw history", p)
		}
	}
	if err := app.DevCodec.DecodeInPlace(context.Background(), raw); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"Josefina Cardoso", "127.0.0.1", name} {
		if !found(raw, p) {
			t.Errorf("%q not in the history decoded by the codec", p)
		}
	}
}
