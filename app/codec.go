package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/crm/channel-removal/config"
	"github.com/crm/channel-removal/temporalcodec"
)

// ServeCodec serves the codec server (temporalcodec.Handler) on CODEC_ADDR
// ("off": nowhere) until ctx ends: a listener of its own, like /metrics, so
// that it is reached from the ops' network (Temporal Web, the CLI) and not
// through the public balancer. It answers the address it listens on.
func ServeCodec(ctx context.Context, cfg config.Config, log *slog.Logger) (net.Addr, error) {
	if cfg.CodecAddr == "off" {
		return nil, nil
	}
	if cfg.CodecAuthToken == "" {
		return nil, errors.New("CODEC_AUTH_TOKEN is required to serve the codec server (or set CODEC_ADDR=off)")
	}
	codec, err := cfg.Codec()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.CodecAddr)
	if err != nil {
		return nil, fmt.Errorf("CODEC_ADDR %s: %w", cfg.CodecAddr, err)
	}
	h := codec.Handler(temporalcodec.ServerOptions{Token: string(cfg.CodecAuthToken), Origins: cfg.CodecOrigins})
	go Serve(ctx, ln, http.MaxBytesHandler(h, 8<<20))
	log.Info("codec server", "addr", ln.Addr().String(), "url", cfg.CodecBaseURL()) // never the token
	return ln.Addr(), nil
}
