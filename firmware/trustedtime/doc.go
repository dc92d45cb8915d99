// Package trustedtime is the terminal's clock for record timestamps: the
// registry's time when a sync answer carried it during this boot, else the
// real-time clock, and never earlier than a persisted floor, so the time a
// terminal stamps never goes back, across reboots and a dead RTC battery
// included.
//
// Now returns the time with its source (record.TimeRegistry, TimeRTC or
// TimeFloor). The floor is the latest time handed out, written to a small
// file (atomically, fsynced) at most every Opts.PersistEvery and on Sync;
// after a reboot with a clock behind the floor, time continues from the
// floor plus the monotonic time since start.
package trustedtime
