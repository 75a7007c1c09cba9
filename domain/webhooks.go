package domain

import (
	"context"
	"time"
)

// Events for integrators (SPEC §9, Standard Webhooks 1.0): what an account's
// own systems are told, and the endpoints its admins register to hear it.

// EventType is an event's "type", as integrators subscribe to it.
type EventType string

const (
	EventChannelRemoved        EventType = "channel.removed"
	EventChannelDisconnected   EventType = "channel.disconnected"
	EventCompletedWithWarnings EventType = "removal.completed_with_warnings"
	EventMessagesPurged        EventType = "messages.purged"
	EventConversationsExported EventType = "conversations.exported"
)

// EventTypes are every event an endpoint may subscribe to, in the order the
// screen lists them.
var EventTypes = []EventType{EventChannelRemoved, EventChannelDisconnected, EventCompletedWithWarnings,
	EventMessagesPurged, EventConversationsExported}

// Valid says whether t is one of EventTypes.
func (t EventType) Valid() bool {
	for _, v := range EventTypes {
		if v == t {
			return true
		}
	}
	return false
}

// Event is a fact an account's integrators are told of. Key names the fact
// (a removal, a purge, a Meta delivery's channel, an export): the same fact
// told twice, by an activity retried, has the same key and so the same
// webhook-id at each endpoint, and is delivered once.
type Event struct {
	Type      EventType
	Key       string
	At        time.Time
	AccountID string
	ChannelID string
	RemovalID string
	// Data is what the event says beyond the ids (names, counts, statuses).
	Data map[string]any
}

// EventPublisher hands an event to every endpoint of its account that
// subscribed to its type, durably: once Publish returns nil, each delivery
// exists and is retried until it lands or gives up. Activities call it after
// the fact's record is written, so a failure is retried with the activity.
type EventPublisher interface {
	Publish(ctx context.Context, e Event) error
}

// WebhookEndpoint is an integrator's URL; its secret is never part of it
// (the API shows a new secret once, on creation and rotation).
type WebhookEndpoint struct {
	ID        string      `json:"id"`
	AccountID string      `json:"-"`
	URL       string      `json:"url"`
	Events    []EventType `json:"events"`
	CreatedAt time.Time   `json:"created_at"`
	// DisabledAt: the endpoint failed for WEBHOOK_DISABLE_AFTER and gets
	// nothing more (the admins were told).
	DisabledAt *time.Time `json:"disabled_at"`
	// FailingSince is the first failed attempt since the last success.
	FailingSince *time.Time `json:"failing_since"`
}

// WebhookDelivery is one event at one endpoint; ID is its webhook-id.
type WebhookDelivery struct {
	ID          string           `json:"id"`
	EndpointID  string           `json:"endpoint_id"`
	Type        EventType        `json:"type"`
	CreatedAt   time.Time        `json:"created_at"`
	Attempts    int              `json:"attempts"`
	LastStatus  *int             `json:"last_status"`
	LastAnswer  string           `json:"last_answer"`
	NextTryAt   *time.Time       `json:"next_try_at"`
	DeliveredAt *time.Time       `json:"delivered_at"`
	FailedAt    *time.Time       `json:"failed_at"`
	History     []WebhookAttempt `json:"history"`
}

// WebhookAttempt is one POST of a delivery: the HTTP status (0: no answer)
// and the first bytes of the answer, or why none came.
type WebhookAttempt struct {
	N      int       `json:"n"`
	At     time.Time `json:"at"`
	Status int       `json:"status"`
	Answer string    `json:"answer"`
}

// WebhookTarget is what one attempt of a delivery needs: the stored body
// (signed byte for byte as first written), the endpoint's URL and its
// secrets as sealed at rest.
type WebhookTarget struct {
	Delivery      WebhookDelivery
	Payload       []byte
	URL           string
	Secret        string // sealed
	Previous      string // sealed; "" none
	PreviousUntil *time.Time
	Disabled      bool
}

// MaxWebhookEndpoints bounds an account's endpoints: each event starts one
// delivery per endpoint.
const MaxWebhookEndpoints = 10

// CanManageIntegrations says whether u may manage its account's webhook
// endpoints: their secrets let anyone speak for us to the account's systems.
func CanManageIntegrations(u User) error {
	if u.Role != RoleAdmin {
		return Errorf(CodeForbidden, "apenas administradores da conta podem gerenciar integrações")
	}
	return nil
}
