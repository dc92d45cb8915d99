// Package pcsctest runs a package's tests against the real pcscd with the
// real vpcd virtual reader (Debian pcscd and vsmartcard-vpcd) and
// tools/cardsim as the card, without touching anything outside the tests.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { pcsctest.Main(m) }
//
// Main re-executes the test binary under `unshare --mount --net` (this needs
// root, as in CI); inside, the binary mounts a private tmpfs on /run, sets
// the private loopback up and starts `pcscd -f` with a reader.conf.d that
// declares one vpcd reader (two slots, ports 35963 and 35964). The client
// under test, pcscd and vpcd's listener all live in these namespaces: a
// system pcscd and its socket are not disturbed. When the peers or the
// privileges are missing, Main runs the tests directly and Require skips
// them (fails them under CI=true, see internal/testpeer).
//
// Tests call Require to get the running Env, Insert to put a cardsim card
// in a slot (it waits until pcscd has powered it), and StartDaemon for an
// extra pcscd (e.g. one without readers, or one to stop mid-test).
package pcsctest
