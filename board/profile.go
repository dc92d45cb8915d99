package board

import "time"

// Profile is one terminal model's hardware: a section per device. It is
// loaded from the [board] table of the configuration file, over the
// defaults of the named profile.
type Profile struct {
	Name     string         `toml:"name"`
	Sensor   SensorConfig   `toml:"sensor"`
	Card     CardConfig     `toml:"card"`
	Display  DisplayConfig  `toml:"display"`
	Key      KeyConfig      `toml:"key"`
	Inputs   InputConfig    `toml:"inputs"`
	Watchdog WatchdogConfig `toml:"watchdog"`
	Slots    SlotsConfig    `toml:"slots"`
}

// SensorConfig is the fingerprint module on a UART.
type SensorConfig struct {
	Port       string `toml:"port"`        // e.g. /dev/ttyAMA0
	Baud       int    `toml:"baud"`        // preferred baud, 9600..115200
	Address    uint32 `toml:"address"`     // module address, default 0xFFFFFFFF
	Password   uint32 `toml:"password"`    // 0 = none
	PacketSize int    `toml:"packet_size"` // 32..256, 0 = highest accepted
	Width      int    `toml:"width"`       // image size when the module cannot report it
	Height     int    `toml:"height"`
	DPI        int    `toml:"dpi"`
	ResetPin   string `toml:"reset_pin"` // GPIO that power-cycles the module, "" = none
}

// CardConfig is the PC/SC card reader.
type CardConfig struct {
	Socket string `toml:"socket"` // pcscd socket, default /run/pcscd/pcscd.comm
	Reader string `toml:"reader"` // reader name prefix, "" = first
}

// DisplayConfig is the SPI TFT panel.
type DisplayConfig struct {
	SPIPort   string `toml:"spi_port"` // periph SPI port name, e.g. SPI0.0
	ClockHz   int64  `toml:"clock_hz"`
	DC        string `toml:"dc_pin"`
	Reset     string `toml:"reset_pin"`
	Backlight string `toml:"backlight_pin"`
	Width     int    `toml:"width"`
	Height    int    `toml:"height"`
	Rotation  int    `toml:"rotation"` // 0, 90, 180, 270
	Invert    bool   `toml:"invert"`
}

// KeyConfig is the hardware key.
type KeyConfig struct {
	Backend  string `toml:"backend"`  // tpm2, atecc608 or soft
	TPM      string `toml:"tpm"`      // /dev/tpmrm0 or tcp:HOST:PORT
	Handle   uint32 `toml:"handle"`   // persistent handle, default 0x81000001
	I2CBus   string `toml:"i2c_bus"`  // for atecc608
	I2CAddr  uint16 `toml:"i2c_addr"` // default 0x60
	Slot     int    `toml:"slot"`
	SoftPath string `toml:"soft_path"` // PEM file for the soft key
}

// InputConfig names the GPIO pins of the buttons.
type InputConfig struct {
	Confirm string `toml:"confirm_pin"`
	Cancel  string `toml:"cancel_pin"`
}

// WatchdogConfig is the hardware watchdog.
type WatchdogConfig struct {
	Device  string        `toml:"device"` // /dev/watchdog, "" = none
	Timeout time.Duration `toml:"timeout"`
}

// SlotsConfig are the A/B boot slots.
type SlotsConfig struct {
	A         string `toml:"a"`
	B         string `toml:"b"`
	EnvConfig string `toml:"env_config"` // fw_env.config path
}
