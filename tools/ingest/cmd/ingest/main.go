// Command ingest is the reference registry endpoint (package
// tools/ingest): it serves the registry API to terminals with mutual TLS
// and inspects what it stored.
//
//	ingest serve -data DIR [-addr 127.0.0.1:8443] [fault flags]
//	ingest count -data DIR
//	ingest issue -data DIR -terminal ID -pubkey key.pem -out cert.pem
//	ingest reference -data DIR -citizen ID -file signed.cose
//
// See docs/uplink.md.
package main

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/regterm/regterm/tools/ingest"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ingest:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  ingest serve -data DIR [-addr 127.0.0.1:8443] [-host NAME] [fault flags]
  ingest count -data DIR
  ingest issue -data DIR -terminal ID -pubkey PUB.pem -out CERT.pem [-days 825]
  ingest reference -data DIR -citizen ID -file SIGNED.cose`

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("ingest "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "data directory (database, CA, server certificate)")
	switch args[0] {
	case "serve":
		addr := fs.String("addr", "127.0.0.1:8443", "listen address")
		host := fs.String("host", "", "extra host name or address for the server certificate")
		var f ingest.Faults
		fs.DurationVar(&f.Delay, "fault-delay", 0, "delay before every answer")
		fs.Float64Var(&f.Error500, "fault-500", 0, "probability of answering 500 to a batch")
		fs.Float64Var(&f.Unavailable, "fault-503", 0, "probability of answering 503 with Retry-After")
		fs.IntVar(&f.RetryAfter, "fault-retry-after", 5, "Retry-After seconds of -fault-503")
		fs.Float64Var(&f.Reset, "fault-reset", 0, "probability of resetting the connection before storing")
		fs.Float64Var(&f.DropAfterStore, "fault-drop-after-store", 0, "probability of storing and then resetting the connection")
		fs.Float64Var(&f.DuplicateAnswer, "fault-duplicate-answer", 0, "probability of writing the answer twice")
		fs.Uint64Var(&f.Seed, "fault-seed", 0, "seed of the fault dice (0: random)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *data == "" {
			return errors.New("serve: -data is required")
		}
		log := slog.New(slog.NewTextHandler(stderr, nil))
		var hosts []string
		if *host != "" {
			hosts = append(hosts, *host)
		}
		srv, err := ingest.Open(ingest.Opts{Dir: *data, Hosts: hosts, Faults: f, Log: log})
		if err != nil {
			return err
		}
		url, err := srv.Start(*addr)
		if err != nil {
			srv.Close()
			return err
		}
		log.Info("ingest: serving", "url", url, "data", *data, "ca", *data+"/ca.pem")
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		<-ctx.Done()
		return srv.Close()
	case "count":
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *data == "" {
			return errors.New("count: -data is required")
		}
		chains, err := ingest.Count(*data)
		if err != nil {
			return err
		}
		for _, c := range chains {
			fmt.Fprintln(stdout, c)
		}
		return nil
	case "issue":
		terminal := fs.String("terminal", "", "terminal id (certificate common name)")
		pubPath := fs.String("pubkey", "", "terminal public key, PEM (PUBLIC KEY)")
		out := fs.String("out", "", "certificate chain output, PEM")
		days := fs.Int("days", 825, "validity in days")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *data == "" || *terminal == "" || *pubPath == "" || *out == "" {
			return errors.New("issue: -data, -terminal, -pubkey and -out are required")
		}
		b, err := os.ReadFile(*pubPath)
		if err != nil {
			return err
		}
		blk, _ := pem.Decode(b)
		if blk == nil {
			return errors.New("issue: no PEM block in -pubkey")
		}
		pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			return fmt.Errorf("issue: %w", err)
		}
		srv, err := ingest.Open(ingest.Opts{Dir: *data})
		if err != nil {
			return err
		}
		defer srv.Close()
		chain, err := srv.IssueTerminal(*terminal, pub, time.Duration(*days)*24*time.Hour)
		if err != nil {
			return err
		}
		var pemOut []byte
		for _, der := range chain {
			pemOut = append(pemOut, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
		}
		return os.WriteFile(*out, pemOut, 0o644)
	case "reference":
		citizen := fs.String("citizen", "", "citizen id")
		file := fs.String("file", "", "registry-signed reference (COSE_Sign1)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *data == "" || *citizen == "" || *file == "" {
			return errors.New("reference: -data, -citizen and -file are required")
		}
		b, err := os.ReadFile(*file)
		if err != nil {
			return err
		}
		srv, err := ingest.Open(ingest.Opts{Dir: *data})
		if err != nil {
			return err
		}
		defer srv.Close()
		return srv.PutReference(*citizen, b)
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}
