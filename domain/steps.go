package domain

import (
	"fmt"
	"strings"
	"time"
)

// The step in words: what a removal is doing, in pt-BR, where ops and the
// admin read it (the status query, Temporal Web's current details, the API's
// "step"). StatusStep is each status's plain text; the Step functions add
// what the run knows at that moment.

// StatusStep describes a status in words, for documents read from the read model.
func StatusStep(s Status) string {
	switch s {
	case StatusPreflight:
		return "Verificando permissões, atendimentos ativos e impacto da remoção"
	case StatusAwaitingAcknowledgement:
		return "Aguardando o administrador confirmar o alerta de remoção irreversível"
	case StatusAwaitingCode:
		return "Aguardando o código de verificação enviado ao administrador da conta"
	case StatusRemoving:
		return "Código verificado; removendo o canal"
	case StatusUnlinking:
		return "Canal removido; desvinculando o aplicativo na Meta"
	case StatusCompleted:
		return "Canal removido e integrações desvinculadas"
	case StatusCompletedWithWarnings:
		return "Canal removido, mas o desvínculo na Meta falhou; a equipe de operações pode tentar de novo (retry-unlink)"
	case StatusRejected:
		return "Remoção recusada; nada foi alterado"
	case StatusCancelled:
		return "Cancelada pelo administrador; nada foi alterado"
	case StatusExpired:
		return "Expirada; nada foi alterado"
	case StatusLocked:
		return "Bloqueada após códigos incorretos; nada foi alterado"
	case StatusFailed:
		return "A remoção falhou"
	}
	return string(s)
}

// Texts of the ends that change nothing.
const (
	StepAcknowledgementExpired = "Expirada: a confirmação do alerta não chegou a tempo; nada foi alterado"
	StepCodeNotEntered         = "Expirada: o código de verificação não foi informado a tempo; nada foi alterado"
	StepCodeExpired            = "Expirada: o código de verificação expirou; nada foi alterado"
	StepAttendanceOpened       = "Remoção recusada: um atendimento foi aberto depois do preflight; nada foi alterado"
	StepUnlinkAbandoned        = "Canal removido; o desvínculo na Meta não foi concluído dentro do prazo de novas tentativas"
	// A run cancelled from Temporal (Web, CLI, batch) by ops: before the
	// code was verified it changed nothing; after it, the channel is gone
	// and only the wait for retry-unlink ends.
	// StepStalled: the database (or SendGrid) stayed away until the human
	// wait's deadline, so the step could not be done in time.
	StepStalled               = "Expirada: o banco de dados ou o envio de e-mail ficou indisponível até o fim do prazo; nada foi alterado"
	StepCancelledByTemporal   = "Cancelada pela equipe de operações no Temporal; nada foi alterado"
	StepUnlinkStoppedByOps    = "Canal removido; a espera por novas tentativas na Meta foi encerrada pela equipe de operações no Temporal"
	ReasonUnlinkStoppedByOps  = "espera encerrada pela equipe de operações no Temporal"
	ReasonUnlinkWindowExpired = "nenhuma nova tentativa dentro do prazo"
)

// StepLocked is the end after MaxCodeAttempts wrong codes.
func StepLocked() string {
	return fmt.Sprintf("Bloqueada: %d códigos incorretos; nada foi alterado", MaxCodeAttempts)
}

// StepFailed is a step that failed for good: "Falha no preflight: …".
func StepFailed(step, cause string) string { return step + ": " + cause }

// StepRejected names the preflight's reasons.
func StepRejected(reasons []Reason) string {
	msgs := make([]string, len(reasons))
	for i, r := range reasons {
		msgs[i] = r.Message
	}
	return "Remoção recusada: " + strings.Join(msgs, "; ")
}

func StepAwaitingAcknowledgement(until time.Time) string {
	return fmt.Sprintf("Aguardando o administrador confirmar o alerta de remoção irreversível (até %s)", until.UTC().Format(time.RFC3339))
}

func StepAwaitingCode(sentTo string, expires time.Time, attemptsLeft int) string {
	return fmt.Sprintf("Aguardando o código enviado para %s (expira %s; %d %s)", sentTo, expires.UTC().Format(time.RFC3339),
		attemptsLeft, Plural(attemptsLeft, "tentativa restante", "tentativas restantes"))
}

// StepAwaitingDatabase: the code was verified, and the database is away or
// the channel's row is held by another transaction.
func StepAwaitingDatabase(every time.Duration, until time.Time) string {
	return fmt.Sprintf("Código verificado; aguardando o banco de dados para remover o canal (novas tentativas a cada %s, até %s)",
		DurationText(every), until.UTC().Format(time.RFC3339))
}

// StepUnlinkFailed tells ops what failed and how to retry.
func StepUnlinkFailed(lastError, signal string, until time.Time) string {
	return fmt.Sprintf("Canal removido, mas o desvínculo na Meta falhou. %s Envie o sinal %q para tentar de novo (até %s).",
		lastError, signal, until.UTC().Format(time.RFC3339))
}

// StepUnlinkRetrying: an automatic attempt at Meta failed for now; the next
// one is due at next (later when Meta asked to wait).
func StepUnlinkRetrying(lastError string, next time.Time) string {
	return fmt.Sprintf("Canal removido; nova tentativa na Meta em %s. %s", BrasiliaTime(next), lastError)
}

// DurationText writes a duration as ops read it in pt-BR: "15 min", "7 dias", "90 s".
func DurationText(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		n := int(d / (24 * time.Hour))
		return fmt.Sprintf("%d %s", n, Plural(n, "dia", "dias"))
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%d h", d/time.Hour)
	case d >= time.Minute:
		return fmt.Sprintf("%d min", (d+30*time.Second)/time.Minute)
	}
	return fmt.Sprintf("%d s", (d+time.Second/2)/time.Second)
}

// ReasonNoticeCancelledByOps is a notice's notice_failed reason when ops
// cancelled it from Temporal.
const ReasonNoticeCancelledByOps = "aviso cancelado pela equipe de operações no Temporal; avise os administradores de outra forma"
