package domain

import (
	"fmt"
	"time"
)

// Releasing the number (SPEC §7): for a WhatsApp Business API channel the
// admin may ask, explicitly and never by default, that after the tombstone
// the unlink step also deregister the phone number from our app, so it can
// move to another provider.

// ReleaseNumberLabel is the alert's option, as the admin reads and ticks it.
const ReleaseNumberLabel = "Liberar o número na Meta"

// NoteNoNumberToRelease answers a release asked for a channel without one
// (by signal: the API refuses it).
const NoteNoNumberToRelease = "Liberação do número ignorada: só canais do WhatsApp Business API têm número na Meta."

// NumberStatus is what became of the number's release
// (meta_unlink.number.status, and the release job's row).
type NumberStatus string

const (
	NumberNotRequested NumberStatus = "not_requested"
	NumberPending      NumberStatus = "pending"
	NumberReleased     NumberStatus = "released"
	NumberFailed       NumberStatus = "failed"
	// NumberAbandoned is the job's state once nobody retried it within the
	// retry window (its token erased); the document says failed.
	NumberAbandoned NumberStatus = "abandoned"
)

// NumberRelease is meta_unlink.number in the removal document.
type NumberRelease struct {
	Status    NumberStatus `json:"status"`
	LastError string       `json:"last_error,omitempty"`
}

// NoteCoexistenceNotReleased answers a release asked, by signal, for a
// coexistence number.
const NoteCoexistenceNotReleased = "Liberação do número ignorada: o número está em coexistência com o aplicativo WhatsApp Business e nunca é liberado."

// NumberReleaseOffered says whether the alert offers releasing the number:
// for a WhatsApp Business API channel that Meta has not cut off (without our
// app's access there is nothing we could deregister) and whose number is not
// shared with the WhatsApp Business app (coexistence).
func NumberReleaseOffered(kind ChannelKind, disconnected, coexistence bool) bool {
	return NumberReleaseRefusal(kind, disconnected, coexistence) == ""
}

// NumberReleaseRefusal is why the number cannot be released, in pt-BR ("":
// it can): what the alert says instead of the option, and the 400's detail.
func NumberReleaseRefusal(kind ChannelKind, disconnected, coexistence bool) string {
	switch {
	case kind != KindWhatsAppCloud || disconnected:
		return "só um canal do WhatsApp Business API ainda conectado à Meta tem número a liberar"
	case coexistence:
		return NumberCoexistenceText
	}
	return ""
}

// NumberCoexistenceText says why a coexistence number is never released.
const NumberCoexistenceText = "Este número também é usado no aplicativo WhatsApp Business do celular da empresa (coexistência): " +
	"liberá-lo na Meta desconectaria o aplicativo. A remoção só desfaz a inscrição do nosso aplicativo e os redirecionamentos de webhook que ele configurou."

// NumberJob is a run's deregistration owed to Meta (the number_releases row).
type NumberJob struct {
	RemovalID     string
	RunID         string
	ChannelID     string
	PhoneNumberID string
	AccessToken   string
	Status        NumberStatus
	Attempts      int
	LastError     string
}

// Number is the number's release read with an unlink job; ok is false
// when the admin did not ask for one.
func (u Unlink) Number() (n NumberJob, ok bool) {
	return NumberJob{RemovalID: u.RemovalID, RunID: u.RunID, ChannelID: u.ChannelID, PhoneNumberID: u.NumberPhoneID,
		AccessToken: u.NumberToken, Status: u.NumberStatus, Attempts: u.NumberAttempts, LastError: u.NumberLastError}, u.NumberStatus != ""
}

// NumberRateLimitWindow is Meta's window for register/deregister attempts on
// one number (10 per 72 hours; code 133016 past them).
const NumberRateLimitWindow = 72 * time.Hour

// NumberRateLimitedText says that Meta refused for now and when to retry.
func NumberRateLimitedText(now time.Time) string {
	return fmt.Sprintf("A Meta limitou as tentativas de registro e desregistro deste número (código 133016): "+
		"tente liberar o número de novo a partir de %s com retry-unlink.", BrasiliaTime(now.Add(NumberRateLimitWindow)))
}

// BrasiliaTime writes t as our users read it: 02/01/2006 15:04 (horário de Brasília).
func BrasiliaTime(t time.Time) string {
	return t.In(brasilia).Format("02/01/2006 15:04") + " (horário de Brasília)"
}

// Brazil has had no daylight saving time since 2019: a fixed zone needs no tzdata.
var brasilia = time.FixedZone("BRT", -3*60*60)
