package demo

// Tags, account relationships and teams: the customer-side objects the
// first demo left out. Each is drawn from a stream of its own, so adding
// them changed none of the accounts, contacts and activities a seed
// gives.

// tagDefs are the workspace's tags, named in its language.
var tagDefs = []struct {
	names [3]string
	color string
}{
	{[3]string{"VIP", "VIP", "VIP"}, "#b91c1c"},
	{[3]string{"Key account", "Cuenta clave", "重点客户"}, "#4f46e5"},
	{[3]string{"Churn risk", "Riesgo de baja", "流失风险"}, "#d97706"},
	{[3]string{"Newsletter", "Boletín", "电子报订阅"}, "#0891b2"},
	{[3]string{"Trade show", "Feria", "展会"}, "#16a34a"},
	{[3]string{"Reference customer", "Cliente de referencia", "标杆客户"}, "#7c3aed"},
	{[3]string{"Public sector", "Sector público", "公共部门"}, "#475569"},
	{[3]string{"Needs follow-up", "Pendiente de seguimiento", "待跟进"}, "#db2777"},
}

const (
	tagVIP = iota
	tagKey
	tagChurn
	tagNewsletter
	tagTradeShow
	tagReference
	tagPublic
	tagFollowUp
)

// teamDefs are the sales teams the owners are spread over.
var teamDefs = [][3]string{
	{"Direct sales", "Ventas directas", "直销团队"},
	{"Channel and renewals", "Canal y renovaciones", "渠道与续约"},
}

// accountTags returns the tags of account i (a is Account(i)): the big
// accounts are key accounts, public bodies are tagged so, and some
// others carry one more tag.
func (g *Generator) accountTags(i int, a *Account) []int {
	if !g.c.TagsAndTeams {
		return nil
	}
	r := rec(g.kTag, i)
	var out []int
	if a.ParentIndex < 0 && i < max(1, g.c.Accounts/100) {
		out = append(out, tagKey)
	}
	if a.Industry == "government" || a.Industry == "nonprofit" {
		out = append(out, tagPublic)
	}
	if r.chance(0.15) {
		t := [...]int{tagVIP, tagChurn, tagReference, tagFollowUp}[r.intn(4)]
		if t != tagChurn || a.Relationship == "customer" {
			out = append(out, t)
		}
	}
	return out
}

// AccountTags returns the indexes (into the workspace's tags) of the
// tags of account i.
func (g *Generator) AccountTags(i int) []int {
	a := g.Account(i)
	return g.accountTags(i, &a)
}

// contactTags returns the tags of contact i (c is Contact(i)).
func (g *Generator) contactTags(i int, c *Contact) []int {
	if !g.c.TagsAndTeams {
		return nil
	}
	r := rec(g.kTag, -1-i)
	switch u := r.float(); {
	case u < 0.06 && c.EmailOptIn:
		return []int{tagNewsletter}
	case u < 0.10:
		return []int{tagTradeShow}
	case u < 0.12:
		return []int{tagFollowUp}
	}
	return nil
}

// relationshipTypes are what an account's relationship to the company
// says of its link to another account.
var relationshipTypes = map[string]string{"partner": "partner_of", "distributor": "distributor_for", "supplier": "supplier_of", "competitor": "competitor_of"}

// accountRelationship returns the relationship account i has with an
// earlier account (mostly a big one), if it has one: partners,
// distributors, suppliers and competitors are linked to whom they
// partner, distribute for, supply or compete with.
func (g *Generator) accountRelationship(i int, a *Account) (typ string, to int, ok bool) {
	typ, ok = relationshipTypes[a.Relationship]
	if !ok || i == 0 || !g.c.TagsAndTeams {
		return "", 0, false
	}
	r := rec(g.kTag, g.c.Accounts+i)
	return typ, scale(i, r.float()*r.float()), true
}
