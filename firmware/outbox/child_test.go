package outbox

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/regterm/regterm/drivers/hwkey/soft"
	"github.com/regterm/regterm/firmware/record"
	"github.com/regterm/regterm/internal/testpeer"
)

// The crash, full-disk and strace tests run this test binary again as a
// child process: TestMain dispatches on OUTBOX_CHILD.
func TestMain(m *testing.M) {
	if mode := os.Getenv("OUTBOX_CHILD"); mode != "" {
		err := runChild(mode, os.Getenv("OUTBOX_DIR"))
		if err != nil {
			fmt.Fprintln(os.Stdout, "FAIL", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func childCmd(mode, dir string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if len(args) > 0 {
		cmd = exec.Command(args[0], append(args[1:], os.Args[0], "-test.run=^$")...)
	}
	cmd.Env = append(os.Environ(), "OUTBOX_CHILD="+mode, "OUTBOX_DIR="+dir)
	return cmd
}

func runChild(mode, dir string) error {
	key, err := soft.Open(filepath.Join(dir, "key.pem"), &soft.Opts{Create: true})
	if err != nil {
		return err
	}
	switch mode {
	case "crash":
		return childCrash(dir, key)
	case "appends":
		n, _ := strconv.Atoi(os.Getenv("OUTBOX_N"))
		ob, err := Open(filepath.Join(dir, "outbox.db"), nil)
		if err != nil {
			return err
		}
		appendN(nopTB{}, ob, key, n)
		return ob.Close()
	case "tmpfs":
		mnt := filepath.Join(dir, "mnt")
		if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=384k"); err != nil {
			fmt.Println("SKIP mount tmpfs:", err)
			return nil
		}
		return childFullDisk(mnt, key, syscall.ENOSPC)
	case "rlimit":
		signal.Ignore(syscall.SIGXFSZ)
		lim := syscall.Rlimit{Cur: 320 << 10, Max: 320 << 10}
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			return err
		}
		return childFullDisk(dir, key, syscall.EFBIG)
	}
	return fmt.Errorf("unknown child mode %q", mode)
}

// nopTB lets the test helpers run in a child; a failure there exits.
type nopTB struct{ testing.TB }

func (nopTB) Helper() {}
func (nopTB) Fatalf(f string, a ...any) {
	fmt.Printf("FAIL "+f+"\n", a...)
	os.Exit(1)
}

// childCrash appends (and now and then acknowledges) records forever,
// reporting each call that returned nil; the parent kills it.
func childCrash(dir string, key *soft.Key) error {
	ob, err := Open(filepath.Join(dir, "outbox.db"), &Opts{CompactAt: 20 << 10, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	fmt.Println("R")
	compactions := 0
	for i := 0; ; i++ {
		id, err := ob.AppendID(context.Background(), testRecord(i), key)
		if err != nil {
			return err
		}
		fmt.Printf("A %d %d\n", id.Epoch, id.Seq)
		if i%7 == 3 {
			// The registry refuses the oldest record: a dead letter.
			items, err := ob.Pending(1)
			if err != nil {
				return err
			}
			if len(items) == 1 {
				id := items[0].ID
				fmt.Printf("P %d %d\n", id.Epoch, id.Seq)
				if err := ob.Reject(id, "test"); err != nil {
					return err
				}
				fmt.Printf("J %d %d\n", id.Epoch, id.Seq)
			}
		}
		if i%3 == 2 {
			items, err := ob.Pending(10)
			if err != nil {
				return err
			}
			var ids []ID
			var p strings.Builder
			for _, it := range items {
				ids = append(ids, it.ID)
				fmt.Fprintf(&p, "P %d %d\n", it.ID.Epoch, it.ID.Seq)
			}
			os.Stdout.WriteString(p.String()) // about to acknowledge
			if err := ob.Ack(ids); err != nil {
				return err
			}
			var b strings.Builder
			for _, id := range ids {
				fmt.Fprintf(&b, "K %d %d\n", id.Epoch, id.Seq)
			}
			if c := ob.Stats().Compactions; c > compactions {
				compactions = c
				b.WriteString("C\n")
			}
			os.Stdout.WriteString(b.String())
		}
	}
}

// childFullDisk fills the file system until a write fails, and checks
// ErrFull, that nothing was lost, and that acknowledging makes room.
func childFullDisk(dir string, key *soft.Key, want syscall.Errno) error {
	path := filepath.Join(dir, "outbox.db")
	ob, err := Open(path, &Opts{Reserve: -1, DiskFullHold: time.Hour})
	if err != nil {
		return err
	}
	n := 0
	for {
		_, err := ob.Append(context.Background(), testRecord(n), key)
		if err == nil {
			n++
			if n > 100000 {
				return errors.New("the disk never filled")
			}
			continue
		}
		if !errors.Is(err, ErrFull) || !errors.Is(err, want) {
			return fmt.Errorf("append %d: got %v, want ErrFull wrapping %v", n, err, want)
		}
		break
	}
	if n < 50 {
		return fmt.Errorf("only %d records fit", n)
	}
	if err := ob.Room(); !errors.Is(err, ErrFull) {
		return fmt.Errorf("room after a full disk: got %v, want ErrFull", err)
	}
	if !ob.Stats().Full {
		return errors.New("stats: not Full")
	}
	// A second try fails the same way and changes nothing.
	if _, err := ob.Append(context.Background(), testRecord(n), key); !errors.Is(err, ErrFull) {
		return fmt.Errorf("second append on a full disk: got %v", err)
	}
	check := func(ob *Outbox, wantN int) ([]Item, error) {
		items, err := ob.Pending(1 << 20)
		if err != nil {
			return nil, err
		}
		if len(items) != wantN {
			return nil, fmt.Errorf("queued: got %d, want %d", len(items), wantN)
		}
		var zero [32]byte
		return items, checkChain(items, key, &zero)
	}
	if _, err := check(ob, n); err != nil {
		return err
	}
	ob.Close() // may fail to rewrite the epoch file: the disk is full
	ob, err = Open(path, &Opts{Reserve: -1, DiskFullHold: time.Hour})
	if err != nil {
		return fmt.Errorf("reopen after full disk: %w", err)
	}
	st := ob.Stats()
	if st.Quarantine != "" || st.Epoch != 1 || st.LastSeq != uint64(n) {
		return fmt.Errorf("reopen after full disk: %+v", st)
	}
	items, err := check(ob, n)
	if err != nil {
		return err
	}
	// Delivering records frees pages inside the file for new ones.
	var ids []ID
	for _, it := range items[:n/2] {
		ids = append(ids, it.ID)
	}
	if err := ob.Ack(ids); err != nil {
		return err
	}
	for i := 0; i < 10; i++ {
		if _, err := ob.Append(context.Background(), testRecord(i), key); err != nil {
			return fmt.Errorf("append after freeing room: %w", err)
		}
	}
	items, err = ob.Pending(1 << 20)
	if err != nil {
		return err
	}
	if err := checkChain(items, key, nil); err != nil || len(items) != n-n/2+10 || items[len(items)-1].ID.Seq != uint64(n+10) {
		return fmt.Errorf("after freeing room: %d items, chain %v", len(items), err)
	}
	fmt.Println("OK", n)
	return ob.Close()
}

func TestCrashSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	kills := 200
	if os.Getenv("REGTERM_SOAK") == "1" {
		kills = 2000
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "outbox.db")
	key, err := soft.Open(filepath.Join(dir, "key.pem"), &soft.Opts{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	// The queue exists before the first kill: a kill while the very first
	// epoch is set up may legitimately skip to epoch 2.
	ob0, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ob0.Close()
	rng := newRand(t)
	reported := map[ID]bool{} // Append returned nil and was not acknowledged
	acked := map[ID]bool{}
	acking := map[ID]bool{} // Ack or Reject called, no answer seen
	rejected := map[ID]bool{}
	var maxSeq uint64
	total := 0
	seen := map[[32]byte]bool{}
	compacted := 0
	for k := 0; k < kills; k++ {
		cmd := childCmd("crash", dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		appended := make(chan struct{}, 1<<16)
		lines := make(chan []string, 1)
		go func() {
			var ls []string
			for sc.Scan() {
				if sc.Text() == "R" { // opened
					continue
				}
				if strings.HasPrefix(sc.Text(), "A ") {
					appended <- struct{}{}
				}
				ls = append(ls, sc.Text())
			}
			lines <- ls
		}()
		if k%4 == 3 {
			// Now and then a kill while the child starts and opens the
			// queue (the check, the head, a compaction leftover).
			time.Sleep(time.Duration(rng.Int63n(int64(40 * time.Millisecond))))
		} else {
			// Else after a random number of appends, a random moment into
			// the next ones: the kill lands inside appends, acks and
			// compactions whatever the machine's load.
			timeout := time.After(20 * time.Second)
			for n := rng.Intn(12); n > 0; n-- {
				select {
				case <-appended:
				case <-timeout:
					cmd.Process.Kill()
					t.Fatal("child makes no progress")
				}
			}
			time.Sleep(time.Duration(rng.Int63n(int64(3 * time.Millisecond))))
		}
		cmd.Process.Signal(syscall.SIGKILL)
		werr := cmd.Wait()
		ls := <-lines
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("kill %d: child ended on its own (%v): %q", k, werr, ls)
		}
		for _, l := range ls {
			if l == "C" {
				compacted++
				continue
			}
			var op string
			var id ID
			if _, err := fmt.Sscanf(l, "%s %d %d", &op, &id.Epoch, &id.Seq); err != nil {
				continue // a line cut by the kill
			}
			switch op {
			case "A":
				reported[id] = true
				maxSeq = max(maxSeq, id.Seq)
				total++
			case "P":
				acking[id] = true
			case "K":
				delete(reported, id)
				delete(acking, id)
				acked[id] = true
			case "J":
				delete(reported, id)
				delete(acking, id)
				rejected[id] = true
			}
		}

		ob, err := Open(path, &Opts{CompactAt: 20 << 10})
		if err != nil {
			t.Fatalf("kill %d: open: %v", k, err)
		}
		st := ob.Stats()
		if st.Quarantine != "" || st.Epoch != 1 {
			t.Fatalf("kill %d: the file did not survive: %+v", k, st)
		}
		items, err := ob.Pending(1 << 20)
		if err != nil {
			t.Fatal(err)
		}
		present := map[ID]bool{}
		for _, it := range items {
			present[it.ID] = true
			if acked[it.ID] {
				t.Fatalf("kill %d: %v acknowledged but still queued", k, it.ID)
			}
			if !reported[it.ID] && it.ID.Seq <= maxSeq {
				t.Fatalf("kill %d: %v queued but never appended", k, it.ID)
			}
		}
		dead, err := ob.DeadLetters(1 << 20)
		if err != nil {
			t.Fatal(err)
		}
		isDead := map[ID]bool{}
		for _, d := range dead {
			isDead[d.ID] = true
			if present[d.ID] {
				t.Fatalf("kill %d: %v both queued and dead", k, d.ID)
			}
			if _, err := record.Verify(d.Bytes, key.Public()); err != nil || d.Reason != "test" {
				t.Fatalf("kill %d: dead letter %v: %v %q", k, d.ID, err, d.Reason)
			}
		}
		for id := range rejected {
			if !isDead[id] {
				t.Fatalf("kill %d: %v was rejected (nil error) but is no dead letter", k, id)
			}
		}
		if st.DeadLetters != len(dead) {
			t.Fatalf("kill %d: stats say %d dead letters, the bucket holds %d", k, st.DeadLetters, len(dead))
		}
		for id := range acking {
			// Ack or Reject was called and may or may not have committed.
			if !present[id] {
				delete(reported, id)
				if isDead[id] {
					rejected[id] = true
				} else {
					acked[id] = true
				}
			}
			delete(acking, id)
		}
		for id := range reported {
			if !present[id] {
				t.Fatalf("kill %d: %v was appended (nil error) but is gone", k, id)
			}
		}
		if err := checkChainSeen(items, key, nil, seen); err != nil {
			t.Fatalf("kill %d: %v", k, err)
		}
		var h head
		ob.db.View(func(tx *bolt.Tx) error { h, _ = getHead(tx.Bucket(bktMeta)); return nil })
		if len(items) > 0 {
			last := items[len(items)-1]
			if h.seq != last.ID.Seq || h.prev != sha256.Sum256(last.Bytes) {
				t.Fatalf("kill %d: head %d/%x does not match the last record %v", k, h.seq, h.prev, last.ID)
			}
		}
		// Records committed but not reported before the kill count as
		// appended from now on.
		for _, it := range items {
			if !reported[it.ID] {
				reported[it.ID] = true
				maxSeq = max(maxSeq, it.ID.Seq)
			}
		}
		maxSeq = max(maxSeq, h.seq)
		ob.Close()
	}
	t.Logf("%d SIGKILLs, %d appends reported, %d acknowledged, %d dead letters, %d compactions, last seq %d", kills, total, len(acked), len(rejected), compacted, maxSeq)
	if total < kills || compacted == 0 || len(rejected) == 0 {
		t.Fatalf("only %d appends in %d runs: the kills came too early to test anything", total, kills)
	}
}

func TestFullDiskTmpfs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs in a private mount namespace needs root")
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "mnt"), 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := childCmd("tmpfs", dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	runFullDiskChild(t, cmd)
}

func TestFullDiskRlimit(t *testing.T) {
	runFullDiskChild(t, childCmd("rlimit", t.TempDir()))
}

func runFullDiskChild(t *testing.T, cmd *exec.Cmd) {
	out, err := cmd.CombinedOutput()
	s := string(out)
	if strings.HasPrefix(s, "SKIP") {
		testpeer.Missing(t, "%s", strings.TrimSpace(s))
	}
	if err != nil || !strings.Contains(s, "OK ") {
		t.Fatalf("child: %v\n%s", err, s)
	}
	t.Log(strings.TrimSpace(s[strings.LastIndex(s, "OK "):]))
}

func TestAppendFdatasync(t *testing.T) {
	strace := testpeer.Command(t, "strace")
	count := func(n int) int {
		dir := t.TempDir()
		trace := filepath.Join(dir, "strace.out")
		cmd := childCmd("appends", dir, strace, "-f", "-c", "-e", "trace=fdatasync,fsync", "-o", trace)
		cmd.Env = append(cmd.Env, "OUTBOX_N="+strconv.Itoa(n))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("strace: %v\n%s", err, out)
		}
		b, err := os.ReadFile(trace)
		if err != nil {
			t.Fatal(err)
		}
		calls := 0
		for _, l := range strings.Split(string(b), "\n") {
			f := strings.Fields(l)
			if len(f) >= 5 && f[len(f)-1] == "fdatasync" {
				calls, _ = strconv.Atoi(f[3])
			}
		}
		return calls
	}
	const n = 40
	base, with := count(0), count(n)
	t.Logf("fdatasync calls: %d opening and closing, %d with %d appends", base, with, n)
	if with-base < n {
		t.Fatalf("got %d fdatasync calls for %d appends, want at least one each", with-base, n)
	}
}
