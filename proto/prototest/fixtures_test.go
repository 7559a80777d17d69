package prototest

import "testing"

func TestFixtureFound(t *testing.T) {
	p := Fixture(t, "filestorage/basic/basic.fs")
	if p == "" {
		t.Fatal("empty path")
	}
}
