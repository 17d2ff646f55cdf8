package wal

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"
)

// FuzzReplay feeds arbitrary bytes to Replay as file 00000001.wal, either as
// the last file (torn-tail repair) or followed by a valid file 2 (corruption
// in an older file). Replay must not panic or fail, must return exactly the
// valid frames at the start of the file, as checked by an independent
// parser, must account for every byte, must repair the file so that the next
// Replay reports no damage, and must leave an older file untouched.
func FuzzReplay(f *testing.F) {
	recs := [][]byte{makeRecord(1, 40), {}, []byte("x"), makeRecord(2, 300), makeRecord(3, 20)}
	_, files, _ := buildLog(f, recs)
	valid := files[0]
	for _, older := range []bool{false, true} {
		f.Add(valid, older)
		f.Add(valid[:len(valid)-5], older)
		f.Add(valid[:fileHeaderSize+3], older)
		f.Add(valid[:fileHeaderSize], older)
		f.Add(flip(valid, fileHeaderSize+recordHeaderSize+40+2), older)
		f.Add(setByte(valid, fileHeaderSize+2, 0xff), older)
		f.Add([]byte{}, older)
		f.Add([]byte("LPWL\x01\x00\x00\x00garbage!"), older)
	}
	r2 := makeRecord(22, 50)
	file2 := append(appendFileHeader(nil, 2), frame(r2)...)

	f.Fuzz(func(t *testing.T, data []byte, older bool) {
		fs := withFiles(data)
		if older {
			fs = withFiles(data, file2)
		}
		l, got, st := reopen(t, fs, "/wal", Options{})

		// The independent parser: the valid frames at the start of data.
		var want [][]byte
		headerOK := len(data) >= 16 && bytes.Equal(data[:8], []byte("LPWL\x01\x00\x00\x00")) &&
			binary.LittleEndian.Uint64(data[8:16]) == 1
		end := 0 // where the valid frames end
		if headerOK {
			end = 16
			for len(data)-end >= 8 {
				n := int(binary.LittleEndian.Uint32(data[end:]))
				if n > MaxRecordSize || n > len(data)-end-8 {
					break
				}
				crc := crc32.Checksum(data[end:end+4], crc32.MakeTable(crc32.Castagnoli))
				crc = crc32.Update(crc, crc32.MakeTable(crc32.Castagnoli), data[end+8:end+8+n])
				if crc != binary.LittleEndian.Uint32(data[end+4:]) {
					break
				}
				want = append(want, data[end+8:end+8+n])
				end += 8 + n
			}
		}
		if older {
			want = append(want, r2)
		}
		equalRecords(t, got, want)

		damaged := !headerOK || end < len(data)
		wantSt := ReplayStats{Records: len(want), Bytes: sumLen(want), Files: 1, SkippedBytes: int64(len(data) - end)}
		switch {
		case older:
			wantSt.Files = 2
			if damaged {
				wantSt.CorruptRecords = 1
			}
		case !headerOK:
			wantSt.CorruptRecords = 1
		case damaged:
			wantSt.TornTails = 1
		}
		if st != wantSt {
			t.Fatalf("stats %+v, want %+v", st, wantSt)
		}
		after := fs.file("/wal/00000001.wal")
		if older || !headerOK {
			if !bytes.Equal(after, data) {
				t.Fatalf("a file that is not repaired was modified")
			}
		} else if !bytes.Equal(after, data[:end]) {
			t.Fatalf("after repair the file is %d bytes, want the %d bytes of valid frames", len(after), end)
		}

		// Append, reopen: the same records, then the new one, and only the
		// damage that is never repaired is reported again.
		extra := makeRecord(99, 30)
		mustAppend(t, l, extra)
		mustClose(t, l)
		l, got, st = reopen(t, fs, "/wal", Options{})
		defer mustClose(t, l)
		equalRecords(t, got, append(want[:len(want):len(want)], extra))
		wantCorrupt := 0
		if older && damaged || !headerOK {
			wantCorrupt = 1
		}
		if st.TornTails != 0 || st.CorruptRecords != wantCorrupt {
			t.Fatalf("second replay: stats %+v, want no torn tail and %d corrupt", st, wantCorrupt)
		}
	})
}
