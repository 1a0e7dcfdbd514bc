package stage

import "testing"

// TestKindNames checks that every stored kind stands for its own Kind, so a kind added to the
// schema without its stored form (or the other way round) fails here.
func TestKindNames(t *testing.T) {
	seen := map[Kind]kind{}
	for k, name := range kindNames {
		if name == "" {
			t.Errorf("stored kind %d has no name", k)
			continue
		}
		if other, dup := seen[name]; dup {
			t.Errorf("stored kinds %d and %d both stand for %q", other, k, name)
		}
		seen[name] = kind(k)
	}
}

// TestTextArena checks that texts keep their bytes as the arena grows, across chunks and for
// a text longer than a chunk.
func TestTextArena(t *testing.T) {
	var a textArena
	long := string(make([]byte, textChunk+1))
	type added struct {
		ref  textRef
		want string
	}
	var all []added
	for i := range 20000 {
		var v shown
		var want string
		switch i % 3 {
		case 0:
			v, want = shown{n: int64(-i * 7919), isInt: true}, format(-i*7919)
		case 1:
			v, want = shown{s: format("text")}, `"text"`
		default:
			v, want = shown{s: long}, long
			if i%1000 != 2 {
				v, want = shown{}, ""
			}
		}
		all = append(all, added{a.add(v), want})
	}
	for i, x := range all {
		if got := a.string(x.ref); got != x.want {
			t.Fatalf("text %d reads %.40q, want %.40q", i, got, x.want)
		}
	}
}
