package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestStateCommit(t *testing.T) {
	dir := t.TempDir()
	st, err := openState(dir)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 20 {
				u := update{kind: updFile, source: "src", file: fileEntry{ID: uint64(w + 1), Offset: int64(i), Dev: 1, Ino: uint64(w)}}
				if err := st.commit(context.Background(), u, update{kind: updCursor, source: fmt.Sprintf("j%d", w), cursor: fmt.Sprint(i)}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	st.commit(context.Background(), update{kind: updSpool, spool: "x", pos: spoolPos{Seg: 3, Off: 9}}, update{kind: updSource, source: "empty"})
	st.commit(context.Background(), update{kind: updForget, source: "src", file: fileEntry{ID: 8}})
	writes := st.writes
	st.Close()
	if writes >= 8*20 {
		t.Logf("no group commit happened (%d writes for %d commits)", writes, 8*20)
	}
	if err := st.commit(context.Background(), update{kind: updCursor, source: "late"}); !errors.Is(err, errStateClosed) {
		t.Errorf("commit after Close: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "checkpoints.json.tmp")); !os.IsNotExist(err) {
		t.Errorf("temporary file left: %v", err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "checkpoints.json"))
	var sf stateFile
	if err := json.Unmarshal(b, &sf); err != nil || sf.Version != stateVersion {
		t.Fatalf("checkpoints.json: %v\n%s", err, b)
	}

	st, err = openState(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	es, started := st.files("src")
	if !started || len(es) != 7 {
		t.Fatalf("files after reopen: %d, started %v", len(es), started)
	}
	for _, e := range es {
		if e.Offset != 19 {
			t.Errorf("file %d at %d, want 19", e.ID, e.Offset)
		}
	}
	if _, started := st.files("empty"); !started {
		t.Error("source marked started is not")
	}
	if st.cursor("j3") != "19" || st.spoolPos("x") != (spoolPos{Seg: 3, Off: 9}) {
		t.Errorf("cursor %q, spool %+v", st.cursor("j3"), st.spoolPos("x"))
	}
	if err := os.WriteFile(filepath.Join(dir, "checkpoints.json"), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := openState(dir); err == nil {
		t.Error("damaged checkpoints.json accepted")
	}
}
