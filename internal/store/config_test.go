package store

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

type cfgValue struct {
	V string `json:"v"`
}

func putCfg(t *testing.T, s *Store, scope Scope, kind, parent, name string) {
	t.Helper()
	err := s.UpdateConfig(scope, func(tx *ConfigTx) error {
		return tx.Put(kind, parent, name, cfgValue{name})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func listCfg(t *testing.T, s *Store, scope Scope, q ConfigQuery, limit int) []string {
	t.Helper()
	var out []string
	err := s.ViewConfig(scope, func(tx *ConfigTx) error {
		return tx.List(q, func(it ConfigItem) (bool, error) {
			var v cfgValue
			if err := it.Decode(&v); err != nil {
				return false, err
			}
			if v.V != it.Name {
				return false, fmt.Errorf("value %q under name %q", v.V, it.Name)
			}
			out = append(out, it.Parent+"/"+it.Name)
			return limit == 0 || len(out) < limit, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestConfigStore(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t: time.UnixMilli(1_700_000_000_000)}
	s := openTest(t, dir, c)
	other := Scope{Account: "222222222222", Region: "us-east-1"}
	otherRegion := Scope{Account: sc.Account, Region: "eu-west-1"}
	for _, g := range []string{"g1", "g2", "g10"} {
		if err := s.CreateLogGroup(sc, g, GroupOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"b", "a", "ab", "a\x00z", "c"} {
		putCfg(t, s, sc, "mf", "g1", n)
	}
	putCfg(t, s, sc, "mf", "g2", "a")
	putCfg(t, s, sc, "mf", "g10", "x")
	putCfg(t, s, sc, "sf", "g1", "s")
	putCfg(t, s, sc, "dest", "", "d")
	putCfg(t, s, other, "mf", "g1", "theirs")
	putCfg(t, s, otherRegion, "mf", "g1", "eu")

	cases := []struct {
		q     ConfigQuery
		limit int
		want  []string
	}{
		{ConfigQuery{Kind: "mf", Parent: "g1"}, 0, []string{"g1/a", "g1/a\x00z", "g1/ab", "g1/b", "g1/c"}},
		{ConfigQuery{Kind: "mf", Parent: "g1", NamePrefix: "a"}, 0, []string{"g1/a", "g1/a\x00z", "g1/ab"}},
		{ConfigQuery{Kind: "mf", Parent: "g1", NamePrefix: "a", After: "a\x00z"}, 0, []string{"g1/ab"}},
		{ConfigQuery{Kind: "mf", Parent: "g1", AfterParent: "g1", After: "ab"}, 2, []string{"g1/b", "g1/c"}},
		{ConfigQuery{Kind: "mf", Parent: "g1", NamePrefix: "zz"}, 0, nil},
		{ConfigQuery{Kind: "mf", AnyParent: true}, 0, []string{"g1/a", "g1/a\x00z", "g1/ab", "g1/b", "g1/c", "g10/x", "g2/a"}},
		{ConfigQuery{Kind: "mf", AnyParent: true, AfterParent: "g1", After: "c"}, 0, []string{"g10/x", "g2/a"}},
		{ConfigQuery{Kind: "mf", AnyParent: true, NamePrefix: "a"}, 0, []string{"g1/a", "g1/a\x00z", "g1/ab", "g2/a"}},
		{ConfigQuery{Kind: "dest"}, 0, []string{"/d"}},
		{ConfigQuery{Kind: "nothing"}, 0, nil},
	}
	for _, tc := range cases {
		if got := listCfg(t, s, sc, tc.q, tc.limit); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: got %q, want %q", tc.q, got, tc.want)
		}
	}
	if got := listCfg(t, s, other, ConfigQuery{Kind: "mf", AnyParent: true}, 0); !slices.Equal(got, []string{"g1/theirs"}) {
		t.Errorf("other account sees %q", got)
	}

	// Get, Count, Delete, and an aborted transaction.
	s.ViewConfig(sc, func(tx *ConfigTx) error {
		var v cfgValue
		if ok, err := tx.Get("mf", "g1", "ab", &v); !ok || err != nil || v.V != "ab" {
			t.Errorf("Get = %v %v %+v", ok, err, v)
		}
		if ok, _ := tx.Get("mf", "g1", "zz", &v); ok {
			t.Error("Get of a missing resource found it")
		}
		if n := tx.Count("mf", "g1"); n != 5 {
			t.Errorf("Count = %d", n)
		}
		if !tx.GroupExists("g2") || tx.GroupExists("nope") {
			t.Error("GroupExists")
		}
		return nil
	})
	errAbort := errors.New("abort")
	err := s.UpdateConfig(sc, func(tx *ConfigTx) error {
		if ok, err := tx.Delete("mf", "g1", "a"); !ok || err != nil {
			t.Errorf("Delete = %v %v", ok, err)
		}
		return errAbort
	})
	if err != errAbort {
		t.Fatalf("UpdateConfig returned %v", err)
	}
	if got := listCfg(t, s, sc, ConfigQuery{Kind: "mf", Parent: "g1", NamePrefix: "a"}, 1); !slices.Equal(got, []string{"g1/a"}) {
		t.Errorf("aborted delete took effect: %q", got)
	}

	// Deleting g1 deletes its resources of every kind and nothing else;
	// a new g1 starts empty.
	if err := s.DeleteLogGroup(sc, "g1"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateLogGroup(sc, "g1", GroupOptions{}); err != nil {
		t.Fatal(err)
	}
	check := func(s *Store) {
		t.Helper()
		if got := listCfg(t, s, sc, ConfigQuery{Kind: "mf", AnyParent: true}, 0); !slices.Equal(got, []string{"g10/x", "g2/a"}) {
			t.Errorf("after deleting g1: mf = %q", got)
		}
		if got := listCfg(t, s, sc, ConfigQuery{Kind: "sf", AnyParent: true}, 0); got != nil {
			t.Errorf("after deleting g1: sf = %q", got)
		}
		if got := listCfg(t, s, sc, ConfigQuery{Kind: "dest"}, 0); !slices.Equal(got, []string{"/d"}) {
			t.Errorf("after deleting g1: dest = %q", got)
		}
		for _, o := range []Scope{other, otherRegion} {
			if got := listCfg(t, s, o, ConfigQuery{Kind: "mf", Parent: "g1"}, 0); len(got) != 1 {
				t.Errorf("deleting g1 in %v deleted %v's resources: %q", sc, o, got)
			}
		}
	}
	check(s)

	// Everything survives a restart.
	s.Close()
	s = openTest(t, dir, c)
	check(s)
	s.Close()
	if err := s.UpdateConfig(sc, func(*ConfigTx) error { return nil }); err != ErrClosed {
		t.Errorf("UpdateConfig after Close = %v", err)
	}
}

func TestSetKmsKey(t *testing.T) {
	s := openTest(t, t.TempDir(), &clock{t: time.UnixMilli(1_700_000_000_000)})
	if err := s.SetKmsKey(sc, "g", "k"); err != ErrGroupNotFound {
		t.Fatalf("SetKmsKey on a missing group = %v", err)
	}
	s.CreateLogGroup(sc, "g", GroupOptions{})
	for _, key := range []string{"arn:aws:kms:us-east-1:111111111111:key/x", ""} {
		if err := s.SetKmsKey(sc, "g", key); err != nil {
			t.Fatal(err)
		}
		if g, _ := s.GetGroup(sc, "g"); g.KmsKeyID != key {
			t.Errorf("kmsKeyId = %q, want %q", g.KmsKeyID, key)
		}
	}
}
