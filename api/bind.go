package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/crm/channel-removal/domain"
)

// bind decodes a JSON body strictly: unknown fields and wrong types are a 400,
// a body over 64 KiB a 413. With optional, an empty body is accepted.
func bind(c *gin.Context, v any, optional bool) error {
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("mais de um valor JSON no corpo")
	}
	if err == nil || (optional && errors.Is(err, io.EOF)) {
		return nil
	}
	var tooBig *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooBig):
		return errTooLarge
	case errors.As(err, &typeErr):
		return domain.Errorf(domain.CodeInvalid, "o campo %q deve ser do tipo %s", typeErr.Field, typeErr.Type.String())
	case errors.Is(err, io.EOF):
		return domain.Errorf(domain.CodeInvalid, "corpo JSON obrigatório")
	}
	return domain.Errorf(domain.CodeInvalid, "JSON inválido: %s", err.Error())
}

var errTooLarge = domain.Errorf(domain.CodeTooLarge, "o corpo da requisição passa de 64 KiB")

// noBody accepts an empty body or an empty JSON object, nothing else.
func noBody(c *gin.Context) error {
	var v struct{}
	return bind(c, &v, true)
}

// ok writes a handler's answer.
func ok(c *gin.Context, status int, v any) error {
	c.JSON(status, v)
	return nil
}
