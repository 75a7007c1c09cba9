package api

// What this service reads of Meta's webhook deliveries (SPEC §7): the
// account_update events, by kind (domain.KindOfUpdate): those by which our
// app lost a WABA, coexistence's offboarding, and the rest, only logged.

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

// parsed is what a delivery asks for, by kind of event.
type parsed struct {
	// Lost: our app lost these WABAs; Offboarded: a coexistence number of
	// these WABAs left the Cloud API for now (both deduplicated).
	Lost, Offboarded []domain.AccessLost
	// Ignored counts the other account_update events by name, for the log.
	Ignored map[string]int
	// Stale counts the changes too old to act on.
	Stale int
}

// events is how many events the delivery acts on.
func (p parsed) events() int { return len(p.Lost) + len(p.Offboarded) }

// parseDelivery reads the account_update events of a webhook delivery; every
// other object or field is none of ours. The WABA is the
// event's waba_info.waba_id (partner events name the customer's WABA there),
// else the entry's id. Entries older than MaxDeliveryAge before now are
// counted in stale and not acted on: an entry's age is its own time, and an
// entry without one is as old as its delivery, which is sent at once with
// its other entries and no later than it was first received (delivered).
// A body that is not such JSON is an invalid_request.
func parseDelivery(body []byte, now, delivered time.Time) (parsed, error) {
	var d accountUpdate
	var out parsed
	if err := json.Unmarshal(body, &d); err != nil {
		return out, domain.Errorf(domain.CodeInvalid, "corpo do webhook não é um JSON válido")
	}
	if d.Object != "whatsapp_business_account" {
		return out, nil
	}
	sent := delivered
	for _, e := range d.Entry {
		if e.Time > 0 && time.Unix(e.Time, 0).Before(sent) {
			sent = time.Unix(e.Time, 0)
		}
	}
	seen := map[domain.AccessLost]bool{}
	for _, e := range d.Entry {
		at := sent
		if e.Time > 0 {
			at = time.Unix(e.Time, 0)
		}
		if now.Sub(at) > MaxDeliveryAge {
			out.Stale += len(e.Changes)
			continue
		}
		for _, c := range e.Changes {
			if c.Field != "account_update" {
				continue
			}
			kind := domain.KindOfUpdate(c.Value.Event)
			if kind == domain.UpdateIgnored {
				if out.Ignored == nil {
					out.Ignored = map[string]int{}
				}
				// Bounded: a name Meta did not send is cut, so a hostile
				// signer cannot flood the log with long keys.
				out.Ignored[truncate(c.Value.Event, 64)]++
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
			if out.events() == MaxAccessLostPerDelivery {
				return parsed{}, domain.Errorf(domain.CodeInvalid, "o webhook traz mais de %d eventos", MaxAccessLostPerDelivery)
			}
			seen[ev] = true
			if kind == domain.UpdateOffboarded {
				out.Offboarded = append(out.Offboarded, ev)
			} else {
				out.Lost = append(out.Lost, ev)
			}
		}
	}
	out.Offboarded = domain.OffboardedStillOurs(out.Offboarded, out.Lost)
	return out, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
