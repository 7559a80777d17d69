// TinyLFU: the sketch and the doorkeeper together, with periodic aging.

package tinylfu

// TinyLFU estimates access frequencies over a sliding sample of accesses.
// After every Samples accesses the sketch is halved and the doorkeeper
// emptied, so a key that stops being used loses its standing within a few
// periods (this is also how deleted keys are forgotten: there is no Remove).
type TinyLFU struct {
	sketch  *Sketch
	door    *Doorkeeper
	samples int
	n       int
	resets  int64
}

// New returns a TinyLFU whose sketch has counters counters per row and
// whose sample period is samples accesses. The paper's sizing is samples =
// 10 x the number of objects the cache holds and counters about that
// number; New clamps both to at least 16.
func New(counters, samples int) *TinyLFU {
	if counters < 16 {
		counters = 16
	}
	if samples < 16 {
		samples = 16
	}
	return &TinyLFU{
		sketch:  NewSketch(counters),
		door:    NewDoorkeeper(samples, 0.01),
		samples: samples,
	}
}

// Hash spreads a 64-bit key (the splitmix64 finalizer), so that sequential
// oids land on unrelated counters.
func Hash(key uint64) uint64 {
	key += 0x9e3779b97f4a7c15
	key = (key ^ (key >> 30)) * 0xbf58476d1ce4e5b9
	key = (key ^ (key >> 27)) * 0x94d049bb133111eb
	return key ^ (key >> 31)
}

// Access records one use of key.
func (t *TinyLFU) Access(key uint64) {
	h := Hash(key)
	if t.door.Insert(h) {
		t.sketch.Add(h)
	}
	t.n++
	if t.n >= t.samples {
		t.reset()
	}
}

func (t *TinyLFU) reset() {
	t.sketch.Reset()
	t.door.Reset()
	t.n = 0
	t.resets++
}

// Estimate returns key's estimated frequency in the current sample: the
// sketch count plus one if the doorkeeper has seen it.
func (t *TinyLFU) Estimate(key uint64) int {
	h := Hash(key)
	e := int(t.sketch.Estimate(h))
	if t.door.Contains(h) {
		e++
	}
	return e
}

// Admit reports whether candidate is used more often than victim, the
// TinyLFU admission rule (ties favour the victim).
func (t *TinyLFU) Admit(candidate, victim uint64) bool {
	return t.Estimate(candidate) > t.Estimate(victim)
}

// Samples returns the sample period.
func (t *TinyLFU) Samples() int { return t.samples }

// Resets returns how many aging steps have run.
func (t *TinyLFU) Resets() int64 { return t.resets }

// Clear forgets every count.
func (t *TinyLFU) Clear() {
	t.sketch.Clear()
	t.door.Reset()
	t.n = 0
}
