package api

import (
	"archive/zip"
	"bufio"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/workflows"
)

// exportChannel streams the channel's conversations as a .zip holding
// conversations.csv and messages.csv (SPEC §8), straight from the store's
// cursors to the response: nothing of the channel is held in memory. The
// audit record, with the counts of the export's snapshot, is written before
// the first byte goes out, so no export leaves unrecorded.
//
// Once the response has begun a failure cannot become a problem: the
// connection is cut, and the client has a zip without its central directory,
// which no program opens as complete.
func (s *Server) exportChannel(c *gin.Context) error {
	ch, err := s.ownChannel(c, c.Param("id"))
	if err != nil {
		return err
	}
	if err := requireAdmin(c); err != nil {
		return err
	}
	select {
	case s.exports <- struct{}{}:
		defer func() { <-s.exports }()
	default:
		s.log.Warn("export refused: too many streaming", "channel_id", ch.ID, "exports", maxExports)
		return domain.TooManyExports(maxExports, exportRetry)
	}
	z := &zipExport{s: s, c: c, ch: ch, id: uuid.NewString()}
	err = s.store.ExportChannel(c.Request.Context(), domain.Export{ID: z.id, AccountID: ch.AccountID, ChannelID: ch.ID,
		PerAccount: s.exportsPerAccount}, z)
	if err == nil {
		err = z.close()
	}
	if err != nil && z.started {
		s.log.Warn("export cut short", "channel_id", ch.ID, "export_id", z.id, "error", err)
		panic(http.ErrAbortHandler)
	}
	return err
}

// maxExports bounds the exports one API process streams at once: each holds
// a connection of the store's pool (20) for as long as it streams, minutes
// for a large channel, and the rest of the API needs the others.
const maxExports = 4

// exportRetry is the Retry-After of an export refused for maxExports.
const exportRetry = 30 * time.Second

// exportFileName names the download after the channel and the day.
func exportFileName(ch domain.Channel, now time.Time) string {
	return fmt.Sprintf("conversas-%s-%s.zip", ch.ID, now.UTC().Format("2006-01-02"))
}

// zipExport writes an export as it is read (domain.ExportWriter).
type zipExport struct {
	s       *Server
	c       *gin.Context
	ch      domain.Channel
	id      string // the export's own id, made here: its audit key and its notice's
	started bool
	buf     *bufio.Writer
	zw      *zip.Writer
	csv     *csvFile
}

func (z *zipExport) Counted(n domain.ExportCounts) error {
	ctx := z.c.Request.Context()
	if err := z.s.store.AppendNewAudit(ctx, domain.AuditEntry{RemovalID: workflows.WorkflowID(z.ch.ID), AccountID: z.ch.AccountID,
		ChannelID: z.ch.ID, Actor: z.s.actor(z.c), Action: domain.ActionConversationsExported,
		Key:    domain.ActionKey(z.ch.AccountID, domain.ActionConversationsExported, z.id),
		Detail: map[string]any{"export_id": z.id, "conversations": n.Conversations, "messages": n.Messages, "format": "zip"}}); err != nil {
		return err
	}
	if err := z.s.announceExport(ctx, z, n); err != nil {
		return err
	}
	w := z.c.Writer
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, exportFileName(z.ch, z.s.now())))
	w.Header().Set("Cache-Control", "no-store")
	// A balancer (nginx) passes the stream on as it comes rather than spooling
	// the export to its disk (deploy/lb.conf turns buffering off here too).
	w.Header().Set("X-Accel-Buffering", "no")
	// The counts, for a client that shows progress.
	w.Header().Set("X-Export-Conversations", fmt.Sprint(n.Conversations))
	w.Header().Set("X-Export-Messages", fmt.Sprint(n.Messages))
	w.WriteHeader(http.StatusOK)
	z.started = true
	z.buf = bufio.NewWriterSize(&paceGuard{w: w, rc: http.NewResponseController(w), pace: z.s.exportPace, start: time.Now()}, 64<<10)
	z.zw = zip.NewWriter(z.buf)
	return z.file("conversations.csv", domain.ConversationsHeader)
}

// file starts a CSV member of the zip with its header row.
func (z *zipExport) file(name string, header []string) error {
	f, err := z.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: z.s.now()})
	if err != nil {
		return err
	}
	z.csv = &csvFile{w: f}
	return z.csv.Write(header)
}

func (z *zipExport) Conversation(v domain.ExportConversation) error { return z.csv.Write(v.Record()) }

func (z *zipExport) Messages() error { return z.file("messages.csv", domain.MessagesHeader) }

func (z *zipExport) Message(m domain.ExportMessage) error { return z.csv.Write(m.Record()) }

func (z *zipExport) close() error {
	if err := z.zw.Close(); err != nil {
		return err
	}
	return z.buf.Flush()
}
