package zfm

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"strings"
	"time"

	"github.com/regterm/regterm/drivers/fingerprint"
)

// SysPara is what ReadSysPara reports.
type SysPara struct {
	Status        uint16 // status register
	SystemID      uint16
	LibrarySize   int // templates the flash holds
	SecurityLevel int // 1..5
	Address       uint32
	PacketSize    int // 32..256
	Baud          int // 9600*N
}

const sysParaLen = 16

func parseSysPara(b []byte) (SysPara, error) {
	if len(b) < sysParaLen {
		return SysPara{}, fmt.Errorf("%w: ReadSysPara: %d bytes, want %d", ErrProtocol, len(b), sysParaLen)
	}
	code := binary.BigEndian.Uint16(b[12:14])
	n := binary.BigEndian.Uint16(b[14:16])
	if code > 3 || n < 1 || n > 12 {
		return SysPara{}, fmt.Errorf("%w: ReadSysPara: packet code %d, baud N %d out of range", ErrProtocol, code, n)
	}
	return SysPara{
		Status:        binary.BigEndian.Uint16(b[0:2]),
		SystemID:      binary.BigEndian.Uint16(b[2:4]),
		LibrarySize:   int(binary.BigEndian.Uint16(b[4:6])),
		SecurityLevel: int(binary.BigEndian.Uint16(b[6:8])),
		Address:       binary.BigEndian.Uint32(b[8:12]),
		PacketSize:    32 << code,
		Baud:          9600 * int(n),
	}, nil
}

// ProdInfo is what ReadProdInfo reports (R50x and later modules).
type ProdInfo struct {
	Model        string // module model, e.g. "R503"
	Batch        string
	Serial       string
	HWVersion    uint16 // main.sub
	SensorModel  string
	Width        int
	Height       int
	TemplateSize int
	LibrarySize  int
}

const prodInfoLen = 46

func cstr(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return strings.TrimSpace(strings.ToValidUTF8(string(b), "?"))
}

func parseProdInfo(b []byte) (ProdInfo, error) {
	if len(b) < prodInfoLen {
		return ProdInfo{}, fmt.Errorf("%w: ReadProdInfo: %d bytes, want %d", ErrProtocol, len(b), prodInfoLen)
	}
	pi := ProdInfo{
		Model:        cstr(b[0:16]),
		Batch:        cstr(b[16:20]),
		Serial:       hex.EncodeToString(b[20:28]),
		HWVersion:    binary.BigEndian.Uint16(b[28:30]),
		SensorModel:  cstr(b[30:38]),
		Width:        int(binary.BigEndian.Uint16(b[38:40])),
		Height:       int(binary.BigEndian.Uint16(b[40:42])),
		TemplateSize: int(binary.BigEndian.Uint16(b[42:44])),
		LibrarySize:  int(binary.BigEndian.Uint16(b[44:46])),
	}
	if pi.Width < 16 || pi.Height < 16 || pi.Width > 1024 || pi.Height > 1024 || pi.Width%2 != 0 {
		return ProdInfo{}, fmt.Errorf("%w: ReadProdInfo: image size %dx%d", ErrProtocol, pi.Width, pi.Height)
	}
	return pi, nil
}

func u16(v int) []byte { return []byte{byte(v >> 8), byte(v)} }

func (d *Dev) lock() error {
	d.mu.Lock()
	if d.halted.Load() {
		d.mu.Unlock()
		return ErrHalted
	}
	return nil
}

// simple runs an instruction under the lock.
func (d *Dev) simple(ctx context.Context, name string, ins byte, params []byte, respLen int, proc time.Duration) ([]byte, error) {
	if err := d.lock(); err != nil {
		return nil, err
	}
	defer d.unlock()
	return d.call(ctx, name, ins, params, respLen, proc)
}

func want(name string, b []byte, n int) error {
	if len(b) < n {
		return fmt.Errorf("zfm: %s: %w: %d result bytes, want %d", name, ErrProtocol, len(b), n)
	}
	return nil
}

// GenImg captures a finger image into the module's image buffer. It
// returns an error that Is fingerprint.ErrNoFinger when no finger is down.
func (d *Dev) GenImg(ctx context.Context) error {
	_, err := d.simple(ctx, "GenImg", InsGenImg, nil, 0, d.opts.CaptureLatency)
	return err
}

// Img2Tz makes a character file from the image in buffer buf (1 or 2).
func (d *Dev) Img2Tz(ctx context.Context, buf byte) error {
	_, err := d.simple(ctx, "Img2Tz", InsImg2Tz, []byte{buf}, 0, d.opts.CaptureLatency)
	return err
}

// Match compares the character files in buffers 1 and 2 and returns the
// score; a mismatch Is ErrNoMatch.
func (d *Dev) Match(ctx context.Context) (int, error) {
	b, err := d.simple(ctx, "Match", InsMatch, nil, 2, d.opts.CaptureLatency)
	if err != nil {
		return 0, err
	}
	if err := want("Match", b, 2); err != nil {
		return 0, err
	}
	return int(binary.BigEndian.Uint16(b)), nil
}

// Search looks for the character file of buffer buf among count library
// pages from start; it returns the page and score, or an error that Is
// ErrNoMatch.
func (d *Dev) Search(ctx context.Context, buf byte, start, count int) (page, score int, err error) {
	b, err := d.simple(ctx, "Search", InsSearch, append(append([]byte{buf}, u16(start)...), u16(count)...), 4, d.opts.CaptureLatency)
	if err != nil {
		return 0, 0, err
	}
	if err := want("Search", b, 4); err != nil {
		return 0, 0, err
	}
	return int(binary.BigEndian.Uint16(b)), int(binary.BigEndian.Uint16(b[2:])), nil
}

// RegModel combines buffers 1 and 2 into a template (in both buffers).
func (d *Dev) RegModel(ctx context.Context) error {
	_, err := d.simple(ctx, "RegModel", InsRegModel, nil, 0, d.opts.CaptureLatency)
	return err
}

// Store writes the template of buffer buf to library page.
func (d *Dev) Store(ctx context.Context, buf byte, page int) error {
	_, err := d.simple(ctx, "Store", InsStore, append([]byte{buf}, u16(page)...), 0, d.opts.CaptureLatency)
	return err
}

// LoadChar reads library page into buffer buf.
func (d *Dev) LoadChar(ctx context.Context, buf byte, page int) error {
	_, err := d.simple(ctx, "LoadChar", InsLoadChar, append([]byte{buf}, u16(page)...), 0, d.opts.CaptureLatency)
	return err
}

// DeletChar deletes count templates from page.
func (d *Dev) DeletChar(ctx context.Context, page, count int) error {
	_, err := d.simple(ctx, "DeletChar", InsDeletChar, append(u16(page), u16(count)...), 0, d.opts.CaptureLatency)
	return err
}

// Empty deletes every template.
func (d *Dev) Empty(ctx context.Context) error {
	_, err := d.simple(ctx, "Empty", InsEmpty, nil, 0, d.opts.CaptureLatency)
	return err
}

// SetSysPara writes system parameter param (ParamBaud, ParamSecurity,
// ParamPacketSize). Changing the packet size through it updates the
// driver; a baud change takes effect after Reset.
func (d *Dev) SetSysPara(ctx context.Context, param, value byte) error {
	if err := d.lock(); err != nil {
		return err
	}
	defer d.unlock()
	_, err := d.call(ctx, "SetSysPara", InsSetSysPara, []byte{param, value}, 0, d.opts.CaptureLatency)
	if err == nil && param == ParamPacketSize && value <= 3 {
		d.packet = 32 << value
	}
	return err
}

// ReadSysPara reads the system parameters.
func (d *Dev) ReadSysPara(ctx context.Context) (SysPara, error) {
	if err := d.lock(); err != nil {
		return SysPara{}, err
	}
	defer d.unlock()
	return d.readSysPara(ctx)
}

func (d *Dev) readSysPara(ctx context.Context) (SysPara, error) {
	b, err := d.call(ctx, "ReadSysPara", InsReadSysPara, nil, sysParaLen, d.opts.Latency)
	if err != nil {
		return SysPara{}, err
	}
	return parseSysPara(b)
}

// VfyPwd verifies password pw; a wrong one Is ErrWrongPassword.
func (d *Dev) VfyPwd(ctx context.Context, pw uint32) error {
	_, err := d.simple(ctx, "VfyPwd", InsVfyPwd, []byte{byte(pw >> 24), byte(pw >> 16), byte(pw >> 8), byte(pw)}, 0, d.opts.Latency)
	return err
}

// GetRandomCode returns a random number from the module.
func (d *Dev) GetRandomCode(ctx context.Context) (uint32, error) {
	b, err := d.simple(ctx, "GetRandomCode", InsGetRandomCode, nil, 4, d.opts.Latency)
	if err != nil {
		return 0, err
	}
	if err := want("GetRandomCode", b, 4); err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(b), nil
}

// TempleteNum returns the number of stored templates.
func (d *Dev) TempleteNum(ctx context.Context) (int, error) {
	b, err := d.simple(ctx, "TempleteNum", InsTempleteNum, nil, 2, d.opts.Latency)
	if err != nil {
		return 0, err
	}
	if err := want("TempleteNum", b, 2); err != nil {
		return 0, err
	}
	return int(binary.BigEndian.Uint16(b)), nil
}

// ReadIndexTable returns which of the 256 library pages of index page
// (0..3) hold a template: bit i of byte i/8 (least significant first).
func (d *Dev) ReadIndexTable(ctx context.Context, page int) ([]byte, error) {
	if page < 0 || page > 3 {
		return nil, fmt.Errorf("zfm: ReadIndexTable: page %d: %w", page, ErrArgument)
	}
	b, err := d.simple(ctx, "ReadIndexTable", InsReadIndexTable, []byte{byte(page)}, 32, d.opts.Latency)
	if err != nil {
		return nil, err
	}
	if err := want("ReadIndexTable", b, 32); err != nil {
		return nil, err
	}
	return b[:32], nil
}

// HandShake checks that the module is ready.
func (d *Dev) HandShake(ctx context.Context) error {
	_, err := d.simple(ctx, "HandShake", InsHandShake, nil, 0, d.opts.Latency)
	return err
}

// CheckSensor asks the module to test its sensor; a fault Is
// ErrSensorHardware.
func (d *Dev) CheckSensor(ctx context.Context) error {
	_, err := d.simple(ctx, "CheckSensor", InsCheckSensor, nil, 0, d.opts.Latency)
	return err
}

// ReadProdInfo reads the module's product information.
func (d *Dev) ReadProdInfo(ctx context.Context) (ProdInfo, error) {
	b, err := d.simple(ctx, "ReadProdInfo", InsReadProdInfo, nil, prodInfoLen, d.opts.Latency)
	if err != nil {
		return ProdInfo{}, err
	}
	return parseProdInfo(b)
}

// Aura LED control codes and colours (R503).
const (
	AuraBreathing byte = 1
	AuraFlashing  byte = 2
	AuraOn        byte = 3
	AuraOff       byte = 4
	AuraFadeIn    byte = 5
	AuraFadeOut   byte = 6

	ColorRed    byte = 1
	ColorBlue   byte = 2
	ColorPurple byte = 3
	ColorGreen  byte = 4
)

// AuraLedConfig drives the R503 ring light: control code, speed, colour
// and count (0 = forever).
func (d *Dev) AuraLedConfig(ctx context.Context, ctrl, speed, color, count byte) error {
	if err := d.lock(); err != nil {
		return err
	}
	defer d.unlock()
	return d.aura(ctx, ctrl, speed, color, count)
}

func (d *Dev) aura(ctx context.Context, ctrl, speed, color, count byte) error {
	_, err := d.call(ctx, "AuraLedConfig", InsAuraLedConfig, []byte{ctrl, speed, color, count}, 0, d.opts.Latency)
	return err
}

// SetLED shows l on the ring light; modules without one return nil.
func (d *Dev) SetLED(ctx context.Context, l fingerprint.LED) error {
	if err := d.lock(); err != nil {
		return err
	}
	defer d.unlock()
	if d.noAura {
		return nil
	}
	var p [4]byte
	switch l {
	case fingerprint.LEDOff:
		p = [4]byte{AuraOff, 0, 0, 0}
	case fingerprint.LEDIdle:
		p = [4]byte{AuraBreathing, 0x80, ColorBlue, 0}
	case fingerprint.LEDCapture:
		p = [4]byte{AuraOn, 0, ColorPurple, 0}
	case fingerprint.LEDOK:
		p = [4]byte{AuraOn, 0, ColorGreen, 0}
	case fingerprint.LEDFail:
		p = [4]byte{AuraFlashing, 0x20, ColorRed, 3}
	default:
		return fmt.Errorf("zfm: SetLED %d: %w", l, ErrArgument)
	}
	err := d.aura(ctx, p[0], p[1], p[2], p[3])
	if errors.Is(err, ErrUnsupported) {
		d.noAura = true
		return nil
	}
	return err
}

// SoftRst resets the module, waits for its power-up byte and reconnects
// (the module may come back at a stored new baud rate).
func (d *Dev) SoftRst(ctx context.Context) error {
	if err := d.lock(); err != nil {
		return err
	}
	defer d.unlock()
	return d.softRst(ctx)
}

func (d *Dev) softRst(ctx context.Context) error {
	if _, err := d.call(ctx, "SoftRst", InsSoftRst, nil, 0, d.opts.Latency); err != nil {
		return err
	}
	d.stats.Resets++
	d.waitPowerUp(ctx)
	return d.connect(ctx, d.probeOrder())
}

// Reset power-cycles the module with the reset pin, or soft-resets it
// when there is none, and reconnects.
func (d *Dev) Reset(ctx context.Context) error {
	if err := d.lock(); err != nil {
		return err
	}
	defer d.unlock()
	if d.reset != nil {
		return d.powerCycle(ctx)
	}
	return d.softRst(ctx)
}

// Health checks that the module answers and that its sensor is intact
// (CheckSensor, or HandShake on modules without it).
func (d *Dev) Health(ctx context.Context) error {
	err := d.CheckSensor(ctx)
	if errors.Is(err, ErrUnsupported) {
		err = d.HandShake(ctx)
	}
	return err
}

// Capture waits for a finger until ctx is done (GenImg every Poll), then
// uploads the image. It returns an error that Is fingerprint.ErrNoFinger
// when ctx ends before a finger is down.
func (d *Dev) Capture(ctx context.Context) (*image.Gray, error) {
	for {
		err := d.GenImg(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("zfm: capture: %w", fingerprint.ErrNoFinger)
		}
		if !errors.Is(err, fingerprint.ErrNoFinger) {
			return nil, err
		}
		select {
		case <-d.clk.After(d.opts.Poll):
		case <-ctx.Done():
			return nil, fmt.Errorf("zfm: capture: %w", fingerprint.ErrNoFinger)
		}
	}
	return d.UpImage(ctx)
}

// UpImage uploads the image buffer: 4 bits a pixel, two pixels a byte,
// left pixel in the high nibble; it returns it as 8-bit grayscale.
func (d *Dev) UpImage(ctx context.Context) (*image.Gray, error) {
	if err := d.lock(); err != nil {
		return nil, err
	}
	defer d.unlock()
	size := d.info.Size
	total := size.X * size.Y / 2
	data, err := d.upload(ctx, "UpImage", InsUpImage, nil, total, total, d.opts.Progress)
	if err != nil {
		return nil, err
	}
	img := image.NewGray(image.Rect(0, 0, size.X, size.Y))
	for i, b := range data {
		img.Pix[2*i] = (b >> 4) * 17
		img.Pix[2*i+1] = (b & 0x0F) * 17
	}
	return img, nil
}

// DownImage downloads img (the module's image size, 8-bit grayscale,
// quantised to 4 bits) into the image buffer.
func (d *Dev) DownImage(ctx context.Context, img *image.Gray) error {
	if err := d.lock(); err != nil {
		return err
	}
	defer d.unlock()
	size := d.info.Size
	if img.Rect.Size() != size {
		return fmt.Errorf("zfm: DownImage: image %v, module %v: %w", img.Rect.Size(), size, ErrArgument)
	}
	data := make([]byte, 0, size.X*size.Y/2)
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		row := img.Pix[img.PixOffset(img.Rect.Min.X, y):][:size.X]
		for x := 0; x < size.X; x += 2 {
			data = append(data, row[x]&0xF0|row[x+1]>>4)
		}
	}
	return d.download(ctx, "DownImage", InsDownImage, nil, data)
}

// UpChar uploads the character file or template of buffer buf. It reads
// data packets until the last one (PID 08), whatever their number.
func (d *Dev) UpChar(ctx context.Context, buf byte) ([]byte, error) {
	if err := d.lock(); err != nil {
		return nil, err
	}
	defer d.unlock()
	return d.upload(ctx, "UpChar", InsUpChar, []byte{buf}, 0, d.opts.MaxTemplate, nil)
}

// DownChar downloads a template into buffer buf.
func (d *Dev) DownChar(ctx context.Context, buf byte, tmpl []byte) error {
	if len(tmpl) == 0 || len(tmpl) > d.opts.MaxTemplate {
		return fmt.Errorf("zfm: DownChar: %d bytes: %w", len(tmpl), ErrArgument)
	}
	if err := d.lock(); err != nil {
		return err
	}
	defer d.unlock()
	return d.download(ctx, "DownChar", InsDownChar, []byte{buf}, tmpl)
}

// upload runs a module-to-host transfer, repeating it whole when any
// packet is corrupted. expect is the exact length (0 = until PID 08),
// limit the most accepted.
func (d *Dev) upload(ctx context.Context, name string, ins byte, params []byte, expect, limit int, progress func(done, total int)) ([]byte, error) {
	var last error
	for attempt := 0; attempt < d.opts.Retries; attempt++ {
		if attempt > 0 {
			d.stats.Retries++
			d.log.Info("zfm: repeating upload", "op", name, "attempt", attempt+1, "err", last)
		}
		data, err := d.uploadOnce(ctx, ins, params, expect, limit, progress)
		if err == nil {
			return data, nil
		}
		if !retriable(err) {
			return nil, fmt.Errorf("zfm: %s: %w", name, err)
		}
		last = err
		if err := d.afterFailure(ctx, err); err != nil {
			return nil, fmt.Errorf("zfm: %s: %w (after %v)", name, err, last)
		}
	}
	return nil, fmt.Errorf("zfm: %s: %w: %d attempts, last: %w", name, ErrCorrupt, d.opts.Retries, last)
}

func (d *Dev) uploadOnce(ctx context.Context, ins byte, params []byte, expect, limit int, progress func(done, total int)) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d.flush()
	cmd := Command(d.opts.Address, ins, params...)
	if err := d.send(cmd); err != nil {
		return nil, err
	}
	n := expect
	if n == 0 {
		n = limit
	}
	packets := (n + d.packet - 1) / d.packet
	x := d.begin(ctx, d.deadline(len(cmd)+Overhead+1+n+packets*Overhead, d.opts.Latency))
	pkt, err := d.recv(x, true)
	for err == nil && d.stale(pkt, 0) {
		pkt, err = d.recv(x, true)
	}
	if err != nil {
		return nil, err
	}
	if _, err := d.ack(pkt); err != nil {
		return nil, err
	}
	buf := make([]byte, 0, n)
	for {
		pkt, err := d.recv(x, false)
		if err != nil {
			return nil, err
		}
		if pkt.PID != PIDData && pkt.PID != PIDEndData {
			d.stats.Corrupt++
			return nil, fmt.Errorf("%w: expected a data packet, got %v", ErrProtocol, pkt)
		}
		if len(buf)+len(pkt.Payload) > limit {
			if expect > 0 {
				return nil, fmt.Errorf("%w: more than %d bytes (is the configured image size right?)", ErrImageSize, expect)
			}
			return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLong, limit)
		}
		if pkt.PID == PIDData && len(pkt.Payload) != d.packet && len(pkt.Payload) > 0 {
			d.log.Warn("zfm: module sends another packet size than negotiated; adopting it",
				"negotiated", d.packet, "seen", len(pkt.Payload))
			d.packet = len(pkt.Payload)
		}
		buf = append(buf, pkt.Payload...)
		if progress != nil {
			progress(len(buf), n)
		}
		if pkt.PID == PIDEndData {
			break
		}
	}
	if expect > 0 && len(buf) != expect {
		return nil, fmt.Errorf("%w: %d bytes, want %d (is the configured image size right?)", ErrImageSize, len(buf), expect)
	}
	return buf, nil
}

// download runs a host-to-module transfer: the instruction, its
// acknowledge, then the data in packets of the negotiated size.
func (d *Dev) download(ctx context.Context, name string, ins byte, params []byte, data []byte) error {
	if _, err := d.call(ctx, name, ins, params, 0, d.opts.Latency); err != nil {
		return err
	}
	var out []byte
	for i := 0; i < len(data); i += d.packet {
		end := min(i+d.packet, len(data))
		pid := PIDData
		if end == len(data) {
			pid = PIDEndData
		}
		out = AppendPacket(out, d.opts.Address, pid, data[i:end])
	}
	if err := d.send(out); err != nil {
		return fmt.Errorf("zfm: %s: %w", name, err)
	}
	return nil
}
