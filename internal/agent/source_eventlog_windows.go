//go:build windows

package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	wevtapi                      = windows.NewLazySystemDLL("wevtapi.dll")
	procEvtSubscribe             = wevtapi.NewProc("EvtSubscribe")
	procEvtNext                  = wevtapi.NewProc("EvtNext")
	procEvtRender                = wevtapi.NewProc("EvtRender")
	procEvtClose                 = wevtapi.NewProc("EvtClose")
	procEvtCreateBookmark        = wevtapi.NewProc("EvtCreateBookmark")
	procEvtFormatMessage         = wevtapi.NewProc("EvtFormatMessage")
	procEvtOpenPublisherMetadata = wevtapi.NewProc("EvtOpenPublisherMetadata")
)

const (
	evtSubscribeToFutureEvents      = 1
	evtSubscribeStartAtOldestRecord = 2
	evtSubscribeStartAfterBookmark  = 3
	evtRenderEventXML               = 1
	evtFormatMessageXML             = 9
	errorNoMoreItems                = windows.Errno(259)
	errorInsufficientBuffer         = windows.Errno(122)
)

// eventLogSource subscribes to event log channels, one goroutine each,
// and resumes each after the record of its last acknowledged event.
type eventLogSource struct {
	cfg   *SourceConfig
	env   *sourceEnv
	stats *sourceStats
	log   *slog.Logger
	dest  sink
}

func newEventLogSource(cfg *SourceConfig, env *sourceEnv) (*eventLogSource, error) {
	if err := wevtapi.Load(); err != nil {
		return nil, fmt.Errorf("wevtapi.dll: %w", err)
	}
	return &eventLogSource{cfg: cfg, env: env, stats: env.stats, log: env.log, dest: env.destFor(cfg, nil)}, nil
}

func (s *eventLogSource) run(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, len(s.cfg.Channels))
	for i, ch := range s.cfg.Channels {
		wg.Go(func() { errs[i] = s.runChannel(ctx, ch) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func evtClose(h windows.Handle) {
	if h != 0 {
		procEvtClose.Call(uintptr(h))
	}
}

func (s *eventLogSource) runChannel(ctx context.Context, channel string) error {
	key := winCursorKey(s.cfg.Name, channel)
	org := &origin{source: s.cfg.Name, kind: originCursor, cursor: key}
	signal, err := windows.CreateEvent(nil, 1, 1, nil)
	if err != nil {
		return fmt.Errorf("event log %s: %w", channel, err)
	}
	defer windows.CloseHandle(signal)

	chPtr, _ := windows.UTF16PtrFromString(channel)
	qPtr, _ := windows.UTF16PtrFromString(winEventQuery(s.cfg.Levels))
	flags := uintptr(evtSubscribeStartAtOldestRecord)
	if s.cfg.InitialPosition == "end_of_file" {
		flags = evtSubscribeToFutureEvents
	}
	var bookmark windows.Handle
	if cur := s.env.state.cursor(key); cur != "" {
		rec, err := strconv.ParseUint(cur, 10, 64)
		if err == nil {
			bp, _ := windows.UTF16PtrFromString(winBookmark(channel, rec))
			r, _, _ := procEvtCreateBookmark.Call(uintptr(unsafe.Pointer(bp)))
			if bookmark = windows.Handle(r); bookmark != 0 {
				flags = evtSubscribeStartAfterBookmark
			}
		}
	}
	defer evtClose(bookmark)
	r, _, err := procEvtSubscribe.Call(0, uintptr(signal), uintptr(unsafe.Pointer(chPtr)), uintptr(unsafe.Pointer(qPtr)), uintptr(bookmark), 0, 0, flags)
	if r == 0 {
		return fmt.Errorf("subscribe to event log %s: %w", channel, err)
	}
	sub := windows.Handle(r)
	defer evtClose(sub)

	publishers := map[string]windows.Handle{}
	defer func() {
		for _, h := range publishers {
			evtClose(h)
		}
	}()
	handles := make([]windows.Handle, 64)
	for {
		if ctx.Err() != nil {
			return nil
		}
		windows.WaitForSingleObject(signal, 500)
		for {
			var n uint32
			r, _, err := procEvtNext.Call(uintptr(sub), uintptr(len(handles)), uintptr(unsafe.Pointer(&handles[0])), 0, 0, uintptr(unsafe.Pointer(&n)))
			if r == 0 {
				if errors.Is(err, errorNoMoreItems) {
					windows.ResetEvent(signal)
					break
				}
				return fmt.Errorf("event log %s: EvtNext: %w", channel, err)
			}
			var evs []event
			for _, h := range handles[:n] {
				x, err := s.render(h, publishers)
				evtClose(h)
				if err != nil {
					s.stats.errors.Add(1)
					continue
				}
				s.stats.lines.Add(1)
				s.stats.bytes.Add(int64(len(x)))
				e, err := winEventToEvent(x, s.cfg.Format, org, time.Now())
				if err != nil {
					s.stats.errors.Add(1)
					continue
				}
				evs = append(evs, e)
			}
			if err := s.dest.push(ctx, chunk{evs: evs, at: time.Now(), src: s.stats}); err != nil {
				return nil
			}
		}
	}
}

// render returns an event's XML with its message (RenderingInfo), or
// without it when the provider has none.
func (s *eventLogSource) render(h windows.Handle, publishers map[string]windows.Handle) (string, error) {
	x, err := evtRender(h)
	if err != nil {
		return "", err
	}
	e, err := parseWinEvent(x)
	if err != nil {
		return x, nil
	}
	name := e.System.Provider.Name
	pub, ok := publishers[name]
	if !ok {
		np, _ := windows.UTF16PtrFromString(name)
		r, _, _ := procEvtOpenPublisherMetadata.Call(0, uintptr(unsafe.Pointer(np)), 0, 0, 0)
		pub = windows.Handle(r)
		publishers[name] = pub
	}
	if pub == 0 {
		return x, nil
	}
	if fx, err := evtFormatXML(pub, h); err == nil {
		return fx, nil
	}
	return x, nil
}

func evtRender(h windows.Handle) (string, error) {
	var used, props uint32
	buf := make([]uint16, 4096)
	for range 2 {
		r, _, err := procEvtRender.Call(0, uintptr(h), evtRenderEventXML, uintptr(len(buf)*2), uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&used)), uintptr(unsafe.Pointer(&props)))
		if r != 0 {
			return windows.UTF16ToString(buf[:used/2]), nil
		}
		if !errors.Is(err, errorInsufficientBuffer) {
			return "", fmt.Errorf("EvtRender: %w", err)
		}
		buf = make([]uint16, used/2+1)
	}
	return "", errors.New("EvtRender: buffer keeps growing")
}

func evtFormatXML(pub, h windows.Handle) (string, error) {
	var used uint32
	buf := make([]uint16, 8192)
	for range 2 {
		r, _, err := procEvtFormatMessage.Call(uintptr(pub), uintptr(h), 0, 0, 0, evtFormatMessageXML, uintptr(len(buf)), uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&used)))
		if r != 0 {
			return windows.UTF16ToString(buf[:used]), nil
		}
		if !errors.Is(err, errorInsufficientBuffer) {
			return "", fmt.Errorf("EvtFormatMessage: %w", err)
		}
		buf = make([]uint16, used+1)
	}
	return "", errors.New("EvtFormatMessage: buffer keeps growing")
}
