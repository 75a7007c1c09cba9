package activities

import (
	"errors"
	"fmt"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/metagraph"
)

// unlinkFailureText is last_error as ops read it in the API and Temporal Web:
// one pt-BR sentence with the Graph code, what it means and what to do, and
// Meta's own message only when there is one.
func unlinkFailureText(err error) string {
	var ge *metagraph.Error
	if !errors.As(err, &ge) {
		return "Falha ao desvincular na Meta: " + err.Error() + "."
	}
	var what, todo string
	switch c := ge.Code; {
	case c == 190:
		what, todo = "token de acesso inválido ou expirado", "reconecte o canal no Meta Business e envie retry-unlink"
	case c == 10 || (c >= 200 && c <= 299):
		what, todo = "o aplicativo não tem permissão sobre o objeto", "conceda a permissão ao aplicativo no Meta Business e envie retry-unlink"
	case ge.Code == 0 && ge.HTTPStatus == 0:
		what, todo = "a Meta não respondeu (rede ou tempo esgotado)", "novas tentativas são automáticas; depois, envie retry-unlink"
	case ge.Transient:
		what, todo = "a Meta está indisponível ou limitando chamadas", "novas tentativas são automáticas; depois, envie retry-unlink"
	default:
		what, todo = "a Meta recusou o pedido", "verifique a integração no Meta Business e envie retry-unlink"
	}
	ref := fmt.Sprintf("HTTP %d", ge.HTTPStatus)
	if ge.Code != 0 {
		ref += fmt.Sprintf(", código %d", ge.Code)
	}
	if ge.HTTPStatus == 0 {
		ref = "sem resposta"
	}
	s := fmt.Sprintf("Meta: %s (%s); %s.", what, ref, todo)
	if ge.RetryAfter > 0 {
		s += fmt.Sprintf(" A Meta pediu para aguardar %s antes de uma nova tentativa.", domain.DurationText(ge.RetryAfter))
	}
	if ge.Message != "" {
		s += " Mensagem da Meta: " + ge.Message
	}
	return s
}
