// Package demo generates a realistic CRM workspace (accounts, contacts and
// activities in English, Spanish and Chinese, and the sales objects:
// leads, pipelines and deals, products, quotes, contracts, orders,
// shipments, invoices and payments, gen_sales.go) deterministically from
// a seed, and loads it (load.go, load_sales.go).
//
// Every record is a pure function of (Config, index): each one is drawn
// from its own small splitmix64 stream keyed by the seed, the record kind
// and the index, so records can be generated in parallel and in any order,
// and the same Config and index always give the same data (the counts in
// the Config matter: they size the skews and the name space). A Generator
// holds only its immutable Config and keys derived from it, and is safe
// for concurrent use.
package demo

import (
	"math"
	"math/bits"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Locale is the language and naming culture of a record: "en", "es", "zh".
type Locale string

const (
	localeEN Locale = "en"
	localeES Locale = "es"
	localeZH Locale = "zh"
)

// Address is a postal address. Country is an ISO 3166 alpha-2 code: US,
// GB, ES, MX, AR, CO or CN.
type Address struct {
	Street, City, Region, PostalCode, Country string
}

// Account is a company.
type Account struct {
	Index        int
	Locale       Locale
	Name         string // "Northwind Logistics LLC", "Grupo Hernández S.A. de C.V.", "上海星辰科技有限公司"
	Domain       string // ascii, derived from the name: "northwindlogistics.com", "xingchen-tech.cn"
	Industry     string // technology, manufacturing, retail, finance, healthcare, education, logistics, energy, media, hospitality, construction, agriculture, government, nonprofit, other
	Size         string // 1-10, 11-50, 51-200, 201-1000, 1001-5000, 5000+
	Relationship string // prospect, customer, partner, distributor, supplier, competitor, other
	Status       string // active, inactive
	Phone        string // as typed locally: "(212) 555-0143", "+34 912 345 678", "010-6552 1234"
	PhoneE164    string // Phone as match.NormalizePhone stores it, known without parsing
	Website      string // "https://www." + Domain
	Billing      Address
	Shipping     Address // often equal to Billing
	ParentIndex  int     // -1, or the index of a lower-index parent account
}

// Contact is a person, working at an account.
type Contact struct {
	Index                 int
	Locale                Locale
	Given, Middle, Family string
	Email                 string // primary, lowercase ascii (upper case only in some deliberate duplicates)
	Email2                string // personal address or ""
	Phone                 string // work phone as typed locally, or ""
	Mobile                string // mobile as typed locally, or ""
	PhoneE164, MobileE164 string // Phone and Mobile as match.NormalizePhone stores them, known without parsing
	JobTitle              string // in the contact's language
	Language              string // "en", "es", "zh"
	TimeZone              string // IANA zone of the address's city
	Birthday              string // "" or "YYYY-MM-DD", 1950..2003
	Address               Address
	AccountIndex          int    // the account this contact works at
	Role                  string // decision_maker, influencer, user, billing, technical, other
	EmailOptIn            bool
	DuplicateOf           int // -1, or the index of an earlier contact this one deliberately duplicates
}

// ActivityType is the kind of an activity: "note", "task", "call",
// "meeting" or "email".
type ActivityType string

const (
	actNote    ActivityType = "note"
	actTask    ActivityType = "task"
	actCall    ActivityType = "call"
	actMeeting ActivityType = "meeting"
	actEmail   ActivityType = "email"
)

// Activity is something that happened with a contact.
type Activity struct {
	Index        int
	Type         ActivityType
	Subject      string // in the contact's language
	Body         string // same language
	At           int64  // unix seconds in [Now-3 years, Now], recent ones more frequent
	ContactIndex int
	AccountIndex int    // the contact's AccountIndex
	DurationSec  int    // calls and meetings
	Direction    string // calls: inbound, outbound
	Outcome      string // calls: connected, voicemail, no_answer, busy
	Priority     string // tasks: low, normal, high
	Done         bool   // tasks
}

// Config says how big the workspace is and which one it is.
type Config struct {
	Seed       int64
	Accounts   int
	Contacts   int
	Activities int
	// The sales objects (zero for none): leads, deals (each with a quote
	// once it reached the quote stage of its pipeline), the products of
	// the catalogue, contracts, and orders (each with its shipments, an
	// invoice and its payments).
	Leads, Deals, Products, Contracts, Orders int
	// TagsAndTeams adds the workspace's tags (on some accounts and
	// contacts), relationships between accounts and two sales teams.
	TagsAndTeams bool
	Now          int64 // unix seconds; activities fall in [Now-3 years, Now]
}

// activitySpan is "3 years": activities fall in [Now-activitySpan, Now].
const activitySpan = 1096 * 24 * 3600

// Rates of the deliberate irregularities.
const (
	subsidiaryRate    = 0.05 // accounts that are subsidiaries of an earlier account
	duplicateRate     = 0.02 // contacts that duplicate an earlier contact
	foreignLocaleRate = 0.10 // contacts whose locale is not their account's
)

// Generator generates the records of one Config. It is safe for concurrent
// use (it holds only the immutable Config).
type Generator struct {
	c                Config
	kAcc, kCon, kAct uint64
	pk               [3]uint64 // keys of the name-digit bijection
	nbits            uint      // its domain is [0, 2^nbits)
	// the sales objects' keys
	kLead, kDeal, kQuote, kOrd, kCtr, kProd, kRate, kTag, kDealAct uint64
	products                                                       []Product // the catalogue, small and used by every line
	prices                                                         [][]int64 // per product, its price in each currency (minor units)
}

// New returns the generator of c. Negative counts are taken as zero; if
// there are contacts there is at least one account, and if there are
// activities at least one contact (Config reports the adjusted counts).
func New(c Config) *Generator {
	c.Accounts = max(c.Accounts, 0)
	c.Contacts = max(c.Contacts, 0)
	c.Activities = max(c.Activities, 0)
	c.Leads, c.Deals, c.Products = max(c.Leads, 0), max(c.Deals, 0), max(c.Products, 0)
	c.Contracts, c.Orders = max(c.Contracts, 0), max(c.Orders, 0)
	if (c.Deals > 0 || c.Orders > 0) && c.Products == 0 {
		c.Products = 1
	}
	if (c.Deals > 0 || c.Leads > 0) && c.Contacts == 0 {
		c.Contacts = 1
	}
	if (c.Orders > 0 || c.Contracts > 0) && c.Accounts == 0 {
		c.Accounts = 1
	}
	if c.Activities > 0 && c.Contacts == 0 {
		c.Contacts = 1
	}
	if c.Contacts > 0 && c.Accounts == 0 {
		c.Accounts = 1
	}
	s := uint64(c.Seed)
	g := &Generator{
		c:        c,
		kAcc:     mix64(s ^ 0x6163636f756e7473), // "accounts"
		kCon:     mix64(s ^ 0x636f6e7461637473), // "contacts"
		kAct:     mix64(s ^ 0x6163746976697479), // "activity"
		pk:       [3]uint64{mix64(s ^ 0x6e616d6573000001), mix64(s ^ 0x6e616d6573000002), mix64(s ^ 0x6e616d6573000003)},
		nbits:    uint(max(bits.Len(uint(c.Accounts)), 12)),
		kLead:    mix64(s ^ 0x6c65616473000000), // "leads"
		kDeal:    mix64(s ^ 0x6465616c73000000), // "deals"
		kQuote:   mix64(s ^ 0x71756f7465730000), // "quotes"
		kOrd:     mix64(s ^ 0x6f72646572730000), // "orders"
		kCtr:     mix64(s ^ 0x636f6e7472616374), // "contract"
		kProd:    mix64(s ^ 0x70726f6475637473), // "products"
		kRate:    mix64(s ^ 0x7261746573000000), // "rates"
		kTag:     mix64(s ^ 0x7461677300000000), // "tags"
		kDealAct: mix64(s ^ 0x6465616c61637473), // "dealacts"
	}
	g.products = make([]Product, c.Products)
	g.prices = make([][]int64, c.Products)
	for i := range g.products {
		g.products[i] = g.product(i)
		g.prices[i] = make([]int64, len(currencyDefs))
		for k := range currencyDefs {
			g.prices[i][k] = g.priceOf(&g.products[i], k)
		}
	}
	return g
}

// Config returns the generator's configuration.
func (g *Generator) Config() Config { return g.c }

func checkIndex(i, n int, what string) {
	if i < 0 || i >= n {
		panic("demo: " + what + " index " + strconv.Itoa(i) + " out of range [0," + strconv.Itoa(n) + ")")
	}
}

// ---------------------------------------------------------------------
// Randomness: one splitmix64 stream per record.

type prng struct{ s uint64 }

func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}

// rec returns the stream of record i of the kind whose key is k.
func rec(k uint64, i int) prng {
	return prng{s: mix64(k + uint64(i)*0xD1B54A32D192ED2D)}
}

func (r *prng) u64() uint64 {
	r.s += 0x9E3779B97F4A7C15
	return mix64(r.s)
}

// intn returns a number in [0, n); 0 if n <= 1.
func (r *prng) intn(n int) int {
	if n <= 1 {
		return 0
	}
	hi, _ := bits.Mul64(r.u64(), uint64(n))
	return int(hi)
}

// float returns a number in [0, 1).
func (r *prng) float() float64 { return float64(r.u64()>>11) * 0x1p-53 }

func (r *prng) chance(p float64) bool { return r.float() < p }

func (r *prng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

func (r *prng) pick(s []string) string { return s[r.intn(len(s))] }

// skewed returns an index in [0, n) where low indexes are more likely.
func (r *prng) skewed(n int, p float64) int {
	return scale(n, math.Pow(r.float(), p))
}

func scale(n int, u float64) int {
	k := int(float64(n) * u)
	if k >= n {
		k = n - 1
	}
	return max(k, 0)
}

// wtable is a table of weights for weighted choices.
type wtable struct {
	cum   []uint32
	total uint32
}

func weights(w ...int) wtable {
	t := wtable{cum: make([]uint32, len(w))}
	for i, x := range w {
		t.total += uint32(x)
		t.cum[i] = t.total
	}
	return t
}

func (r *prng) pickW(t wtable) int {
	x := uint32(r.intn(int(t.total)))
	for i, c := range t.cum {
		if x < c {
			return i
		}
	}
	return len(t.cum) - 1
}

// ---------------------------------------------------------------------
// Accounts.
//
// Company names and domains come from "name digits": a keyed bijection of
// the account index on [0, 2^k) read as a mixed-radix number. Distinct
// accounts have distinct digits, so they get distinct (locale, pattern,
// industry, TLD, domain style, words) tuples, hence distinct domains as
// long as the word lists are big enough for the number of accounts: none
// of 200,000 companies share a domain; of a million, about 4% do.
// Everything else is drawn from the record's stream.

var (
	industries = []string{"technology", "manufacturing", "retail", "finance", "healthcare", "education",
		"logistics", "energy", "media", "hospitality", "construction", "agriculture", "government", "nonprofit", "other"}
	// companyIndustryW weights the industries of companies (government
	// and non-profit accounts are patterns of their own).
	companyIndustryW = weights(14, 12, 11, 9, 9, 6, 7, 4, 5, 6, 7, 3, 0, 0, 3)
	sizes            = []string{"1-10", "11-50", "51-200", "201-1000", "1001-5000", "5000+"}
	sizeW            = weights(25, 30, 22, 13, 6, 4)
	bigSizeW         = weights(0, 0, 0, 30, 40, 30)
	relationships    = []string{"prospect", "customer", "partner", "distributor", "supplier", "competitor", "other"}
	relationshipW    = weights(38, 45, 5, 3, 4, 2, 3)
	roles            = []string{"decision_maker", "influencer", "user", "billing", "technical", "other"}
	roleW            = weights(15, 25, 30, 8, 15, 7)
	locales          = []Locale{localeEN, localeES, localeZH}
	localeW          = weights(50, 30, 20)
)

const (
	indGovernment = 12
	indNonprofit  = 13
)

// Ways of naming an account.
const (
	patGov = iota
	patNonprofit
	// en
	patCompound    // Northwind Logistics
	patBrandNoun   // Zentix Systems
	patWordNoun    // Summit Capital
	patSurnameNoun // Hughes Construction
	patPair        // Miller & Hayes
	patPairNoun    // Miller & Hayes Engineering
	patBrothers    // Rice Brothers Catering
	patSons        // Spencer & Sons Tooling
	// es
	patNounWord      // Transportes Cóndor
	patNounSurname   // Construcciones Martínez
	patNounBrand     // Logística Zentara
	patGrupoSurname  // Grupo Hernández
	patPairAsociados // Pérez, Gómez y Asociados
	patHermanos      // Muebles Hermanos Ruiz
	patGrupoBrand    // Grupo Novalia
	// zh
	patZH // 上海星辰科技有限公司
)

var (
	patterns = [3][]int{
		{patGov, patNonprofit, patCompound, patBrandNoun, patWordNoun, patSurnameNoun, patPair, patPairNoun, patBrothers, patSons},
		{patGov, patNonprofit, patNounWord, patNounSurname, patNounBrand, patGrupoSurname, patPairAsociados, patHermanos, patGrupoBrand},
		{patGov, patNonprofit, patZH},
	}
	patternW = [3]wtable{
		weights(1, 3, 30, 26, 8, 12, 9, 6, 3, 2),
		weights(1, 3, 18, 20, 36, 1, 6, 5, 10),
		weights(1, 3, 96),
	}
)

// withIndustry says whether a pattern's words depend on the industry.
func withIndustry(p int) bool {
	switch p {
	case patGov, patNonprofit, patPair, patGrupoSurname, patPairAsociados, patGrupoBrand:
		return false
	}
	return true
}

func localeIdx(l Locale) int {
	switch l {
	case localeES:
		return 1
	case localeZH:
		return 2
	}
	return 0
}

// digits reads choices out of a number m in [0, size). Every choice
// depends on m, so distinct numbers make distinct choices; choices among
// n equal options are rotated by a hash of the choices made so far, so
// small leaves do not all start with the first word of a list.
type digits struct{ m, size, h uint64 }

func (d *digits) intn(n int) int {
	if n <= 1 {
		return 0
	}
	u := uint64(n)
	j := (d.m%u + d.h%u) % u
	d.m /= u
	d.size = (d.size + u - 1) / u
	d.h = mix64(d.h + j + 1)
	return int(j)
}

func (d *digits) pick(s []string) string { return s[d.intn(len(s))] }

// pickW splits [0, size) in proportion to the weights.
func (d *digits) pickW(t wtable) int {
	var start uint64
	for j, c := range t.cum {
		end := d.size * uint64(c) / uint64(t.total)
		if d.m < end || j == len(t.cum)-1 {
			d.m -= start
			d.size = max(end-start, 1)
			d.h = mix64(d.h + uint64(j) + 1)
			return j
		}
		start = end
	}
	return 0
}

// nameDigits returns the name digits of account i: a bijection of i on
// [0, 2^nbits) keyed by the seed.
func (g *Generator) nameDigits(i int) digits {
	mask := uint64(1)<<g.nbits - 1
	x := uint64(i) & mask
	for _, k := range g.pk {
		x = (x + k) & mask
		x = (x * 0xD1B54A32D192ED2D) & mask // odd: a bijection mod 2^k
		x ^= x >> (g.nbits/2 + 1)
	}
	return digits{m: x, size: mask + 1, h: g.pk[0]}
}

// acctHead is what an account inherits from its parent: cheap to compute.
type acctHead struct {
	parent   int // -1 or the parent account
	root     int // the top of the parent chain (the account itself if no parent)
	loc      Locale
	industry int
	pattern  int
	d        digits // the name digits after locale, pattern and industry
}

// head draws the first numbers of account i's stream r.
func (g *Generator) head(r *prng, i int) acctHead {
	subU, parU := r.float(), r.float()
	indR := r.pickW(companyIndustryW)
	d := g.nameDigits(i)
	li := d.pickW(localeW)
	h := acctHead{parent: -1, root: i, loc: locales[li]}
	h.pattern = patterns[li][d.pickW(patternW[li])]
	switch {
	case h.pattern == patGov:
		h.industry = indGovernment
	case h.pattern == patNonprofit:
		h.industry = indNonprofit
	case withIndustry(h.pattern):
		h.industry = d.pickW(companyIndustryW)
	default:
		h.industry = indR
	}
	h.d = d
	if i > 0 && subU < subsidiaryRate {
		p := scale(i, parU*parU) // parents are mostly the big, early accounts
		pr := rec(g.kAcc, p)
		ph := g.head(&pr, p)
		if ph.industry != indGovernment && ph.industry != indNonprofit {
			h.parent, h.root, h.loc, h.industry = p, ph.root, ph.loc, ph.industry
		}
	}
	return h
}

func (g *Generator) acctLocale(i int) Locale {
	r := rec(g.kAcc, i)
	return g.head(&r, i).loc
}

// acctCore is what contacts need of their account.
type acctCore struct {
	acctHead
	country, city int
	base          string // name without the legal form
	name          string
	slug          string // domain without the top-level domain
	tld           string
	domain        string
}

func (g *Generator) core(r *prng, i int) acctCore {
	c := acctCore{acctHead: g.head(r, i)}
	li := localeIdx(c.loc)
	switch {
	case c.parent >= 0:
		c.country = countryFor(r, c.loc)
		c.city = r.skewed(len(countries[c.country].cities), 1.5)
		rr := rec(g.kAcc, c.root)
		root := g.core(&rr, c.root)
		nameSubsidiary(r, &c, &root)
		return c
	case c.pattern == patGov || c.pattern == patNonprofit:
		c.country = countryFor(r, c.loc)
	default:
		t := companyTLDs[li][c.d.pickW(companyTLDW[li])]
		c.tld, c.country = t.tld, t.country
		if t.country < 0 {
			c.country = sharedTLDCountry[li][r.pickW(sharedTLDCountryW[li])]
		}
	}
	c.city = r.skewed(len(countries[c.country].cities), 1.5)
	switch c.loc {
	case localeZH:
		nameZH(r, &c)
	case localeES:
		nameES(r, &c)
	default:
		nameEN(r, &c)
	}
	c.domain = c.slug + "." + c.tld
	return c
}

func countryFor(r *prng, l Locale) int {
	switch l {
	case localeZH:
		return cCN
	case localeES:
		return [...]int{cES, cMX, cAR, cCO}[r.pickW(esCountryW)]
	}
	if r.chance(0.8) {
		return cUS
	}
	return cGB
}

var esCountryW = weights(35, 35, 15, 15)

// The top-level domains of companies by locale, weighted so that the
// countries come out as countryFor draws them. A shared TLD (country -1)
// takes its country from sharedTLDCountry.
type tldChoice struct {
	tld     string
	country int
}

var (
	companyTLDs = [3][]tldChoice{
		{{"com", -1}, {"co.uk", cGB}, {"net", cUS}, {"io", cUS}, {"co", cUS}, {"uk", cGB}},
		{{"es", cES}, {"com", -1}, {"com.mx", cMX}, {"mx", cMX}, {"com.ar", cAR}, {"com.co", cCO}, {"co", cCO}},
		{{"cn", cCN}, {"com.cn", cCN}, {"com", cCN}},
	}
	companyTLDW = [3]wtable{
		weights(80, 12, 3, 2, 2, 1),
		weights(84, 98, 98, 21, 48, 36, 15),
		weights(40, 40, 20),
	}
	sharedTLDCountry  = [3][]int{{cUS, cGB}, {cES, cMX, cAR, cCO}, {cCN}}
	sharedTLDCountryW = [3]wtable{weights(9125, 875), weights(56, 21, 12, 9), weights(1)}
)

// slugOf folds s to lowercase ascii letters and digits.
func slugOf(s string) string {
	var buf [64]byte
	return string(appendFold(buf[:0], s))
}

// Styles of domain labels: "northwindlogistics", "northwind-logistics",
// "northwindlogisticsllc", "northwindlogisticsdallas", "gonorthwindlogistics",
// "northwindlogisticsgroup".
const (
	styleJoined = iota
	styleHyphen
	styleLegal
	styleCity
	stylePrefix
	styleSuffix
)

var (
	labelStyleW     = weights(45, 12, 8, 15, 8, 12)
	nonprofitStyleW = weights(45, 12, 0, 15, 8, 12) // no legal form
	nonprofitNameW  = weights(10, 30, 60)           // word, surname(s), person
)

var (
	domainPrefixes = [3][]string{{"the", "go", "get", "my"}, {"somos", "mundo"}, {"go"}}
	domainSuffixes = [...][]string{
		cUS: {"group", "global", "hq", "usa", "online"},
		cGB: {"group", "global", "uk", "online", "hq"},
		cES: {"global", "online", "grupo", "spain"},
		cMX: {"global", "online", "grupo", "mexico"},
		cAR: {"global", "online", "grupo", "arg"},
		cCO: {"global", "online", "grupo", "colombia"},
		cCN: {"group", "china", "global"},
	}
)

// domainLabel makes the domain label of a company named by parts, in the
// style picked by the name digits. legal is the company's legal form.
func domainLabel(c *acctCore, style int, legal string, parts ...string) string {
	var buf [128]byte
	b := buf[:0]
	joined := func(b []byte, sep string) []byte {
		for k, p := range parts {
			if k > 0 {
				b = append(b, sep...)
			}
			b = appendFold(b, p)
		}
		return b
	}
	switch style {
	case styleHyphen:
		b = joined(b, "-")
	case styleLegal:
		if legal == "" {
			legal = countries[c.country].legal[0]
		}
		b = appendFold(joined(b, ""), legal)
	case styleCity:
		b = append(joined(b, ""), countries[c.country].cities[c.city].code...)
	case stylePrefix:
		b = joined(append(b, c.d.pick(domainPrefixes[localeIdx(c.loc)])...), "")
	case styleSuffix:
		b = append(joined(b, ""), c.d.pick(domainSuffixes[c.country])...)
	default:
		b = joined(b, "")
	}
	if len(b) > 63 {
		b = joined(buf[:0], "")[:63]
	}
	return string(b)
}

// brand makes an invented brand name: "Zenitix", "Corvia", "Novella".
func brand(d *digits) string {
	var buf [24]byte
	b := append(buf[:0], d.pick(brandStarts)...)
	if d.intn(2) == 0 {
		b = append(b, d.pick(brandVowelEnds)...)
	} else {
		b = append(b, d.pick(brandMiddles)...)
		b = append(b, d.pick(brandConsonantEnds)...)
	}
	return string(b)
}

func withLegal(base, legal string) string {
	if legal == "" {
		return base
	}
	return base + " " + legal
}

func nameEN(r *prng, c *acctCore) {
	co := &countries[c.country]
	ct := &co.cities[c.city]
	d := &c.d
	switch c.pattern {
	case patGov:
		if c.country == cUS {
			c.base = "City of " + ct.name
			c.slug, c.tld = slugOf(ct.name)+strings.ToLower(ct.region), "gov"
		} else {
			c.base = ct.name + " City Council"
			c.slug, c.tld = slugOf(ct.name), "gov.uk"
		}
		if r.chance(0.6) {
			c.base += " " + r.pick(enDepartments)
		}
		c.name = c.base
		return
	case patNonprofit:
		style := d.pickW(nonprofitStyleW)
		var w string
		switch d.pickW(nonprofitNameW) {
		case 0:
			w = d.pick(enWords)
		case 1:
			w = d.pick(enFamily)
		default:
			w = d.pick(enGivenF) + " " + d.pick(enFamily)
		}
		n := d.pick(enNonprofit)
		c.base = w + " " + n
		if r.chance(0.3) {
			c.base = ct.name + " " + c.base
		}
		c.name = c.base
		c.slug, c.tld = domainLabel(c, style, "", w, n), co.orgTLD
		return
	}
	style := d.pickW(labelStyleW)
	nouns := enNouns[c.industry]
	var parts []string
	switch c.pattern {
	case patCompound:
		w := d.pick(enPrefixes) + d.pick(enSuffixes)
		n := d.pick(nouns)
		c.base, parts = w+" "+n, []string{w, n}
	case patBrandNoun:
		w, n := brand(d), d.pick(nouns)
		c.base, parts = w+" "+n, []string{w, n}
	case patWordNoun:
		w, n := d.pick(enWords), d.pick(nouns)
		c.base, parts = w+" "+n, []string{w, n}
	case patSurnameNoun:
		w, n := d.pick(enFamily), d.pick(nouns)
		c.base, parts = w+" "+n, []string{w, n}
	case patPair:
		a, b := d.pick(enFamily), d.pick(enFamily)
		c.base, parts = a+" & "+b, []string{a, "and", b}
	case patPairNoun:
		a, b, n := d.pick(enFamily), d.pick(enFamily), d.pick(nouns)
		c.base, parts = a+" & "+b+" "+n, []string{a, "and", b, n}
	case patBrothers:
		a, n := d.pick(enFamily), d.pick(nouns)
		c.base, parts = a+" Brothers "+n, []string{a, "bros", n}
	default: // patSons
		a, n := d.pick(enFamily), d.pick(nouns)
		c.base, parts = a+" & Sons "+n, []string{a, "sons", n}
	}
	legal := co.legal[r.pickW(co.legalW)]
	c.name = withLegal(c.base, legal)
	c.slug = domainLabel(c, style, legal, parts...)
}

func nameES(r *prng, c *acctCore) {
	co := &countries[c.country]
	ct := &co.cities[c.city]
	d := &c.d
	switch c.pattern {
	case patGov:
		c.base = co.govPrefix + ct.name
		if r.chance(0.5) {
			c.base += " - " + r.pick(esDepartments)
		}
		c.name = c.base
		c.slug, c.tld = slugOf(ct.name), co.govTLD
		return
	case patNonprofit:
		style := d.pickW(nonprofitStyleW)
		kind := [...]string{"Fundación", "Asociación"}[d.intn(2)]
		var w string
		switch d.pickW(nonprofitNameW) {
		case 0:
			w = d.pick(esWords)
		case 1:
			w = d.pick(esFamily) + " " + d.pick(esFamily)
		default:
			w = d.pick(esGivenF) + " " + d.pick(esFamily)
		}
		c.base = kind + " " + w
		c.name = c.base
		c.slug, c.tld = domainLabel(c, style, "", kind, w), co.orgTLD
		return
	}
	style := d.pickW(labelStyleW)
	nouns := esNouns[c.industry]
	var parts []string
	switch c.pattern {
	case patNounWord:
		n, w := d.pick(nouns), d.pick(esWords)
		c.base, parts = n+" "+w, []string{n, w}
	case patNounSurname:
		n, s := d.pick(nouns), d.pick(esFamily)
		c.base, parts = n+" "+s, []string{n, s}
	case patNounBrand:
		n, w := d.pick(nouns), brand(d)
		c.base, parts = n+" "+w, []string{n, w}
	case patGrupoSurname:
		s := d.pick(esFamily)
		c.base, parts = "Grupo "+s, []string{"grupo", s}
	case patPairAsociados:
		a, b := d.pick(esFamily), d.pick(esFamily)
		c.base, parts = a+", "+b+" y Asociados", []string{a, b}
	case patHermanos:
		n, s := d.pick(nouns), d.pick(esFamily)
		c.base, parts = n+" Hermanos "+s, []string{n, "hnos", s}
	default: // patGrupoBrand
		w := brand(d)
		c.base, parts = "Grupo "+w, []string{"grupo", w}
	}
	legal := co.legal[r.pickW(co.legalW)]
	c.name = withLegal(c.base, legal)
	c.slug = domainLabel(c, style, legal, parts...)
}

// zhTradeName is a two-character trade name (字号) such as 星辰 or 鼎润.
func zhTradeName(d *digits) hanPy {
	a := zhTradeA[d.intn(len(zhTradeA))]
	b := zhTradeB[d.intn(len(zhTradeB))]
	if a.han == b.han {
		return a
	}
	return hanPy{a.han + b.han, a.py + b.py}
}

var zhStyleW = weights(45, 30, 15, 10)

func nameZH(r *prng, c *acctCore) {
	co := &countries[c.country]
	ct := &co.cities[c.city]
	d := &c.d
	switch c.pattern {
	case patGov:
		dep := zhDepartments[r.intn(len(zhDepartments))]
		c.name = ct.name + dep.han
		c.base = c.name
		c.slug, c.tld = dep.py+"."+ct.code, "gov.cn"
		return
	case patNonprofit:
		foundation := d.intn(2) == 0
		w := zhTradeName(d)
		c.name = w.han + "公益基金会"
		if r.chance(0.4) {
			c.name = ct.short + c.name
		}
		c.base = c.name
		c.slug, c.tld = w.py+"gy", "org.cn"
		if foundation {
			c.slug = w.py + "-foundation"
		}
		return
	}
	style := d.pickW(zhStyleW)
	w := zhTradeName(d)
	ind := zhNouns[c.industry][d.intn(len(zhNouns[c.industry]))]
	switch u := r.intn(100); {
	case u < 60:
		c.name = ct.short + w.han + ind.han + "有限公司"
	case u < 75:
		c.name = w.han + ind.han + "有限公司"
	case u < 88:
		c.name = ct.short + w.han + ind.han + "股份有限公司"
	default:
		c.name = w.han + "集团有限公司"
	}
	c.base = c.name
	switch style {
	case 0:
		c.slug = w.py + "-" + ind.py
	case 1:
		c.slug = w.py + ind.py
	case 2:
		c.slug = w.py + ind.py + ct.code
	default:
		c.slug = ct.py + w.py + ind.py
	}
}

// nameSubsidiary names account c after its root account; it shares the
// root's domain, as subsidiaries usually do.
func nameSubsidiary(r *prng, c, root *acctCore) {
	co := &countries[c.country]
	if c.country == root.country && c.city == root.city && len(co.cities) > 1 {
		c.city = (c.city + 1 + r.intn(len(co.cities)-1)) % len(co.cities)
	}
	ct := &co.cities[c.city]
	c.base = root.base
	c.slug, c.tld, c.domain = root.slug, root.tld, root.domain
	if c.loc == localeZH {
		c.name = root.name + ct.short + "分公司"
		return
	}
	q := ct.name
	if c.country != root.country {
		q = co.label
	}
	c.name = withLegal(root.base+" "+q, co.legal[r.pickW(co.legalW)])
}

// Account returns account i, 0 <= i < Config().Accounts.
func (g *Generator) Account(i int) Account {
	checkIndex(i, g.c.Accounts, "account")
	r := rec(g.kAcc, i)
	c := g.core(&r, i)
	co := &countries[c.country]
	a := Account{
		Index:       i,
		Locale:      c.loc,
		Name:        c.name,
		Domain:      c.domain,
		Industry:    industries[c.industry],
		ParentIndex: c.parent,
		Website:     "https://www." + c.domain,
	}
	if c.parent < 0 && i < max(1, g.c.Accounts/100) {
		a.Size = sizes[r.pickW(bigSizeW)]
	} else {
		a.Size = sizes[r.pickW(sizeW)]
	}
	a.Relationship = relationships[r.pickW(relationshipW)]
	if c.pattern == patGov || c.pattern == patNonprofit {
		switch a.Relationship {
		case "competitor", "distributor", "supplier":
			a.Relationship = "customer"
		}
	}
	a.Status = "active"
	if r.chance(0.1) {
		a.Status = "inactive"
	}
	p := makePhone(&r, c.country, c.city, false)
	a.Phone, a.PhoneE164 = p.typed(typedStyle(&r, p.styles()))
	a.Billing = makeAddress(&r, c.country, c.city, true)
	if r.chance(0.7) {
		a.Shipping = a.Billing
	} else {
		city := c.city
		if r.chance(0.4) {
			city = r.intn(len(co.cities))
		}
		a.Shipping = makeAddress(&r, c.country, city, true)
	}
	return a
}

// ---------------------------------------------------------------------
// Addresses.

func appendDigits(b []byte, r *prng, n int) []byte {
	for range n {
		b = append(b, byte('0'+r.intn(10)))
	}
	return b
}

func postalCode(r *prng, country int, ct *cityInfo) string {
	var buf [16]byte
	b := append(buf[:0], r.pick(ct.postal)...)
	switch country {
	case cGB:
		b = append(b, ' ', byte('1'+r.intn(9)))
		for range 2 {
			b = append(b, gbInward[r.intn(len(gbInward))])
		}
	case cAR: // CPA: letter, 4 digits, 3 letters
		b = appendDigits(b, r, 5-len(b))
		for range 3 {
			b = append(b, byte('A'+r.intn(26)))
		}
	case cCO, cCN:
		b = appendDigits(b, r, 6-len(b))
	default:
		b = appendDigits(b, r, 5-len(b))
	}
	return string(b)
}

const gbInward = "ABDEFGHJLNPQRSTUWXYZ"

func itoa(n int) string { return strconv.Itoa(n) }

func makeAddress(r *prng, country, city int, business bool) Address {
	co := &countries[country]
	ct := &co.cities[city]
	a := Address{City: ct.name, Region: ct.region, Country: co.code, PostalCode: postalCode(r, country, ct)}
	switch country {
	case cUS:
		s := itoa(r.between(1, 9899)) + " " + r.pick(usStreets) + " " + r.pick(usStreetTypes)
		if business && r.chance(0.4) {
			s += ", Suite " + itoa(r.between(1, 25)*100+r.intn(40))
		} else if !business && r.chance(0.25) {
			s += ", Apt " + itoa(r.between(1, 30)) + string(rune('A'+r.intn(4)))
		}
		a.Street = s
	case cGB:
		s := itoa(r.between(1, 240)) + " " + r.pick(gbStreets) + " " + r.pick(gbStreetTypes)
		if business && r.chance(0.3) {
			s = "Unit " + itoa(r.between(1, 40)) + ", " + s
		} else if !business && r.chance(0.2) {
			s = "Flat " + itoa(r.between(1, 30)) + ", " + s
		}
		a.Street = s
	case cES:
		s := r.pick(esStreets) + ", " + itoa(r.between(1, 220))
		if r.chance(0.5) {
			s += ", " + itoa(r.between(1, 9)) + "º " + string(rune('A'+r.intn(4)))
		}
		a.Street = s
	case cMX:
		s := r.pick(mxStreets) + " " + itoa(r.between(1, 3500))
		if r.chance(0.3) {
			s += " Int. " + itoa(r.between(1, 40))
		}
		a.Street = s + ", Col. " + r.pick(mxColonias)
	case cAR:
		s := r.pick(arStreets) + " " + itoa(r.between(100, 5999))
		if r.chance(0.5) {
			unit := "Of. "
			if !business {
				unit = "Dto. "
			}
			s += ", Piso " + itoa(r.between(1, 15)) + " " + unit + string(rune('A'+r.intn(6)))
		}
		a.Street = s
	case cCO:
		s := r.pick(coStreetTypes) + " " + itoa(r.between(1, 150))
		if r.chance(0.2) {
			s += string(rune('A' + r.intn(3)))
		}
		s += " # " + itoa(r.between(1, 120)) + "-" + itoa(r.between(2, 99))
		if r.chance(0.4) {
			unit := " Oficina "
			if !business {
				unit = " Apto "
			}
			s += unit + itoa(r.between(1, 20)*100+r.between(1, 12))
		}
		a.Street = s
	case cCN:
		s := r.pick(ct.districts) + r.pick(cnRoads) + itoa(r.between(1, 999)) + "号"
		if business {
			if r.chance(0.5) {
				s += string(rune('A'+r.intn(4))) + "座" + itoa(r.between(1, 30)*100+r.between(1, 20)) + "室"
			}
		} else {
			s += itoa(r.between(1, 30)) + "号楼" + itoa(r.between(1, 6)) + "单元" + itoa(r.between(1, 30)*100+r.between(1, 4)) + "室"
		}
		a.Street = s
	}
	return a
}

// ---------------------------------------------------------------------
// Phones.

// phoneSpec is a phone number: its national significant number (no
// trunk prefix) and how long its area code is, which picks the ways
// people write it.
type phoneSpec struct {
	country int8
	mobile  bool
	areaLen int8
	n       int8
	nsn     [12]byte
}

func (p *phoneSpec) styles() []string {
	f := &phoneFormats[p.country]
	if p.mobile {
		return f.mobile[p.areaLen]
	}
	return f.land[p.areaLen]
}

// format writes p with the style-th template of its kind: '#' takes the
// next digit, anything else is copied.
func (p *phoneSpec) format(style int) string {
	t := p.styles()
	tpl := t[style%len(t)]
	var buf [40]byte
	b := buf[:0]
	k := 0
	for j := 0; j < len(tpl); j++ {
		if tpl[j] == '#' {
			if k < int(p.n) {
				b = append(b, p.nsn[k])
				k++
			}
			continue
		}
		b = append(b, tpl[j])
	}
	return string(b)
}

// callingCodes are the countries' international calling codes.
var callingCodes = [...]string{cUS: "1", cGB: "44", cES: "34", cMX: "52", cAR: "54", cCO: "57", cCN: "86"}

// typed writes p with the style-th template, as format does, and returns
// with it the E.164 number Rapport stores for that text: its digits after
// a '+', else the country's code and its digits without the trunk '0'.
// An Argentine mobile written without the international "9" reads as a
// landline, as the phone library reads it. TestTypedPhones checks this
// against match.NormalizePhone for every style of every country; the demo
// loader uses it so as not to parse two million numbers.
func (p *phoneSpec) typed(style int) (text, e164 string) {
	text = p.format(style)
	var buf [24]byte
	b := append(buf[:0], '+')
	if text[0] != '+' {
		b = append(b, callingCodes[p.country]...)
	}
	trunk := text[0] != '+'
	for j := 0; j < len(text); j++ {
		c := text[j]
		if c < '0' || c > '9' {
			continue
		}
		if trunk && c == '0' {
			trunk = false
			continue
		}
		trunk = false
		b = append(b, c)
	}
	return text, string(b)
}

// typedStyle picks how someone wrote a number: mostly the usual local
// way (style 0), else any of the ways.
func typedStyle(r *prng, styles []string) int {
	if r.chance(0.55) {
		return 0
	}
	return r.intn(len(styles))
}

func makePhone(r *prng, country, city int, mobile bool) phoneSpec {
	ct := &countries[country].cities[city]
	p := phoneSpec{country: int8(country), mobile: mobile}
	b := p.nsn[:0]
	length := 10
	first := byte(2) // lowest first subscriber digit
	switch country {
	case cUS: // fictional 555-01xx numbers in real area codes
		b = append(b, r.pick(ct.areas)...)
		b = append(b, "55501"...)
		p.areaLen = 3
	case cGB: // Ofcom drama ranges
		if mobile {
			b = append(b, "7700900"...)
			p.areaLen = 4
		} else {
			a := r.pick(ct.areas)
			b = append(b, a...)
			p.areaLen = 3
			if a[0] == '2' {
				p.areaLen = 2
			}
		}
	case cES:
		length = 9
		if mobile {
			if r.chance(0.8) {
				b = append(b, '6')
			} else {
				b = append(b, '7', byte('1'+r.intn(4)))
			}
			p.areaLen = 3
			first = 0
		} else {
			a := r.pick(ct.areas)
			b = append(b, a...)
			p.areaLen = int8(len(a))
		}
	case cMX:
		a := r.pick(ct.areas)
		b = append(b, a...)
		p.areaLen = int8(len(a))
	case cAR:
		a := r.pick(ct.areas)
		b = append(b, a...)
		p.areaLen = int8(len(a))
		if !mobile {
			first = 4
		}
	case cCO:
		if mobile {
			b = append(b, r.pick(coMobile)...)
			first = 0
		} else {
			b = append(b, r.pick(ct.areas)...)
		}
		p.areaLen = 3
	case cCN:
		if mobile {
			b = append(b, r.pick(cnMobile)...)
			length, p.areaLen, first = 11, 3, 0
		} else {
			a := r.pick(ct.areas)
			b = append(b, a...)
			length, p.areaLen = len(a)+8, int8(len(a))
		}
	}
	if len(b) < length && first > 0 {
		b = append(b, byte('0')+first+byte(r.intn(int(10-first))))
	}
	for len(b) < length {
		b = append(b, byte('0'+r.intn(10)))
	}
	p.n = int8(len(b))
	return p
}

// ---------------------------------------------------------------------
// Names and e-mail addresses.

// foldRune maps an accented Latin letter to its plain letter.
func foldRune(c rune) rune {
	switch c {
	case 'á', 'à', 'ä', 'â', 'ã':
		return 'a'
	case 'Á', 'À', 'Ä', 'Â', 'Ã':
		return 'A'
	case 'é', 'è', 'ë', 'ê':
		return 'e'
	case 'É', 'È', 'Ë', 'Ê':
		return 'E'
	case 'í', 'ì', 'ï', 'î':
		return 'i'
	case 'Í', 'Ì', 'Ï', 'Î':
		return 'I'
	case 'ó', 'ò', 'ö', 'ô', 'õ':
		return 'o'
	case 'Ó', 'Ò', 'Ö', 'Ô', 'Õ':
		return 'O'
	case 'ú', 'ù', 'ü', 'û':
		return 'u'
	case 'Ú', 'Ù', 'Ü', 'Û':
		return 'U'
	case 'ñ':
		return 'n'
	case 'Ñ':
		return 'N'
	case 'ç':
		return 'c'
	case 'Ç':
		return 'C'
	}
	return c
}

// appendFold appends s as lowercase ascii letters and digits, dropping
// everything else (spaces, apostrophes, hyphens, Han characters).
func appendFold(b []byte, s string) []byte {
	for _, c := range s {
		c = foldRune(c)
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b = append(b, byte(c))
		case c >= 'A' && c <= 'Z':
			b = append(b, byte(c+'a'-'A'))
		}
	}
	return b
}

// removeAccents writes s without diacritics, keeping case and spaces.
func removeAccents(s string) string {
	ascii := true
	for j := 0; j < len(s); j++ {
		if s[j] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var sb strings.Builder
	sb.Grow(len(s))
	for _, c := range s {
		sb.WriteRune(foldRune(c))
	}
	return sb.String()
}

// person is a contact's name with what e-mail addresses are made of.
type person struct {
	given, middle, family string
	female                bool
	// ascii forms for e-mail: first given name, middle, first surname,
	// initials of the given name (one per Chinese character)
	g, m, f, gi string
}

func makePerson(r *prng, l Locale) person {
	var p person
	p.female = r.chance(0.5)
	switch l {
	case localeZH:
		fam := zhFamily[r.skewed(len(zhFamily), 1.8)]
		p.family, p.f = fam.han, fam.py
		a := zhGiven[r.intn(len(zhGiven))]
		p.given, p.g, p.gi = a.han, a.py, a.py[:1]
		if r.chance(0.65) {
			b := zhGiven[r.intn(len(zhGiven))]
			if b.han != a.han {
				p.given, p.g, p.gi = a.han+b.han, a.py+b.py, a.py[:1]+b.py[:1]
			}
		}
		return p
	case localeES:
		names, middles := esGivenM, esMiddleM
		if p.female {
			names, middles = esGivenF, esMiddleF
		}
		p.given = names[r.skewed(len(names), 1.3)]
		if r.chance(0.25) {
			if m := r.pick(middles); m != p.given {
				p.middle = m
			}
		}
		first := esFamily[r.skewed(len(esFamily), 1.4)]
		p.family = first
		if r.chance(0.65) {
			if second := esFamily[r.skewed(len(esFamily), 1.4)]; second != first {
				p.family = first + " " + second
			}
		}
		p.f = slugOf(first)
	default:
		names := enGivenM
		if p.female {
			names = enGivenF
		}
		p.given = names[r.skewed(len(names), 1.3)]
		if r.chance(0.3) {
			if m := r.pick(names); m != p.given {
				p.middle = m
			}
		}
		p.family = enFamily[r.skewed(len(enFamily), 1.3)]
		p.f = slugOf(p.family)
	}
	p.g, p.m = slugOf(p.given), slugOf(p.middle)
	p.gi = p.g[:1]
	return p
}

// appendLocal appends a local part made of the person's name, in one of
// the ways companies make addresses. It contains only [a-z._].
func appendLocal(b []byte, r *prng, p *person, l Locale) []byte {
	u := r.intn(100)
	if l == localeZH {
		switch {
		case u < 35:
			return append(append(append(b, p.f...), '.'), p.g...)
		case u < 60:
			return append(append(append(b, p.g...), '.'), p.f...)
		case u < 85:
			return append(append(b, p.f...), p.g...)
		default:
			return append(append(b, p.f...), p.gi...)
		}
	}
	switch {
	case u < 50:
		return append(append(append(b, p.g...), '.'), p.f...)
	case u < 70:
		return append(append(b, p.gi...), p.f...)
	case u < 78:
		return append(append(b, p.g...), p.f...)
	case u < 82:
		return append(append(append(b, p.g...), '_'), p.f...)
	case u < 88:
		return append(b, p.g...)
	case u < 95 || p.m == "":
		return append(append(append(b, p.gi...), '.'), p.f...)
	default:
		return append(append(append(append(append(b, p.g...), '.'), p.m[0]), '.'), p.f...)
	}
}

// workEmail is unique per contact: the local part ends with "." and the
// index in base 36, and the part before the last dot has no dot-free
// suffix ambiguity.
func workEmail(r *prng, p *person, l Locale, i int, domain string) string {
	var buf [128]byte
	b := appendLocal(buf[:0], r, p, l)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(i), 36)
	b = append(b, '@')
	b = append(b, domain...)
	return string(b)
}

// personalEmail is unique per contact: a name without digits followed by
// the decimal index, or (some qq.com users) a 9-digit number that is a
// bijection of the index.
func personalEmail(r *prng, p *person, l Locale, i int, country int) string {
	co := &countries[country]
	domain := co.personal[r.pickW(co.personalW)]
	var buf [128]byte
	var b []byte
	if domain == "qq.com" && r.chance(0.5) {
		b = strconv.AppendInt(buf[:0], int64(100000000+(uint64(i)*48271)%900000000), 10)
	} else {
		b = appendLocal(buf[:0], r, p, l)
		b = strconv.AppendInt(b, int64(i), 10)
	}
	b = append(b, '@')
	b = append(b, domain...)
	return string(b)
}

// ---------------------------------------------------------------------
// Contacts.

// contactHead draws the first three numbers of contact i's stream: whether
// it is a duplicate, its account and its original.
func (g *Generator) contactHead(i int) (r prng, dup bool, accU, tgtU float64) {
	r = rec(g.kCon, i)
	dupU := r.float()
	accU, tgtU = r.float(), r.float()
	return r, i > 0 && dupU < duplicateRate, accU, tgtU
}

// origin returns the non-duplicate contact that contact i is (or copies).
func (g *Generator) origin(i int) int {
	for {
		_, dup, _, tgtU := g.contactHead(i)
		if !dup {
			return i
		}
		i = scale(i, tgtU)
	}
}

// contactBasics continues contact i's stream r after contactHead: its
// account and locale.
func (g *Generator) contactBasics(r *prng, accU float64) (account int, loc, acctLoc Locale) {
	account = scale(g.c.Accounts, accU*accU) // big accounts have many contacts
	switchU, li := r.float(), r.pickW(localeW)
	acctLoc = g.acctLocale(account)
	loc = acctLoc
	if switchU < foreignLocaleRate {
		loc = locales[li]
	}
	return account, loc, acctLoc
}

// contactAccountLocale is the account and locale of the non-duplicate
// contact i, without the rest.
func (g *Generator) contactAccountLocale(i int) (int, Locale) {
	r, _, accU, _ := g.contactHead(i)
	a, l, _ := g.contactBasics(&r, accU)
	return a, l
}

// contactExtra is what a duplicate needs to vary its original.
type contactExtra struct {
	work, mobile        phoneSpec
	hasWork, hasMobile  bool
	workStyle, mobStyle int
}

func (g *Generator) baseContact(i int) (Contact, contactExtra) {
	r, _, accU, _ := g.contactHead(i)
	account, loc, acctLoc := g.contactBasics(&r, accU)
	ar := rec(g.kAcc, account)
	ac := g.core(&ar, account)

	country := ac.country
	if loc != acctLoc && r.chance(0.4) || loc == acctLoc && r.chance(0.1) {
		country = countryFor(&r, loc)
	}
	co := &countries[country]
	city := ac.city
	if country != ac.country || r.chance(0.3) {
		city = r.skewed(len(co.cities), 1.5)
	}
	li := localeIdx(loc)
	p := makePerson(&r, loc)
	c := Contact{
		Index:        i,
		Locale:       loc,
		Given:        p.given,
		Middle:       p.middle,
		Family:       p.family,
		Language:     string(loc),
		TimeZone:     co.cities[city].tz,
		AccountIndex: account,
		DuplicateOf:  -1,
	}
	role := r.pickW(roleW)
	c.Role = roles[role]
	t := &jobTitles[li][role]
	k := r.intn(len(t.m))
	c.JobTitle = t.m[k]
	if p.female && t.f != nil {
		c.JobTitle = t.f[k]
	}
	c.Email = workEmail(&r, &p, loc, i, ac.domain)
	if r.chance([...]float64{0.25, 0.25, 0.3}[li]) {
		c.Email2 = personalEmail(&r, &p, loc, i, country)
	}
	var x contactExtra
	if r.chance(0.75) {
		x.work, x.hasWork = makePhone(&r, country, city, false), true
		x.workStyle = typedStyle(&r, x.work.styles())
		c.Phone, c.PhoneE164 = x.work.typed(x.workStyle)
	}
	if r.chance(0.6) {
		x.mobile, x.hasMobile = makePhone(&r, country, city, true), true
		x.mobStyle = typedStyle(&r, x.mobile.styles())
		c.Mobile, c.MobileE164 = x.mobile.typed(x.mobStyle)
	}
	if r.chance(0.35) {
		c.Birthday = birthday(&r)
	}
	c.Address = makeAddress(&r, country, city, r.chance(0.5))
	c.EmailOptIn = r.chance(0.65)
	return c, x
}

func birthday(r *prng) string {
	y := r.between(1950, 2003)
	m := r.between(1, 12)
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
	if m == 2 && y%4 == 0 { // no century years in range but 2000, a leap year
		days = 29
	}
	d := r.between(1, days)
	b := make([]byte, 0, 10)
	b = strconv.AppendInt(b, int64(y), 10)
	b = append(b, '-', byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10))
	return string(b)
}

// Contact returns contact i, 0 <= i < Config().Contacts.
func (g *Generator) Contact(i int) Contact {
	checkIndex(i, g.c.Contacts, "contact")
	r, dup, _, tgtU := g.contactHead(i)
	if !dup {
		c, _ := g.baseContact(i)
		return c
	}
	j := g.origin(scale(i, tgtU))
	c, x := g.baseContact(j)
	c.Index, c.DuplicateOf = i, j
	varyDuplicate(&r, &c, &x)
	return c
}

// Ways a duplicate differs from its original.
const (
	varTypo = iota
	varAccents
	varSwap
	varPhone
	varUpper
	varOnlyEmail
)

var variantW = weights(25, 15, 10, 20, 15, 10)

func varyDuplicate(r *prng, c *Contact, x *contactExtra) {
	want := 1
	if r.chance(0.3) {
		want = 2
	}
	done := 0
	var used uint
	for tries := 0; done < want && tries < 12; tries++ {
		v := r.pickW(variantW)
		if used&(1<<v) != 0 || !applyVariant(r, v, c, x) {
			continue
		}
		used |= 1 << v
		done++
		if v == varOnlyEmail {
			break
		}
	}
	if done == 0 {
		c.Email = strings.ToUpper(c.Email)
	}
}

func applyVariant(r *prng, v int, c *Contact, x *contactExtra) bool {
	switch v {
	case varTypo:
		if c.Given == "" {
			return false
		}
		if c.Locale == localeZH {
			return zhTypo(r, c)
		}
		if r.chance(0.5) {
			s := typo(r, c.Given)
			if s != c.Given {
				c.Given = s
				return true
			}
		}
		first, rest, _ := strings.Cut(c.Family, " ")
		s := typo(r, first)
		if s == first {
			return false
		}
		if rest != "" {
			s += " " + rest
		}
		c.Family = s
		return true
	case varAccents:
		g, m, f := removeAccents(c.Given), removeAccents(c.Middle), removeAccents(c.Family)
		if g == c.Given && m == c.Middle && f == c.Family {
			return false
		}
		c.Given, c.Middle, c.Family = g, m, f
		return true
	case varSwap:
		if c.Given == "" || c.Family == "" {
			return false
		}
		c.Given, c.Family = c.Family, c.Given
		return true
	case varPhone:
		changed := false
		if x.hasWork && c.Phone != "" {
			c.Phone, c.PhoneE164 = x.work.typed(otherStyle(r, x.workStyle, len(x.work.styles())))
			changed = true
		}
		if x.hasMobile && c.Mobile != "" && (!changed || r.chance(0.5)) {
			c.Mobile, c.MobileE164 = x.mobile.typed(otherStyle(r, x.mobStyle, len(x.mobile.styles())))
			changed = true
		}
		return changed
	case varUpper:
		c.Email = strings.ToUpper(c.Email)
		return true
	case varOnlyEmail:
		*c = Contact{
			Index: c.Index, Locale: c.Locale, Email: c.Email, Language: c.Language,
			AccountIndex: c.AccountIndex, Role: c.Role, EmailOptIn: c.EmailOptIn, DuplicateOf: c.DuplicateOf,
		}
		return true
	}
	return false
}

func otherStyle(r *prng, style, n int) int {
	if n < 2 {
		return style
	}
	return (style + 1 + r.intn(n-1)) % n
}

// typo makes one realistic typing mistake in s (never in its first
// letter): two letters swapped, one dropped, one replaced by a neighbour
// on the keyboard, or one doubled.
func typo(r *prng, s string) string {
	rs := []rune(s)
	n := len(rs)
	if n < 3 {
		return s
	}
	for range 6 {
		k := 1 + r.intn(n-1)
		if !unicode.IsLetter(rs[k]) {
			continue
		}
		switch r.intn(4) {
		case 0:
			if k+1 < n && unicode.IsLetter(rs[k+1]) && rs[k] != rs[k+1] {
				rs[k], rs[k+1] = rs[k+1], rs[k]
				return string(rs)
			}
		case 1:
			if n >= 4 {
				return string(rs[:k]) + string(rs[k+1:])
			}
		case 2:
			base := unicode.ToLower(foldRune(rs[k]))
			if base < 'a' || base > 'z' {
				continue
			}
			nb := keyNeighbours[base-'a']
			c := rune(nb[r.intn(len(nb))])
			if unicode.IsUpper(rs[k]) {
				c = unicode.ToUpper(c)
			}
			if c != rs[k] {
				rs[k] = c
				return string(rs)
			}
		case 3:
			return string(rs[:k+1]) + string(rs[k:])
		}
	}
	return s
}

// zhTypo replaces one character of a Chinese name by a homophone (or, for
// a given name without one, by another common character).
func zhTypo(r *prng, c *Contact) bool {
	if r.chance(0.3) {
		if f, size := utf8.DecodeRuneInString(c.Family); size == len(c.Family) {
			if h := zhHomophones[f]; len(h) > 0 {
				c.Family = string(h[r.intn(len(h))])
				return true
			}
		}
	}
	rs := []rune(c.Given)
	if len(rs) == 0 {
		return false
	}
	k := r.intn(len(rs))
	if h := zhHomophones[rs[k]]; len(h) > 0 {
		rs[k] = h[r.intn(len(h))]
	} else {
		for {
			n, _ := utf8.DecodeRuneInString(zhGiven[r.intn(len(zhGiven))].han)
			if n != rs[k] {
				rs[k] = n
				break
			}
		}
	}
	c.Given = string(rs)
	return true
}

// ---------------------------------------------------------------------
// Activities.

var (
	activityTypes = []ActivityType{actNote, actTask, actCall, actMeeting, actEmail}
	activityW     = weights(20, 15, 25, 10, 30)
	outcomes      = []string{"connected", "voicemail", "no_answer", "busy"}
	outcomeW      = weights(60, 20, 15, 5)
	priorities    = []string{"low", "normal", "high"}
	priorityW     = weights(25, 55, 20)
	meetingMins   = []int{15, 30, 30, 45, 60, 60, 90, 120}
)

// fill replaces {t} in tpl by topic and {n} by next.
func fill(tpl, topic, next string) string {
	var sb strings.Builder
	sb.Grow(len(tpl) + len(topic) + len(next))
	for {
		j := strings.IndexByte(tpl, '{')
		if j < 0 || j+2 >= len(tpl) || tpl[j+2] != '}' {
			sb.WriteString(tpl)
			return sb.String()
		}
		sb.WriteString(tpl[:j])
		switch tpl[j+1] {
		case 't':
			sb.WriteString(topic)
		case 'n':
			sb.WriteString(next)
		}
		tpl = tpl[j+3:]
	}
}

// Activity returns activity i, 0 <= i < Config().Activities.
func (g *Generator) Activity(i int) Activity {
	checkIndex(i, g.c.Activities, "activity")
	r := rec(g.kAct, i)
	ci := r.skewed(g.c.Contacts, 1.6)
	account, loc := g.contactAccountLocale(g.origin(ci))
	tx := &activityTexts[localeIdx(loc)]
	a := Activity{
		Index:        i,
		Type:         activityTypes[r.pickW(activityW)],
		ContactIndex: ci,
		AccountIndex: account,
	}
	// Activities run in time order (activity 0 is the oldest), with the
	// same skew towards recent months as a random draw would give; a
	// loader then appends to its time indexes instead of scattering.
	q := 1 - (float64(i)+r.float())/float64(g.c.Activities)
	age := int64(float64(activitySpan) * math.Pow(max(q, 0), 1.8))
	a.At = g.c.Now - age
	topic, next := r.pick(tx.topics), r.pick(tx.nexts)
	subj, body := tx.note, tx.noteBody
	switch a.Type {
	case actTask:
		subj, body = tx.task, tx.taskBody
		a.Priority = priorities[r.pickW(priorityW)]
		if age < 14*86400 {
			a.Done = r.chance(0.3)
		} else {
			a.Done = r.chance(0.93)
		}
	case actCall:
		a.Direction = "outbound"
		if r.chance(0.3) {
			a.Direction = "inbound"
		}
		a.Outcome = outcomes[r.pickW(outcomeW)]
		switch a.Outcome {
		case "connected":
			subj, body = tx.call, tx.callBody
			a.DurationSec = r.between(60, 2400)
		case "voicemail":
			subj, body = tx.voicemail, tx.voicemailBody
			a.DurationSec = r.between(15, 90)
		default:
			subj, body = tx.missed, tx.missedBody
		}
	case actMeeting:
		subj, body = tx.meeting, tx.meetingBody
		a.DurationSec = 60 * meetingMins[r.intn(len(meetingMins))]
	case actEmail:
		subj, body = tx.email, tx.emailBody
	}
	a.Subject = fill(r.pick(subj), topic, next)
	a.Body = fill(r.pick(body), topic, next)
	return a
}
