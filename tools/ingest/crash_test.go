package ingest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/regterm/regterm/firmware/outbox"
	"github.com/regterm/regterm/firmware/record"
	"github.com/regterm/regterm/firmware/uplink"
)

// TestMain runs the registry as a child process for TestRegistryKilled.
func TestMain(m *testing.M) {
	if dir := os.Getenv("INGEST_CHILD_DIR"); dir != "" {
		s, err := Open(Opts{Dir: dir, Log: quiet})
		if err != nil {
			fmt.Println("FAIL", err)
			os.Exit(1)
		}
		if _, err := s.Start(os.Getenv("INGEST_CHILD_ADDR")); err != nil {
			fmt.Println("FAIL", err)
			os.Exit(1)
		}
		fmt.Println("R")
		select {} // until killed
	}
	os.Exit(m.Run())
}

// TestRegistryKilled kills the registry with SIGKILL again and again while
// a terminal syncs to it: whatever it answered accepted is on disk, so in
// the end every record is stored exactly once, without gaps.
func TestRegistryKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	kills := 60
	if os.Getenv("REGTERM_SOAK") == "1" {
		kills = 300
	}
	dir := filepath.Join(t.TempDir(), "registry")
	// The CA, server certificate and the terminal's certificate first.
	s, err := Open(Opts{Dir: dir, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	k := key(t)
	cert, err := s.ClientCertificate("T-1", k)
	if err != nil {
		t.Fatal(err)
	}
	pool := s.CA().Pool()
	s.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ob, err := outbox.Open(filepath.Join(t.TempDir(), "outbox.db"), &outbox.Opts{Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close()
	c, err := uplink.NewClient(uplink.Config{URL: "https://" + addr, Certificate: cert, RootCAs: pool, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sy, _ := uplink.NewSyncer(ob, uplink.SyncConfig{Client: c, Batch: 7, Interval: 5 * time.Millisecond,
		MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, MaxRate: -1, Log: quiet})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- sy.Run(ctx) }()

	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "INGEST_CHILD_DIR="+dir, "INGEST_CHILD_ADDR="+addr)
		out, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		ready := make(chan string, 1)
		go func() {
			for sc.Scan() {
				ready <- sc.Text()
			}
			close(ready)
		}()
		select {
		case l := <-ready:
			if l != "R" {
				cmd.Process.Kill()
				t.Fatalf("registry child: %s", l)
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Fatal("registry child did not start")
		}
		return cmd
	}
	rng := newRand(t)
	n := 0
	for i := 0; i < kills; i++ {
		cmd := start()
		deadline := time.Now().Add(time.Duration(rng.Intn(120)) * time.Millisecond)
		for time.Now().Before(deadline) {
			if _, err := ob.Append(ctx, seqRecord(n), k); err != nil {
				t.Fatal(err)
			}
			n++
			sy.Kick()
			time.Sleep(time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
	}
	cmd := start()
	for deadline := time.Now().Add(60 * time.Second); ob.Stats().Depth > 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not drained: %+v", ob.Stats())
		}
	}
	cancel()
	<-done
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	counts, err := Count(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("T-1/1 %d 1 %d 0", n, n)
	if len(counts) != 1 || counts[0].String() != want {
		t.Fatalf("after %d kills: count %v, want %s", kills, counts, want)
	}
	if st := ob.Stats(); st.Acked != uint64(n) || st.DeadLetters != 0 {
		t.Fatalf("outbox: %+v", st)
	}
	st := sy.Status()
	t.Logf("%d registry kills, %d records: %d accepted, %d duplicates answered", kills, n, st.Accepted, st.Duplicates)
}

// seqRecord is an unsealed record for the outbox to chain and sign.
func seqRecord(i int) *record.Record {
	return &record.Record{Kind: record.KindMatch, TerminalID: "T-1", OfficerID: "OFF-1", CitizenID: fmt.Sprintf("1%012d", i),
		Match: &record.Match{Score: 50, Threshold: 40}, TimeUnixMilli: 1764576000000 + int64(i), TimeSource: record.TimeRTC}
}
