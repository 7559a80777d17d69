//go:build race

package client

// raceEnabled: the race detector changes allocation counts, so the
// allocation gates are skipped under it.
const raceEnabled = true
