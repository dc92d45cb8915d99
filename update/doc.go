// Package update is the terminal's over-the-air update client: TUF
// metadata (root, targets, snapshot, timestamp) verified with
// github.com/theupdateframework/go-tuf/v2, slot images written to the
// inactive A/B slot, the U-Boot environment in the redundant binary format
// that fw_printenv / fw_setenv read and write, a health check after boot,
// and commit or automatic rollback.
//
// Its implementation comes with the OTA issue; the board profile already
// names the slots (board.SlotsConfig).
package update
