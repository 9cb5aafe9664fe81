package api

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// The API reference at /api/docs is rendered on the server from the OpenAPI
// document: no script, no CDN, works offline.

type docOperation struct {
	ID, Method, Path, Summary, Tag string
	Public                         bool
	Params                         []docParam
	Request                        string // schema name or type
	RequestRef                     string
	Responses                      []docResponse
}

type docParam struct {
	Name, In, Type, Doc string
	Required            bool
}

type docResponse struct{ Status, Desc, Type, Ref string }

type docSchema struct {
	Name   string
	Desc   string
	Fields []docField
}

type docField struct {
	Name, Type, Ref, Doc string
	Required             bool
}

type docPage struct {
	Title, Version string
	Operations     []docOperation
	Schemas        []docSchema
}

var docTemplate = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}
code,.m{font-family:ui-monospace,monospace}.op{border-top:1px solid #ddd;padding:.5rem 0}
.m{display:inline-block;min-width:4.5rem;font-weight:bold}table{border-collapse:collapse;margin:.3rem 0}
td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}th{background:#f5f5f5}
</style></head><body>
<h1>{{.Title}} <small>{{.Version}}</small></h1>
<p>Authenticate with <code>POST /api/v1/auth/token</code> and send <code>Authorization: Bearer &lt;token&gt;</code>.
Errors are <code>{"error": {"code", "message", "field"?}}</code>. Lists answer <code>{"items", "total", "offset", "limit"}</code>.
Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a>.</p>
<h2>Operations</h2>
{{range .Operations}}<div class="op" id="op-{{.ID}}"><h3><span class="m">{{.Method}}</span> <code>{{.Path}}</code></h3>
<p>{{.Summary}}{{if .Public}} (no token needed){{end}}</p>
{{if .Params}}<table><tr><th>Parameter</th><th>In</th><th>Type</th><th>Required</th><th>Description</th></tr>
{{range .Params}}<tr><td><code>{{.Name}}</code></td><td>{{.In}}</td><td>{{.Type}}</td><td>{{if .Required}}yes{{end}}</td><td>{{.Doc}}</td></tr>
{{end}}</table>{{end}}
{{if .Request}}<p>Request body: {{if .RequestRef}}<a href="#schema-{{.RequestRef}}">{{.Request}}</a>{{else}}{{.Request}}{{end}}</p>{{end}}
<table><tr><th>Status</th><th>Body</th><th>Description</th></tr>
{{range .Responses}}<tr><td>{{.Status}}</td><td>{{if .Ref}}<a href="#schema-{{.Ref}}">{{.Type}}</a>{{else}}{{.Type}}{{end}}</td><td>{{.Desc}}</td></tr>
{{end}}</table></div>
{{end}}
<h2>Schemas</h2>
{{range .Schemas}}<div class="op" id="schema-{{.Name}}"><h3>{{.Name}}</h3>{{if .Desc}}<p>{{.Desc}}</p>{{end}}
{{if .Fields}}<table><tr><th>Field</th><th>Type</th><th>Required</th><th>Description</th></tr>
{{range .Fields}}<tr><td><code>{{.Name}}</code></td><td>{{if .Ref}}<a href="#schema-{{.Ref}}">{{.Type}}</a>{{else}}{{.Type}}{{end}}</td><td>{{if .Required}}yes{{end}}</td><td>{{.Doc}}</td></tr>
{{end}}</table>{{end}}</div>
{{end}}
</body></html>
`))

// renderDocs renders the reference page from the OpenAPI document.
func renderDocs(oa *huma.OpenAPI, public map[string]bool) ([]byte, error) {
	page := docPage{Title: oa.Info.Title, Version: oa.Info.Version}
	for path, item := range oa.Paths {
		for _, m := range []struct {
			method string
			op     *huma.Operation
		}{{"GET", item.Get}, {"POST", item.Post}, {"PUT", item.Put}, {"PATCH", item.Patch}, {"DELETE", item.Delete}} {
			if m.op != nil {
				page.Operations = append(page.Operations, docOp(m.method, path, m.op, public[m.method+" "+path]))
			}
		}
	}
	sort.Slice(page.Operations, func(i, j int) bool {
		a, b := page.Operations[i], page.Operations[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Method < b.Method
	})
	schemas := oa.Components.Schemas.Map()
	names := make([]string, 0, len(schemas))
	for n := range schemas {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		page.Schemas = append(page.Schemas, docSchemaOf(n, schemas[n]))
	}
	var buf bytes.Buffer
	if err := docTemplate.Execute(&buf, page); err != nil {
		return nil, fmt.Errorf("render api docs: %w", err)
	}
	return buf.Bytes(), nil
}

func docOp(method, path string, op *huma.Operation, public bool) docOperation {
	d := docOperation{ID: op.OperationID, Method: method, Path: path, Summary: op.Summary, Public: public}
	for _, p := range op.Parameters {
		typ, _ := typeOf(p.Schema)
		d.Params = append(d.Params, docParam{Name: p.Name, In: p.In, Type: typ, Doc: p.Description, Required: p.Required})
	}
	if op.RequestBody != nil {
		for ct, mt := range op.RequestBody.Content {
			d.Request, d.RequestRef = typeOf(mt.Schema)
			d.Request += " (" + ct + ")"
		}
	}
	codes := make([]string, 0, len(op.Responses))
	for c := range op.Responses {
		codes = append(codes, c)
	}
	slices.SortFunc(codes, func(a, b string) int { x, _ := strconv.Atoi(a); y, _ := strconv.Atoi(b); return x - y })
	for _, c := range codes {
		r := op.Responses[c]
		if len(r.Content) == 0 {
			d.Responses = append(d.Responses, docResponse{Status: c, Desc: r.Description, Type: "none"})
		}
		cts := make([]string, 0, len(r.Content))
		for ct := range r.Content {
			cts = append(cts, ct)
		}
		slices.Sort(cts)
		for _, ct := range cts {
			dr := docResponse{Status: c, Desc: r.Description}
			dr.Type, dr.Ref = typeOf(r.Content[ct].Schema)
			if len(cts) > 1 {
				dr.Type += " (" + ct + ")"
			}
			d.Responses = append(d.Responses, dr)
		}
	}
	return d
}

func docSchemaOf(name string, s *huma.Schema) docSchema {
	d := docSchema{Name: name, Desc: s.Description}
	props := make([]string, 0, len(s.Properties))
	for p := range s.Properties {
		props = append(props, p)
	}
	slices.Sort(props)
	for _, p := range props {
		ps := s.Properties[p]
		typ, ref := typeOf(ps)
		d.Fields = append(d.Fields, docField{Name: p, Type: typ, Ref: ref, Doc: ps.Description,
			Required: slices.Contains(s.Required, p)})
	}
	return d
}

// typeOf describes a schema briefly: a referenced schema's name (and the
// name to link to), or its type with format and bounds.
func typeOf(s *huma.Schema) (string, string) {
	if s == nil {
		return "any", ""
	}
	if s.Ref != "" {
		n := s.Ref[strings.LastIndex(s.Ref, "/")+1:]
		return n, n
	}
	switch s.Type {
	case "array":
		t, ref := typeOf(s.Items)
		return "array of " + t, ref
	case "":
		return "any", ""
	}
	t := s.Type
	if s.Format != "" {
		t += " (" + s.Format + ")"
	}
	if len(s.Enum) > 0 {
		t += fmt.Sprintf(" one of %v", s.Enum)
	}
	return t, ""
}

func (s *server) serveDocs(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	if _, err := w.Write(s.docHTML); err != nil {
		s.Logger.DebugContext(r.Context(), "api: write docs", "err", err)
	}
}
