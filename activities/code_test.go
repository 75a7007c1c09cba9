package activities_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/vcode"
)

func (e *env) send(ch string, seq int) (activities.SendCodeResult, error) {
	return e.acts.SendVerificationCode(e.ctx, activities.SendCodeInput{Step: e.step(ch), ChannelName: "Canal", Seq: seq, Decided: stepDocs(domain.OutcomeCodeSent, domain.StatusAwaitingCode)})
}

func (e *env) verify(ch string, seq int, code string) activities.VerifyResult {
	e.t.Helper()
	s := e.step(ch)
	r, err := e.acts.VerifyCode(e.ctx, activities.VerifyInput{Step: s, Seq: seq, CodeHash: vcode.Hash(secret, s.RemovalID, code), Decided: checkDocs()})
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func TestCodeIsMailedToAccountAdministratorAndStoredOnlyAsKeyedHash(t *testing.T) {
	e := newEnv(t)
	ch := e.channel("messenger", "", "P1")
	res, err := e.send(ch, 1)
	if err != nil {
		t.Fatal(err)
	}
	mails := e.sg.Sent()
	if len(mails) != 1 || mails[0].To != "dono@loja.test" || mails[0].Auth != "Bearer SG.test-key" {
		t.Fatalf("mails: %+v", mails)
	}
	if !strings.HasPrefix(mails[0].Subject, "Código de verificação para remover o canal") || !strings.Contains(mails[0].Text, "expira em 10 minutos") {
		t.Fatalf("pt-BR mail expected: %+v", mails[0])
	}
	code := mails[0].Code(t)
	if res.Recipient != "d***@loja.test" || !res.ExpiresAt.Equal(e.clock.Now().Add(10*time.Minute)) {
		t.Fatalf("result: %+v", res)
	}
	// The row holds neither the code nor anything that derives it once sent.
	var row struct {
		Hash  []byte `db:"code_hash"`
		Nonce []byte `db:"code_nonce"`
		Text  string `db:"t"`
	}
	if err := e.store.DB().Get(&row, `SELECT code_hash, code_nonce, row_to_json(c)::text AS t FROM verification_challenges c`); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(row.Text, code) || bytes.Contains(row.Hash, []byte(code)) || row.Nonce != nil {
		t.Fatalf("code visible in row: %s", row.Text)
	}
	if h, _ := vcode.Decode(vcode.Hash(secret, "remove-channel:"+ch, code)); !bytes.Equal(h, row.Hash) {
		t.Fatal("stored hash is not the keyed hash of the mailed code")
	}
	if r := e.verify(ch, 1, code); !r.OK {
		t.Fatalf("right code refused: %+v", r)
	}
}

func TestRetriedSendNeverMintsASecondCode(t *testing.T) {
	e := newEnv(t, http.StatusInternalServerError, http.StatusAccepted)
	ch := e.channel("messenger", "", "P1")
	if _, err := e.send(ch, 1); err == nil {
		t.Fatal("500 must fail the attempt")
	}
	var hash1 []byte
	e.store.DB().Get(&hash1, `SELECT code_hash FROM verification_challenges`)
	if _, err := e.send(ch, 1); err != nil { // the activity's retry
		t.Fatal(err)
	}
	if _, err := e.send(ch, 1); err != nil { // a retry after success: sends nothing
		t.Fatal(err)
	}
	var hash2 []byte
	e.store.DB().Get(&hash2, `SELECT code_hash FROM verification_challenges`)
	if !bytes.Equal(hash1, hash2) || len(e.sg.Sent()) != 1 {
		t.Fatalf("retry minted a new code or mailed twice: same hash %v, mails %d", bytes.Equal(hash1, hash2), len(e.sg.Sent()))
	}
	if r := e.verify(ch, 1, e.sg.Sent()[0].Code(t)); !r.OK {
		t.Fatal("the code mailed on retry must be the stored one")
	}
}

func TestResendIsThrottledAndReplacesTheCode(t *testing.T) {
	e := newEnv(t)
	ch := e.channel("messenger", "", "P1")
	if _, err := e.send(ch, 1); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(20 * time.Second)
	_, err := e.send(ch, 2)
	ae := appErr(t, err, "resend_too_soon", false)
	var f map[string]any
	if ae.Details(&f) != nil || num(f["retry_after"]) != 40 {
		t.Fatalf("retry_after: %v", f)
	}
	e.clock.Advance(41 * time.Second)
	if _, err := e.send(ch, 2); err != nil {
		t.Fatal(err)
	}
	mails := e.sg.Sent()
	old, fresh := mails[0].Code(t), mails[1].Code(t)
	if old == fresh {
		t.Skip("codes collided by chance (1e-6)")
	}
	if r := e.verify(ch, 1, old); r.OK || r.AttemptsLeft != 4 {
		t.Fatalf("old code must fail after resend: %+v", r)
	}
	if r := e.verify(ch, 2, fresh); !r.OK {
		t.Fatalf("new code refused: %+v", r)
	}
}

func TestWrongCodesLockAfterFiveAndRetriesAreNotCounted(t *testing.T) {
	e := newEnv(t)
	ch := e.channel("messenger", "", "P1")
	e.send(ch, 1)
	right := e.sg.Sent()[0].Code(t)
	wrong := "000000"
	if wrong == right {
		wrong = "111111"
	}
	for i := 1; i <= 4; i++ {
		r := e.verify(ch, i, wrong)
		if r.OK || r.Locked || r.AttemptsLeft != 5-i {
			t.Fatalf("attempt %d: %+v", i, r)
		}
		if again := e.verify(ch, i, wrong); again.AttemptsLeft != 5-i { // activity retry
			t.Fatalf("retry counted twice: %+v", again)
		}
	}
	if r := e.verify(ch, 5, wrong); !r.Locked || r.AttemptsLeft != 0 {
		t.Fatalf("fifth wrong code must lock: %+v", r)
	}
	if r := e.verify(ch, 6, right); r.OK || !r.Locked {
		t.Fatalf("locked challenge accepted a code: %+v", r)
	}
}

func TestExpiredCode(t *testing.T) {
	e := newEnv(t)
	ch := e.channel("messenger", "", "P1")
	e.send(ch, 1)
	e.clock.Advance(10*time.Minute + time.Second)
	if r := e.verify(ch, 1, e.sg.Sent()[0].Code(t)); r.OK || !r.Expired || r.AttemptsLeft != 5 {
		t.Fatalf("expired code: %+v", r)
	}
}

func TestSendGridFailuresAreClassified(t *testing.T) {
	cases := []struct {
		status    int
		retryable bool
	}{
		{http.StatusBadRequest, false},
		{http.StatusUnauthorized, false},
		{http.StatusTooManyRequests, true},
		{http.StatusInternalServerError, true},
		{0, true}, // hung server: the client's timeout fires
	}
	for _, c := range cases {
		t.Run(http.StatusText(c.status), func(t *testing.T) {
			e := newEnv(t, c.status)
			ch := e.channel("messenger", "", "P1")
			_, err := e.send(ch, 1)
			if err == nil {
				t.Fatal("want an error")
			}
			if c.retryable {
				if ae := asApp(err); ae != nil && ae.NonRetryable() {
					t.Fatalf("must be retryable: %v", err)
				}
				return
			}
			ae := appErr(t, err, "mail_rejected", false)
			if !strings.Contains(ae.Error(), "SendGrid recusou") {
				t.Fatalf("unclear message: %v", ae)
			}
		})
	}
}

// A send is marked exactly when its audit record exists: if the record cannot
// be written, the mark is rolled back, and the retry mails the same code and
// records it. (Before, the mark stood and the retry, seeing the send done,
// never wrote code_sent.)
func TestCodeSentIsMarkedOnlyWithItsAuditRecord(t *testing.T) {
	e := newEnv(t)
	ch := e.channel("messenger", "", "P1")
	db := e.store.DB()
	db.MustExec(`CREATE FUNCTION refuse_code_sent() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.action = 'code_sent' THEN RAISE EXCEPTION 'audit unavailable'; END IF; RETURN NEW; END $$`)
	db.MustExec(`CREATE TRIGGER refuse_code_sent BEFORE INSERT ON removal_audit_log FOR EACH ROW EXECUTE FUNCTION refuse_code_sent()`)
	if _, err := e.send(ch, 1); err == nil {
		t.Fatal("a send whose record cannot be written must fail")
	}
	var sent bool
	db.Get(&sent, `SELECT sent_at IS NOT NULL FROM verification_challenges`)
	if sent {
		t.Fatal("the send is marked without its audit record")
	}
	db.MustExec(`DROP TRIGGER refuse_code_sent ON removal_audit_log`)
	if _, err := e.send(ch, 1); err != nil { // the activity's retry
		t.Fatal(err)
	}
	if got := e.trail("remove-channel:" + ch); got != "code_sent" {
		t.Fatalf("audit after the retry: %s", got)
	}
	mails := e.sg.Sent()
	if len(mails) != 2 || mails[0].Code(t) != mails[1].Code(t) {
		t.Fatalf("the retry must re-send the same code: %d mails", len(mails))
	}
	if r := e.verify(ch, 1, mails[1].Code(t)); !r.OK {
		t.Fatal("the re-sent code must verify")
	}
}
