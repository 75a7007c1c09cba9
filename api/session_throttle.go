package api

import (
	"errors"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/crm/channel-removal/domain"
)

// Sign-in throttle (SPEC §6, §8, §9; docs/security.md), OWASP's device
// cookies. A client is either a trusted device of the e-mail (a valid device
// cookie for it, session_device.go) or untrusted. Every limit counts the
// attempt before the password is evaluated, so however many arrive at once
// at most the limit is evaluated; over a limit every attempt, right or
// wrong, is a 429, or the throttle would still confirm a guessed password.
//
//   - A trusted device is judged only by its own attempts
//     (domain.SignInPerDevice): others' guesses never refuse it, and a device
//     that keeps failing is locked out by itself.
//   - An untrusted client meets the hard limits per e-mail and address and
//     per address (the address is the socket's peer, or what a
//     TRUSTED_PROXIES balancer says; an IPv6 /64 is one address), then the
//     e-mail's limit across addresses (domain.SignInUntrusted), which bounds
//     guessing from many addresses as a rate. Past that limit an address its
//     owner signed in from before still gets in: the owner on a new browser
//     at home or at work is not locked out.
//
// Only attempts within the address limits count on the e-mail's, so one
// address alone never locks the e-mail. A successful sign-in takes its own
// attempt back (forgets its e-mail's attempts from its address and its
// device's), never the attempts of others.
type signInClient struct {
	device      []byte // a trusted device's id; nil: untrusted
	deviceValue string // its cookie, renewed on success
	addr        string // domain.AddressKey of the client
	// the untrusted client's buckets
	emailIP, ip, email string
}

// admit counts one attempt for email and decides whether it is evaluated.
func (s *Server) admit(c *gin.Context, email string, now time.Time) (signInClient, error) {
	ctx, ip := c.Request.Context(), c.ClientIP()
	cl := signInClient{addr: domain.AddressKey(ip)}
	if id, value := s.presentedDevice(c, email); id != nil {
		b, trusted, err := s.store.DeviceHit(ctx, id, email, now, domain.SignInPerDevice.Window, deviceBucket(id))
		if err != nil {
			return cl, err
		}
		if trusted {
			if wait := domain.SignInPerDevice.Over(b, now); wait > 0 {
				s.log.Warn("sign-in device locked out", "device", deviceLogID(id), "ip", ip, "device_hits", b.Hits)
				return cl, domain.TooManySignIns(wait)
			}
			cl.device, cl.deviceValue = id, value
			return cl, nil
		}
		s.log.Info("sign-in device no longer trusted", "device", deviceLogID(id), "ip", ip)
	}
	cl.emailIP, cl.ip, cl.email = "sign-in:email-ip:"+email+" "+cl.addr, "sign-in:ip:"+cl.addr, "sign-in:email:"+email
	b, err := s.store.Hit(ctx, now, domain.SignInPerEmail.Window, cl.emailIP, cl.ip)
	if err != nil {
		return cl, err
	}
	if wait := max(domain.SignInPerEmail.Over(b[0], now), domain.SignInPerIP.Over(b[1], now)); wait > 0 {
		s.log.Warn("sign-in throttled", "ip", ip, "email_ip_hits", b[0].Hits, "ip_hits", b[1].Hits)
		return cl, domain.TooManySignIns(wait)
	}
	e, err := s.store.Hit(ctx, now, domain.SignInUntrusted.Window, cl.email)
	if err != nil {
		return cl, err
	}
	if wait := domain.SignInUntrusted.Over(e[0], now); wait > 0 {
		known, err := s.store.KnownAddress(ctx, email, cl.addr, now.Add(-domain.SignInDeviceTTL))
		if err != nil {
			return cl, err
		}
		if !known {
			s.log.Warn("sign-in locked for untrusted clients", "ip", ip, "email_hits", e[0].Hits)
			return cl, domain.TooManyUntrustedSignIns(wait)
		}
		s.log.Info("sign-in from a known address past the e-mail's lockout", "ip", ip, "email_hits", e[0].Hits)
	}
	return cl, nil
}

// signedIn settles a successful sign-in's throttles and trusts its browser:
// a trusted device is renewed (a new one is made if it was revoked
// meanwhile, never the revoked one brought back), an untrusted client gets a
// new device; the address becomes one the user signed in from. The session
// is already made: a failure here is logged, not the sign-in's.
func (s *Server) signedIn(c *gin.Context, cl signInClient, user domain.User, email string, now time.Time) {
	ctx, expires := c.Request.Context(), now.Add(domain.SignInDeviceTTL)
	var errs []error
	renewed := false
	if cl.device != nil {
		errs = append(errs, s.store.Forget(ctx, deviceBucket(cl.device)))
		ok, err := s.store.RenewDevice(ctx, cl.device, now, expires)
		renewed = ok
		errs = append(errs, err)
	} else {
		errs = append(errs, s.store.Forget(ctx, cl.emailIP), s.store.Refund(ctx, cl.ip), s.store.Refund(ctx, cl.email))
	}
	errs = append(errs, s.store.RememberAddress(ctx, user.ID, cl.addr, now))
	switch {
	case renewed:
		s.setDeviceCookie(c, cl.deviceValue)
	case s.deviceKey != nil:
		value, id := s.newDevice(email)
		err := s.store.AddDevice(ctx, id, user.ID, now, expires)
		if errs = append(errs, err); err == nil {
			s.setDeviceCookie(c, value)
		}
	}
	if err := errors.Join(errs...); err != nil {
		s.log.Warn("could not settle a sign-in's throttles or device", "error", err)
	}
}
