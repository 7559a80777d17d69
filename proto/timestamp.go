// ZODB TimeStamps: converting tids to and from UTC time, and laterThan.

package proto

import (
	"fmt"
	"time"
)

// A tid is a persistent.TimeStamp:
//
//	bytes 0..3  a = ((((year-1900)*12 + month-1)*31 + day-1)*24 + hour)*60 + minute
//	bytes 4..7  b = uint32(seconds / (60 / 2^32))     (seconds within the minute)
//
// Every month counts as 31 days in a, so a is not a linear minute count; only
// LaterThan's overflow into the next minute needs the real calendar.

const secondsPerUnit = 60.0 / 4294967296.0

// TidFromTime returns the tid for t (converted to UTC), truncated to the
// TimeStamp's resolution of about 14 ns.
func TidFromTime(t time.Time) Tid {
	t = t.UTC()
	sec := float64(t.Second()) + float64(t.Nanosecond())/1e9
	return makeTid(t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute(), sec)
}

// TidFromUnix returns the tid for a Unix time given as float seconds, the
// way ZODB converts a pack time.
func TidFromUnix(sec float64) Tid {
	whole := int64(sec)
	frac := sec - float64(whole)
	if frac < 0 {
		whole--
		frac++
	}
	t := time.Unix(whole, 0).UTC()
	return makeTid(t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute(), float64(t.Second())+frac)
}

func makeTid(year, month, day, hour, minute int, sec float64) Tid {
	a := uint64(((((year-1900)*12+month-1)*31+day-1)*24+hour)*60 + minute)
	b := uint64(uint32(sec / secondsPerUnit))
	return Tid(a<<32 | b)
}

// fields decodes the tid's calendar fields.
func (t Tid) fields() (year, month, day, hour, minute int, sec float64) {
	a := int(uint64(t) >> 32)
	b := uint32(t)
	minute = a % 60
	hour = a / 60 % 24
	day = a/1440%31 + 1
	month = a/44640%12 + 1
	year = a/535680 + 1900
	sec = float64(b) * secondsPerUnit
	return
}

// Time returns the tid's UTC time. Impossible dates (February 31) are
// normalised as C's timeTime does.
func (t Tid) Time() time.Time {
	y, mo, d, h, mi, sec := t.fields()
	base := time.Date(y, time.Month(mo), d, h, mi, 0, 0, time.UTC)
	return base.Add(time.Duration(sec * 1e9))
}

// Unix returns the tid's time as float Unix seconds, as ZODB's
// TimeStamp.timeTime() does.
func (t Tid) Unix() float64 {
	y, mo, d, h, mi, sec := t.fields()
	base := time.Date(y, time.Month(mo), d, h, mi, 0, 0, time.UTC)
	return float64(base.Unix()) + sec
}

// TimeString renders the tid as str(TimeStamp) does:
// "2024-01-01 00:00:01.000000". Seconds may print as 60.000000.
func (t Tid) TimeString() string {
	y, mo, d, h, mi, sec := t.fields()
	return fmt.Sprintf("%04d-%02d-%02d %02d:%02d:%09.6f", y, mo, d, h, mi, sec)
}

// LaterThan returns t if it is greater than last. Otherwise it returns the
// smallest tid after last: last's low 32 bits plus one, and when they
// overflow, the next calendar minute with seconds 0. This keeps tids strictly
// increasing when the clock stalls or goes backwards.
func (t Tid) LaterThan(last Tid) Tid {
	if t > last {
		return t
	}
	if uint32(last) != 0xffffffff {
		return last + 1
	}
	y, mo, d, h, mi, _ := last.fields()
	next := time.Date(y, time.Month(mo), d, h, mi, 0, 0, time.UTC).Add(time.Minute)
	return makeTid(next.Year(), int(next.Month()), next.Day(), next.Hour(), next.Minute(), 0)
}

// NewTid returns a tid for the current time that is later than last.
func NewTid(now time.Time, last Tid) Tid { return TidFromTime(now).LaterThan(last) }
