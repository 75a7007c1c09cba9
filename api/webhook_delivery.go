package api

// What this service reads of Meta's webhook deliveries (SPEC §7): the
// account_update events by which our app lost a WABA.

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/crm/channel-removal/domain"
)

// accountUpdate is the part of a webhook delivery this service reads.
type accountUpdate struct {
	Object string `json:"object"`
	Entry  []struct {
		ID      string `json:"id"`
		Time    int64  `json:"time"`
		Changes []struct {
			Field string `json:"field"`
			Value struct {
				Event    string `json:"event"`
				WABAInfo *struct {
					WABAID string `json:"waba_id"`
				} `json:"waba_info"`
			} `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

// MaxAccessLostPerDelivery bounds what one delivery may ask for.
const MaxAccessLostPerDelivery = 100

// MaxDeliveryAge is how old an entry of a delivery may be: Meta retries a
// delivery for at most 36 hours, so an older one is a replay, not a retry.
const MaxDeliveryAge = 7 * 24 * time.Hour

// parseDelivery reads the access-lost events of a webhook delivery; every
// other object, field or event is none of ours (nil). The WABA is the
// event's waba_info.waba_id (partner events name the customer's WABA there),
// else the entry's id. Entries older than MaxDeliveryAge before now are
// counted in stale and not acted on: an entry's age is its own time, and an
// entry without one is as old as its delivery, which is sent at once with
// its other entries and no later than it was first received (delivered).
// A body that is not such JSON is an invalid_request.
func parseDelivery(body []byte, now, delivered time.Time) (events []domain.AccessLost, stale int, err error) {
	var d accountUpdate
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, 0, domain.Errorf(domain.CodeInvalid, "corpo do webhook não é um JSON válido")
	}
	if d.Object != "whatsapp_business_account" {
		return nil, 0, nil
	}
	sent := delivered
	for _, e := range d.Entry {
		if e.Time > 0 && time.Unix(e.Time, 0).Before(sent) {
			sent = time.Unix(e.Time, 0)
		}
	}
	var out []domain.AccessLost
	seen := map[domain.AccessLost]bool{}
	for _, e := range d.Entry {
		at := sent
		if e.Time > 0 {
			at = time.Unix(e.Time, 0)
		}
		if now.Sub(at) > MaxDeliveryAge {
			stale += len(e.Changes)
			continue
		}
		for _, c := range e.Changes {
			if c.Field != "account_update" {
				continue
			}
			if !domain.LosesAccess(c.Value.Event) {
				continue
			}
			waba := e.ID
			if c.Value.WABAInfo != nil && c.Value.WABAInfo.WABAID != "" {
				waba = c.Value.WABAInfo.WABAID
			}
			ev := domain.AccessLost{WABAID: strings.TrimSpace(waba), Event: c.Value.Event}
			if ev.WABAID == "" || len(ev.WABAID) > 64 || seen[ev] {
				continue
			}
			if len(out) == MaxAccessLostPerDelivery {
				return nil, 0, domain.Errorf(domain.CodeInvalid, "o webhook traz mais de %d eventos", MaxAccessLostPerDelivery)
			}
			seen[ev] = true
			out = append(out, ev)
		}
	}
	return out, stale, nil
}
