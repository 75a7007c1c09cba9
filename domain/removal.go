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

// Terminal reports whether no further step can happen in this run.
// completed_with_warnings is not terminal: ops may still retry the unlink.
func (s Status) Terminal() bool {
	switch s {
	case StatusCompleted, StatusRejected, StatusCancelled, StatusExpired, StatusLocked, StatusFailed:
		return true
	}
	return false
}

// Reason is one machine-readable cause of a preflight rejection.
type Reason struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

// References counts what points at a channel.
type References struct {
	Automations  int `json:"automations" db:"automations"`
	RoutingRules int `json:"routing_rules" db:"routing_rules"`
	Chatbots     int `json:"chatbots" db:"chatbots"`
	Webhooks     int `json:"webhooks" db:"webhooks"`
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
	References          References   `json:"references"`
	Warnings            []string     `json:"warnings"`
}

// Actor is who asked for a step and from where, for the audit log.
type Actor struct {
	UserID string `json:"user_id,omitempty"`
	IP     string `json:"ip,omitempty"`
}
