// Package seed writes data: the demo account of SPEC §5 for `dev`, and the
// fixtures tests build through the same statements.
package seed

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// Builder inserts rows; every insert is idempotent on its id.
type Builder struct {
	DB  *sqlx.DB
	Ctx context.Context
	// Seal seals access tokens at rest (credentials.Keyring.Seal); nil
	// stores them in plaintext, as before migration 4 (its tests).
	Seal func(channelID, token string) (string, error)
}

func (b Builder) ctx() context.Context {
	if b.Ctx != nil {
		return b.Ctx
	}
	return context.Background()
}

func (b Builder) id(query string, args ...any) (string, error) {
	var id string
	err := b.DB.GetContext(b.ctx(), &id, query, args...)
	return id, err
}

// Account creates an account; id "" means a new random id.
func (b Builder) Account(id, name, adminEmail string) (string, error) {
	return b.id(`INSERT INTO accounts (id, name, admin_email) VALUES (COALESCE(NULLIF($1, '')::uuid, gen_random_uuid()), $2, $3)
		ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id RETURNING id`, id, name, adminEmail)
}

// User creates a user.
func (b Builder) User(id, accountID, email, name, role string) (string, error) {
	return b.id(`INSERT INTO users (id, account_id, email, name, role) VALUES (COALESCE(NULLIF($1, '')::uuid, gen_random_uuid()), $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id RETURNING id`, id, accountID, email, name, role)
}

// ChannelSpec describes a channel to create.
type ChannelSpec struct {
	ID, AccountID, Name, Kind   string
	WABAID, PhoneNumberID, Page string
	Token                       string
	// Coexistence marks a WhatsApp number shared with the WhatsApp Business
	// app; NumberOverride and WABAOverride are callback overrides our app set.
	Coexistence                  bool
	NumberOverride, WABAOverride string
	// CreditAllocation: the WABA is on our credit line, with this allocation config.
	CreditAllocation string
}

// Channel creates a channel and, when it has a token, its credentials.
func (b Builder) Channel(c ChannelSpec) (string, error) {
	id, err := b.id(`INSERT INTO channels (id, account_id, name, kind, official, waba_id, phone_number_id, page_id,
			coexistence, number_override_uri, waba_override_uri, credit_allocation_config_id)
		VALUES (COALESCE(NULLIF($1, '')::uuid, gen_random_uuid()), $2, $3, $4, $4 IN ('whatsapp_cloud', 'messenger', 'instagram'),
		        NULLIF($5, ''), NULLIF($6, ''), NULLIF($7, ''), $8, NULLIF($9, ''), NULLIF($10, ''), NULLIF($11, ''))
		ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id RETURNING id`,
		c.ID, c.AccountID, c.Name, c.Kind, c.WABAID, c.PhoneNumberID, c.Page, c.Coexistence, c.NumberOverride, c.WABAOverride,
		c.CreditAllocation)
	if err != nil || c.Token == "" {
		return id, err
	}
	token := c.Token
	if b.Seal != nil {
		if token, err = b.Seal(id, token); err != nil {
			return id, err
		}
	}
	// Only a live channel gets credentials: re-seeding must not hand a token back to a tombstone.
	_, err = b.DB.ExecContext(b.ctx(), `INSERT INTO channel_credentials (channel_id, access_token)
		SELECT id, $2 FROM channels WHERE id = $1 AND status = 'active'
		ON CONFLICT (channel_id) DO NOTHING`, id, token)
	return id, err
}

// Contact creates a contact.
func (b Builder) Contact(id, accountID, name, handle string) (string, error) {
	return b.id(`INSERT INTO contacts (id, account_id, name, handle) VALUES (COALESCE(NULLIF($1, '')::uuid, gen_random_uuid()), $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id RETURNING id`, id, accountID, name, handle)
}

// Conversation creates one conversation.
func (b Builder) Conversation(id, accountID, channelID, contactID, status string) (string, error) {
	return b.id(`INSERT INTO conversations (id, account_id, channel_id, contact_id, status)
		VALUES (COALESCE(NULLIF($1, '')::uuid, gen_random_uuid()), $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id RETURNING id`, id, accountID, channelID, contactID, status)
}

// Conversations bulk-creates n conversations in one statement (for volume tests).
func (b Builder) Conversations(accountID, channelID, contactID, status string, n int) error {
	_, err := b.DB.ExecContext(b.ctx(), `INSERT INTO conversations (account_id, channel_id, contact_id, status, created_at)
		SELECT $1, $2, $3, $4, now() - make_interval(secs => g) FROM generate_series(1, $5) g`,
		accountID, channelID, contactID, status, n)
	return err
}

// Reference creates an automation, routing rule, chatbot or webhook pointing at a channel.
func (b Builder) Reference(id, accountID, kind, name, channelID string) (string, error) {
	return b.id(`INSERT INTO channel_references (id, account_id, kind, name, channel_id)
		VALUES (COALESCE(NULLIF($1, '')::uuid, gen_random_uuid()), $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id RETURNING id`, id, accountID, kind, name, channelID)
}

// Message adds one message to a conversation (authorUserID "": the contact's).
func (b Builder) Message(conversationID, authorUserID, body string) (string, error) {
	return b.id(`INSERT INTO messages (conversation_id, author_user_id, body) VALUES ($1, NULLIF($2, '')::uuid, $3) RETURNING id`,
		conversationID, authorUserID, body)
}

// Messages bulk-adds perConversation messages to each of the channel's
// conversations in one statement (for volume tests and the 1 M figures).
func (b Builder) Messages(channelID string, perConversation int) error {
	_, err := b.DB.ExecContext(b.ctx(), `INSERT INTO messages (conversation_id, body, created_at)
		SELECT v.id, 'mensagem ' || g || ' da conversa ' || v.id, v.created_at + make_interval(secs => g)
		FROM conversations v, generate_series(1, $2) g WHERE v.channel_id = $1`, channelID, perConversation)
	return err
}
