package query

// fields names the fields to show and computes new ones:
//
//	fields @timestamp, @message, abs(f3 - f4) as diff, concat(a, "-", b)
//
// An item with as, or one that is an expression rather than a field name,
// sets a field that later commands can use (named by the alias, or by the
// expression as written). Unless a display command says otherwise, the
// result shows the items of every fields command, in order.
type fieldsCmd struct {
	pos
	items []item
}

func (p *parser) fieldsCmd() (command, error) {
	start := p.tok.start
	p.next()
	items, err := p.items(true)
	if err != nil {
		return nil, err
	}
	return &fieldsCmd{pos: pos{start, items[len(items)-1].end}, items: items}, nil
}

// assignment is one computed item of fields or display.
type assignment struct {
	slot int
	e    node
}

// assignStage evaluates the computed items of fields or display on each
// row, in order, so that an item may use the ones before it.
type assignStage struct {
	assigns []assignment
	next    stage
}

func (s *assignStage) push(r *row) error {
	for _, a := range s.assigns {
		r.set(a.slot, a.e.eval(r))
	}
	return s.next.push(r)
}

func (s *assignStage) finish() error { return s.next.finish() }

// assignSpec builds assignStages.
type assignSpec struct{ assigns []assignment }

func (a *assignSpec) newStage(_ *runEnv, _ *RunOptions, next stage) stage {
	if len(a.assigns) == 0 {
		return next
	}
	return &assignStage{assigns: a.assigns, next: next}
}
