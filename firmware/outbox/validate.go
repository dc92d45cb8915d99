package outbox

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
)

// validateFile checks the structure of a bbolt file from its bytes, before
// bbolt maps it: the meta page bbolt will use, and from its root every
// branch, leaf and bucket page (headers, element offsets and sizes within
// the page, keys in order, each page used once) and the freelist (in
// bounds, no page both free and in use). bbolt itself trusts these
// pointers: a damaged one makes it read outside its mapping, a fault no
// recover catches when it happens in bbolt's own goroutines (tx.Check).
//
// The layout is bbolt's (go.etcd.io/bbolt internal/common), in the host's
// byte order: little endian on every target of this firmware.
func validateFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() == 0 {
		return nil // bbolt initialises an empty file
	}
	v := &validator{f: f, size: fi.Size(), used: map[uint64]bool{}}
	return v.run()
}

const (
	pageHeaderSize = 16
	elemSize       = 16
	flagBranch     = 0x01
	flagLeaf       = 0x02
	flagMeta       = 0x04
	flagFreelist   = 0x10
	bucketLeafFlag = 0x01
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	maxDepth       = 64
)

var le = binary.LittleEndian

// errStructure wraps what validateFile finds.
var errStructure = errors.New("bad page structure")

type validator struct {
	f        *os.File
	size     int64
	pageSize int64
	hwm      uint64 // meta pgid: pages in use are below it
	used     map[uint64]bool
}

func (v *validator) errorf(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errStructure}, a...)...)
}

type meta struct {
	pageSize       uint32
	root, freelist uint64
	pgid, txid     uint64
	valid          bool
}

func parseMeta(b []byte) meta {
	// magic(4) version(4) pageSize(4) flags(4) root(8) seq(8) freelist(8)
	// pgid(8) txid(8) checksum(8), after the page header.
	if len(b) < pageHeaderSize+64 {
		return meta{}
	}
	m := b[pageHeaderSize:]
	h := fnv.New64a()
	h.Write(m[:56])
	return meta{
		pageSize: le.Uint32(m[8:]),
		root:     le.Uint64(m[16:]),
		freelist: le.Uint64(m[32:]),
		pgid:     le.Uint64(m[40:]),
		txid:     le.Uint64(m[48:]),
		valid:    le.Uint32(m) == boltMagic && le.Uint32(m[4:]) == boltVersion && le.Uint64(m[56:]) == h.Sum64(),
	}
}

func (v *validator) run() error {
	// Meta page 0 sits at offset 0; its page size locates meta page 1.
	b0 := make([]byte, 4096)
	n, _ := v.f.ReadAt(b0, 0)
	m0 := parseMeta(b0[:n])
	var m1 meta
	for _, ps := range []uint32{m0.pageSize, 4096, 8192, 16384, 65536} {
		if ps < 512 || ps > 1<<16 {
			continue
		}
		b1 := make([]byte, pageHeaderSize+64)
		if n, _ := v.f.ReadAt(b1, int64(ps)); n == len(b1) {
			if m1 = parseMeta(b1); m1.valid {
				break
			}
		}
	}
	// bbolt prefers the meta with the higher txid, if it validates.
	a, b := m0, m1
	if b.txid > a.txid {
		a, b = b, a
	}
	m := a
	if !m.valid {
		m = b
	}
	if !m.valid {
		return nil // bbolt.Open reports this one (ErrInvalid/ErrChecksum)
	}
	v.pageSize = int64(m.pageSize)
	v.hwm = m.pgid
	if v.pageSize < 512 || v.pageSize&(v.pageSize-1) != 0 {
		return v.errorf("page size %d", v.pageSize)
	}
	if m.pgid < 4 || int64(m.pgid) > v.size/v.pageSize {
		return v.errorf("meta counts %d pages, the file holds %d", m.pgid, v.size/v.pageSize)
	}
	v.used[0], v.used[1] = true, true
	if err := v.tree(m.root, 0); err != nil {
		return err
	}
	return v.freelist(m.freelist)
}

// page reads page id with its overflow pages.
func (v *validator) page(id uint64, want uint16) ([]byte, error) {
	if id < 2 || id >= v.hwm {
		return nil, v.errorf("page %d out of range [2, %d)", id, v.hwm)
	}
	hdr := make([]byte, pageHeaderSize)
	if _, err := v.f.ReadAt(hdr, int64(id)*v.pageSize); err != nil {
		return nil, v.errorf("page %d: %v", id, err)
	}
	if got := le.Uint64(hdr); got != id {
		return nil, v.errorf("page %d says it is page %d", id, got)
	}
	flags, over := le.Uint16(hdr[8:]), uint64(le.Uint32(hdr[12:]))
	if want != 0 && flags&want == 0 {
		return nil, v.errorf("page %d: flags %#x, want %#x", id, flags, want)
	}
	if id+over >= v.hwm {
		return nil, v.errorf("page %d: %d overflow pages beyond the end", id, over)
	}
	for i := id; i <= id+over; i++ {
		if v.used[i] {
			return nil, v.errorf("page %d used twice", i)
		}
		v.used[i] = true
	}
	buf := make([]byte, int64(over+1)*v.pageSize)
	if _, err := v.f.ReadAt(buf, int64(id)*v.pageSize); err != nil {
		return nil, v.errorf("page %d: %v", id, err)
	}
	return buf, nil
}

// tree checks the branch or leaf page id and everything below it.
func (v *validator) tree(id uint64, depth int) error {
	if depth > maxDepth {
		return v.errorf("tree deeper than %d", maxDepth)
	}
	p, err := v.page(id, flagBranch|flagLeaf)
	if err != nil {
		return err
	}
	return v.node(p, depth, fmt.Sprintf("page %d", id))
}

// node checks one page image p (a page, or an inline bucket's page).
func (v *validator) node(p []byte, depth int, where string) error {
	if len(p) < pageHeaderSize {
		return v.errorf("%s: %d bytes", where, len(p))
	}
	flags, count := le.Uint16(p[8:]), int(le.Uint16(p[10:]))
	if pageHeaderSize+count*elemSize > len(p) {
		return v.errorf("%s: %d elements do not fit", where, count)
	}
	if flags == flagBranch && count == 0 {
		return v.errorf("%s: empty branch", where)
	}
	var prev []byte
	for i := 0; i < count; i++ {
		e := pageHeaderSize + i*elemSize
		var k, val []byte
		var child uint64
		var isBucket bool
		switch flags {
		case flagBranch:
			pos, ks := int64(le.Uint32(p[e:])), int64(le.Uint32(p[e+4:]))
			child = le.Uint64(p[e+8:])
			if int64(e)+pos+ks > int64(len(p)) {
				return v.errorf("%s: branch key %d outside the page", where, i)
			}
			k = p[int64(e)+pos : int64(e)+pos+ks]
		case flagLeaf:
			fl := le.Uint32(p[e:])
			pos, ks, vs := int64(le.Uint32(p[e+4:])), int64(le.Uint32(p[e+8:])), int64(le.Uint32(p[e+12:]))
			if int64(e)+pos+ks+vs > int64(len(p)) {
				return v.errorf("%s: leaf element %d outside the page", where, i)
			}
			k = p[int64(e)+pos : int64(e)+pos+ks]
			val = p[int64(e)+pos+ks : int64(e)+pos+ks+vs]
			isBucket = fl&bucketLeafFlag != 0
		default:
			return v.errorf("%s: flags %#x", where, flags)
		}
		if i > 0 && bytes.Compare(prev, k) >= 0 {
			return v.errorf("%s: keys out of order at %d", where, i)
		}
		prev = k
		switch {
		case flags == flagBranch:
			if err := v.tree(child, depth+1); err != nil {
				return err
			}
		case isBucket:
			if len(val) < 16 {
				return v.errorf("%s: bucket header of %d bytes", where, len(val))
			}
			root := le.Uint64(val)
			if root == 0 {
				// bbolt writes inline buckets as leaf pages only.
				if len(val) < 16+pageHeaderSize || le.Uint16(val[16+8:]) != flagLeaf {
					return v.errorf("%s: inline bucket %q is not a leaf", where, k)
				}
				if err := v.node(val[16:], depth+1, where+" inline bucket "+fmt.Sprintf("%q", k)); err != nil {
					return err
				}
			} else if err := v.tree(root, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func (v *validator) freelist(id uint64) error {
	if id == ^uint64(0) {
		return nil // not synced: bbolt rebuilds it
	}
	p, err := v.page(id, flagFreelist)
	if err != nil {
		return err
	}
	count, data := uint64(le.Uint16(p[10:])), p[pageHeaderSize:]
	if count == 0xFFFF {
		if len(data) < 8 {
			return v.errorf("freelist %d: truncated", id)
		}
		count, data = le.Uint64(data), data[8:]
	}
	if count > uint64(len(data)/8) {
		return v.errorf("freelist %d: %d ids do not fit", id, count)
	}
	for i := uint64(0); i < count; i++ {
		free := le.Uint64(data[i*8:])
		if free < 2 || free >= v.hwm {
			return v.errorf("freelist: page %d out of range", free)
		}
		if v.used[free] {
			return v.errorf("freelist: page %d is free and in use", free)
		}
	}
	return nil
}
