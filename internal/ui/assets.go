package ui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

// dist is the built app (web/ builds into it; the files are committed so
// that the server builds without Node).
//
//go:embed dist
var dist embed.FS

// asset is one file of the app, kept in memory with its gzip form.
type asset struct {
	body, gz  []byte // gz is nil when compression does not pay
	ctype     string
	etag      string
	immutable bool // content-hashed name: cacheable for ever
}

type assets struct {
	files map[string]*asset // by path below dist/
	index *asset
}

// notBuilt is served when dist/ has no index.html.
const notBuilt = `<!doctype html><meta charset="utf-8"><title>logpond</title>
<p>The web UI was not built into this binary. Build it with <code>web/run-tests.sh</code> (or <code>npm ci &amp;&amp; npm run build</code> in <code>web/</code>) and rebuild logpond.</p>`

func loadAssets() (*assets, error) {
	a := &assets{files: map[string]*asset{}}
	err := fs.WalkDir(dist, "dist", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := dist.ReadFile(p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, "dist/")
		a.files[rel] = newAsset(rel, b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ui: load embedded app: %w", err)
	}
	a.index = a.files["index.html"]
	if a.index == nil {
		a.index = newAsset("index.html", []byte(notBuilt))
	}
	a.index.immutable = false
	return a, nil
}

func newAsset(name string, b []byte) *asset {
	sum := sha256.Sum256(b)
	ext := path.Ext(name)
	ctype := mime.TypeByExtension(ext)
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	a := &asset{body: b, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, immutable: strings.HasPrefix(name, "assets/")}
	switch ext {
	case ".html", ".js", ".mjs", ".css", ".svg", ".json", ".txt", ".webmanifest", ".map":
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(b)
		zw.Close()
		if buf.Len() < len(b)*9/10 {
			a.gz = buf.Bytes()
		}
	}
	return a
}

// serve answers GET /ui/...: a file of the app, or index.html for the
// app's own routes, so that any shared link opens the app.
func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	rel := strings.TrimPrefix(r.URL.Path, "/ui/")
	f := a.files[rel]
	switch {
	case f != nil && rel != "index.html":
	case rel == "" || rel == "index.html" || !strings.Contains(path.Base(rel), "."):
		f = a.index
	default:
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("ETag", f.etag)
	h.Set("Vary", "Accept-Encoding")
	if f.immutable {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if r.Header.Get("If-None-Match") == f.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.body
	if f.gz != nil && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = f.gz
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
