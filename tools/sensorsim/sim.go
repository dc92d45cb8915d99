package sensorsim

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/regterm/regterm/drivers/fingerprint/zfm"
)

// Model is the module being simulated.
type Model struct {
	Name         string
	Size         image.Point // image frame
	LibrarySize  int
	TemplateSize int
	ProdInfo     bool // implements ReadProdInfo
	Aura         bool // implements AuraLedConfig
	CheckSensor  bool // implements CheckSensor
}

// Models the simulator knows.
var (
	R307  = Model{Name: "R307", Size: image.Pt(256, 288), LibrarySize: 1000, TemplateSize: 512}
	AS608 = Model{Name: "AS608", Size: image.Pt(256, 288), LibrarySize: 300, TemplateSize: 512}
	R503  = Model{Name: "R503", Size: image.Pt(192, 192), LibrarySize: 200, TemplateSize: 1536, ProdInfo: true, Aura: true, CheckSensor: true}
)

// ModelByName returns a known model.
func ModelByName(name string) (Model, error) {
	for _, m := range []Model{R307, AS608, R503} {
		if m.Name == name {
			return m, nil
		}
	}
	return Model{}, fmt.Errorf("sensorsim: unknown model %q (R307, AS608, R503)", name)
}

// BaudChange is how the module applies a new baud rate.
type BaudChange int

// Baud change behaviours.
const (
	BaudAfterReset BaudChange = iota // stored, applies after SoftRst or power-up (the datasheet)
	BaudImmediate                    // applies right after the acknowledge
	BaudIgnored                      // acknowledged but never stored
)

// Config configures a Sim. Zero fields take defaults.
type Config struct {
	Model    Model  // default R307
	Address  uint32 // default 0xFFFFFFFF
	Password uint32 // 0 = none
	Baud     int    // the module's rate, default 57600
	// PacketSize is the data packet size at power-up, default 128.
	PacketSize int
	// SendPacketSize, when set, is the data packet size the module really
	// uses whatever it reports (the packet-size mismatch fault).
	SendPacketSize int
	BaudChange     BaudChange
	// RejectBauds and RejectPacketSizes are refused by SetSysPara.
	RejectBauds       []int
	RejectPacketSizes []int
	// Paced paces both directions at the module's baud.
	Paced bool
	// PowerUpDelay is the boot time after power-on or SoftRst.
	PowerUpDelay time.Duration
	// PowerUpBytes are sent once booted; default {0x55}.
	PowerUpBytes []byte
	// CaptureDelay is how long GenImg takes with a finger down.
	CaptureDelay time.Duration
	// SensorFault makes CheckSensor report a hardware fault.
	SensorFault bool
	// Images are served in turn, one per finger placement, by PlaceNext
	// and AutoFinger.
	Images []*image.Gray
	// AutoFinger puts the next image on the sensor after NoFingerPolls
	// GenImg calls without a finger (then lifts it after an upload).
	AutoFinger    bool
	NoFingerPolls int
	Log           *slog.Logger
}

// FaultKind is a fault the simulator can inject.
type FaultKind int

// Faults.
const (
	FaultGarbage     FaultKind = iota + 1 // garbage bytes (with a false header) before the response
	FaultSplit                            // the start of the response in many small writes with gaps
	FaultShort                            // frame Frame of the response cut short
	FaultBadChecksum                      // frame Frame of the response with a wrong checksum
	FaultPowerUp                          // stray 0x55 and 0x00 before the response
	FaultSilent                           // no answer to anything until power-cycled
	FaultLate                             // the response only after Delay (the module busy)
)

func (k FaultKind) String() string {
	switch k {
	case FaultGarbage:
		return "garbage"
	case FaultSplit:
		return "split"
	case FaultShort:
		return "short"
	case FaultBadChecksum:
		return "badsum"
	case FaultPowerUp:
		return "powerup"
	case FaultSilent:
		return "silent"
	case FaultLate:
		return "late"
	}
	return fmt.Sprintf("fault(%d)", int(k))
}

// Fault is one injected fault; it applies to a response (frame index
// Frame: 0 is the acknowledge, 1.. the data packets) after Skip others.
type Fault struct {
	Kind  FaultKind
	Frame int
	Skip  int
	Delay time.Duration // FaultLate
}

// Stats counts what the simulator did.
type Stats struct {
	TxBytes, RxBytes int64
	Commands         map[byte]int // instructions received, by code
	BadPackets       int          // host packets with bad checksums
	PowerUps         int
}

// Sim is a simulated module. Connect it with ServePTY or Serve.
type Sim struct {
	cfg Config
	log *slog.Logger

	mu          sync.Mutex
	powered     bool
	booting     bool
	silent      bool
	verified    bool
	baud        int // current rate
	storedBaud  int // rate in flash, applied at boot
	packet      int
	security    int
	parser      zfm.Parser
	img         []byte // image buffer, nibbles
	imgValid    bool
	chars       [3][]byte // character buffers 1, 2
	lib         map[int][]byte
	finger      *image.Gray
	next        int // next image of cfg.Images
	polls       int
	faults      []Fault
	down        *download
	led         [4]byte
	stats       Stats
	hostBaud    func() int // the rate the host set on the line, 0 = unknown
	wmu         sync.Mutex // one writer at a time
	w           io.Writer
	txFree      time.Time
	rxFree      time.Time
	closed      chan struct{}
	closeOnce   sync.Once
	onTransmits []func()
}

type download struct {
	ins  byte
	buf  byte
	data []byte
}

// New makes a powered, booted module.
func New(cfg Config) *Sim {
	if cfg.Model.Name == "" {
		cfg.Model = R307
	}
	if cfg.Address == 0 {
		cfg.Address = zfm.DefaultAddress
	}
	if cfg.Baud == 0 {
		cfg.Baud = zfm.DefaultBaud
	}
	if cfg.PacketSize == 0 {
		cfg.PacketSize = 128
	}
	if cfg.PowerUpBytes == nil {
		cfg.PowerUpBytes = []byte{zfm.PowerUpByte}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Sim{
		cfg:        cfg,
		log:        cfg.Log,
		powered:    true,
		baud:       cfg.Baud,
		storedBaud: cfg.Baud,
		packet:     cfg.PacketSize,
		security:   3,
		lib:        map[int][]byte{},
		stats:      Stats{Commands: map[byte]int{}},
		closed:     make(chan struct{}),
	}
}

// Model returns the simulated model.
func (s *Sim) Model() Model { return s.cfg.Model }

// Baud returns the module's current rate.
func (s *Sim) Baud() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.baud
}

// PacketSize returns the module's current data packet size.
func (s *Sim) PacketSize() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.packet
}

// Stats returns a copy of the counters.
func (s *Sim) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Commands = map[byte]int{}
	for k, v := range s.stats.Commands {
		st.Commands[k] = v
	}
	return st
}

// LED returns the last AuraLedConfig parameters (control, speed, colour,
// count).
func (s *Sim) LED() [4]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.led
}

// Templates returns the number of stored templates.
func (s *Sim) Templates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.lib)
}

// PlaceFinger puts a finger with impression img on the sensor.
func (s *Sim) PlaceFinger(img *image.Gray) {
	s.mu.Lock()
	s.finger = img
	s.mu.Unlock()
}

// PlaceNext puts the next configured image on the sensor.
func (s *Sim) PlaceNext() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.cfg.Images) == 0 {
		return errors.New("sensorsim: no images configured")
	}
	s.finger = s.cfg.Images[s.next%len(s.cfg.Images)]
	s.next++
	return nil
}

// LiftFinger takes the finger off the sensor.
func (s *Sim) LiftFinger() {
	s.mu.Lock()
	s.finger = nil
	s.mu.Unlock()
}

// Inject queues a fault for the next response.
func (s *Sim) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Kind == FaultSilent {
		s.silent = true
		return
	}
	s.faults = append(s.faults, f)
}

// SetPower switches the module's supply: off drops everything, on boots
// it (PowerUpDelay, stored baud applied, power-up bytes sent).
func (s *Sim) SetPower(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !on {
		s.powered = false
		s.booting = false
		return
	}
	if s.powered || s.booting {
		return
	}
	s.boot()
}

// boot starts the power-up sequence; s.mu is held.
func (s *Sim) boot() {
	s.powered = false
	s.booting = true
	go func() {
		select {
		case <-time.After(s.cfg.PowerUpDelay):
		case <-s.closed:
			return
		}
		s.mu.Lock()
		if !s.booting {
			s.mu.Unlock()
			return
		}
		s.booting = false
		s.powered = true
		s.silent = false
		s.verified = false
		s.baud = s.storedBaud
		s.img, s.imgValid = nil, false
		s.chars = [3][]byte{}
		s.down = nil
		s.parser.Reset()
		s.stats.PowerUps++
		out := append([]byte(nil), s.cfg.PowerUpBytes...)
		s.mu.Unlock()
		s.transmit(out, false)
	}()
}

// attach sets the line the module writes to; bytes sent before (a boot
// right after power-on) are lost, as on a wire nobody listens to.
func (s *Sim) attach(w io.Writer, hostBaud func() int) {
	s.mu.Lock()
	s.w = w
	s.hostBaud = hostBaud
	s.mu.Unlock()
}

// Close stops the simulator.
func (s *Sim) Close() error {
	s.closeOnce.Do(func() { close(s.closed) })
	return nil
}

// Serve runs the module on rw until ctx ends or rw fails. hostBaud, when
// not nil, reports the rate the host set on the line (0 = unknown);
// bytes are garbled both ways while it differs from the module's.
func (s *Sim) Serve(ctx context.Context, rw io.ReadWriter, hostBaud func() int) error {
	s.attach(rw, hostBaud)
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.closed:
		}
	}()
	buf := make([]byte, 4096)
	for {
		n, err := rw.Read(buf)
		select {
		case <-s.closed:
			return nil
		default:
		}
		if n > 0 {
			s.receive(append([]byte(nil), buf[:n]...))
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				continue
			}
			return fmt.Errorf("sensorsim: read: %w", err)
		}
	}
}

func (s *Sim) byteTime() time.Duration {
	return 10 * time.Second / time.Duration(s.baud)
}

// mismatched reports whether host and module rates differ; s.mu is held.
func (s *Sim) mismatched() bool {
	if s.hostBaud == nil {
		return false
	}
	hb := s.hostBaud()
	return hb != 0 && hb != s.baud
}

// garble is what a UART makes of bytes sent at another rate: framing
// errors, never an EF 01 header.
func garble(b []byte) []byte {
	junk := [...]byte{0x00, 0x80, 0xE0, 0xF8, 0xFE, 0xFF, 0xC0, 0xF0}
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = junk[(c^byte(i))%8]
	}
	return out
}

// receive handles bytes from the host at their wire time.
func (s *Sim) receive(b []byte) {
	s.mu.Lock()
	if s.cfg.Paced {
		now := time.Now()
		if s.rxFree.Before(now) {
			s.rxFree = now
		}
		s.rxFree = s.rxFree.Add(time.Duration(len(b)) * s.byteTime())
		until := s.rxFree
		s.mu.Unlock()
		sleepUntil(until)
		s.mu.Lock()
	}
	s.stats.RxBytes += int64(len(b))
	if !s.powered || s.silent {
		s.mu.Unlock()
		return
	}
	if s.mismatched() {
		b = garble(b)
	}
	s.parser.Feed(b)
	for {
		if !s.powered || s.silent {
			s.parser.Reset()
			break
		}
		pkt, err := s.parser.Next()
		if errors.Is(err, zfm.ErrIncomplete) {
			break
		}
		var r *reply
		if err != nil {
			s.stats.BadPackets++
			if errors.Is(err, zfm.ErrChecksum) {
				r = s.ack(zfm.StatusPacketError)
			}
		} else if pkt.Addr == s.cfg.Address {
			r = s.handle(pkt)
		}
		if r == nil {
			continue
		}
		var faults, later []Fault
		for _, f := range s.faults {
			if f.Skip == 0 {
				faults = append(faults, f)
			} else {
				f.Skip--
				later = append(later, f)
			}
		}
		s.faults = later
		s.mu.Unlock()
		if r.delay > 0 && s.cfg.Paced {
			time.Sleep(r.delay)
		}
		for _, f := range faults {
			if f.Kind == FaultLate {
				time.Sleep(f.Delay)
			}
		}
		s.send(r.frames, faults)
		s.mu.Lock()
		if r.after != nil {
			r.after()
		}
	}
	s.mu.Unlock()
}

func sleepUntil(t time.Time) {
	if d := time.Until(t); d > 0 {
		time.Sleep(d)
	}
}

// reply is a response: frames to send, an optional processing delay, and
// what to do once sent (with s.mu held).
type reply struct {
	frames [][]byte
	delay  time.Duration
	after  func()
}

func (s *Sim) frame(pid byte, payload []byte) []byte {
	return zfm.AppendPacket(nil, s.cfg.Address, pid, payload)
}

func (s *Sim) ack(st zfm.Status, data ...byte) *reply {
	return &reply{frames: [][]byte{s.frame(zfm.PIDAck, append([]byte{byte(st)}, data...))}}
}

// dataReply is an OK acknowledge followed by data packets.
func (s *Sim) dataReply(data []byte) *reply {
	r := s.ack(zfm.StatusOK)
	size := s.packet
	if s.cfg.SendPacketSize != 0 {
		size = s.cfg.SendPacketSize
	}
	for i := 0; i < len(data); i += size {
		end := min(i+size, len(data))
		pid := zfm.PIDData
		if end == len(data) {
			pid = zfm.PIDEndData
		}
		r.frames = append(r.frames, s.frame(pid, data[i:end]))
	}
	return r
}

// send writes frames with the faults applied.
func (s *Sim) send(frames [][]byte, faults []Fault) {
	split := false
	var pre []byte
	for _, f := range faults {
		switch f.Kind {
		case FaultGarbage:
			// A false header whose length swallows the start of the real
			// frame: the host must resynchronise inside it.
			pre = append(pre, 0x00, 0xEF, 0x13, 0xFF, 0xEF, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00, 0x09, 0x42)
		case FaultPowerUp:
			pre = append(pre, zfm.PowerUpByte, 0x00)
		case FaultSplit:
			split = true
		case FaultBadChecksum:
			if f.Frame < len(frames) {
				fr := append([]byte(nil), frames[f.Frame]...)
				fr[len(fr)-1] ^= 0x5A
				frames[f.Frame] = fr
			}
		case FaultShort:
			if f.Frame < len(frames) {
				fr := frames[f.Frame]
				frames[f.Frame] = fr[:len(fr)/2]
			}
		}
	}
	out := pre
	for _, f := range frames {
		out = append(out, f...)
	}
	s.transmit(out, split)
}

// splitBytes is how much of a response FaultSplit splits.
const splitBytes = 600

// transmit puts bytes on the line: paced at the module's baud, garbled
// when the host listens at another rate, in small pieces when split.
func (s *Sim) transmit(b []byte, split bool) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.Lock()
	w := s.w
	paced := s.cfg.Paced
	bt := s.byteTime()
	s.mu.Unlock()
	if w == nil {
		return
	}
	chunk := len(b)
	if paced {
		chunk = max(1, int(2*time.Millisecond/bt)) // a write every ~2 ms
	}
	if split {
		chunk = 3 // the first splitBytes only
	}
	now := time.Now()
	start := s.txFree
	if start.Before(now) {
		start = now
	}
	for off := 0; off < len(b); off += chunk {
		select {
		case <-s.closed:
			return
		default:
		}
		if split && off >= splitBytes {
			split = false
			chunk = len(b)
			if paced {
				chunk = max(1, int(2*time.Millisecond/bt))
			}
		}
		end := min(off+chunk, len(b))
		if paced {
			sleepUntil(start.Add(time.Duration(end) * bt))
		} else if split && off > 0 {
			time.Sleep(time.Millisecond)
		}
		s.mu.Lock()
		if !s.powered && !s.booting && off > 0 {
			s.mu.Unlock()
			return // power cut mid-transfer
		}
		piece := b[off:end]
		if s.mismatched() {
			piece = garble(piece)
		}
		s.stats.TxBytes += int64(len(piece))
		s.mu.Unlock()
		if _, err := w.Write(piece); err != nil {
			return
		}
	}
	if paced {
		s.txFree = start.Add(time.Duration(len(b)) * bt)
	}
}

// features is the simulated character file of an image: a digest
// expanded to the template size; nil when the image has no ridges.
func (s *Sim) features(img []byte) []byte {
	if len(img) == 0 || bytes.Count(img, img[:1]) == len(img) {
		return nil
	}
	out := make([]byte, 0, s.cfg.Model.TemplateSize)
	h := sha256.Sum256(img)
	for len(out) < s.cfg.Model.TemplateSize {
		out = append(out, h[:]...)
		h = sha256.Sum256(h[:])
	}
	return out[:s.cfg.Model.TemplateSize]
}

func bufID(b byte) (int, bool) { return int(b), b == 1 || b == 2 }

// handle executes one packet from the host; s.mu is held.
func (s *Sim) handle(pkt zfm.Packet) *reply {
	if pkt.PID == zfm.PIDData || pkt.PID == zfm.PIDEndData {
		return s.receiveData(pkt)
	}
	if pkt.PID != zfm.PIDCommand || len(pkt.Payload) == 0 {
		return nil
	}
	s.down = nil
	ins, p := pkt.Payload[0], pkt.Payload[1:]
	s.stats.Commands[ins]++
	if s.cfg.Password != 0 && !s.verified && ins != zfm.InsVfyPwd && ins != zfm.InsHandShake {
		return s.ack(zfm.StatusPasswordRequired)
	}
	need := func(n int) bool { return len(p) >= n }
	u16 := func(i int) int { return int(binary.BigEndian.Uint16(p[i:])) }
	bad := s.ack(zfm.StatusPacketError)
	switch ins {
	case zfm.InsGenImg:
		if s.finger == nil && s.cfg.AutoFinger && len(s.cfg.Images) > 0 {
			s.polls++
			if s.polls > s.cfg.NoFingerPolls {
				s.polls = 0
				s.finger = s.cfg.Images[s.next%len(s.cfg.Images)]
				s.next++
			}
		}
		if s.finger == nil {
			return s.ack(zfm.StatusNoFinger)
		}
		s.img = Frame(s.finger, s.cfg.Model.Size)
		s.imgValid = true
		r := s.ack(zfm.StatusOK)
		r.delay = s.cfg.CaptureDelay
		return r
	case zfm.InsImg2Tz:
		if !need(1) {
			return bad
		}
		id, ok := bufID(p[0])
		if !ok {
			return s.ack(zfm.StatusBadRegister)
		}
		if !s.imgValid {
			return s.ack(zfm.StatusNoImage)
		}
		f := s.features(s.img)
		if f == nil {
			return s.ack(zfm.StatusFewFeatures)
		}
		s.chars[id] = f
		return s.ack(zfm.StatusOK)
	case zfm.InsMatch:
		if s.chars[1] != nil && bytes.Equal(s.chars[1], s.chars[2]) {
			return s.ack(zfm.StatusOK, 0, 200)
		}
		return s.ack(zfm.StatusNoMatch, 0, 0)
	case zfm.InsSearch:
		if !need(5) {
			return bad
		}
		id, ok := bufID(p[0])
		if !ok {
			return s.ack(zfm.StatusBadRegister)
		}
		for page := u16(1); page < u16(1)+u16(3) && page < s.cfg.Model.LibrarySize; page++ {
			if t, ok := s.lib[page]; ok && s.chars[id] != nil && bytes.Equal(t, s.chars[id]) {
				return s.ack(zfm.StatusOK, byte(page>>8), byte(page), 0, 200)
			}
		}
		return s.ack(zfm.StatusNotFound, 0, 0, 0, 0)
	case zfm.InsRegModel:
		if s.chars[1] == nil || !bytes.Equal(s.chars[1], s.chars[2]) {
			return s.ack(zfm.StatusCombineFail)
		}
		return s.ack(zfm.StatusOK)
	case zfm.InsStore:
		if !need(3) {
			return bad
		}
		id, ok := bufID(p[0])
		if !ok || s.chars[id] == nil {
			return s.ack(zfm.StatusBadRegister)
		}
		if u16(1) >= s.cfg.Model.LibrarySize {
			return s.ack(zfm.StatusBadPage)
		}
		s.lib[u16(1)] = append([]byte(nil), s.chars[id]...)
		return s.ack(zfm.StatusOK)
	case zfm.InsLoadChar:
		if !need(3) {
			return bad
		}
		id, ok := bufID(p[0])
		if !ok {
			return s.ack(zfm.StatusBadRegister)
		}
		if u16(1) >= s.cfg.Model.LibrarySize {
			return s.ack(zfm.StatusBadPage)
		}
		t, ok := s.lib[u16(1)]
		if !ok {
			return s.ack(zfm.StatusReadTemplate)
		}
		s.chars[id] = append([]byte(nil), t...)
		return s.ack(zfm.StatusOK)
	case zfm.InsUpChar:
		if !need(1) {
			return bad
		}
		id, ok := bufID(p[0])
		if !ok {
			return s.ack(zfm.StatusBadRegister)
		}
		if s.chars[id] == nil {
			return s.ack(zfm.StatusUploadTemplate)
		}
		return s.dataReply(s.chars[id])
	case zfm.InsDownChar:
		if !need(1) {
			return bad
		}
		if _, ok := bufID(p[0]); !ok {
			return s.ack(zfm.StatusBadRegister)
		}
		s.down = &download{ins: ins, buf: p[0]}
		return s.ack(zfm.StatusOK)
	case zfm.InsUpImage:
		if !s.imgValid {
			return s.ack(zfm.StatusUploadImage)
		}
		r := s.dataReply(s.img)
		if s.cfg.AutoFinger {
			r.after = func() { s.finger = nil }
		}
		return r
	case zfm.InsDownImage:
		s.down = &download{ins: ins}
		return s.ack(zfm.StatusOK)
	case zfm.InsDeletChar:
		if !need(4) {
			return bad
		}
		if u16(0)+u16(2) > s.cfg.Model.LibrarySize {
			return s.ack(zfm.StatusDeleteFail)
		}
		for i := u16(0); i < u16(0)+u16(2); i++ {
			delete(s.lib, i)
		}
		return s.ack(zfm.StatusOK)
	case zfm.InsEmpty:
		s.lib = map[int][]byte{}
		return s.ack(zfm.StatusOK)
	case zfm.InsSetSysPara:
		if !need(2) {
			return bad
		}
		return s.setSysPara(p[0], p[1])
	case zfm.InsReadSysPara:
		var st uint16
		if s.verified {
			st |= 1 << 2
		}
		if s.imgValid {
			st |= 1 << 3
		}
		code := map[int]uint16{32: 0, 64: 1, 128: 2, 256: 3}[s.packet]
		b := binary.BigEndian.AppendUint16(nil, st)
		b = binary.BigEndian.AppendUint16(b, 0x0009)
		b = binary.BigEndian.AppendUint16(b, uint16(s.cfg.Model.LibrarySize))
		b = binary.BigEndian.AppendUint16(b, uint16(s.security))
		b = binary.BigEndian.AppendUint32(b, s.cfg.Address)
		b = binary.BigEndian.AppendUint16(b, code)
		b = binary.BigEndian.AppendUint16(b, uint16(s.storedBaud/9600))
		return s.ack(zfm.StatusOK, b...)
	case zfm.InsVfyPwd:
		if !need(4) {
			return bad
		}
		if binary.BigEndian.Uint32(p) != s.cfg.Password {
			s.verified = false
			return s.ack(zfm.StatusWrongPassword)
		}
		s.verified = true
		return s.ack(zfm.StatusOK)
	case zfm.InsGetRandomCode:
		var b [4]byte
		rand.Read(b[:])
		return s.ack(zfm.StatusOK, b[:]...)
	case zfm.InsTempleteNum:
		return s.ack(zfm.StatusOK, byte(len(s.lib)>>8), byte(len(s.lib)))
	case zfm.InsReadIndexTable:
		if !need(1) {
			return bad
		}
		if p[0] > 3 {
			return s.ack(zfm.StatusBadRegisterValue)
		}
		t := make([]byte, 32)
		for page := range s.lib {
			if i := page - int(p[0])*256; i >= 0 && i < 256 {
				t[i/8] |= 1 << (i % 8)
			}
		}
		return s.ack(zfm.StatusOK, t...)
	case zfm.InsHandShake:
		return s.ack(zfm.StatusOK)
	case zfm.InsSoftRst:
		r := s.ack(zfm.StatusOK)
		r.after = s.boot
		return r
	case zfm.InsCheckSensor:
		if !s.cfg.Model.CheckSensor {
			return s.ack(zfm.StatusUnsupported)
		}
		if s.cfg.SensorFault {
			return s.ack(zfm.StatusSensorHardware)
		}
		return s.ack(zfm.StatusOK)
	case zfm.InsReadProdInfo:
		if !s.cfg.Model.ProdInfo {
			return s.ack(zfm.StatusUnsupported)
		}
		return s.ack(zfm.StatusOK, s.prodInfo()...)
	case zfm.InsAuraLedConfig:
		if !s.cfg.Model.Aura {
			return s.ack(zfm.StatusUnsupported)
		}
		if !need(4) {
			return bad
		}
		if p[0] < 1 || p[0] > 6 {
			return s.ack(zfm.StatusBadRegisterValue)
		}
		copy(s.led[:], p)
		return s.ack(zfm.StatusOK)
	}
	return s.ack(zfm.StatusUnsupported)
}

func (s *Sim) setSysPara(param, v byte) *reply {
	switch param {
	case zfm.ParamBaud:
		rate := int(v) * 9600
		if v < 1 || v > 12 || contains(s.cfg.RejectBauds, rate) {
			return s.ack(zfm.StatusBadRegisterValue)
		}
		r := s.ack(zfm.StatusOK)
		switch s.cfg.BaudChange {
		case BaudAfterReset:
			s.storedBaud = rate
		case BaudImmediate:
			s.storedBaud = rate
			r.after = func() { s.baud = rate }
		}
		return r
	case zfm.ParamSecurity:
		if v < 1 || v > 5 {
			return s.ack(zfm.StatusBadRegisterValue)
		}
		s.security = int(v)
		return s.ack(zfm.StatusOK)
	case zfm.ParamPacketSize:
		size := 32 << v
		if v > 3 || contains(s.cfg.RejectPacketSizes, size) {
			return s.ack(zfm.StatusBadRegisterValue)
		}
		s.packet = size
		return s.ack(zfm.StatusOK)
	}
	return s.ack(zfm.StatusBadRegister)
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// prodInfo is the 46-byte ReadProdInfo record.
func (s *Sim) prodInfo() []byte {
	b := make([]byte, 46)
	copy(b[0:16], s.cfg.Model.Name)
	copy(b[16:20], "S001")
	copy(b[20:28], []byte{0x20, 0x26, 0x12, 0x01, 0x00, 0x00, 0x00, 0x42})
	binary.BigEndian.PutUint16(b[28:], 0x0102)
	copy(b[30:38], "SIM-FPS")
	binary.BigEndian.PutUint16(b[38:], uint16(s.cfg.Model.Size.X))
	binary.BigEndian.PutUint16(b[40:], uint16(s.cfg.Model.Size.Y))
	binary.BigEndian.PutUint16(b[42:], uint16(s.cfg.Model.TemplateSize))
	binary.BigEndian.PutUint16(b[44:], uint16(s.cfg.Model.LibrarySize))
	return b
}

// receiveData collects a DownChar / DownImage transfer; s.mu is held.
func (s *Sim) receiveData(pkt zfm.Packet) *reply {
	if s.down == nil {
		return nil
	}
	s.down.data = append(s.down.data, pkt.Payload...)
	if pkt.PID != zfm.PIDEndData {
		return nil
	}
	d := s.down
	s.down = nil
	switch d.ins {
	case zfm.InsDownChar:
		s.chars[d.buf] = d.data
	case zfm.InsDownImage:
		if len(d.data) == s.cfg.Model.Size.X*s.cfg.Model.Size.Y/2 {
			s.img, s.imgValid = d.data, true
		}
	}
	return nil
}

// Image returns the image buffer as the host would decode it (8-bit), or
// nil.
func (s *Sim) Image() *image.Gray {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.imgValid {
		return nil
	}
	sz := s.cfg.Model.Size
	out := image.NewGray(image.Rect(0, 0, sz.X, sz.Y))
	for i, b := range s.img {
		out.Pix[2*i] = (b >> 4) * 17
		out.Pix[2*i+1] = (b & 0xF) * 17
	}
	return out
}

// Char returns a copy of character buffer id (1 or 2).
func (s *Sim) Char(id int) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != 1 && id != 2 {
		return nil
	}
	return append([]byte(nil), s.chars[id]...)
}
