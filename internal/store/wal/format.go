package wal

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"
)

// Format version 1, specified in docs/format/wal.md. Change the two together.
const (
	formatVersion = 1

	// fileHeaderSize is the size of the header at the start of every file:
	// magic (4), version (1), reserved (3), file index (8).
	fileHeaderSize = 16

	// recordHeaderSize is the size of the header before every record:
	// payload length (4), CRC-32C (4).
	recordHeaderSize = 8

	fileSuffix = ".wal"
	tmpSuffix  = ".wal.tmp"
)

// MaxRecordSize is the largest record Append accepts, in bytes. Replay treats
// a header that declares a longer record as corruption.
const MaxRecordSize = 16 << 20

var fileMagic = [4]byte{'L', 'P', 'W', 'L'}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// fileName returns the base name of the file with the given index,
// zero-padded to at least eight digits: 00000001.wal.
func fileName(idx uint64) string {
	return fmt.Sprintf("%08d%s", idx, fileSuffix)
}

// parseFileName returns the index of a base name produced by fileName. Names
// that fileName could not have produced (other suffixes, signs, missing or
// extra zero padding) are rejected so that every file has exactly one name.
func parseFileName(name string) (uint64, bool) {
	digits, ok := strings.CutSuffix(name, fileSuffix)
	if !ok || len(digits) < 8 {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	idx, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || fileName(idx) != name {
		return 0, false
	}
	return idx, true
}

// appendFileHeader appends the header of file idx to b.
func appendFileHeader(b []byte, idx uint64) []byte {
	b = append(b, fileMagic[:]...)
	b = append(b, formatVersion, 0, 0, 0)
	return binary.LittleEndian.AppendUint64(b, idx)
}

// checkFileHeader reports why h is not the header of file idx, or "" if it is.
func checkFileHeader(h []byte, idx uint64) string {
	switch {
	case len(h) < fileHeaderSize:
		return "short file header"
	case [4]byte(h[0:4]) != fileMagic:
		return "bad magic"
	case h[4] != formatVersion:
		return fmt.Sprintf("unknown format version %d", h[4])
	case h[5] != 0 || h[6] != 0 || h[7] != 0:
		return "reserved header bytes not zero"
	case binary.LittleEndian.Uint64(h[8:16]) != idx:
		return fmt.Sprintf("header names file index %d", binary.LittleEndian.Uint64(h[8:16]))
	}
	return ""
}

// recordHeader returns the header that frames rec. The CRC covers the four
// length bytes followed by the payload, so a damaged length is detected even
// when it happens to point at another plausible record boundary.
func recordHeader(rec []byte) [recordHeaderSize]byte {
	var h [recordHeaderSize]byte
	binary.LittleEndian.PutUint32(h[0:4], uint32(len(rec)))
	binary.LittleEndian.PutUint32(h[4:8], recordCRC(uint32(len(rec)), rec))
	return h
}

// recordCRC returns the CRC-32C of the little-endian bytes of n followed by
// rec. The four length bytes go through the table by hand: handing a slice
// of a local array to crc32.Update would move the array to the heap on
// every record.
func recordCRC(n uint32, rec []byte) uint32 {
	crc := ^uint32(0)
	for range 4 {
		crc = castagnoli[byte(crc)^byte(n)] ^ crc>>8
		n >>= 8
	}
	return crc32.Update(^crc, castagnoli, rec)
}
