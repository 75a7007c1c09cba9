//go:build !nodev

// Package temporaldev runs a real Temporal dev server (frontend, history,
// matching, Temporal Web) inside this process, persisted in a SQLite file.
// It exists for `channel-removal dev` and the integration tests; production
// builds use the `nodev` tag and never link it.
package temporaldev

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/temporalio/cli/temporalcli/devserver"
	"go.temporal.io/api/enums/v1"
)

// Options configures the embedded server. Zero UIPort means no Temporal Web.
type Options struct {
	Host             string
	Port             int
	UIPort           int
	DBFile           string // empty: in-memory
	Namespace        string
	SearchAttributes []string // registered as Keyword
	Logger           *slog.Logger
}

// Server is a running embedded Temporal.
type Server struct {
	srv     *devserver.Server
	Address string
	UIURL   string
}

// Start boots the server and returns once its frontend accepts connections.
func Start(o Options) (*Server, error) {
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.Namespace == "" {
		o.Namespace = "default"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if o.Port == 0 {
		o.Port = devserver.MustGetFreePort(o.Host)
	}
	if o.DBFile != "" {
		if err := os.MkdirAll(filepath.Dir(o.DBFile), 0o755); err != nil {
			return nil, fmt.Errorf("temporal state directory: %w", err)
		}
	}
	sa := map[string]enums.IndexedValueType{}
	for _, name := range o.SearchAttributes {
		sa[name] = enums.INDEXED_VALUE_TYPE_KEYWORD
	}
	opts := devserver.StartOptions{
		FrontendIP:             o.Host,
		FrontendPort:           o.Port,
		Namespaces:             []string{o.Namespace},
		ClusterID:              "channel-removal-dev",
		MasterClusterName:      "active",
		CurrentClusterName:     "active",
		InitialFailoverVersion: 1,
		Logger:                 o.Logger,
		LogLevel:               slog.LevelWarn,
		DatabaseFile:           o.DBFile,
		SearchAttributes:       sa,
		DynamicConfigValues: map[string]any{
			// Without it the first upserts of freshly registered attributes can race the cache.
			"system.forceSearchAttributesCacheRefreshOnRead": true,
		},
	}
	s := &Server{Address: fmt.Sprintf("%s:%d", o.Host, o.Port)}
	if o.UIPort != 0 {
		opts.UIIP = o.Host
		opts.UIPort = o.UIPort
		s.UIURL = fmt.Sprintf("http://%s:%d", o.Host, o.UIPort)
	}
	srv, err := devserver.Start(opts)
	if err != nil {
		return nil, fmt.Errorf("start embedded temporal: %w", err)
	}
	s.srv = srv
	return s, nil
}

// Stop shuts the server down; safe to call once.
func (s *Server) Stop() { s.srv.Stop() }
