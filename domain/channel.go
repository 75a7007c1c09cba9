package domain

import "time"

// ChannelKind is the kind of customer-service channel.
type ChannelKind string

const (
	KindWhatsAppCloud ChannelKind = "whatsapp_cloud"
	KindWhatsAppWeb   ChannelKind = "whatsapp_web"
	KindMessenger     ChannelKind = "messenger"
	KindInstagram     ChannelKind = "instagram"
	KindEmail         ChannelKind = "email"
	KindWebChat       ChannelKind = "webchat"
)

// Official reports whether the kind is an official Meta integration.
func (k ChannelKind) Official() bool {
	switch k {
	case KindWhatsAppCloud, KindMessenger, KindInstagram:
		return true
	}
	return false
}

// Channel statuses (and ChannelDisconnected, meta_access.go).
const (
	ChannelActive  = "active"
	ChannelRemoved = "removed"
)

// Roles.
const (
	RoleAdmin = "admin"
	RoleAgent = "agent"
)

// Conversation statuses; open and pending are active attendances.
const (
	ConversationOpen    = "open"
	ConversationPending = "pending"
	ConversationClosed  = "closed"
)

// User is an authenticated CRM user.
type User struct {
	ID        string `json:"id"`
	AccountID string `json:"account_id"`
	Email     string `json:"email"`
	Name      string `json:"name"`
	Role      string `json:"role"`
}

// Channel is a channel as the API lists it; credentials never leave the store.
type Channel struct {
	ID          string      `json:"id"`
	AccountID   string      `json:"-"`
	Name        string      `json:"name"`
	Kind        ChannelKind `json:"kind"`
	Official    bool        `json:"official"`
	Status      string      `json:"status"`
	WABAID      *string     `json:"-"`
	PhoneNumber *string     `json:"-"`
	PageID      *string     `json:"-"`
	RemovedAt   *time.Time  `json:"-"`
	// Coexistence: the WhatsApp number is shared with the WhatsApp Business
	// app on the business's phone (SPEC §8); it is never deregistered.
	Coexistence bool `json:"coexistence"`
	// NumberOverride and WABAOverride are the callback URIs our app set as
	// webhook overrides on the phone number and on the WABA (nil: none).
	NumberOverride *string `json:"-"`
	WABAOverride   *string `json:"-"`
	// HoldReason, HoldBy (a user id) and HoldAt: a legal hold stops any
	// purge of the channel's messages (Hold).
	HoldReason *string    `json:"-"`
	HoldBy     *string    `json:"-"`
	HoldAt     *time.Time `json:"-"`
	// CreditAllocation is the allocation config of our credit line shared
	// with the channel's WABA (nil: not on it; credit_line.go).
	CreditAllocation *string `json:"-"`
}

// Hold is the channel's legal hold (nil: none).
func (c Channel) Hold() *Hold {
	if c.HoldReason == nil || c.HoldAt == nil {
		return nil
	}
	h := Hold{Reason: *c.HoldReason, At: *c.HoldAt, Version: HoldVersion(*c.HoldAt)}
	if c.HoldBy != nil {
		h.By = *c.HoldBy
	}
	return &h
}

// Conversation as listed under a channel.
type Conversation struct {
	ID             string `json:"id"`
	ChannelID      string `json:"-"`
	AccountID      string `json:"-"`
	Contact        string `json:"contact"`
	Status         string `json:"status"`
	ChannelRemoved bool   `json:"channel_removed"`
	// ChannelDisconnected: Meta cut the channel off; it no longer sends.
	ChannelDisconnected bool `json:"channel_disconnected"`
	// MessagesPurged: the retention chosen at the removal purged its messages.
	MessagesPurged bool `json:"messages_purged"`
}

// SendRefusal is why nothing may be sent on a conversation of the channel
// in this status (nil: it may).
func SendRefusal(channelStatus string) error {
	switch channelStatus {
	case ChannelActive:
		return nil
	case ChannelDisconnected:
		return Errorf(CodeChannelDisconnected, MsgChannelDisconnectedSend)
	}
	return Errorf(CodeChannelRemoved, MsgChannelRemovedSend)
}

// Attendance is an active conversation that blocks a removal.
type Attendance struct {
	ConversationID string `json:"conversation_id"`
	Contact        string `json:"contact"`
	Status         string `json:"status"`
}

// UnlinkTarget is the Meta object our app is subscribed to for a channel, the
// one a removal unsubscribes from (SPEC §1.6): the WABA of a WhatsApp Business
// API channel, the Page of Messenger and Instagram; none for the others.
// Deregistering a phone number is never a target. A channel Meta cut off has
// none: Meta already removed our app from it.
func UnlinkTarget(ch Channel) (kind, object string) {
	if ch.Status == ChannelDisconnected {
		return "", ""
	}
	switch ch.Kind {
	case KindWhatsAppCloud:
		if ch.WABAID != nil {
			return "waba", *ch.WABAID
		}
	case KindMessenger, KindInstagram:
		if ch.PageID != nil {
			return "page", *ch.PageID
		}
	}
	return "", ""
}
