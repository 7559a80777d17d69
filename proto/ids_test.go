package proto

import (
	"testing"
	"time"
)

func TestTidFromTimeFixtureTids(t *testing.T) {
	// The fixtures commit transaction n at 2024-01-01T00:00:00Z + n seconds.
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		n    int
		want string
	}{{1, "03f58e0004444444"}, {2, "03f58e0008888888"}, {3, "03f58e000ccccccc"}, {20, "03f58e0055555555"}}
	for _, c := range cases {
		got := TidFromTime(base.Add(time.Duration(c.n) * time.Second))
		if got.String() != c.want {
			t.Errorf("n=%d: got %s want %s", c.n, got, c.want)
		}
		if s := got.TimeString(); s != base.Add(time.Duration(c.n)*time.Second).Format("2006-01-02 15:04:05.000000") {
			t.Errorf("n=%d: TimeString %q", c.n, s)
		}
	}
}

func TestTidSpecExample(t *testing.T) {
	tid, err := ParseTid("040d2d5c8fff1400")
	if err != nil {
		t.Fatal(err)
	}
	if got := tid.TimeString(); got != "2026-11-22 02:04:33.749156" {
		t.Fatalf("TimeString = %q", got)
	}
	if got := tid.Time().Round(time.Microsecond).Format(time.RFC3339Nano); got[:26] != "2026-11-22T02:04:33.749156" {
		t.Fatalf("Time = %q", got)
	}
}

func TestLaterThan(t *testing.T) {
	last := Tid(0x03f58e0004444444)
	if got := Tid(0x03f58e0000000001).LaterThan(last); got != last+1 {
		t.Fatalf("clock behind: got %s", got)
	}
	if got := Tid(0x03f58e0008888888).LaterThan(last); got != 0x03f58e0008888888 {
		t.Fatalf("clock ahead: got %s", got)
	}
	// Overflow of the low word rolls into the next calendar minute:
	// 2023-12-31 23:59 -> 2024-01-01 00:00.
	dec31 := TidFromTime(time.Date(2023, 12, 31, 23, 59, 0, 0, time.UTC))
	full := Tid(uint64(dec31)&^0xffffffff | 0xffffffff)
	got := Tid(0).LaterThan(full)
	if want := TidFromTime(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)); got != want {
		t.Fatalf("rollover: got %s (%s) want %s", got, got.TimeString(), want)
	}
	// February of a leap year has 29 days.
	feb := TidFromTime(time.Date(2024, 2, 29, 23, 59, 0, 0, time.UTC))
	got = Tid(0).LaterThan(Tid(uint64(feb) | 0xffffffff))
	if want := TidFromTime(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)); got != want {
		t.Fatalf("leap rollover: got %s want %s", got.TimeString(), want.TimeString())
	}
}

func TestTidFromUnixPackTime(t *testing.T) {
	// The fixtures' pack time 1704067210.5 is half a second after n=10.
	got := TidFromUnix(1704067210.5)
	if got.TimeString() != "2024-01-01 00:00:10.500000" {
		t.Fatalf("got %s", got.TimeString())
	}
	if u := got.Unix(); u < 1704067210.49 || u > 1704067210.51 {
		t.Fatalf("Unix() = %f", u)
	}
}

func TestReprAndParse(t *testing.T) {
	if Oid(1).Repr() != "0x01" || Oid(0).Repr() != "0x00" || Oid(0x0102).Repr() != "0x0102" {
		t.Fatal(Oid(1).Repr(), Oid(0).Repr(), Oid(0x102).Repr())
	}
	o, err := ParseOid("0000000000000065")
	if err != nil || o != 0x65 {
		t.Fatal(o, err)
	}
	for _, bad := range []string{"", "xyz", "00000000000000001"} {
		if _, err := ParseOid(bad); err == nil {
			t.Errorf("ParseOid(%q) accepted", bad)
		}
	}
	if Oid(0x65).String() != "0000000000000065" {
		t.Fatal(Oid(0x65).String())
	}
}

func TestConflictErrorText(t *testing.T) {
	e := &ConflictError{Oid: 1, Class: "fixture_classes.Item", Read: 0x03f58e000ccccccc, Committed: 0x03f58e0011111111}
	want := "ConflictError: database conflict error (oid 0x01, class fixture_classes.Item, serial this txn started with 0x03f58e000ccccccc 2024-01-01 00:00:03.000000, serial currently committed 0x03f58e0011111111 2024-01-01 00:00:04.000000)"
	if e.Error() != want {
		t.Fatalf("got %q", e.Error())
	}
	if !IsConflict(e) || IsConflict(&POSKeyError{}) {
		t.Fatal("IsConflict")
	}
}
