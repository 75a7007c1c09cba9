package domain

// Action is what an audit record records: one step of a removal, or one
// refusal or notice around it. The web app labels each (labels.js).
type Action string

const (
	ActionPreflightPassed        Action = "preflight_passed"
	ActionPreflightRejected      Action = "preflight_rejected"
	ActionAcknowledged           Action = "acknowledged"
	ActionNumberReleaseRequested Action = "number_release_requested"
	ActionCodeSent               Action = "code_sent"
	ActionCodeRejected           Action = "code_rejected"
	ActionCodeExpired            Action = "code_expired"
	ActionCodeVerified           Action = "code_verified"
	ActionChannelRemoved         Action = "channel_removed"
	ActionMetaUnlinked           Action = "meta_unlinked"
	ActionMetaUnlinkSkipped      Action = "meta_unlink_skipped"
	ActionMetaUnlinkFailed       Action = "meta_unlink_failed"
	ActionMetaUnlinkAbandoned    Action = "meta_unlink_abandoned"
	ActionRetryUnlinkRequested   Action = "retry_unlink_requested"
	ActionNumberReleased         Action = "number_released"
	ActionNumberReleaseFailed    Action = "number_release_failed"
	ActionNumberReleaseAbandoned Action = "number_release_abandoned"
	// The number's webhook override our app had set (override.go).
	ActionOverrideCleared          Action = "webhook_override_cleared"
	ActionOverrideLeftAlone        Action = "webhook_override_left_alone"
	ActionOverrideReleaseFailed    Action = "webhook_override_release_failed"
	ActionOverrideReleaseAbandoned Action = "webhook_override_release_abandoned"
	// The WABA's share of our credit line (credit_line.go).
	ActionCreditLineRevoked         Action = "credit_line_revoked"
	ActionCreditLineKept            Action = "credit_line_kept"
	ActionCreditLineRevokeFailed    Action = "credit_line_revoke_failed"
	ActionCreditLineRevokeAbandoned Action = "credit_line_revoke_abandoned"
	ActionRemovalCompleted          Action = "removal_completed"
	ActionRemovalCancelled          Action = "removal_cancelled"
	ActionRemovalExpired            Action = "removal_expired"
	ActionRemovalLocked             Action = "removal_locked"
	ActionRemovalRejected           Action = "removal_rejected"
	ActionRemovalReset              Action = "removal_reset" // ops reset the run in Temporal
	ActionOpsAlerted                Action = "ops_alerted"
	ActionAdminNotified             Action = "admin_notified"
	ActionConversationContinued     Action = "conversation_continued"

	// The customer's data (retention.go).
	ActionConversationsExported Action = "conversations_exported"
	// ActionExportNotified: an admin was told of an export (who, from where).
	ActionExportNotified  Action = "export_notified"
	ActionRetentionChosen Action = "retention_chosen"
	ActionPurgeScheduled  Action = "purge_scheduled"
	// ActionPurgeNotScheduled: the removal could not hand its purge over (a bug); the history is kept.
	ActionPurgeNotScheduled Action = "purge_not_scheduled"
	ActionPurgeCancelled    Action = "purge_cancelled"
	ActionPurgeMoved        Action = "purge_moved"
	ActionHoldSet           Action = "hold_set"
	ActionHoldReleased      Action = "hold_released"
	ActionPurgeHeld         Action = "purge_held"
	ActionPurgeResumed      Action = "purge_resumed"
	ActionPurgeStarted      Action = "purge_started"
	ActionMessagesPurged    Action = "messages_purged"
	ActionPurgeNoticeSent   Action = "purge_notice_sent"
	ActionPurgeDoneNotified Action = "purge_done_notified"

	// The limits' refusals and notices (limits.go); the code steps the
	// limits count are postgres' partial indexes' too.

	// ActionCodeEmailRefused: a code e-mail beyond CodeEmailsPerChannel was not sent.
	ActionCodeEmailRefused Action = "code_email_refused"
	// ActionStartRefused: a start beyond RemovalStartsPerUser was refused.
	ActionStartRefused Action = "start_refused"
	// ActionGuessLimitNotified: an admin was told the channel's wrong codes reached the limit.
	ActionGuessLimitNotified Action = "guess_limit_notified"
	// ActionNoticeFailed: a security notice was refused for good (SendGrid
	// rejected it, or a week of failures); the trail shows it never went.
	ActionNoticeFailed Action = "notice_failed"
)

// EndAction is the record that ends a run in status s (cancelled, expired,
// locked, rejected, completed).
func EndAction(s Status) Action { return Action("removal_" + string(s)) }

// NoticeKind names a security notice, as notice_failed records it.
type NoticeKind string

const (
	NoticeAdmins       NoticeKind = "admin_notice"        // the channel was removed (SPEC §7)
	NoticeGuessLimit   NoticeKind = "guess_limit_notice"  // the code was got wrong as often as allowed (SPEC §8)
	NoticeOps          NoticeKind = "ops_alert"           // the unlink stays failed (MAIL_OPS)
	NoticePurgeSoon    NoticeKind = "purge_notice"        // the messages are purged in PurgeNoticeDays
	NoticePurgeDone    NoticeKind = "purge_done_notice"   // the messages were purged
	NoticePurgeWaits   NoticeKind = "purge_waits_alert"   // a purge waits on its date for its notice (MAIL_OPS)
	NoticeDisconnected NoticeKind = "disconnected_notice" // Meta cut an account's channels off (SPEC §7)
	NoticeExport       NoticeKind = "export_notice"       // the channel's conversations were exported
	NoticeOffboarded   NoticeKind = "offboarded_notice"   // a coexistence number left the Cloud API (ACCOUNT_OFFBOARDED)
)
