package uplink_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/regterm/regterm/drivers/hwkey/soft"
	"github.com/regterm/regterm/firmware/outbox"
	"github.com/regterm/regterm/firmware/uplink"
	"github.com/regterm/regterm/tools/ingest"
)

func Example() {
	dir, _ := os.MkdirTemp("", "uplink")
	defer os.RemoveAll(dir)
	// The registry: tools/ingest on loopback.
	reg, err := ingest.Open(ingest.Opts{Dir: filepath.Join(dir, "registry"), Log: quiet})
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Close()
	url, _ := reg.Start("127.0.0.1:0")

	// The terminal: its hardware key, certificate and outbox.
	key, _ := soft.Generate()
	cert, _ := reg.ClientCertificate(terminalID, key)
	q, _ := outbox.Open(filepath.Join(dir, "outbox.db"), nil)
	defer q.Close()
	for i := 0; i < 5; i++ {
		q.Append(context.Background(), testRecord(i), key)
	}

	client, err := uplink.NewClient(uplink.Config{URL: url, Certificate: cert, RootCAs: reg.CA().Pool()})
	if err != nil {
		log.Fatal(err)
	}
	s, _ := uplink.NewSyncer(q, uplink.SyncConfig{Client: client, Log: quiet})
	// A daemon runs s.Run(ctx) and calls s.Kick() after each Append; one
	// cycle here.
	if err := s.Cycle(context.Background()); err != nil {
		log.Fatal(err)
	}
	counts, _ := reg.Count()
	fmt.Println("outbox depth", q.Stats().Depth)
	fmt.Println("registry", counts[0])
	// Output:
	// outbox depth 0
	// registry T-0001/1 5 1 5 0
}
