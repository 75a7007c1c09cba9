package domain

import (
	"fmt"
	"strings"
	"time"
)

// What the admins' notices about Meta's side share (a disconnection,
// meta_access.go; a coexistence number's offboarding, meta_offboard.go):
// one notice per account, naming its channels with a link to each.

// AccountChannel is a channel of an account that a notice about Meta's
// side names.
type AccountChannel interface {
	Account() string
	channel() (id, name string)
}

func (c WABAChannel) Account() string                   { return c.AccountID }
func (c WABAChannel) channel() (string, string)         { return c.ID, c.Name }
func (c DisconnectedChannel) Account() string           { return c.AccountID }
func (c DisconnectedChannel) channel() (string, string) { return c.ID, c.Name }

// GroupByAccount groups channels by account, in the order the accounts
// come: one notice each. It reads nothing but its input, so workflow code
// may call it.
func GroupByAccount[C AccountChannel](chs []C) [][]C {
	var groups [][]C
	at := map[string]int{}
	for _, ch := range chs {
		i, ok := at[ch.Account()]
		if !ok {
			i, at[ch.Account()] = len(groups), len(groups)
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], ch)
	}
	return groups
}

// ChannelsNotice is an account's channels as a notice names them: when
// Meta said so, and the web app's address for the links.
type ChannelsNotice[C AccountChannel] struct {
	AccountName string
	Channels    []C
	At          time.Time
	AppURL      string
}

// subject is one (%s: the channel's name) for a single channel, else many
// (%d: how many, %s: the account's name).
func (n ChannelsNotice[C]) subject(one, many string) string {
	if len(n.Channels) == 1 {
		_, name := n.Channels[0].channel()
		return fmt.Sprintf(one, name)
	}
	return fmt.Sprintf(many, len(n.Channels), n.AccountName)
}

// link is the channel's page in the web app.
func (n ChannelsNotice[C]) link(ch C) string {
	id, _ := ch.channel()
	return strings.TrimSuffix(n.AppURL, "/") + "/#/canais/" + id
}
