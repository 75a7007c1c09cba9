package domain

import (
	"reflect"
	"testing"
)

// Channels group by account, accounts in the order they first come.
func TestByAccountKeepsTheAccountsOrder(t *testing.T) {
	c1, c2, c3 := DisconnectedChannel{ID: "c1", AccountID: "b"}, DisconnectedChannel{ID: "c2", AccountID: "a"}, DisconnectedChannel{ID: "c3", AccountID: "b"}
	if got, want := ByAccount([]DisconnectedChannel{c1, c2, c3}), [][]DisconnectedChannel{{c1, c3}, {c2}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if got := ByAccount(nil); len(got) != 0 {
		t.Fatalf("no channel: %v", got)
	}
}

func TestAccessLostDoneReadsAsPortuguese(t *testing.T) {
	if got := AccessLostDone(1, 1); got != "1 canal desconectado; 1 conta avisada" {
		t.Fatal(got)
	}
	if got := AccessLostDone(3, 0); got != "3 canais desconectados; 0 contas avisadas" {
		t.Fatal(got)
	}
}
