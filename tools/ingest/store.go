package ingest

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/regterm/regterm/firmware/record"
	"github.com/regterm/regterm/firmware/uplink"
)

// Buckets of ingest.db:
//
//	records/<terminal>/<epoch(8) seq(8)> = stored unix nanos(8) COSE
//	keys/<terminal>/<key id(32)>          = PKIX DER public key
//	heartbeats/<terminal>                 = last heartbeat JSON
//	references/<citizen id>               = registry-signed reference
var (
	bktRecords    = []byte("records")
	bktKeys       = []byte("keys")
	bktHeartbeats = []byte("heartbeats")
	bktReferences = []byte("references")
)

func recKey(epoch, seq uint64) []byte {
	k := make([]byte, 16)
	binary.BigEndian.PutUint64(k, epoch)
	binary.BigEndian.PutUint64(k[8:], seq)
	return k
}

func initDB(db *bolt.DB) error {
	return db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bktRecords, bktKeys, bktHeartbeats, bktReferences} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
}

// putKey remembers that terminal presented pub.
func putKey(tx *bolt.Tx, terminal string, pub crypto.PublicKey) error {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return err
	}
	id := sha256.Sum256(der)
	b, err := tx.Bucket(bktKeys).CreateBucketIfNotExists([]byte(terminal))
	if err != nil {
		return err
	}
	if bytes.Equal(b.Get(id[:]), der) {
		return nil
	}
	return b.Put(id[:], der)
}

func getKey(tx *bolt.Tx, terminal string, keyID []byte) crypto.PublicKey {
	b := tx.Bucket(bktKeys).Bucket([]byte(terminal))
	if b == nil || len(keyID) != 32 {
		return nil
	}
	der := b.Get(keyID)
	if der == nil {
		return nil
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil
	}
	return pub
}

// ingestOne checks one record of terminal and stores it when it is new. An
// error is the database's: it aborts the batch (nothing stored, the client
// retries), so a transient failure is never a rejection.
func ingestOne(tx *bolt.Tx, terminal string, b []byte, now time.Time) (uplink.Result, error) {
	res, err := check(tx, terminal, b)
	if err != nil || res.Status != uplink.Accepted {
		return res, err
	}
	_, r, _ := record.Decode(b)
	v := make([]byte, 8+len(b))
	binary.BigEndian.PutUint64(v, uint64(now.UnixNano()))
	copy(v[8:], b)
	chain, err := tx.Bucket(bktRecords).CreateBucketIfNotExists([]byte(terminal))
	if err == nil {
		err = chain.Put(recKey(r.ID.Epoch, r.ID.Seq), v)
	}
	return res, err
}

// check gives the verdict on one record: Accepted means new and valid.
func check(tx *bolt.Tx, terminal string, b []byte) (uplink.Result, error) {
	_, r, err := record.Decode(b)
	if err != nil {
		return uplink.Result{Status: uplink.Rejected, Reason: "malformed: " + err.Error()}, nil
	}
	res := uplink.Result{ID: r.ID.String()}
	reject := func(format string, a ...any) (uplink.Result, error) {
		res.Status, res.Reason = uplink.Rejected, fmt.Sprintf(format, a...)
		return res, nil
	}
	if r.ID.Terminal != terminal {
		return reject("terminal mismatch: record of %q sent by %q", r.ID.Terminal, terminal)
	}
	if r.ID.Epoch == 0 || r.ID.Seq == 0 {
		return reject("invalid id %s", r.ID)
	}
	pub := getKey(tx, terminal, r.KeyID)
	if pub == nil {
		return reject("unknown key %x for terminal %s", r.KeyID, terminal)
	}
	if _, err := record.Verify(b, pub); err != nil && !errors.Is(err, record.ErrUnknownVersion) {
		return reject("signature: %v", err)
	}
	chain := tx.Bucket(bktRecords).Bucket([]byte(terminal))
	if chain == nil {
		res.Status = uplink.Accepted
		if r.ID.Seq == 1 && !bytes.Equal(r.Prev, make([]byte, 32)) {
			return reject("broken chain: first record of epoch %d does not point at zeros", r.ID.Epoch)
		}
		return res, nil
	}
	seq := r.ID.Seq
	if old := chain.Get(recKey(r.ID.Epoch, seq)); old != nil {
		if bytes.Equal(old[8:], b) {
			res.Status = uplink.Duplicate
			return res, nil
		}
		return reject("conflict: another record with id %s is stored", r.ID)
	}
	var zero [32]byte
	if seq == 1 && !bytes.Equal(r.Prev, zero[:]) {
		return reject("broken chain: first record of epoch %d does not point at zeros", r.ID.Epoch)
	}
	if p := chain.Get(recKey(r.ID.Epoch, seq-1)); seq > 1 && p != nil {
		if h := record.Hash(p[8:]); !bytes.Equal(r.Prev, h[:]) {
			return reject("broken chain: prev is not the hash of %s/%d/%d", terminal, r.ID.Epoch, seq-1)
		}
	}
	if n := chain.Get(recKey(r.ID.Epoch, seq+1)); n != nil {
		_, nr, err := record.Decode(n[8:])
		if h := record.Hash(b); err == nil && !bytes.Equal(nr.Prev, h[:]) {
			return reject("broken chain: the stored %s/%d/%d does not point at this record", terminal, r.ID.Epoch, seq+1)
		}
	}
	res.Status = uplink.Accepted
	return res, nil
}

// ChainCount summarizes one terminal chain (terminal, epoch).
type ChainCount struct {
	Terminal string
	Epoch    uint64
	Records  int
	FirstSeq uint64
	LastSeq  uint64
	// Gaps counts the sequence numbers in 1..LastSeq that are missing.
	Gaps uint64
}

func (c ChainCount) String() string {
	return fmt.Sprintf("%s/%d %d %d %d %d", c.Terminal, c.Epoch, c.Records, c.FirstSeq, c.LastSeq, c.Gaps)
}

func countTx(tx *bolt.Tx) ([]ChainCount, error) {
	var out []ChainCount
	err := tx.Bucket(bktRecords).ForEachBucket(func(term []byte) error {
		var cur *ChainCount
		return tx.Bucket(bktRecords).Bucket(term).ForEach(func(k, _ []byte) error {
			if len(k) != 16 {
				return fmt.Errorf("bad record key %x", k)
			}
			e, s := binary.BigEndian.Uint64(k), binary.BigEndian.Uint64(k[8:])
			if cur == nil || cur.Epoch != e {
				out = append(out, ChainCount{Terminal: string(term), Epoch: e, FirstSeq: s})
				cur = &out[len(out)-1]
			}
			cur.Records++
			cur.LastSeq = s
			cur.Gaps = s - uint64(cur.Records)
			return nil
		})
	})
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Terminal != out[j].Terminal {
			return out[i].Terminal < out[j].Terminal
		}
		return out[i].Epoch < out[j].Epoch
	})
	return out, err
}

// Count opens the data directory's database read-only and summarizes its
// chains. It fails (after a second) while a server holds the database.
func Count(dir string) ([]ChainCount, error) {
	db, err := bolt.Open(dbPath(dir), 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("ingest: count: %s is in use by a running server: %w", dbPath(dir), err)
		}
		return nil, fmt.Errorf("ingest: count: %w", err)
	}
	defer db.Close()
	var out []ChainCount
	err = db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bktRecords) == nil {
			return nil
		}
		out, err = countTx(tx)
		return err
	})
	return out, err
}
