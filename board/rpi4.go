package board

import (
	"context"
	"time"
)

// The Raspberry Pi 4 reference terminal: R307 on the PL011 UART, a USB CCID
// reader through pcscd, an ST7789 240x320 on SPI0.0, a TPM 2.0 module
// (SLB9670) on SPI0.1 through the kernel's resource manager, two buttons.
func init() {
	register("rpi4", Profile{
		Sensor: SensorConfig{Port: "/dev/ttyAMA0", Baud: 57600, Address: 0xFFFFFFFF,
			Width: 256, Height: 288, DPI: 500, ResetPin: "GPIO17"},
		Card: CardConfig{Socket: "/run/pcscd/pcscd.comm"},
		Display: DisplayConfig{SPIPort: "SPI0.0", ClockHz: 40_000_000, DC: "GPIO25", Reset: "GPIO27",
			Backlight: "GPIO18", Width: 240, Height: 320},
		Key:      KeyConfig{Backend: "tpm2", TPM: "/dev/tpmrm0", Handle: 0x81000001},
		Inputs:   InputConfig{Confirm: "GPIO5", Cancel: "GPIO6"},
		Watchdog: WatchdogConfig{Device: "/dev/watchdog", Timeout: 15 * time.Second},
		Slots:    SlotsConfig{A: "/dev/mmcblk0p2", B: "/dev/mmcblk0p3", EnvConfig: "/etc/fw_env.config"},
	}, openRPi4)
}

func openRPi4(ctx context.Context, p *Profile, env *Env) (*Devices, error) {
	return openReal(ctx, p, env)
}
