package seed

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Demo ids are fixed so that `dev` prints the same ids on every start and the
// README's walk-through can name them.
const (
	DemoAccountID         = "10000000-0000-4000-8000-000000000001"
	DemoAdminID           = "20000000-0000-4000-8000-000000000001"
	DemoAgentID           = "20000000-0000-4000-8000-000000000002"
	DemoWhatsAppOficialID = "30000000-0000-4000-8000-000000000001"
	DemoWhatsAppVendasID  = "30000000-0000-4000-8000-000000000002"
	DemoMessengerID       = "30000000-0000-4000-8000-000000000003"
	DemoWhatsAppQRID      = "30000000-0000-4000-8000-000000000004"
	DemoEmailID           = "30000000-0000-4000-8000-000000000005"
	// DemoCoexistenceID: a WhatsApp number shared with the WhatsApp Business
	// app (SPEC §8), whose webhooks our app redirected with an override.
	DemoCoexistenceID = "30000000-0000-4000-8000-000000000006"
	DemoAdminEmail    = "admin@demo.local"
	DemoAgentEmail    = "agent@demo.local"
)

// DemoOverrideURI is the callback our app set as the coexistence number's
// webhook override (the dev simulator holds it too).
const DemoOverrideURI = "https://crm.example/webhooks/meta/110000000000003"

// DemoOficialWABA is WhatsApp Oficial's WABA; it pays with our shared credit
// line, through the allocation config DemoCreditAllocationID (the dev
// simulator holds it too): its removal revokes the share.
const (
	DemoOficialWABA        = "100000000000001"
	DemoCreditAllocationID = "300000000000001"
)

// DemoCoexistencePhone is the coexistence channel's phone-number id.
const DemoCoexistencePhone = "110000000000003"

// DemoChannel is a seeded channel, for the dev banner.
type DemoChannel struct{ ID, Name, Kind string }

// DemoChannels lists the seeded channels in banner order.
var DemoChannels = []DemoChannel{
	{DemoWhatsAppOficialID, "WhatsApp Oficial", "whatsapp_cloud"},
	{DemoWhatsAppVendasID, "WhatsApp Vendas", "whatsapp_cloud"},
	{DemoMessengerID, "Messenger Loja", "messenger"},
	{DemoWhatsAppQRID, "WhatsApp QR", "whatsapp_web"},
	{DemoEmailID, "E-mail Suporte", "email"},
	{DemoCoexistenceID, "WhatsApp Loja (app)", "whatsapp_cloud"},
}

// Demo seeds SPEC §5's account. Running it again changes nothing, and a channel
// removed in an earlier session stays removed.
// seal seals the demo channels' access tokens (CREDENTIALS_KEY).
func Demo(ctx context.Context, db *sqlx.DB, seal func(channelID, token string) (string, error)) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	type step struct {
		q    string
		args []any
	}
	var steps []step
	add := func(q string, args ...any) { steps = append(steps, step{q, args}) }
	var sealErr error

	add(`INSERT INTO accounts (id, name, admin_email) VALUES ($1, 'Loja Demo', $2) ON CONFLICT (id) DO NOTHING`, DemoAccountID, DemoAdminEmail)
	add(`INSERT INTO users (id, account_id, email, name, role) VALUES ($1, $2, $3, 'Ana Admin', 'admin') ON CONFLICT (id) DO NOTHING`, DemoAdminID, DemoAccountID, DemoAdminEmail)
	add(`INSERT INTO users (id, account_id, email, name, role) VALUES ($1, $2, $3, 'Beto Atendente', 'agent') ON CONFLICT (id) DO NOTHING`, DemoAgentID, DemoAccountID, DemoAgentEmail)
	ch := func(id, name, kind, waba, phone, page, token string) {
		add(`INSERT INTO channels (id, account_id, name, kind, official, waba_id, phone_number_id, page_id)
			VALUES ($1, $2, $3, $4, $4 IN ('whatsapp_cloud', 'messenger', 'instagram'), NULLIF($5, ''), NULLIF($6, ''), NULLIF($7, ''))
			ON CONFLICT (id) DO NOTHING`, id, DemoAccountID, name, kind, waba, phone, page)
		if token != "" {
			sealed, err := seal(id, token)
			if err != nil {
				sealErr = err
				return
			}
			token = sealed
			add(`INSERT INTO channel_credentials (channel_id, access_token) SELECT id, $2 FROM channels WHERE id = $1 AND status = 'active'
				ON CONFLICT (channel_id) DO NOTHING`, id, token)
		}
	}
	ch(DemoWhatsAppOficialID, "WhatsApp Oficial", "whatsapp_cloud", DemoOficialWABA, "110000000000001", "", "EAAdemoTokenWhatsAppOficial")
	ch(DemoWhatsAppVendasID, "WhatsApp Vendas", "whatsapp_cloud", "100000000000002", "110000000000002", "", "EAAdemoTokenWhatsAppVendas")
	ch(DemoMessengerID, "Messenger Loja", "messenger", "", "", "200000000000001", "EAAdemoTokenMessenger")
	ch(DemoWhatsAppQRID, "WhatsApp QR", "whatsapp_web", "", "", "", "")
	ch(DemoEmailID, "E-mail Suporte", "email", "", "", "", "")
	ch(DemoCoexistenceID, "WhatsApp Loja (app)", "whatsapp_cloud", "100000000000003", DemoCoexistencePhone, "", "EAAdemoTokenWhatsAppLoja")
	add(`UPDATE channels SET coexistence = true, number_override_uri = $2 WHERE id = $1 AND status = 'active' AND NOT coexistence`,
		DemoCoexistenceID, DemoOverrideURI)
	add(`UPDATE channels SET credit_allocation_config_id = $2 WHERE id = $1 AND status = 'active' AND credit_allocation_config_id IS NULL`,
		DemoWhatsAppOficialID, DemoCreditAllocationID)

	contacts := []string{"Maria Souza", "João Pereira", "Carla Lima", "Pedro Alves", "Fernanda Costa"}
	for i, name := range contacts {
		add(`INSERT INTO contacts (id, account_id, name, handle) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
			fmt.Sprintf("40000000-0000-4000-8000-%012d", i+1), DemoAccountID, name, fmt.Sprintf("+55119990000%02d", i+1))
	}
	conv := func(n int, channel, contact int, status string) {
		// Only a conversation not there yet is proposed: the attendance trigger
		// (migration 14) refuses even a conflicting row on a channel that is no
		// longer live.
		add(`INSERT INTO conversations (id, account_id, channel_id, contact_id, status)
			SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM conversations WHERE id = $1)`,
			fmt.Sprintf("50000000-0000-4000-8000-%012d", n), DemoAccountID, DemoChannels[channel].ID,
			fmt.Sprintf("40000000-0000-4000-8000-%012d", contact), status)
	}
	conv(1, 0, 1, "closed") // WhatsApp Oficial: closed conversations only
	conv(2, 0, 2, "closed")
	conv(3, 0, 3, "closed")
	conv(4, 1, 4, "open") // WhatsApp Vendas: one open attendance
	conv(5, 1, 5, "closed")
	conv(6, 2, 1, "closed") // Messenger Loja
	conv(7, 3, 2, "closed") // WhatsApp QR
	conv(8, 4, 3, "closed") // E-mail Suporte
	conv(9, 5, 4, "closed") // WhatsApp Loja (app)
	// A few messages, so that an export of the demo channels holds some.
	msg := func(n, conv int, fromAgent bool, body string) {
		var author any
		if fromAgent {
			author = DemoAdminID
		}
		add(`INSERT INTO messages (id, conversation_id, author_user_id, body, created_at)
			SELECT $1, v.id, $3::uuid, $4, v.created_at + make_interval(mins => $5) FROM conversations v JOIN channels c ON c.id = v.channel_id
			WHERE v.id = $2 AND c.status = 'active' AND NOT EXISTS (SELECT 1 FROM messages WHERE id = $1)`,
			fmt.Sprintf("70000000-0000-4000-8000-%012d", n), fmt.Sprintf("50000000-0000-4000-8000-%012d", conv), author, body, n)
	}
	msg(1, 1, false, "Olá! Preciso da segunda via do boleto, por favor.")
	msg(2, 1, true, "Claro, Maria! Enviei para o seu e-mail agora há pouco.")
	msg(3, 2, false, "O pedido 1234 chega quando? 📦")
	msg(4, 2, true, "Sai amanhã cedo; o código de rastreio vai por aqui.")
	msg(5, 3, false, "Vocês abrem no feriado?")
	msg(6, 3, true, "Abrimos das 9h às 14h. Até lá!")
	msg(7, 6, false, "Tem o tênis 42 em azul?")
	msg(8, 6, true, "Tem sim, separado no seu nome até sexta.")
	ref := func(n int, kind, name string, channel int) {
		add(`INSERT INTO channel_references (id, account_id, kind, name, channel_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
			fmt.Sprintf("60000000-0000-4000-8000-%012d", n), DemoAccountID, kind, name, DemoChannels[channel].ID)
	}
	ref(1, "automation", "Boas-vindas WhatsApp", 0)
	ref(2, "routing_rule", "Fila Atendimento Geral", 0)
	ref(3, "chatbot", "Bot de Pedidos", 2)
	ref(4, "webhook", "Webhook ERP", 2)

	if sealErr != nil {
		return fmt.Errorf("seed demo: seal a token: %w", sealErr)
	}
	for _, s := range steps {
		if _, err := tx.ExecContext(ctx, s.q, s.args...); err != nil {
			return fmt.Errorf("seed demo: %w", err)
		}
	}
	return tx.Commit()
}

// DemoPasswords gives the demo users the password whose bcrypt hash is given
// (`dev` sets DEMO_PASSWORD on every start, so the printed one always works).
func DemoPasswords(ctx context.Context, db *sqlx.DB, hash string) error {
	_, err := db.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id IN ($2, $3)`, hash, DemoAdminID, DemoAgentID)
	return err
}
