package domain

import (
	"reflect"
	"strings"
	"testing"
)

// TestGroupByAccountKeepsTheAccountsOrder: one group per account, in the
// order the accounts first come, for either kind of channel; the notices
// name one channel by name and several by count, with a link to each.
func TestGroupByAccountKeepsTheAccountsOrder(t *testing.T) {
	got := GroupByAccount([]DisconnectedChannel{{ID: "c1", AccountID: "B"}, {ID: "c2", AccountID: "A"}, {ID: "c3", AccountID: "B"}})
	want := [][]DisconnectedChannel{{{ID: "c1", AccountID: "B"}, {ID: "c3", AccountID: "B"}}, {{ID: "c2", AccountID: "A"}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%+v", got)
	}
	if g := GroupByAccount([]WABAChannel(nil)); len(g) != 0 {
		t.Fatalf("%+v", g)
	}
	one := OffboardedNotice{ChannelsNotice: ChannelsNotice[WABAChannel]{AccountName: "Loja", AppURL: "https://crm.test/",
		Channels: []WABAChannel{{ID: "c9", AccountID: "A", Name: "Zap"}}}, WABAID: "W"}
	if !strings.Contains(one.Subject(), `"Zap"`) || !strings.Contains(one.Text(), "https://crm.test/#/canais/c9") {
		t.Fatalf("%s\n%s", one.Subject(), one.Text())
	}
	two := DisconnectionNotice{ChannelsNotice[DisconnectedChannel]{AccountName: "Loja", Channels: want[0]}}
	if s := two.Subject(); !strings.Contains(s, "2 canais da conta Loja") {
		t.Fatal(s)
	}
}
