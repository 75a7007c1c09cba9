package activities

import (
	"errors"
	"strings"
	"testing"

	"github.com/crm/channel-removal/metagraph"
)

func TestUnlinkFailureTextIsASentence(t *testing.T) {
	for _, c := range []struct {
		err  error
		want []string
	}{
		{&metagraph.Error{HTTPStatus: 401, Code: 190, Message: "Error validating access token"},
			[]string{"token de acesso inválido ou expirado", "código 190", "reconecte o canal", "Mensagem da Meta: Error validating access token"}},
		{&metagraph.Error{HTTPStatus: 403, Code: 200}, []string{"não tem permissão", "código 200"}},
		{&metagraph.Error{HTTPStatus: 503, Transient: true}, []string{"indisponível", "HTTP 503", "automáticas"}},
		{&metagraph.Error{Message: "dial tcp: connection refused", Transient: true}, []string{"não respondeu", "sem resposta"}},
		{errors.New("boom"), []string{"boom"}},
	} {
		got := unlinkFailureText(c.err)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%q lacks %q", got, w)
			}
		}
		if strings.HasSuffix(got, ": ") || strings.HasSuffix(got, ":") || strings.Contains(got, "Mensagem da Meta: .") {
			t.Errorf("empty trailing message: %q", got)
		}
	}
}
