package domain

import "time"

// The verification code's policy (SPEC §1.3–1.4): the contract's defaults.
const (
	// MaxCodeAttempts wrong codes lock the removal.
	MaxCodeAttempts = 5
	// CodeTTL is how long a mailed code is good for.
	CodeTTL = 10 * time.Minute
	// ResendInterval is the least time between two codes.
	ResendInterval = 60 * time.Second
	// CodeDigits is a code's length.
	CodeDigits = 6
)
