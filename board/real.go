package board

import (
	"context"
	"fmt"
)

// openReal opens the real devices a profile names. Each device family's
// driver is wired in its own openReal* function.
func openReal(ctx context.Context, p *Profile, env *Env) (d *Devices, err error) {
	d = &Devices{}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	return nil, fmt.Errorf("board: %s: real devices are not wired yet", p.Name)
}
