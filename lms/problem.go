package lms

import "math"

// slackEps is how close to its capacity a constraint counts as full.
const slackEps = 1e-7

// build turns a site into constraints: per grid phase of the connection
// and of each circuit (amps), and the power limits (watts); and, per EVSE,
// the constraints one ampere on it uses.
func build(in *Input) *problem {
	v := in.VoltageV
	if v <= 0 {
		v = 230
	}
	p := &problem{uses: make([][]coef, len(in.EVSEs))}
	type node struct {
		parent int // index in circuits, -1 for the site
		phase  [3]int
		power  int
	}
	add := func(c float64) int {
		if math.IsInf(c, 1) {
			return -1
		}
		p.cap = append(p.cap, c)
		p.used = append(p.used, 0)
		return len(p.cap) - 1
	}
	site := node{parent: -1, power: -1}
	var building float64
	for g := range 3 {
		site.phase[g] = add(in.SupplyA[g] - in.BuildingA[g])
		building += in.BuildingA[g]
	}
	// A power limit of 0 is none; any other value, negative or NaN
	// included, binds (and pauses everything when it is not positive).
	if in.SupplyW != 0 {
		site.power = add(in.SupplyW - v*building)
	}
	chargers := node{parent: -1, power: -1}
	for g := range 3 {
		chargers.phase[g] = -1
		if in.ChargersA != nil {
			chargers.phase[g] = add(in.ChargersA[g])
		}
	}
	idx := make(map[string]int, len(in.Circuits))
	for i, c := range in.Circuits {
		idx[c.ID] = i
	}
	nodes := make([]node, len(in.Circuits))
	for i, c := range in.Circuits {
		n := node{parent: -1, power: -1}
		if j, ok := idx[c.Parent]; ok && c.Parent != "" {
			n.parent = j
		}
		for g := range 3 {
			n.phase[g] = add(c.LimitA[g])
		}
		if c.LimitW != 0 {
			n.power = add(c.LimitW)
		}
		nodes[i] = n
	}
	p.users = make([][]int, len(p.cap))
	for i := range in.EVSEs {
		e := &in.EVSEs[i]
		gp := gridPhases(e)
		p.uses[i] = make([]coef, 0, 8)
		at := func(n *node) {
			for _, g := range gp {
				if c := n.phase[g]; c >= 0 {
					p.uses[i] = append(p.uses[i], coef{c, 1})
				}
			}
			if n.power >= 0 {
				p.uses[i] = append(p.uses[i], coef{n.power, v * float64(len(gp))})
			}
		}
		j, ok := idx[e.Circuit]
		// Walk up the circuits; a loop in the tree (refused by validation)
		// cannot make this run forever.
		for hops := 0; ok && e.Circuit != "" && j >= 0 && hops <= len(nodes); hops++ {
			at(&nodes[j])
			j = nodes[j].parent
		}
		at(&site)
		at(&chargers)
		for _, u := range p.uses[i] {
			p.users[u.c] = append(p.users[u.c], i)
		}
	}
	return p
}

// fits reports whether EVSE i can take a more amperes on every constraint.
func (p *problem) fits(i int, a float64) bool {
	for _, u := range p.uses[i] {
		if !(p.used[u.c]+u.a*a <= p.cap[u.c]+eps) {
			return false
		}
	}
	return true
}

// use records a amperes on EVSE i.
func (p *problem) use(i int, a float64) {
	for _, u := range p.uses[i] {
		p.used[u.c] += u.a * a
	}
}

// fill raises the EVSEs of one priority level together (progressive
// filling, max-min fair) from cur towards hi until each is at hi or uses a
// full constraint.
func (p *problem) fill(level []int, cur, hi []float64) {
	rate := make([]float64, len(p.cap))
	isLive := make([]bool, len(cur))
	live := make([]int, 0, len(level))
	for _, i := range level {
		if hi[i]-cur[i] > eps {
			isLive[i] = true
			live = append(live, i)
			for _, u := range p.uses[i] {
				rate[u.c] += u.a
			}
		}
	}
	freeze := func(i int) {
		if isLive[i] {
			isLive[i] = false
			for _, u := range p.uses[i] {
				rate[u.c] -= u.a
			}
		}
	}
	for guard := 0; len(live) > 0 && guard <= len(level)+len(p.cap)+1; guard++ {
		step := math.Inf(1)
		for c, r := range rate {
			if r > eps {
				step = math.Min(step, (p.cap[c]-p.used[c])/r)
			}
		}
		for _, i := range live {
			step = math.Min(step, hi[i]-cur[i])
		}
		if math.IsInf(step, 1) || math.IsNaN(step) {
			break
		}
		step = math.Max(step, 0)
		for _, i := range live {
			cur[i] += step
		}
		for c, r := range rate {
			if r > eps {
				p.used[c] += step * r
			}
		}
		for _, i := range live {
			if hi[i]-cur[i] <= eps {
				freeze(i)
			}
		}
		for c, r := range rate {
			if r > eps && p.cap[c]-p.used[c] <= slackEps {
				for _, i := range p.users[c] {
					freeze(i)
				}
			}
		}
		n := 0
		for _, i := range live {
			if isLive[i] {
				live[n] = i
				n++
			}
		}
		live = live[:n]
	}
}
