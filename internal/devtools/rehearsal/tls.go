package rehearsal

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
)

// The rehearsal's Temporal speaks mTLS only, as production's should: a CA made
// at its start signs the server's certificate (the frontend's and the
// internode one) and one client certificate for our processes, the CLI of the
// setup step and the rehearsal's own client. A client without a certificate
// of that CA is refused, which the rehearsal checks (MTLSRefused).

// tlsServerName is the name the server's certificate is for.
const tlsServerName = "temporal"

// pki is the CA and the certificates' files.
type pki struct {
	Dir                                              string
	CA, ServerCert, ServerKey, ClientCert, ClientKey string
}

// newPKI writes a fresh CA, server and client certificates into dir.
func newPKI(dir string) (pki, error) {
	p := pki{Dir: dir, CA: filepath.Join(dir, "ca.pem"), ServerCert: filepath.Join(dir, "server.pem"), ServerKey: filepath.Join(dir, "server-key.pem"),
		ClientCert: filepath.Join(dir, "client.pem"), ClientKey: filepath.Join(dir, "client-key.pem")}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return p, err
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return p, err
	}
	now := time.Now()
	ca := &x509.Certificate{SerialNumber: serial(), Subject: pkix.Name{CommonName: "channel-removal rehearsal CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return p, err
	}
	if err := writePEM(p.CA, "CERTIFICATE", caDER); err != nil {
		return p, err
	}
	// The server's certificate also authenticates it as a client: the
	// internode connections and the system workers present it.
	server := &x509.Certificate{SerialNumber: serial(), Subject: pkix.Name{CommonName: tlsServerName},
		DNSNames: []string{tlsServerName, "localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	if err := issue(server, ca, caKey, p.ServerCert, p.ServerKey); err != nil {
		return p, err
	}
	clientCert := &x509.Certificate{SerialNumber: serial(), Subject: pkix.Name{CommonName: "channel-removal"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	return p, issue(clientCert, ca, caKey, p.ClientCert, p.ClientKey)
}

func issue(tmpl, ca *x509.Certificate, caKey *ecdsa.PrivateKey, certFile, keyFile string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := writePEM(certFile, "CERTIFICATE", der); err != nil {
		return err
	}
	return writePEM(keyFile, "PRIVATE KEY", keyDER)
}

func writePEM(path, kind string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600)
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

// serverEnv configures the server's TLS (deploy/temporal/config/production.yaml).
func (p pki) serverEnv() []string {
	return []string{"TEMPORAL_TLS_SERVER_CERT=" + p.ServerCert, "TEMPORAL_TLS_SERVER_KEY=" + p.ServerKey,
		"TEMPORAL_TLS_SERVER_CA=" + p.CA, "TEMPORAL_TLS_SERVER_NAME=" + tlsServerName}
}

// clientEnv configures our processes and the temporal CLI (same names).
func (p pki) clientEnv() []string {
	return []string{"TEMPORAL_TLS_CERT=" + p.ClientCert, "TEMPORAL_TLS_KEY=" + p.ClientKey, "TEMPORAL_TLS_CA=" + p.CA,
		"TEMPORAL_TLS_SERVER_NAME=" + tlsServerName}
}

// clientTLS is our processes' TLS configuration, for the rehearsal's own client.
func (p pki) clientTLS() (*tls.Config, error) {
	pair, err := tls.LoadX509KeyPair(p.ClientCert, p.ClientKey)
	if err != nil {
		return nil, err
	}
	roots, err := p.roots()
	return &tls.Config{MinVersion: tls.VersionTLS12, ServerName: tlsServerName, Certificates: []tls.Certificate{pair}, RootCAs: roots}, err
}

func (p pki) roots() (*x509.CertPool, error) {
	b, err := os.ReadFile(p.CA)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("no CA in %s", p.CA)
	}
	return pool, nil
}

// refusesStrangers checks that the server refuses a client that trusts its
// CA but has no certificate, and one that speaks plaintext: what anyone who
// merely reaches the frontend would try. It says how each was refused.
func (p pki) refusesStrangers(ctx context.Context, address string) ([]string, error) {
	roots, err := p.roots()
	if err != nil {
		return nil, err
	}
	var how []string
	for _, try := range []struct {
		name string
		opts client.ConnectionOptions
	}{
		{"no client certificate", client.ConnectionOptions{TLS: &tls.Config{MinVersion: tls.VersionTLS12, ServerName: tlsServerName, RootCAs: roots}}},
		{"plaintext", client.ConnectionOptions{}},
	} {
		name, opts := try.name, try.opts
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		c, err := client.DialContext(cctx, client.Options{HostPort: address, Namespace: "default", ConnectionOptions: opts,
			Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
		if err == nil {
			_, err = c.CheckHealth(cctx, &client.CheckHealthRequest{})
			c.Close()
		}
		cancel()
		if err == nil {
			return nil, fmt.Errorf("a client with %s was served", name)
		}
		how = append(how, name+": refused")
	}
	return how, nil
}
