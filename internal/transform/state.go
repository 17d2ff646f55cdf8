package transform

import "strings"

// messageKey names the original log event in a processor's source.
const messageKey = "@message"

// state is one log event going through the processors: the original
// message and the object the processors build. Keys are dot paths
// ("store.book"); "@message" (or "") is the original message.
type state struct {
	message string
	root    *object
}

func newState(message string) *state { return &state{message: message, root: newObject()} }

func (st *state) get(path string) (any, bool) {
	if path == "" || path == messageKey {
		return st.message, true
	}
	cur := st.root
	parts := strings.Split(path, ".")
	for i, p := range parts {
		v, ok := cur.vals[p]
		if !ok {
			return nil, false
		}
		if i == len(parts)-1 {
			return v, true
		}
		if cur, ok = v.(*object); !ok {
			return nil, false
		}
	}
	return nil, false
}

// source returns the string at path.
func (st *state) source(path string) (string, bool) {
	v, ok := st.get(path)
	if !ok {
		return "", false
	}
	s, ok := v.(string)
	return s, ok
}

// set stores v at a dot path, creating parent objects; with overwrite
// false an existing value is kept. It reports whether it stored v.
func (st *state) set(path string, v any, overwrite bool) bool {
	cur := st.root
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := cur.vals[p].(*object)
		if !ok {
			if _, exists := cur.vals[p]; exists && !overwrite {
				return false
			}
			next = newObject()
			cur.set(p, next)
		}
		cur = next
	}
	last := parts[len(parts)-1]
	if _, exists := cur.vals[last]; exists && !overwrite {
		return false
	}
	cur.set(last, v)
	return true
}

func (st *state) del(path string) {
	parts := strings.Split(path, ".")
	cur := st.root
	for _, p := range parts[:len(parts)-1] {
		next, ok := cur.vals[p].(*object)
		if !ok {
			return
		}
		cur = next
	}
	cur.del(parts[len(parts)-1])
}

// merge puts the keys of obj at dest (the root if dest is "").
func (st *state) merge(dest string, obj *object, overwrite bool) {
	if dest != "" {
		st.set(dest, obj, true)
		return
	}
	for _, k := range obj.keys {
		if _, exists := st.root.vals[k]; exists && !overwrite {
			continue
		}
		st.root.set(k, obj.vals[k])
	}
}
