package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/crm/channel-removal/domain"
)

// problems maps every domain code to its HTTP status and pt-BR title: the one
// place where the domain's error vocabulary meets HTTP.
var problems = map[domain.Code]struct {
	Status int
	Title  string
}{
	domain.CodeInvalid:                {http.StatusBadRequest, "Requisição inválida"},
	domain.CodeUnauthorized:           {http.StatusUnauthorized, "Não autenticado"},
	domain.CodeForbidden:              {http.StatusForbidden, "Acesso negado"},
	domain.CodeNotFound:               {http.StatusNotFound, "Não encontrado"},
	domain.CodeMethodNotAllowed:       {http.StatusMethodNotAllowed, "Método não permitido"},
	domain.CodeConflict:               {http.StatusConflict, "Conflito"},
	domain.CodeRemovalInProgress:      {http.StatusConflict, "Remoção em andamento"},
	domain.CodeChannelRemoved:         {http.StatusConflict, "Canal removido"},
	domain.CodeChannelDisconnected:    {http.StatusConflict, "Canal desconectado na Meta"},
	domain.CodeInvalidState:           {http.StatusConflict, "Ação inválida neste momento"},
	domain.CodeHoldChanged:            {http.StatusConflict, "A retenção legal mudou"},
	domain.CodeIdempotencyKeyInFlight: {http.StatusConflict, "Requisição em andamento"},
	domain.CodeIdempotencyKeyReused:   {http.StatusUnprocessableEntity, "Chave de idempotência já usada"},
	domain.CodeCodeExpired:            {http.StatusGone, "Código expirado"},
	domain.CodeTooLarge:               {http.StatusRequestEntityTooLarge, "Corpo da requisição muito grande"},
	domain.CodeActiveAttendances:      {http.StatusUnprocessableEntity, "Há atendimentos ativos no canal"},
	domain.CodeInvalidCode:            {http.StatusUnprocessableEntity, "Código incorreto"},
	domain.CodeLocked:                 {http.StatusLocked, "Remoção bloqueada"},
	domain.CodeResendTooSoon:          {http.StatusTooManyRequests, "Aguarde para pedir um novo código"},
	domain.CodeMailRejected:           {http.StatusBadGateway, "Falha no envio do e-mail"},
	domain.CodeMetaPermanent:          {http.StatusBadGateway, "Falha na Meta"},
	domain.CodeMetaTransient:          {http.StatusBadGateway, "Falha temporária na Meta"},
	domain.CodeInvalidCredentials:     {http.StatusUnauthorized, "E-mail ou senha incorretos"},
	domain.CodeTooManyAttempts:        {http.StatusTooManyRequests, "Muitas tentativas"},
	domain.CodeTooManyRequests:        {http.StatusTooManyRequests, "Muitas remoções iniciadas"},
	domain.CodeTooManyCodes:           {http.StatusTooManyRequests, "Muitos códigos enviados"},
	domain.CodeTooManyLockedRemovals:  {http.StatusTooManyRequests, "Muitas tentativas de código"},
	domain.CodeSameChannel:            {http.StatusUnprocessableEntity, "Mesmo canal"},
	domain.CodePurgeTooSoon:           {http.StatusUnprocessableEntity, "Exclusão cedo demais"},
	domain.CodeUnavailable:            {http.StatusServiceUnavailable, "Serviço indisponível"},
	domain.CodeInternal:               {http.StatusInternalServerError, "Erro interno"},
	domain.CodeWebhookURLRefused:      {http.StatusUnprocessableEntity, "Endereço de webhook recusado"},
	domain.CodeTooManyWebhooks:        {http.StatusConflict, "Limite de endpoints atingido"},
}

// handler is an endpoint or a middleware: it answers, or returns the error
// that writeProblem answers.
type handler func(c *gin.Context) error

// h adapts a handler to Gin. Every error of every route goes through here.
func h(fn handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := fn(c); err != nil {
			writeProblem(c, err)
		}
	}
}

// writeProblem writes err as application/problem+json (RFC 9457) and ends
// the request: the one place where an error becomes HTTP. Fields of a domain
// error become extension members (attempts_left, retry_after, id, ...); any
// other error is logged and answered as a 500 that says nothing of it.
func writeProblem(c *gin.Context, err error) {
	var de *domain.Error
	if !errors.As(err, &de) {
		slog.ErrorContext(c.Request.Context(), "request failed", "request_id", c.GetString(ctxRequestID), "error", err)
		de = domain.Errorf(domain.CodeInternal, "erro inesperado; tente novamente")
	}
	p, ok := problems[de.Code]
	if !ok {
		p = problems[domain.CodeInternal]
	}
	body := gin.H{}
	for k, v := range de.Fields {
		body[k] = v
	}
	body["type"] = "urn:channel-removal:problem:" + string(de.Code)
	body["title"] = p.Title
	body["status"] = p.Status
	body["detail"] = de.Message
	body["code"] = string(de.Code)
	if id := c.GetString(ctxRequestID); id != "" {
		body["instance"] = "urn:request:" + id
	}
	if ra, ok := de.Fields["retry_after"]; ok {
		c.Header("Retry-After", toString(ra))
	}
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(p.Status, body) // keeps the Content-Type set above
}

func toString(v any) string {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(max(x, 1))
	case float64:
		return strconv.Itoa(max(int(x), 1))
	}
	return "60"
}
