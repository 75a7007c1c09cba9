package metagraph

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// RevokeCreditLine calls DELETE /{version}/{allocation-config-id} with the
// Solution Partner's system-user token, Meta's documented revocation of a
// credit line shared with a client's WABA (WhatsApp Business Platform,
// "Managing credit lines", "Revoke a shared credit line"): while it stands
// we are the bill-to party for the WABA's spend. Graph answers code 100
// both for a config already deleted and for one the token cannot load
// (another business's token, a missing permission), so a 100 is only
// "already revoked" when the config reads back with request_status DELETED
// (the page's step 5); otherwise the 100 stands, permanent. Classified as
// every call is (transient, Error.Transient).
func (c *Client) RevokeCreditLine(ctx context.Context, allocationConfigID, token string) (Outcome, error) {
	u := fmt.Sprintf("%s/%s/%s", c.baseURL, c.version, url.PathEscape(allocationConfigID))
	e, err := c.call(ctx, http.MethodDelete, u, token, nil, nil)
	switch {
	case err != nil:
		return "", err
	case e == nil:
		return Revoked, nil
	case e.Code != 100:
		return "", e
	}
	var got struct {
		Status string `json:"request_status"`
	}
	re, err := c.call(ctx, http.MethodGet, u+"?fields=receiving_business,request_status", token, nil, &got)
	switch {
	case err != nil:
		return "", err
	case re == nil && got.Status == CreditSharingDeleted:
		return AlreadyRevoked, nil
	case re != nil && re.Transient:
		return "", re
	}
	return "", e
}

// CreditSharingDeleted is a revoked allocation config's request_status.
const CreditSharingDeleted = "DELETED"
