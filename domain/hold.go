package domain

import (
	"strconv"
	"time"
)

// Hold is a legal hold on a channel: while it stands nothing of the
// channel's messages is purged.
type Hold struct {
	Reason string    `json:"reason,omitempty"`
	By     string    `json:"by,omitempty"`
	At     time.Time `json:"at"`
	// Version names this hold among the channel's holds (its instant, in
	// microseconds, as the store keeps it): a release names the hold it read.
	Version string `json:"version"`
}

// HoldVersion is the version of a hold set at at.
func HoldVersion(at time.Time) string { return strconv.FormatInt(at.UnixMicro(), 10) }

// ParseHoldVersion is the instant a version names; ok false when it names none.
func ParseHoldVersion(v string) (at time.Time, ok bool) {
	us, err := strconv.ParseInt(v, 10, 64)
	if err != nil || us <= 0 {
		return time.Time{}, false
	}
	return time.UnixMicro(us).UTC(), true
}

// HoldChanged refuses to lift a hold other than the one the admin read.
func HoldChanged() *Error {
	return Errorf(CodeHoldChanged, "a retenção legal mudou desde que você a leu (outra foi aplicada ou ela já foi retirada); "+
		"recarregue a página e confira antes de retirá-la")
}

// ForReader is the hold as u may read it: its reason (a legal matter) and who
// set it are for the account's admins; anyone else sees that it stands.
func (h *Hold) ForReader(u User) *Hold {
	if h == nil || u.Role == RoleAdmin {
		return h
	}
	return &Hold{At: h.At, Version: h.Version}
}
