package segment

// Folding numbers. Some numbers of a dictionary entry are the same in every
// event of the block that uses it: the "1.1" of "HTTP/1.1" in a request
// line, the version numbers of a user agent, the year of a date. The writer
// puts such a number back into the entry as literal digits (a writer's
// choice that the format allows: any digit run may stay literal) and drops
// it from the numbers section, which then holds only the numbers that vary.
// On the loadgen corpus that takes the numbers section from ~23 to ~13 bytes
// an event before compression, and decompressing it is most of the cost of
// a search that rebuilds candidates.

// folder holds the state of one block's folding; its slices are reused.
type folder struct {
	base      []uint32 // per entry (skeletons, then values), and one more: index of its first number marker in first and state
	parts     []uint32 // per skeleton part (skeletons in order, parts split at slots): its number markers
	partStart []uint32 // per skeleton, and one more: the index of its first part
	first     []uint64 // per number marker of an entry: the value first seen
	state     []uint8  // per number marker: unseen, constant or varies
	order     []uint32 // per number of the block: its marker's index in first and state
	nend      []uint32 // and the end of its varint in nums
	nums      []byte   // the numbers left
	buf       []byte   // rewritten dictionaries
	ends      []int32
}

const (
	numUnseen = iota
	numConstant
	numVaries
)

// fold folds the constant numbers of d's entries into them (rewriting
// d.skels, d.vals and their ends) and returns the numbers left of nums.
func (f *folder) fold(d *dictEncoder, nums []byte) []byte {
	f.base, f.parts, f.partStart = f.base[:0], f.parts[:0], f.partStart[:0]
	total := uint32(0)
	start := 0
	for _, end := range d.skelEnds {
		f.base = append(f.base, total)
		f.partStart = append(f.partStart, uint32(len(f.parts)))
		c := uint32(0)
		forMarkers(d.skels[start:end], func(_ int, m byte) {
			switch m {
			case tmSlot:
				f.parts = append(f.parts, c)
				total, c = total+c, 0
			case tmNumber, tmPadded:
				c++
			}
		})
		f.parts = append(f.parts, c)
		total += c
		start = int(end)
	}
	f.partStart = append(f.partStart, uint32(len(f.parts)))
	start = 0
	for _, end := range d.valEnds {
		f.base = append(f.base, total)
		forMarkers(d.vals[start:end], func(_ int, m byte) {
			if m == tmNumber || m == tmPadded {
				total++
			}
		})
		start = int(end)
	}
	f.base = append(f.base, total)
	if total == 0 {
		return nums
	}
	f.first = growClear(f.first, int(total))
	f.state = growClear(f.state, int(total))

	// Which numbers are constant: one walk records each number's marker
	// and the end of its varint.
	if !f.walk(d, nums) {
		return nums // cannot happen: appendTemplateKeys wrote both
	}
	any := false
	for _, s := range f.state {
		any = any || s == numConstant
	}
	if !any {
		return nums
	}

	// The numbers that vary, then the entries with the others as digits.
	out := f.nums[:0]
	from := uint32(0)
	for j, i := range f.order {
		end := f.nend[j]
		if f.state[i] != numConstant {
			out = append(out, nums[from:end]...)
		}
		from = end
	}
	f.nums = out
	d.skels, d.skelEnds = f.rewrite(d.skels, d.skelEnds, 0)
	d.vals, d.valEnds = f.rewrite(d.vals, d.valEnds, len(d.skelEnds))
	return out
}

// walk goes over the numbers of every event in the order of the numbers
// section, noting for each its entry's marker (f.order) and the end of its
// varint (f.nend), and updates f.first and f.state. It reports false when
// nums and the markers disagree.
func (f *folder) walk(d *dictEncoder, nums []byte) bool {
	ids := d.evIDs
	nsk := uint32(len(d.skelEnds))
	order, ends := f.order[:0], f.nend[:0]
	np := 0
	note := func(i uint32) bool {
		var v uint64
		if np < len(nums) && nums[np] < 0x80 {
			v = uint64(nums[np])
			np++
		} else {
			var k int
			if v, k = uvarint(nums, np); k <= 0 {
				return false
			}
			np += k
		}
		order, ends = append(order, i), append(ends, uint32(np))
		switch f.state[i] {
		case numUnseen:
			f.first[i], f.state[i] = v, numConstant
		case numConstant:
			if f.first[i] != v {
				f.state[i] = numVaries
			}
		}
		return true
	}
	for q := 0; q < len(ids); {
		s := ids[q]
		q++
		b := f.base[s]
		parts := f.parts[f.partStart[s]:f.partStart[s+1]]
		for j, c := range parts {
			for range c {
				if !note(b) {
					return false
				}
				b++
			}
			if j == len(parts)-1 {
				break
			}
			v := ids[q]
			q++
			for i := f.base[nsk+v]; i < f.base[nsk+v+1]; i++ {
				if !note(i) {
					return false
				}
			}
		}
	}
	f.order, f.nend = order, ends
	return np == len(nums)
}

// rewrite returns the entries of dict (ending at ends) with their constant
// numbers as digits; entry e of dict is entry first+e of f.
func (f *folder) rewrite(dict []byte, ends []int32, first int) ([]byte, []int32) {
	buf, newEnds := f.buf[:0], f.ends[:0]
	start := 0
	for e, end := range ends {
		i := f.base[first+e]
		t := dict[start:end]
		last := 0
		forMarkers(t, func(p int, m byte) {
			if m != tmNumber && m != tmPadded {
				return
			}
			if f.state[i] == numConstant {
				buf = append(buf, t[last:p]...)
				v := f.first[i]
				if m == tmPadded {
					for range int(t[p+1]) - padBase - decimalLen(v) {
						buf = append(buf, '0')
					}
					last = p + 2
				} else {
					last = p + 1
				}
				buf = appendDecimal(buf, v)
			}
			i++
		})
		buf = append(buf, t[last:]...)
		newEnds = append(newEnds, int32(len(buf)))
		start = int(end)
	}
	// Swap buffers: the old dictionary's memory is the next rewrite's.
	f.buf, f.ends = dict[:0], ends[:0]
	return buf, newEnds
}

// forMarkers calls fn with the offset and byte of every marker of the
// template entry t (which the writer made: well formed).
func forMarkers(t []byte, fn func(p int, m byte)) {
	for p := literalEnd(t, 0); p < len(t); p = literalEnd(t, p) {
		m := t[p]
		fn(p, m)
		if m == tmHex || m == tmEscape || m == tmPadded {
			p += 2
		} else {
			p++
		}
	}
}

func growClear[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}
