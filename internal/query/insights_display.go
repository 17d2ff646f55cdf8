package query

// display chooses the fields the result shows; only the last display
// counts. Its items may compute values like those of fields:
//
//	display loggingMessage, loggingType = "ERROR" as isError
type displayCmd struct {
	pos
	items []item
}

func (p *parser) displayCmd() (command, error) {
	start := p.tok.start
	p.next()
	items, err := p.items(true)
	if err != nil {
		return nil, err
	}
	return &displayCmd{pos: pos{start, items[len(items)-1].end}, items: items}, nil
}

// column is one field of the result.
type column struct {
	name string
	slot int
}

// columnsFor decides what the result shows: the last display after the
// last stats; else the outputs of the last stats followed by the items of
// fields commands after it; else the items of every fields command; else
// @timestamp and @message.
func columnsFor(cmds []command, slot func(string) int) []column {
	lastStats := -1
	for i, c := range cmds {
		if _, ok := c.(*statsCmd); ok {
			lastStats = i
		}
	}
	var cols []column
	seen := map[string]bool{}
	add := func(name string) {
		if !seen[name] {
			seen[name] = true
			cols = append(cols, column{name, slot(name)})
		}
	}
	for i := len(cmds) - 1; i > lastStats; i-- {
		if d, ok := cmds[i].(*displayCmd); ok {
			for _, it := range d.items {
				add(it.name)
			}
			return cols
		}
	}
	if lastStats >= 0 {
		st := cmds[lastStats].(*statsCmd)
		for _, it := range st.by {
			add(it.name)
		}
		for _, it := range st.items {
			add(it.name)
		}
	}
	for _, c := range cmds[lastStats+1:] {
		if f, ok := c.(*fieldsCmd); ok {
			for _, it := range f.items {
				add(it.name)
			}
		}
	}
	if len(cols) == 0 {
		add("@timestamp")
		add("@message")
	}
	return cols
}
