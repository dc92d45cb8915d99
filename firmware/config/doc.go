// Package config is the terminal's one configuration file, in TOML, with
// documented defaults (Default and the commented file in
// firmware/config/testdata/regterm.toml, which the README reproduces).
//
// Load reports a malformed file, an unknown key or an invalid value with the
// file name and the key, and changes nothing.
package config
