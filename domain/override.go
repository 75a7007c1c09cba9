package domain

// Webhook overrides (SPEC §8): when our app connected a WhatsApp channel it
// may have set an alternate callback URL on the phone number (and on the
// WABA). Meta routes the number's webhooks to the number's override first,
// then the WABA's, then the app's callback: an override of ours left behind
// keeps pulling the number's messages after the removal. The unlink step
// clears the number's override only while it still points at the URI we set
// (never another app's); the WABA's goes with our subscription, and stays
// while a sibling channel keeps that subscription.

// OverrideStatus is what became of the number's override
// (meta_unlink.override.status, and the override job's row).
type OverrideStatus string

const (
	OverridePending OverrideStatus = "pending"
	OverrideCleared OverrideStatus = "cleared"
	// OverrideNotOurs: the number points somewhere else now (another app's
	// override, or none): left alone.
	OverrideNotOurs OverrideStatus = "not_ours"
	OverrideFailed  OverrideStatus = "failed"
	// OverrideAbandoned is the job's state once nobody retried it within the
	// retry window (its token erased); the document says failed.
	OverrideAbandoned OverrideStatus = "abandoned"
)

// OverrideRelease is meta_unlink.override in the removal document.
type OverrideRelease struct {
	Status    OverrideStatus `json:"status"`
	LastError string         `json:"last_error,omitempty"`
}

// WABAOverride is what became of the override our app set on the WABA
// (meta_unlink.waba_override): it goes with our subscription.
type WABAOverride string

const (
	WABAOverrideRemoved WABAOverride = "removed" // with the unsubscribe
	WABAOverrideKept    WABAOverride = "kept"    // a sibling channel keeps the subscription, and the override with it
)

// OverrideJob is a run's number override owed a clearing (the
// override_releases row).
type OverrideJob struct {
	RemovalID     string
	RunID         string
	ChannelID     string
	PhoneNumberID string
	URI           string
	AccessToken   string
	Status        OverrideStatus
	Attempts      int
	LastError     string
}

// Override is the number's override read with an unlink job; ok is false
// when our app had set none.
func (u Unlink) Override() (o OverrideJob, ok bool) {
	return OverrideJob{RemovalID: u.RemovalID, RunID: u.RunID, ChannelID: u.ChannelID, PhoneNumberID: u.OverridePhoneID,
		URI: u.OverrideURI, AccessToken: u.OverrideToken, Status: u.OverrideStatus, Attempts: u.OverrideAttempts,
		LastError: u.OverrideLastError}, u.OverrideStatus != ""
}

// NoteOverrideNotOurs: the number's webhooks point to another app now.
const NoteOverrideNotOurs = "O redirecionamento de webhook do número aponta para outro aplicativo: foi mantido como está."
