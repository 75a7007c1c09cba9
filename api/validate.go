package api

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/crm/channel-removal/domain"
)

// Input is checked here, at the edge, before any query: a malformed id is a
// 404 (no such object can exist), malformed text a 400. Postgres never sees
// bytes it would refuse (NUL, invalid UTF-8), so those never become a 500.

var uuidFormat = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// validID reports whether s is a canonical UUID (channels, conversations, users).
func validID(s string) bool { return uuidFormat.MatchString(s) }

// maxTextLen bounds a message (in characters).
const maxTextLen = 4096

// checkText refuses text Postgres cannot store or that is too long.
func checkText(field, s string, maxLen int) error {
	switch {
	case !utf8.ValidString(s):
		return domain.Errorf(domain.CodeInvalid, "o campo %q não é UTF-8 válido", field)
	case strings.ContainsRune(s, 0):
		return domain.Errorf(domain.CodeInvalid, "o campo %q contém o caractere NUL", field)
	case utf8.RuneCountInString(s) > maxLen:
		return domain.Errorf(domain.CodeInvalid, "o campo %q passa de %d caracteres", field, maxLen)
	}
	return nil
}
