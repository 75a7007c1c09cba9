package rehearsal

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/crm/channel-removal/temporalcodec"
	"github.com/crm/channel-removal/workflows"
)

// Why k1 stays until the runs that hold its payloads have closed: a process
// with k2 alone reads none of them.

// decodeWithK2Alone starts an API of the production binary with
// TEMPORAL_CODEC_KEY=k2 alone and its codec server on, as ops would reach
// it from Temporal Web or the CLI, and asks it to decode p (a k1 payload
// read from Temporal). It answers the codec server's answer.
func (r *rig) decodeWithK2Alone(ctx context.Context, k2 string, p *commonpb.Payload) (string, error) {
	ports, err := freePorts(1)
	if err != nil {
		return "", err
	}
	codecAddr := "127.0.0.1:" + ports[0]
	api, err := r.fleet.newAPI(r.o.Binary, "api-k2-alone", r.doors[0].srv.URL,
		[]string{"TEMPORAL_CODEC_KEY=" + k2, "CODEC_ADDR=" + codecAddr})
	if err != nil {
		return "", err
	}
	if err := api.start(ctx); err != nil {
		return "", err
	}
	defer api.proc.stop()
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{p}})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+codecAddr+"/decode", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+envValue(r.env, "CODEC_AUTH_TOKEN"))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	return fmt.Sprintf("HTTP %d: %s", res.StatusCode, strings.TrimSpace(string(b))), nil
}

// replayWith replays h with the removal's workflow code as a worker with
// TEMPORAL_CODEC_KEY=spec would, and answers "ok" or the first line of
// why it could not.
func replayWith(spec string, h *historypb.History) string {
	codec := temporalcodec.MustParse(spec)
	rp, err := sdkworker.NewWorkflowReplayerWithOptions(sdkworker.WorkflowReplayerOptions{
		DataConverter: codec.DataConverter(), FailureConverter: codec.FailureConverter()})
	if err != nil {
		return err.Error()
	}
	rp.RegisterWorkflowWithOptions(workflows.RemoveChannelWorkflow, workflows.RegisterOptions())
	if err := rp.ReplayWorkflowHistory(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)), h); err != nil {
		line, _, _ := strings.Cut(err.Error(), "\n")
		return line
	}
	return "ok"
}

// envValue is key's value in env (the last one wins, as for a process).
func envValue(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if s, ok := strings.CutPrefix(kv, key+"="); ok {
			v = s
		}
	}
	return v
}
