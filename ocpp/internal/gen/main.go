// Command gen writes the Go message types of an OCPP 2.x version from the
// OCA's JSON schemas (one XRequest.json and XResponse.json per action): one
// file per action with its request, its response and the definitions only
// it uses, types.go with the definitions several actions share, and
// registry.go with the action registry.
//
//	go run ./ocpp/internal/gen -schemas ../shared/ocpp-schemas/2.0.1 -version 2.0.1 -pkg v201 -out ocpp/v201
//	go run ./ocpp/internal/gen -schemas ../shared/ocpp-schemas/2.1 -version 2.1 -pkg v21 -out ocpp/v21 \
//	    -base ../shared/ocpp-schemas/2.0.1 -baseimport github.com/volt-ev/volt/ocpp/v201
//
// With -base, a type whose generated declaration is the same in both
// versions (and whose field types are too) becomes an alias of the base
// package's type, so 2.0.1 code handles those 2.1 messages unchanged.
//
// Mapping (see ocpp.Decode for the tags): a definition FooType becomes
// type Foo; required members are values, optional numbers, booleans,
// date-times and objects pointers, optional strings and lists omitempty;
// maxLength → max, minItems/maxItems → minitems/maxitems, minimum/maximum
// → minimum/maximum; a member with no type (anyType) is json.RawMessage.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

func main() {
	schemas := flag.String("schemas", "", "folder of the version's JSON schemas")
	version := flag.String("version", "", "OCPP version as written in docs (2.0.1, 2.1)")
	pkg := flag.String("pkg", "", "Go package name")
	out := flag.String("out", "", "output folder")
	base := flag.String("base", "", "folder of the base version's schemas (aliases)")
	baseImport := flag.String("baseimport", "", "import path of the base version's package")
	flag.Parse()
	g, err := load(*schemas, *version, *pkg)
	if err != nil {
		log.Fatal(err)
	}
	if *base != "" {
		bg, err := load(*base, "", "")
		if err != nil {
			log.Fatal(err)
		}
		g.alias(bg, *baseImport)
	}
	if err := g.write(*out); err != nil {
		log.Fatal(err)
	}
}

// node is a JSON value that keeps the order of object members.
type node struct {
	keys []string
	obj  map[string]*node
	arr  []*node
	val  any // string, json.Number, bool, nil
	kind byte
}

func parse(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			n := &node{kind: 'o', obj: map[string]*node{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k := kt.(string)
				v, err := parse(dec)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k)
				n.obj[k] = v
			}
			_, err := dec.Token()
			return n, err
		}
		n := &node{kind: 'a'}
		for dec.More() {
			v, err := parse(dec)
			if err != nil {
				return nil, err
			}
			n.arr = append(n.arr, v)
		}
		_, err := dec.Token()
		return n, err
	default:
		return &node{kind: 'v', val: t}, nil
	}
}

func (n *node) get(k string) *node {
	if n == nil || n.obj == nil {
		return nil
	}
	return n.obj[k]
}

func (n *node) str(k string) string {
	if c := n.get(k); c != nil {
		if s, ok := c.val.(string); ok {
			return s
		}
	}
	return ""
}

func (n *node) num(k string) (string, bool) {
	if c := n.get(k); c != nil {
		if s, ok := c.val.(json.Number); ok {
			return s.String(), true
		}
	}
	return "", false
}

type action struct {
	name      string
	req, resp *node
}

type gen struct {
	version, pkg string
	actions      []action
	defs         map[string]*node    // definition name → schema
	users        map[string][]string // definition name → actions using it
	decls        map[string]string   // Go type name → declaration source
	deps         map[string][]string // Go type name → Go type names it uses
	order        []string            // Go type names in generation order
	file         map[string]string   // Go type name → file (action or "types")
	aliases      map[string]bool     // Go type name → alias of base
	baseImport   string
	enumConsts   map[string][]string // enum type → const names
}

func load(dir, version, pkg string) (*gen, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*Request.json"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no schemas in %s", dir)
	}
	g := &gen{version: version, pkg: pkg, defs: map[string]*node{}, users: map[string][]string{},
		decls: map[string]string{}, deps: map[string][]string{}, file: map[string]string{}, enumConsts: map[string][]string{}}
	sort.Strings(files)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), "Request.json")
		req, err := readSchema(f)
		if err != nil {
			return nil, err
		}
		resp, err := readSchema(filepath.Join(dir, name+"Response.json"))
		if err != nil {
			return nil, err
		}
		g.actions = append(g.actions, action{name: name, req: req, resp: resp})
		for _, s := range []*node{req, resp} {
			defs := s.get("definitions")
			if defs == nil {
				continue
			}
			for _, dn := range defs.keys {
				d := defs.obj[dn]
				if prev, ok := g.defs[dn]; ok && canon(prev) != canon(d) {
					return nil, fmt.Errorf("definition %s differs between actions (%s)", dn, name)
				}
				g.defs[dn] = d
				if !contains(g.users[dn], name) {
					g.users[dn] = append(g.users[dn], name)
				}
			}
		}
	}
	for _, a := range g.actions {
		if err := g.payload(a.name, a.name+"Request", a.req); err != nil {
			return nil, err
		}
		if err := g.payload(a.name, a.name+"Response", a.resp); err != nil {
			return nil, err
		}
	}
	for _, dn := range sortedKeys(g.defs) {
		if err := g.definition(dn); err != nil {
			return nil, err
		}
	}
	return g, nil
}

func readSchema(path string) (*node, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n, err := parse(dec)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return n, nil
}

// canon is a definition's schema without its descriptions, for comparison.
func canon(n *node) string {
	var b strings.Builder
	var walk func(*node)
	walk = func(n *node) {
		switch n.kind {
		case 'o':
			b.WriteByte('{')
			for _, k := range n.keys {
				if k == "description" || k == "javaType" || k == "comment" || k == "$id" {
					continue
				}
				b.WriteString(strconv.Quote(k) + ":")
				walk(n.obj[k])
			}
			b.WriteByte('}')
		case 'a':
			b.WriteByte('[')
			for _, c := range n.arr {
				walk(c)
				b.WriteByte(',')
			}
			b.WriteByte(']')
		default:
			fmt.Fprintf(&b, "%v", n.val)
		}
	}
	walk(n)
	return b.String()
}

// goName spells a schema name as a Go identifier with the Id and Url
// initialisms: evseId → EvseID, idToken → IDToken.
func goName(s string) string {
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	s = string(r)
	for _, ini := range []string{"Id", "Url"} {
		var b strings.Builder
		for i := 0; i < len(s); {
			if strings.HasPrefix(s[i:], ini) && (i+len(ini) == len(s) || unicode.IsUpper(rune(s[i+len(ini)])) || unicode.IsDigit(rune(s[i+len(ini)]))) {
				b.WriteString(strings.ToUpper(ini))
				i += len(ini)
				continue
			}
			b.WriteByte(s[i])
			i++
		}
		s = b.String()
	}
	return s
}

func typeName(def string) string { return goName(strings.TrimSuffix(def, "Type")) }

func (g *gen) payload(act, name string, s *node) error {
	src, deps, err := g.structDecl(name, s, fmt.Sprintf("// %s is the payload of the %s %s (OCPP %s JSON schema %s).\n",
		name, act, map[bool]string{true: "CALL", false: "CALLRESULT"}[strings.HasSuffix(name, "Request")], g.version, name))
	if err != nil {
		return err
	}
	g.add(name, src, deps, act)
	return nil
}

func (g *gen) add(name, src string, deps []string, file string) {
	g.decls[name] = src
	g.deps[name] = deps
	g.order = append(g.order, name)
	g.file[name] = file
}

func (g *gen) definition(dn string) error {
	d := g.defs[dn]
	name := typeName(dn)
	file := "types"
	if len(g.users[dn]) == 1 {
		file = g.users[dn][0]
	}
	if _, dup := g.decls[name]; dup {
		return fmt.Errorf("type name %s taken twice", name)
	}
	if e := d.get("enum"); e != nil {
		src, consts := g.enumDecl(name, dn, e)
		g.enumConsts[name] = consts
		g.add(name, src, nil, file)
		return nil
	}
	src, deps, err := g.structDecl(name, d, fmt.Sprintf("// %s is the %s class of OCPP %s (JSON schema definition %s).\n", name, name, g.version, dn))
	if err != nil {
		return err
	}
	g.add(name, src, deps, file)
	return nil
}

func (g *gen) enumDecl(name, dn string, e *node) (string, []string) {
	var b strings.Builder
	fmt.Fprintf(&b, "// %s is an enumeration of OCPP %s (JSON schema definition %s).\ntype %s string\n\n", name, g.version, dn, name)
	fmt.Fprintf(&b, "// %s values.\nconst (\n", name)
	var vals, consts []string
	seen := map[string]bool{}
	for _, v := range e.arr {
		s := v.val.(string)
		cn := name + constSuffix(s)
		for seen[cn] {
			cn += "_"
		}
		seen[cn] = true
		consts = append(consts, cn)
		vals = append(vals, strconv.Quote(s))
		fmt.Fprintf(&b, "\t%s %s = %q\n", cn, name, s)
	}
	b.WriteString(")\n\n")
	fmt.Fprintf(&b, "// EnumValues implements ocpp.Enum.\nfunc (%s) EnumValues() []string {\n\treturn []string{%s}\n}\n", name, strings.Join(vals, ", "))
	return b.String(), consts
}

func constSuffix(v string) string {
	var b strings.Builder
	up := true
	for _, r := range v {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (g *gen) structDecl(name string, s *node, doc string) (string, []string, error) {
	var b strings.Builder
	b.WriteString(doc)
	fmt.Fprintf(&b, "type %s struct {\n", name)
	req := map[string]bool{}
	if r := s.get("required"); r != nil {
		for _, x := range r.arr {
			req[x.val.(string)] = true
		}
	}
	var deps []string
	props := s.get("properties")
	var keys []string
	if props != nil {
		keys = props.keys
	}
	for _, k := range keys {
		p := props.obj[k]
		typ, tags, dep, err := g.fieldType(p, req[k])
		if err != nil {
			return "", nil, fmt.Errorf("%s.%s: %w", name, k, err)
		}
		if dep != "" && !contains(deps, dep) {
			deps = append(deps, dep)
		}
		jt := k
		if !req[k] {
			jt += ",omitempty"
		}
		if req[k] {
			tags = append([]string{"required"}, tags...)
		}
		tag := fmt.Sprintf("`json:%q", jt)
		if len(tags) > 0 {
			tag += fmt.Sprintf(" ocpp:%q", strings.Join(tags, ","))
		}
		tag += "`"
		fmt.Fprintf(&b, "\t%s %s %s\n", goName(k), typ, tag)
	}
	b.WriteString("}\n")
	return b.String(), deps, nil
}

// fieldType returns the Go type of a member, its ocpp tags (without
// required) and the named type it uses.
func (g *gen) fieldType(p *node, required bool) (typ string, tags []string, dep string, err error) {
	t := p.str("type")
	if ref := p.str("$ref"); ref != "" {
		dn := strings.TrimPrefix(ref, "#/definitions/")
		d := g.defs[dn]
		if d == nil {
			return "", nil, "", fmt.Errorf("unknown $ref %s", ref)
		}
		name := typeName(dn)
		if d.get("enum") != nil || required {
			return name, nil, name, nil
		}
		return "*" + name, nil, name, nil
	}
	numTags := func(n *node) []string {
		var ts []string
		if v, ok := n.num("minimum"); ok {
			ts = append(ts, "minimum="+v)
		}
		if v, ok := n.num("maximum"); ok {
			ts = append(ts, "maximum="+v)
		}
		return ts
	}
	opt := func(s string) string {
		if required {
			return s
		}
		return "*" + s
	}
	switch t {
	case "":
		return "json.RawMessage", nil, "", nil
	case "string":
		if p.str("format") == "date-time" {
			return opt("ocpp.DateTime"), nil, "", nil
		}
		if v, ok := p.num("maxLength"); ok {
			tags = append(tags, "max="+v)
		}
		return "string", tags, "", nil
	case "integer":
		return opt("int"), numTags(p), "", nil
	case "number":
		return opt("float64"), numTags(p), "", nil
	case "boolean":
		return opt("bool"), nil, "", nil
	case "array":
		items := p.get("items")
		et, etags, edep, err := g.fieldType(items, true)
		if err != nil {
			return "", nil, "", err
		}
		if v, ok := p.num("minItems"); ok {
			tags = append(tags, "minitems="+v)
		}
		if v, ok := p.num("maxItems"); ok {
			tags = append(tags, "maxitems="+v)
		}
		return "[]" + et, append(tags, etags...), edep, nil
	}
	return "", nil, "", fmt.Errorf("unsupported type %q", t)
}

// alias marks the types whose declaration is the same in base, with every
// type they use aliased too, as aliases of base's types.
func (g *gen) alias(base *gen, imp string) {
	g.baseImport = imp
	g.aliases = map[string]bool{}
	norm := func(src string) string { // the doc comment names the version; member order does not count
		if i := strings.Index(src, "\ntype "); i >= 0 {
			src = src[i:]
		}
		lines := strings.Split(src, "\n")
		sort.Strings(lines)
		return strings.Join(lines, "\n")
	}
	for name, src := range g.decls {
		if bs, ok := base.decls[name]; ok && norm(bs) == norm(src) {
			g.aliases[name] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for name := range g.aliases {
			for _, d := range g.deps[name] {
				if !g.aliases[d] {
					delete(g.aliases, name)
					changed = true
					break
				}
			}
		}
	}
}

func (g *gen) write(out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	byFile := map[string][]string{}
	for _, name := range g.order {
		byFile[g.file[name]] = append(byFile[g.file[name]], name)
	}
	for file, names := range byFile {
		var b strings.Builder
		fmt.Fprintf(&b, "// Code generated by ocpp/internal/gen from the OCPP %s JSON schemas. DO NOT EDIT.\n\npackage %s\n\n", g.version, g.pkg)
		body := &strings.Builder{}
		for _, name := range names {
			if g.aliases[name] {
				fmt.Fprintf(body, "// %s is the OCPP 2.0.1 type, unchanged in %s.\ntype %s = base.%s\n\n", name, g.version, name, name)
				if cs := g.enumConsts[name]; len(cs) > 0 {
					fmt.Fprintf(body, "// %s values.\nconst (\n", name)
					for _, c := range cs {
						fmt.Fprintf(body, "\t%s = base.%s\n", c, c)
					}
					body.WriteString(")\n\n")
				}
				continue
			}
			body.WriteString(g.decls[name])
			body.WriteString("\n")
		}
		src := body.String()
		var imports []string
		if strings.Contains(src, "json.RawMessage") {
			imports = append(imports, `"encoding/json"`)
		}
		if strings.Contains(src, "ocpp.DateTime") {
			imports = append(imports, `"github.com/volt-ev/volt/ocpp"`)
		}
		if strings.Contains(src, "base.") {
			imports = append(imports, `base "`+g.baseImport+`"`)
		}
		if len(imports) > 0 {
			fmt.Fprintf(&b, "import (\n%s\n)\n\n", strings.Join(imports, "\n"))
		}
		b.WriteString(src)
		if err := writeGo(filepath.Join(out, snake(file)+"_gen.go"), b.String()); err != nil {
			return err
		}
	}
	return g.writeRegistry(out)
}

func (g *gen) writeRegistry(out string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "// Code generated by ocpp/internal/gen from the OCPP %s JSON schemas. DO NOT EDIT.\n\npackage %s\n\nimport \"github.com/volt-ev/volt/ocpp\"\n\n", g.version, g.pkg)
	fmt.Fprintf(&b, "// Action names of OCPP %s.\nconst (\n", g.version)
	for _, a := range g.actions {
		fmt.Fprintf(&b, "\tAction%s = %q\n", a.name, a.name)
	}
	b.WriteString(")\n\nvar specs = []ocpp.ActionSpec{\n")
	for _, a := range g.actions {
		fmt.Fprintf(&b, "\t{Name: Action%s, Direction: direction(Action%s), Profile: block(Action%s),\n\t\tNewRequest: func() any { return new(%sRequest) }, NewResponse: func() any { return new(%sResponse) }},\n",
			a.name, a.name, a.name, a.name, a.name)
	}
	b.WriteString("}\n")
	return writeGo(filepath.Join(out, "registry_gen.go"), b.String())
}

func writeGo(path, src string) error {
	b, err := format.Source([]byte(src))
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", path, err, src)
	}
	return os.WriteFile(path, b, 0o644)
}

// snake spells an action as a file name: TransactionEvent → transaction_event.
func snake(s string) string {
	var b strings.Builder
	r := []rune(s)
	for i, c := range r {
		if unicode.IsUpper(c) && i > 0 && (unicode.IsLower(r[i-1]) || (i+1 < len(r) && unicode.IsLower(r[i+1]))) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
