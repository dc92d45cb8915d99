package outbox_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/regterm/regterm/drivers/hwkey/soft"
	"github.com/regterm/regterm/firmware/outbox"
	"github.com/regterm/regterm/firmware/record"
)

func Example() {
	dir, _ := os.MkdirTemp("", "outbox")
	defer os.RemoveAll(dir)
	key, _ := soft.Generate() // the hardware key on a terminal
	q, err := outbox.Open(filepath.Join(dir, "outbox.db"), &outbox.Opts{MaxRecords: 1000})
	if err != nil {
		log.Fatal(err)
	}
	defer q.Close()

	for i := 0; i < 3; i++ {
		if err := q.Room(); err != nil {
			log.Fatal(err) // ErrFull: stop enrolling, show why
		}
		r := &record.Record{Kind: record.KindMatch, TerminalID: "TERM-0001", OfficerID: "OFF-0001",
			CitizenID: "1234567890121", Match: &record.Match{Score: 55, Threshold: 40},
			TimeUnixMilli: 1764579600000, TimeSource: record.TimeRTC}
		seq, err := q.Append(context.Background(), r, key) // chained, signed, fsynced
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("queued", seq)
	}
	items, _ := q.Pending(10)
	// ... the registry stored the first two ...
	q.Ack([]outbox.ID{items[0].ID, items[1].ID})
	st := q.Stats()
	fmt.Println("epoch", st.Epoch, "depth", st.Depth, "next to send", items[2].ID)
	// Output:
	// queued 1
	// queued 2
	// queued 3
	// epoch 1 depth 1 next to send 1/3
}
