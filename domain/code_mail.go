package domain

import "fmt"

// CodeApproval is what a verification code approves: the removal of a
// channel and what the admin chose with it. The code e-mail names each, so
// whoever reads it knows what typing the code sets off (a stolen session
// cannot have a purge or a number's release approved under the name of a
// plain removal).
type CodeApproval struct {
	Channel        string
	PurgeAfterDays int
	ReleaseNumber  bool
}

// ApprovalOf reads what the code approves from the removal's document as the
// workflow decided it (every send, resends included, carries it).
func ApprovalOf(channel string, doc Removal) CodeApproval {
	a := CodeApproval{Channel: channel}
	if doc.Retention != nil {
		a.PurgeAfterDays = doc.Retention.PurgeAfterDays
	}
	if n := doc.MetaUnlink.Number; n != nil && n.Status == NumberPending {
		a.ReleaseNumber = true
	}
	return a
}

// Lines are what the code approves, one per item, in pt-BR.
func (a CodeApproval) Lines() []string {
	lines := []string{fmt.Sprintf("a remoção irreversível do canal de atendimento \"%s\";", a.Channel)}
	if a.PurgeAfterDays > 0 {
		lines = append(lines, fmt.Sprintf("a exclusão das mensagens deste canal %d dias após a remoção "+
			"(as conversas e o histórico de auditoria são mantidos; os administradores são avisados antes);", a.PurgeAfterDays))
	} else {
		lines = append(lines, "o histórico de conversas e mensagens do canal é mantido;")
	}
	if a.ReleaseNumber {
		lines = append(lines, "a liberação do número de WhatsApp deste canal na Meta (o número deixa de estar registrado na API oficial);")
	}
	return lines
}
