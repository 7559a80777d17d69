//go:build race

package compress

// raceEnabled: the race detector changes allocation counts (and the
// compression libraries take other paths under it), so the allocation gates
// are skipped.
const raceEnabled = true
