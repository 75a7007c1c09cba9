package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	sdklog "go.temporal.io/sdk/log"

	"github.com/crm/channel-removal/config"
	"github.com/crm/channel-removal/temporalcodec"
	"github.com/crm/channel-removal/tracing"
)

// temporalTLS builds the TLS config from TEMPORAL_TLS_* and TEMPORAL_API_KEY;
// nil means plaintext (the embedded dev server, a compose network).
func temporalTLS(cfg config.Config) (*tls.Config, error) {
	if cfg.TemporalTLSCert == "" && cfg.TemporalTLSKey == "" && cfg.TemporalTLSCA == "" && cfg.TemporalAPIKey == "" {
		return nil, nil
	}
	t := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: cfg.TemporalTLSServerName}
	if (cfg.TemporalTLSCert == "") != (cfg.TemporalTLSKey == "") {
		return nil, errors.New("TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together: set both or neither")
	}
	if cfg.TemporalTLSCert != "" {
		pair, err := tls.LoadX509KeyPair(cfg.TemporalTLSCert, cfg.TemporalTLSKey)
		if err != nil {
			return nil, fmt.Errorf("TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY: %w", err)
		}
		t.Certificates = []tls.Certificate{pair}
	}
	if cfg.TemporalTLSCA != "" {
		pem, err := os.ReadFile(cfg.TemporalTLSCA)
		if err != nil {
			return nil, fmt.Errorf("TEMPORAL_TLS_CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("TEMPORAL_TLS_CA: no PEM certificate in %s", cfg.TemporalTLSCA)
		}
		t.RootCAs = pool
	}
	return t, nil
}

// DialTemporalConfig connects to TEMPORAL_ADDRESS with TLS or an API key as
// configured, failing within 15 s with one line if the frontend does not answer.
func DialTemporalConfig(ctx context.Context, cfg config.Config, metrics client.MetricsHandler, log *slog.Logger) (client.Client, error) {
	tlsCfg, err := temporalTLS(cfg)
	if err != nil {
		return nil, err
	}
	codec, err := cfg.Codec()
	if err != nil {
		return nil, err
	}
	opts := clientOptions(cfg.TemporalAddress, cfg.TemporalNamespace, codec, metrics, log)
	opts.ConnectionOptions.TLS = tlsCfg
	if cfg.TemporalAPIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(string(cfg.TemporalAPIKey))
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("cannot reach Temporal at %s (namespace %s): %w", cfg.TemporalAddress, cfg.TemporalNamespace, err)
	}
	return c, nil
}

// clientOptions are every process's client's: the codec encrypts what it
// sends (and what a worker built on it sends), and decrypts what it reads.
func clientOptions(address, namespace string, codec *temporalcodec.Codec, metrics client.MetricsHandler, log *slog.Logger) client.Options {
	o := plainClientOptions(address, namespace, metrics, log)
	codec.Apply(&o)
	// Spans from the client through the workflows and activities of the
	// workers built on it (tracing.TemporalInterceptor).
	o.Interceptors = []interceptor.ClientInterceptor{tracing.TemporalInterceptor()}
	return o
}

// plainClientOptions are a client's options before the codec and the
// tracing interceptor: what clientOptions adds them to, and the bench's
// baseline (DialTemporalPlain).
func plainClientOptions(address, namespace string, metrics client.MetricsHandler, log *slog.Logger) client.Options {
	return client.Options{
		HostPort:       address,
		Namespace:      namespace,
		Logger:         sdklog.NewStructuredLogger(log.With("component", "temporal-sdk")),
		MetricsHandler: metrics,
	}
}
