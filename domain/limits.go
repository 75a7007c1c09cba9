package domain

import (
	"fmt"
	"math"
	"net/netip"
	"time"
)

// Limit is a throttle: at most Max hits per Window in one bucket (a fixed
// window that starts with the bucket's first hit). Max 0 turns it off.
type Limit struct {
	Max    int
	Window time.Duration
}

// The limits' defaults (SPEC §6, §8; docs/security.md says how to set each).
var (
	// SignInPerEmail bounds sign-in attempts for one e-mail from one
	// address, SignInPerIP every attempt from one address: the hard limits
	// on untrusted clients (no device cookie for the e-mail).
	SignInPerEmail = Limit{Max: 5, Window: 15 * time.Minute}
	SignInPerIP    = Limit{Max: 20, Window: 15 * time.Minute}
	// SignInUntrusted bounds an e-mail's attempts from untrusted clients
	// across every address: a rate however many addresses guess. Past it
	// untrusted clients are refused for the e-mail, except from an address
	// its owner signed in from before; its trusted devices are not affected.
	// Above SignInPerEmail, so that one address alone never reaches it.
	SignInUntrusted = Limit{Max: 10, Window: 15 * time.Minute}
	// SignInPerDevice bounds the attempts of one trusted device (a device
	// cookie for the e-mail), its only limit: a device that keeps failing
	// is locked out for the window.
	SignInPerDevice = Limit{Max: 5, Window: 15 * time.Minute}
	// RemovalStartsPerUser bounds POST /v1/channels/{id}/removals per user
	// (MAX_REMOVAL_STARTS_PER_USER).
	RemovalStartsPerUser = Limit{Max: 30, Window: 10 * time.Minute}
	// CodeEmailsPerChannel bounds code e-mails per channel, across runs and
	// resends (MAX_CODE_EMAILS).
	CodeEmailsPerChannel = Limit{Max: 5, Window: time.Hour}
	// LockedRemovalsPerChannel bounds wrong codes per channel across runs: as
	// many as Max locked runs hold (MAX_LOCKED_REMOVALS × MaxCodeAttempts).
	LockedRemovalsPerChannel = Limit{Max: 3, Window: 24 * time.Hour}
	// LockedRemovalsPerAccount is the same bound over every channel of an
	// account (MAX_LOCKED_REMOVALS_PER_ACCOUNT).
	LockedRemovalsPerAccount = Limit{Max: 10, Window: 24 * time.Hour}
)

// SignInDeviceTTL is how long a device cookie, and an address signed in
// from, is trusted after its last successful sign-in.
const SignInDeviceTTL = 90 * 24 * time.Hour

// SignInDevicesPerUser bounds the trusted devices a user keeps: each
// successful sign-in without the cookie makes one, and a successful sign-in
// takes its attempts back, so a script signing in with its own password
// would otherwise grow sign_in_devices without end. A new device past it
// displaces the least recently used; only the password's holder can make
// them, so nobody else can push the owner's devices out.
const SignInDevicesPerUser = 20

// SignInAddressesPerUser bounds the addresses a user is remembered to have
// signed in from (the lockout's exception), for the same reason: a user
// signing in from ever new addresses (an IPv6 /48 holds 65,536 /64s) would
// grow sign_in_addresses without end. The least recently used make room.
const SignInAddressesPerUser = 50

// Bucket is a throttle's bucket as a hit left it.
type Bucket struct {
	Key         string
	WindowStart time.Time
	Hits        int
}

// Over is how long until b lets a hit through again, 0 when this hit is
// within the limit.
func (l Limit) Over(b Bucket, now time.Time) time.Duration {
	if l.Max <= 0 || b.Hits <= l.Max {
		return 0
	}
	return max(b.WindowStart.Add(l.Window).Sub(now), time.Second)
}

// WrongCodeBudget is how many wrong codes the limit allows in its window.
func (l Limit) WrongCodeBudget() int { return l.Max * MaxCodeAttempts }

// Seconds is a wait as Retry-After says it: whole seconds, at least 1.
func Seconds(d time.Duration) int { return max(int(math.Ceil(d.Seconds())), 1) }

// TooManyRequests refuses a start beyond RemovalStartsPerUser.
func TooManyRequests(wait time.Duration) *Error {
	return Errorf(CodeTooManyRequests, "muitas remoções iniciadas em pouco tempo; tente de novo em %s", WaitText(wait)).
		With("retry_after", Seconds(wait))
}

// TooManyExports refuses an export while max others stream from the same
// API process.
func TooManyExports(max int, wait time.Duration) *Error {
	return Errorf(CodeTooManyRequests, "já há %d exportações em andamento; tente de novo em %s", max, WaitText(wait)).
		With("retry_after", Seconds(wait))
}

// TooManyAccountExports refuses an export while the account streams max.
func TooManyAccountExports(max int, wait time.Duration) *Error {
	return Errorf(CodeTooManyRequests, "a conta já tem %d exportações em andamento; tente de novo em %s", max, WaitText(wait)).
		With("retry_after", Seconds(wait))
}

// TooManyCodes refuses a code e-mail beyond CodeEmailsPerChannel.
func TooManyCodes(l Limit, wait time.Duration) *Error {
	return Errorf(CodeTooManyCodes, "já foram enviados %d códigos de verificação para este canal na última %s; "+
		"tente de novo em %s", l.Max, windowText(l.Window), WaitText(wait)).With("retry_after", Seconds(wait))
}

// TooManyLockedRemovals refuses a start once the channel's (or the
// account's) wrong codes reached the budget of the locked-removals limit.
func TooManyLockedRemovals(wrong int, wait time.Duration) Reason {
	return Reason{Code: CodeTooManyLockedRemovals, RetryAfter: Seconds(wait), Message: fmt.Sprintf(
		"o código de verificação foi errado %d vezes nas últimas 24 horas; por segurança, novas remoções deste canal "+
			"ficam bloqueadas por %s e os administradores da conta foram avisados", wrong, WaitText(wait))}
}

func windowText(d time.Duration) string {
	if d == time.Hour {
		return "hora"
	}
	return DurationText(d)
}

// WaitText is a wait for a person: rounded up to the minute past one minute.
func WaitText(d time.Duration) string {
	if d < time.Minute {
		return DurationText(d.Round(time.Second))
	}
	m := int(math.Ceil(d.Minutes()))
	if m < 60 {
		return fmt.Sprintf("%d min", m)
	}
	if m%60 == 0 {
		return fmt.Sprintf("%d h", m/60)
	}
	return fmt.Sprintf("%d h %d min", m/60, m%60)
}

// CodeHistory is what the code's limits across runs read of the audit trail:
// a channel's code e-mails in the code e-mails' window, and its and its
// account's wrong codes in the locked-removals' window, each with how long
// until its count falls back under its limit.
type CodeHistory struct {
	CodeEmails     int
	CodeEmailsWait time.Duration
	WrongByChannel int
	ChannelWait    time.Duration
	WrongByAccount int
	AccountWait    time.Duration
}

// CodeQuery asks a read of a run's challenge for its channel's code history.
type CodeQuery struct {
	ChannelID string
	Limits    CodeLimits
	// Guess is set for a code check: it spends one of the account's wrong
	// codes, which every channel of the account spends at once.
	Guess bool
}

// CodeLimits are the code's limits across runs.
type CodeLimits struct {
	CodeEmails, LockedPerChannel, LockedPerAccount Limit
}

// DefaultCodeLimits are the contract's defaults.
var DefaultCodeLimits = CodeLimits{CodeEmails: CodeEmailsPerChannel, LockedPerChannel: LockedRemovalsPerChannel,
	LockedPerAccount: LockedRemovalsPerAccount}

// CodeEmailRefusal refuses one more code e-mail for the channel, nil when
// it may go.
func (l CodeLimits) CodeEmailRefusal(h CodeHistory) *Error {
	if l.CodeEmails.Max > 0 && h.CodeEmails >= l.CodeEmails.Max {
		return TooManyCodes(l.CodeEmails, h.CodeEmailsWait)
	}
	return nil
}

// GuessesLeft is how many wrong codes the channel and its account may still
// take across runs (a limit of Max 0 bounds nothing).
func (l CodeLimits) GuessesLeft(h CodeHistory) int {
	left := math.MaxInt
	if l.LockedPerChannel.Max > 0 {
		left = l.LockedPerChannel.WrongCodeBudget() - h.WrongByChannel
	}
	if l.LockedPerAccount.Max > 0 {
		left = min(left, l.LockedPerAccount.WrongCodeBudget()-h.WrongByAccount)
	}
	return max(left, 0)
}

// GuessRefusal refuses a new removal of the channel once the wrong codes of
// the channel or of its account reached their budget; nil when it may start.
func (l CodeLimits) GuessRefusal(h CodeHistory) *Reason {
	if l.GuessesLeft(h) > 0 {
		return nil
	}
	wrong, wait := h.WrongByChannel, h.ChannelWait
	if l.LockedPerChannel.Max <= 0 || h.WrongByChannel < l.LockedPerChannel.WrongCodeBudget() {
		wrong, wait = h.WrongByAccount, h.AccountWait
	}
	r := TooManyLockedRemovals(wrong, wait)
	return &r
}

// MaxRetryUnlinkRounds bounds ops' retry-unlink rounds within one removal's
// retry window: each round is up to eight attempts with their waits, and a
// removal's history must stay far below Temporal's limits however often ops
// press the button. Past it the run refuses, and the window runs out.
const MaxRetryUnlinkRounds = 10

// RetryUnlinkRoundsRefusal is the refusal of a round past the bound.
func RetryUnlinkRoundsRefusal() *Error {
	return Errorf(CodeConflict, "esta remoção já teve %d novas tentativas na Meta; corrija a causa e aguarde o fim da janela (o desvínculo será abandonado)", MaxRetryUnlinkRounds)
}

// AddressKey is the address a throttle counts: an IPv4 address itself, an
// IPv6 address by its /64, which one line or machine is handed whole, so
// rotating within it does not buy more guesses.
func AddressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Is4() || a.Is4In6() {
		return ip
	}
	p, err := a.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}

// TooManySignIns refuses a sign-in over a limit of its address or its device.
func TooManySignIns(wait time.Duration) *Error {
	return Errorf(CodeTooManyAttempts, "muitas tentativas de entrada; tente de novo em %s", WaitText(wait)).
		With("retry_after", Seconds(wait))
}

// TooManyUntrustedSignIns refuses a sign-in from a browser and a network new
// to the e-mail while its guesses from everywhere are over their limit; its
// owner gets in from a browser or a network already used.
func TooManyUntrustedSignIns(wait time.Duration) *Error {
	return Errorf(CodeTooManyAttempts, "muitas tentativas de entrada para este e-mail; tente de novo em %s, "+
		"ou entre por um navegador ou uma rede de onde já entrou antes", WaitText(wait)).With("retry_after", Seconds(wait))
}
