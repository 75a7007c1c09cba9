package postgres_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/crm/channel-removal/domain"
)

// The sweep drops sign-in devices expired or revoked and addresses not
// signed in from for a device's life, and keeps the rest; a swept or revoked
// device is not trusted, a live one is, and only for its own user's e-mail.
func TestSweepDropsSpentSignInDevicesAndAddresses(t *testing.T) {
	f := newFixture(t)
	now := time.Now()
	ids := map[string][]byte{"live": []byte("live-device"), "expired": []byte("expired-device"), "revoked": []byte("revoked-device")}
	for name, id := range ids {
		expires := now.Add(time.Hour)
		if name == "expired" {
			expires = now.Add(-time.Minute)
		}
		if err := f.store.AddDevice(f.ctx, id, f.admin, now.Add(-2*time.Hour), expires); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.store.DB().Exec(`UPDATE sign_in_devices SET revoked_at = $2 WHERE id = $1`, ids["revoked"], now); err != nil {
		t.Fatal(err)
	}
	if err := f.store.RememberAddress(f.ctx, f.admin, "192.0.2.1", now.Add(-domain.SignInDeviceTTL-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := f.store.RememberAddress(f.ctx, f.admin, "192.0.2.2", now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.store.Sweep(f.ctx, now, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	var left [][]byte
	f.store.DB().Select(&left, `SELECT id FROM sign_in_devices`)
	if len(left) != 1 || !bytes.Equal(left[0], ids["live"]) {
		t.Fatalf("devices left: %q", left)
	}
	var addrs []string
	f.store.DB().Select(&addrs, `SELECT address FROM sign_in_addresses`)
	if len(addrs) != 1 || addrs[0] != "192.0.2.2" {
		t.Fatalf("addresses left: %v", addrs)
	}
	var email string
	f.store.DB().Get(&email, `SELECT email FROM users WHERE id = $1`, f.admin)
	for name, id := range ids {
		_, trusted, err := f.store.DeviceHit(f.ctx, id, email, now, time.Minute, "sign-in:device:"+name)
		if err != nil || trusted != (name == "live") {
			t.Fatalf("%s device trusted: %v %v", name, trusted, err)
		}
	}
	if _, trusted, _ := f.store.DeviceHit(f.ctx, ids["live"], "outro@loja.test", now, time.Minute, "sign-in:device:x"); trusted {
		t.Fatal("a device is trusted for another e-mail")
	}
}
