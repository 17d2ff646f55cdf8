package transform

import "encoding/json"

// The JSON mutators: addKeys, deleteKeys, renameKeys, copyValue, moveKeys
// and listToMap. Values copied to another key are deep copies.

type keyEntry struct {
	Key               string `json:"key"`
	Value             string `json:"value"`
	RenameTo          string `json:"renameTo"`
	Source            string `json:"source"`
	Target            string `json:"target"`
	OverwriteIfExists bool   `json:"overwriteIfExists"`
}

type entriesConfig struct {
	Entries  []keyEntry `json:"entries"`
	WithKeys []string   `json:"withKeys"`
}

// buildEntries builds a processor of entries or withKeys that runs fn on
// each event; such processors never parse.
func buildEntries(name string, fn func(st *state, cfg entriesConfig)) func(json.RawMessage) (stepFunc, error) {
	return builder(name, func(cfg entriesConfig) (stepFunc, error) {
		return func(st *state) bool {
			fn(st, cfg)
			return false
		}, nil
	})
}

var buildAddKeys = buildEntries("addKeys", func(st *state, cfg entriesConfig) {
	for _, e := range cfg.Entries {
		st.set(e.Key, e.Value, e.OverwriteIfExists)
	}
})

var buildDeleteKeys = buildEntries("deleteKeys", func(st *state, cfg entriesConfig) {
	for _, k := range cfg.WithKeys {
		st.del(k)
	}
})

var buildRenameKeys = buildEntries("renameKeys", func(st *state, cfg entriesConfig) {
	for _, e := range cfg.Entries {
		if v, ok := st.get(e.Key); ok && st.set(e.RenameTo, clone(v), e.OverwriteIfExists) {
			st.del(e.Key)
		}
	}
})

var buildCopyValue = buildEntries("copyValue", func(st *state, cfg entriesConfig) {
	for _, e := range cfg.Entries {
		if v, ok := st.get(e.Source); ok {
			st.set(e.Target, clone(v), e.OverwriteIfExists)
		}
	}
})

var buildMoveKeys = buildEntries("moveKeys", func(st *state, cfg entriesConfig) {
	for _, e := range cfg.Entries {
		if v, ok := st.get(e.Source); ok && st.set(e.Target, clone(v), e.OverwriteIfExists) {
			st.del(e.Source)
		}
	}
})

type listToMapConfig struct {
	Source           string `json:"source"`
	Key              string `json:"key"`
	ValueKey         string `json:"valueKey"`
	Target           string `json:"target"`
	Flatten          bool   `json:"flatten"`
	FlattenedElement string `json:"flattenedElement"`
}

var buildListToMap = builder("listToMap", func(cfg listToMapConfig) (stepFunc, error) {
	return func(st *state) bool {
		v, _ := st.get(cfg.Source)
		list, ok := v.([]any)
		if !ok {
			return false
		}
		out := newObject()
		for _, item := range list {
			obj, ok := item.(*object)
			if !ok {
				continue
			}
			k, ok := obj.vals[cfg.Key].(string)
			if !ok {
				continue
			}
			var val any = obj
			if cfg.ValueKey != "" {
				val = obj.vals[cfg.ValueKey]
			}
			val = clone(val)
			if cfg.Flatten {
				if _, seen := out.vals[k]; seen && cfg.FlattenedElement == "first" {
					continue
				}
				out.set(k, val)
				continue
			}
			cur, _ := out.vals[k].([]any)
			out.set(k, append(cur, val))
		}
		st.merge(cfg.Target, out, true)
		return false
	}, nil
})
