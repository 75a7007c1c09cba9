package domain

// Status is a removal's status (SPEC §3).
type Status string

const (
	StatusPreflight               Status = "preflight" // only while the first activity runs
	StatusAwaitingAcknowledgement Status = "awaiting_acknowledgement"
	StatusAwaitingCode            Status = "awaiting_code"
	StatusRemoving                Status = "removing"
	StatusUnlinking               Status = "unlinking"
	StatusCompleted               Status = "completed"
	StatusCompletedWithWarnings   Status = "completed_with_warnings"
	StatusRejected                Status = "rejected"
	StatusCancelled               Status = "cancelled"
	StatusExpired                 Status = "expired"
	StatusLocked                  Status = "locked"
	StatusFailed                  Status = "failed"
)

// Known reports whether s is one of the statuses a removal document shows.
func (s Status) Known() bool {
	switch s {
	case StatusAwaitingAcknowledgement, StatusAwaitingCode, StatusRemoving, StatusUnlinking, StatusCompleted,
		StatusCompletedWithWarnings, StatusRejected, StatusCancelled, StatusExpired, StatusLocked, StatusFailed:
		return true
	}
	return false
}

// Terminal reports whether no further step can happen in this run.
// completed_with_warnings is not terminal: ops may still retry the unlink.
func (s Status) Terminal() bool {
	switch s {
	case StatusCompleted, StatusRejected, StatusCancelled, StatusExpired, StatusLocked, StatusFailed:
		return true
	}
	return false
}

// Before reports whether a run at s has yet to reach t: a run's statuses
// only move on (unlinking and completed_with_warnings alternate under ops'
// retries, so neither is before the other).
func (s Status) Before(t Status) bool { return s.stage() < t.stage() }

// stage is how far into a run s stands.
func (s Status) stage() int {
	switch s {
	case StatusPreflight:
		return 0
	case StatusAwaitingAcknowledgement:
		return 1
	case StatusAwaitingCode:
		return 2
	case StatusRemoving:
		return 3
	case StatusUnlinking, StatusCompletedWithWarnings:
		return 4
	}
	return 5
}

// Reason is one machine-readable cause of a preflight rejection.
type Reason struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
	// RetryAfter (seconds) says when a limit's refusal lapses.
	RetryAfter int `json:"retry_after,omitempty"`
}

// References counts what points at a channel.
type References struct {
	Automations  int `json:"automations"`
	RoutingRules int `json:"routing_rules"`
	Chatbots     int `json:"chatbots"`
	Webhooks     int `json:"webhooks"`
}

// ImpactFacts are what a channel's impact is built from, as the store counts them.
type ImpactFacts struct {
	ActiveAttendances []Attendance
	// Conversations is counted up to the cap asked for, plus one.
	Conversations int
	References    References
	// OtherLiveChannelsOnWABA counts the other live channels, of any
	// account, on the channel's WABA (0 when it has none).
	OtherLiveChannelsOnWABA int
}

// MetaObjects are the Meta ids linked to an official channel.
type MetaObjects struct {
	WABAID        string `json:"waba_id,omitempty"`
	PhoneNumberID string `json:"phone_number_id,omitempty"`
	PageID        string `json:"page_id,omitempty"`
}

// Impact is what the preflight found (SPEC §3 removal document).
type Impact struct {
	ChannelName         string       `json:"channel_name"`
	Kind                ChannelKind  `json:"kind"`
	OfficialIntegration bool         `json:"official_integration"`
	Meta                MetaObjects  `json:"meta"`
	ActiveAttendances   []Attendance `json:"active_attendances"`
	Conversations       int          `json:"conversations"`
	ConversationsCapped bool         `json:"conversations_capped,omitempty"` // there are more than Conversations
	References          References   `json:"references"`
	Warnings            []string     `json:"warnings"`
	// Disconnected: Meta cut the channel off (SPEC §7); nothing is owed to Meta.
	Disconnected bool `json:"disconnected,omitempty"`
	// Coexistence: the number is shared with the WhatsApp Business app; it is
	// never released (SPEC §8).
	Coexistence bool `json:"coexistence,omitempty"`
	// SharedWABA: another live channel is on the channel's WhatsApp WABA,
	// so the app stays subscribed to it (a fact the warnings are built from).
	SharedWABA bool `json:"shared_waba,omitempty"`
}

// Actor is who asked for a step and from where, for the audit log.
type Actor struct {
	UserID string `json:"user_id,omitempty"`
	IP     string `json:"ip,omitempty"`
	// Claimed is who a signal's payload said it came from: kept in the audit
	// record's detail, never taken as the actor (SignalActor).
	Claimed *Actor `json:"claimed,omitempty"`
}

// ActorOpsTemporal is who sends a signal: whoever reached Temporal (Temporal
// Web, the temporal CLI), not a user the API authenticated.
var ActorOpsTemporal = Actor{UserID: "ops (Temporal)"}

// ActorRetention is who acts when a purge's date comes: the retention the
// removal's admin chose, not a user.
var ActorRetention = Actor{UserID: "retenção programada"}

// SignalActor is the actor of a signal whose payload names claimed: ops
// (Temporal), with the claim kept. Anyone who reaches Temporal's frontend can
// send a signal naming any user; only the API's updates carry an actor the
// API authenticated.
func SignalActor(claimed Actor) Actor {
	a := ActorOpsTemporal
	if claimed.UserID != "" || claimed.IP != "" {
		c := Actor{UserID: claimed.UserID, IP: claimed.IP}
		a.Claimed = &c
	}
	return a
}

// Notes a removal carries (SPEC §1.7), which the workflow adds.
const (
	NoteWhatsAppRelink = "Canal do WhatsApp Business API removido: para usar este número de novo pode ser necessário vinculá-lo novamente no Meta Business."
	NoteNumberReleased = "Canal do WhatsApp Business API removido e número liberado na Meta: ele já pode ser registrado em outro provedor."
	NoteWABAShared     = "A WABA continua em uso por outro canal ativo: a inscrição do aplicativo foi mantida."
)

// CompletedNote is a completed WhatsApp Business API removal's note on its
// number: released, or what re-linking it may need.
func CompletedNote(number *NumberRelease) string {
	if number != nil && number.Status == NumberReleased {
		return NoteNumberReleased
	}
	return NoteWhatsAppRelink
}
