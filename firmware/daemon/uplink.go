package daemon

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"

	"github.com/regterm/regterm/board"
	"github.com/regterm/regterm/firmware/config"
)

// uplinkOf returns the registry endpoint: the board's (the simulated
// registry) or the configured one, with the hardware key as the TLS
// client key. It returns nil when neither names a registry.
func uplinkOf(c *config.Config, dev *board.Devices) (*board.Uplink, error) {
	if dev.Uplink != nil {
		return dev.Uplink, nil
	}
	if c.Uplink.URL == "" {
		return nil, nil
	}
	u := &board.Uplink{URL: c.Uplink.URL}
	certPEM, err := os.ReadFile(c.Uplink.Certificate)
	if err != nil {
		return nil, fmt.Errorf("daemon: uplink.certificate: %w", err)
	}
	for b, rest := pem.Decode(certPEM); b != nil; b, rest = pem.Decode(rest) {
		if b.Type == "CERTIFICATE" {
			u.Certificate.Certificate = append(u.Certificate.Certificate, b.Bytes)
		}
	}
	if len(u.Certificate.Certificate) == 0 {
		return nil, fmt.Errorf("daemon: uplink.certificate: %s holds no certificate", c.Uplink.Certificate)
	}
	u.Certificate.PrivateKey = dev.Signer
	caPEM, err := os.ReadFile(c.Uplink.CA)
	if err != nil {
		return nil, fmt.Errorf("daemon: uplink.ca: %w", err)
	}
	u.RootCAs = x509.NewCertPool()
	if !u.RootCAs.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("daemon: uplink.ca: %s holds no certificate", c.Uplink.CA)
	}
	keyPEM, err := os.ReadFile(c.Uplink.RegistryKey)
	if err != nil {
		return nil, fmt.Errorf("daemon: uplink.registry_key: %w", err)
	}
	b, _ := pem.Decode(keyPEM)
	if b == nil {
		return nil, fmt.Errorf("daemon: uplink.registry_key: %s is not PEM", c.Uplink.RegistryKey)
	}
	if u.RegistryKey, err = x509.ParsePKIXPublicKey(b.Bytes); err != nil {
		return nil, fmt.Errorf("daemon: uplink.registry_key: %w", err)
	}
	return u, nil
}
