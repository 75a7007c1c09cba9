package domain

import (
	"fmt"
	"strings"
)

// ConversationCountCap bounds the conversation count of the impact: past it
// the preview says "more than" (the count costs the same at 10 million).
const ConversationCountCap = 100_000

// ImpactAttendances is how many active attendances an impact lists.
const ImpactAttendances = 50

// ImpactOf is what removing the channel would touch, with pt-BR warnings
// (SPEC §1.1): the preview on the channel page and the preflight's impact.
func ImpactOf(ch Channel, f ImpactFacts) Impact {
	im := Impact{ActiveAttendances: []Attendance{}, Warnings: []string{}}
	im.ChannelName, im.Kind, im.OfficialIntegration = ch.Name, ch.Kind, ch.Kind.Official()
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	im.Meta = MetaObjects{WABAID: deref(ch.WABAID), PhoneNumberID: deref(ch.PhoneNumber), PageID: deref(ch.PageID)}
	im.Coexistence = ch.Coexistence
	if f.ActiveAttendances != nil {
		im.ActiveAttendances = f.ActiveAttendances
	}
	im.Conversations, im.References = f.Conversations, f.References
	if im.Conversations > ConversationCountCap {
		im.Conversations, im.ConversationsCapped = ConversationCountCap, true
	}
	im.Disconnected = ch.Status == ChannelDisconnected
	im.SharedWABA = ch.Kind == KindWhatsAppCloud && im.Meta.WABAID != "" && f.OtherLiveChannelsOnWABA > 0
	im.Warnings = im.WarningTexts()
	return im
}

// WarningTexts are the impact's pt-BR warnings, rebuilt from its facts: a
// payload carries the facts alone (since r6), the texts are built where a
// reader sees them.
func (im Impact) WarningTexts() []string {
	w := []string{}
	if im.Disconnected {
		w = append(w, "O canal foi desconectado na Meta: o acesso do aplicativo já foi removido, então não há nada a desvincular.")
	} else {
		w = append(w, im.metaWarnings()...)
	}
	if refs := im.References.Text(); refs != "" {
		w = append(w, "O canal será desvinculado de "+refs+".")
	}
	switch {
	case im.ConversationsCapped:
		w = append(w, fmt.Sprintf(
			"Mais de %d conversas continuarão visíveis, marcadas como de um canal removido; não será possível enviar mensagens por elas.",
			im.Conversations))
	case im.Conversations == 1:
		w = append(w,
			"A conversa continuará visível, marcada como de um canal removido; não será possível enviar mensagens por ela.")
	case im.Conversations > 1:
		w = append(w, fmt.Sprintf(
			"As %d conversas continuarão visíveis, marcadas como de um canal removido; não será possível enviar mensagens por elas.",
			im.Conversations))
	}
	return append(w, "A remoção é irreversível: o canal não poderá ser reativado.")
}

// Text names the references in Portuguese, leaving zero counts out:
// "1 automação, 2 regras de roteamento e 1 webhook"; "" when there are none.
func (r References) Text() string {
	var parts []string
	for _, p := range []struct {
		n              int
		singular, many string
	}{{r.Automations, "automação", "automações"}, {r.RoutingRules, "regra de roteamento", "regras de roteamento"},
		{r.Chatbots, "chatbot", "chatbots"}, {r.Webhooks, "webhook", "webhooks"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, Plural(p.n, p.singular, p.many)))
		}
	}
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " e " + parts[len(parts)-1]
}

// Plural picks the Portuguese form for n.
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (im Impact) metaWarnings() []string {
	var w []string
	switch im.Kind {
	case KindWhatsAppCloud:
		if im.Meta.WABAID == "" {
			return nil
		}
		if im.SharedWABA {
			w = append(w, fmt.Sprintf(
				"A WABA %s é usada por outro canal ativo: o aplicativo continuará inscrito nela.", im.Meta.WABAID))
		} else {
			w = append(w, fmt.Sprintf(
				"Integração oficial: o aplicativo será desinscrito da WABA %s na Meta.", im.Meta.WABAID))
		}
		if im.Coexistence {
			w = append(w, NumberCoexistenceText)
		} else {
			w = append(w,
				"O número de telefone só será descadastrado da Meta se você marcar \"Liberar o número na Meta\"; sem isso, para usá-lo de novo pode ser necessário vinculá-lo novamente no Meta Business.")
		}
	case KindMessenger, KindInstagram:
		if im.Meta.PageID != "" {
			w = append(w, fmt.Sprintf(
				"Integração oficial: o aplicativo será desinscrito da página %s na Meta.", im.Meta.PageID))
		}
	}
	return w
}

// PreflightRead is what the preflight reads in one statement: the requester,
// the channel when it is of the requester's account (nil otherwise), its
// impact's facts, the removal's latest run (nil when none) and the channel's
// code history across runs.
type PreflightRead struct {
	User      User
	Channel   *Channel
	Facts     ImpactFacts
	LatestRun *RemovalRecord
	Codes     CodeHistory
}
