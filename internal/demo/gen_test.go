package demo

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // time zones without the system's database
	"unicode"

	"github.com/rapport-crm/rapport/internal/match"
)

const testNow = 1767225600 // 2026-01-01T00:00:00Z

func testGen(seed int64, accounts, contacts, activities int) *Generator {
	return New(Config{Seed: seed, Accounts: accounts, Contacts: contacts, Activities: activities, Now: testNow})
}

// big is shared by the tests that need many records (the generator is
// safe for concurrent use and holds no state).
var big = testGen(42, 20_000, 100_000, 50_000)

var (
	allowedIndustries    = industries
	allowedSizes         = sizes
	allowedRelationships = relationships
	allowedRoles         = roles
	localeCountries      = map[Locale][]string{"en": {"US", "GB"}, "es": {"ES", "MX", "AR", "CO"}, "zh": {"CN"}}
	allCountries         = []string{"US", "GB", "ES", "MX", "AR", "CO", "CN"}
	domainRe             = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.[a-z]{2,}$`)
	workEmailRe          = regexp.MustCompile(`^[a-z._]+\.[0-9a-z]+@([a-z0-9.-]+)$`)
	personalEmailRe      = regexp.MustCompile(`^([a-z._]+[0-9]+|[1-9][0-9]{8})@[a-z0-9.]+\.[a-z]+$`)
	phoneRe              = regexp.MustCompile(`^\+?[0-9 ()./\-]{3,40}$`) // records.Field Phone validation
)

func hasHan(s string) bool {
	for _, c := range s {
		if unicode.Is(unicode.Han, c) {
			return true
		}
	}
	return false
}

// nsn checks that phone is a well-formed number of country written as
// someone there would, and returns its national significant number.
func nsn(t *testing.T, country, phone string) string {
	t.Helper()
	if !phoneRe.MatchString(phone) {
		t.Fatalf("phone %q does not match the phone field's pattern", phone)
	}
	var d []byte
	for j := 0; j < len(phone); j++ {
		if c := phone[j]; c >= '0' && c <= '9' {
			d = append(d, c)
		}
	}
	s := string(d)
	intl := strings.HasPrefix(phone, "+")
	cc := map[string]string{"US": "1", "GB": "44", "ES": "34", "MX": "52", "AR": "54", "CO": "57", "CN": "86"}[country]
	if intl {
		if !strings.HasPrefix(s, cc) {
			t.Fatalf("%s phone %q lacks +%s", country, phone, cc)
		}
		s = s[len(cc):]
		if country == "AR" {
			s = strings.TrimPrefix(s, "9") // mobile
		}
	} else if country == "GB" || (country == "AR" || country == "CN") && strings.HasPrefix(s, "0") {
		if s[0] != '0' {
			t.Fatalf("%s phone %q lacks the trunk prefix 0", country, phone)
		}
		s = s[1:]
	}
	want := map[string]int{"US": 10, "GB": 10, "ES": 9, "MX": 10, "AR": 10, "CO": 10}[country]
	ok := len(s) == want
	switch country {
	case "US":
		ok = ok && s[3:8] == "55501"
	case "GB":
		ok = ok && (strings.HasPrefix(s, "7700900") || strings.Contains(s[:7], "4960") || strings.Contains(s[:7], "4980") || strings.HasPrefix(s, "2079460") || strings.HasPrefix(s, "2920180") || strings.HasPrefix(s, "2890180"))
	case "ES":
		ok = ok && strings.ContainsRune("6789", rune(s[0]))
	case "CO":
		ok = ok && (s[0] == '3' || strings.HasPrefix(s, "60"))
	case "CN":
		mobile := len(s) == 11 && (strings.HasPrefix(s, "13") || strings.HasPrefix(s, "15") || strings.HasPrefix(s, "18"))
		beijing := len(s) == 10 && strings.HasPrefix(s, "10")
		land := (len(s) == 10 || len(s) == 11) && s[0] != '1'
		ok = mobile || beijing || land
	}
	if !ok {
		t.Fatalf("%s phone %q has a bad national number %q", country, phone, s)
	}
	return s
}

func checkAddress(t *testing.T, a Address, l Locale) {
	t.Helper()
	if a.Street == "" || a.City == "" || a.Region == "" || a.PostalCode == "" {
		t.Fatalf("incomplete address %+v", a)
	}
	if !slices.Contains(allCountries, a.Country) {
		t.Fatalf("address country %q", a.Country)
	}
	if a.Country == "CN" && !hasHan(a.Street+a.City) {
		t.Fatalf("Chinese address without Han characters: %+v", a)
	}
}

func TestDeterminism(t *testing.T) {
	a, b := testGen(7, 1000, 5000, 5000), testGen(7, 1000, 5000, 5000)
	// b generates backwards and in parallel: order must not matter.
	accs := make([]Account, 1000)
	cons := make([]Contact, 5000)
	acts := make([]Activity, 5000)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 4999 - w; i >= 0; i -= 4 {
				cons[i] = b.Contact(i)
				acts[i] = b.Activity(i)
				if i < 1000 {
					accs[i] = b.Account(i)
				}
			}
		})
	}
	wg.Wait()
	for i := range 5000 {
		if i < 1000 && a.Account(i) != accs[i] {
			t.Fatalf("account %d differs: %+v vs %+v", i, a.Account(i), accs[i])
		}
		if a.Contact(i) != cons[i] {
			t.Fatalf("contact %d differs: %+v vs %+v", i, a.Contact(i), cons[i])
		}
		if a.Activity(i) != acts[i] {
			t.Fatalf("activity %d differs", i)
		}
		if a.Contact(i) != a.Contact(i) {
			t.Fatalf("contact %d differs between calls", i)
		}
	}
	// A different seed gives different data.
	c := testGen(8, 1000, 5000, 5000)
	same := 0
	for i := range 1000 {
		if a.Account(i).Name == c.Account(i).Name {
			same++
		}
		if a.Contact(i).Email == c.Contact(i).Email {
			same++
		}
		if a.Activity(i).At == c.Activity(i).At {
			same++
		}
	}
	if same > 30 {
		t.Fatalf("seeds 7 and 8 share %d of 3000 values", same)
	}
	// The number of accounts changes the data but not the seed's identity.
	if got := testGen(7, 1000, 0, 0).Account(5); got != a.Account(5) {
		t.Fatalf("account 5 depends on the contact count")
	}
}

func TestNew(t *testing.T) {
	g := New(Config{Seed: 1, Accounts: -3, Activities: 10})
	if c := g.Config(); c.Accounts != 1 || c.Contacts != 1 || c.Activities != 10 {
		t.Fatalf("config %+v", c)
	}
	g.Activity(9)
	for _, f := range []func(){func() { g.Account(1) }, func() { g.Contact(-1) }, func() { g.Activity(10) }} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("out-of-range index did not panic")
				}
			}()
			f()
		}()
	}
	// Tiny workspaces work too.
	g = testGen(3, 1, 3, 5)
	for i := range 5 {
		if a := g.Activity(i); a.ContactIndex >= 3 || a.AccountIndex != 0 {
			t.Fatalf("activity %+v", a)
		}
	}
}

func TestAccounts(t *testing.T) {
	g := big
	n := g.Config().Accounts
	locales := map[Locale]int{}
	var subs, inactive, custProspect, big100 int
	for i := range n {
		a := g.Account(i)
		locales[a.Locale]++
		if a.Index != i || a.Name == "" {
			t.Fatalf("account %d: %+v", i, a)
		}
		if !slices.Contains(allowedIndustries, a.Industry) || !slices.Contains(allowedSizes, a.Size) ||
			!slices.Contains(allowedRelationships, a.Relationship) || (a.Status != "active" && a.Status != "inactive") {
			t.Fatalf("account %d has a value out of its set: %+v", i, a)
		}
		if !domainRe.MatchString(a.Domain) || a.Website != "https://www."+a.Domain {
			t.Fatalf("account %d: domain %q, website %q", i, a.Domain, a.Website)
		}
		if !slices.Contains(localeCountries[a.Locale], a.Billing.Country) || !slices.Contains(localeCountries[a.Locale], a.Shipping.Country) {
			t.Fatalf("account %d: locale %s in %s", i, a.Locale, a.Billing.Country)
		}
		checkAddress(t, a.Billing, a.Locale)
		checkAddress(t, a.Shipping, a.Locale)
		nsn(t, a.Billing.Country, a.Phone)
		if a.Locale == "zh" && !hasHan(a.Name) || a.Locale != "zh" && hasHan(a.Name) {
			t.Fatalf("account %d: %s name %q", i, a.Locale, a.Name)
		}
		if a.ParentIndex != -1 {
			if a.ParentIndex < 0 || a.ParentIndex >= i {
				t.Fatalf("account %d has parent %d", i, a.ParentIndex)
			}
			p := g.Account(a.ParentIndex)
			if p.Domain != a.Domain || p.Locale != a.Locale || p.Industry != a.Industry {
				t.Fatalf("subsidiary %+v of %+v", a, p)
			}
			subs++
		}
		if a.Status == "inactive" {
			inactive++
		}
		if a.Relationship == "customer" || a.Relationship == "prospect" {
			custProspect++
		}
		if i < n/100 && (a.Size == "1001-5000" || a.Size == "5000+") {
			big100++
		}
	}
	for l, want := range map[Locale]float64{"en": 0.5, "es": 0.3, "zh": 0.2} {
		if got := float64(locales[l]) / float64(n); math.Abs(got-want) > 0.05 {
			t.Errorf("locale %s: %.3f of accounts, want %.2f±0.05", l, got, want)
		}
	}
	if f := float64(subs) / float64(n); f < 0.035 || f > 0.065 {
		t.Errorf("subsidiaries: %.3f, want about 0.05", f)
	}
	if f := float64(inactive) / float64(n); f > 0.2 {
		t.Errorf("inactive: %.3f", f)
	}
	if f := float64(custProspect) / float64(n); f < 0.7 {
		t.Errorf("customers and prospects: %.3f", f)
	}
	if big100 < n/100/2 {
		t.Errorf("only %d of the first 1%% of accounts are big", big100)
	}
}

// Companies other than subsidiaries (which share their parent's domain)
// and city governments (which share their city's) have distinct domains.
func TestAccountDomainsUnique(t *testing.T) {
	g := testGen(99, 200_000, 0, 0)
	n := 50_000
	if testing.Short() {
		n = 10_000
	}
	seen := make(map[string]int, n)
	for i := range n {
		a := g.Account(i)
		if a.ParentIndex >= 0 || a.Industry == "government" {
			continue
		}
		if j, ok := seen[a.Domain]; ok {
			t.Fatalf("accounts %d (%s) and %d (%s) share %s", j, g.Account(j).Name, i, a.Name, a.Domain)
		}
		seen[a.Domain] = i
	}
}

func TestContacts(t *testing.T) {
	g := big
	n := g.Config().Contacts
	emails := make(map[string]int, n*5/4)
	zones := map[string]bool{}
	var dups, sameLocale, nonDups, accented, withMiddle, twoSurnames int
	perAccount := map[int]int{}
	for i := range n {
		c := g.Contact(i)
		if c.Index != i || c.Language != string(c.Locale) || !slices.Contains(allowedRoles, c.Role) {
			t.Fatalf("contact %d: %+v", i, c)
		}
		if c.AccountIndex < 0 || c.AccountIndex >= g.Config().Accounts {
			t.Fatalf("contact %d: account %d", i, c.AccountIndex)
		}
		perAccount[c.AccountIndex]++
		if c.DuplicateOf != -1 {
			dups++
			o := g.Contact(c.DuplicateOf)
			if c.DuplicateOf < 0 || c.DuplicateOf >= i || o.DuplicateOf != -1 {
				t.Fatalf("contact %d duplicates %d (%+v)", i, c.DuplicateOf, o)
			}
			if o.AccountIndex != c.AccountIndex || !strings.EqualFold(o.Email, c.Email) || o.Locale != c.Locale {
				t.Fatalf("duplicate %+v of %+v", c, o)
			}
			o.Index, o.DuplicateOf = c.Index, c.DuplicateOf
			if o == c {
				t.Fatalf("duplicate %d is identical to %d", i, c.DuplicateOf)
			}
			continue
		}
		nonDups++
		a := g.Account(c.AccountIndex)
		if c.Locale == a.Locale {
			sameLocale++
		}
		if c.Given == "" || c.Family == "" || c.JobTitle == "" || c.Middle == c.Given {
			t.Fatalf("contact %d: %+v", i, c)
		}
		if c.Middle != "" {
			withMiddle++
		}
		if c.Locale == "es" && strings.Contains(c.Family, " ") {
			twoSurnames++
		}
		if c.Locale == "zh" {
			if !hasHan(c.Given) || !hasHan(c.Family) || !hasHan(c.JobTitle) || c.Middle != "" {
				t.Fatalf("Chinese contact %d: %+v", i, c)
			}
		} else if hasHan(c.Given + c.Middle + c.Family + c.JobTitle) {
			t.Fatalf("contact %d: %+v", i, c)
		}
		if removeAccents(c.Given+c.Middle+c.Family) != c.Given+c.Middle+c.Family {
			accented++
		}
		m := workEmailRe.FindStringSubmatch(c.Email)
		if m == nil || m[1] != a.Domain {
			t.Fatalf("contact %d at %s: e-mail %q", i, a.Domain, c.Email)
		}
		if c.Email2 != "" && !personalEmailRe.MatchString(c.Email2) {
			t.Fatalf("contact %d: personal e-mail %q", i, c.Email2)
		}
		for _, e := range []string{c.Email, c.Email2} {
			if e == "" {
				continue
			}
			if j, ok := emails[e]; ok {
				t.Fatalf("contacts %d and %d share %s", j, i, e)
			}
			emails[e] = i
		}
		if !zones[c.TimeZone] {
			if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "" {
				t.Fatalf("contact %d: time zone %q: %v", i, c.TimeZone, err)
			}
			zones[c.TimeZone] = true
		}
		if c.Birthday != "" {
			b, err := time.Parse("2006-01-02", c.Birthday)
			if err != nil || b.Year() < 1950 || b.Year() > 2003 {
				t.Fatalf("contact %d: birthday %q", i, c.Birthday)
			}
		}
		checkAddress(t, c.Address, c.Locale)
		if c.Phone != "" {
			nsn(t, c.Address.Country, c.Phone)
		}
		if c.Mobile != "" {
			s := nsn(t, c.Address.Country, c.Mobile)
			switch c.Address.Country {
			case "ES":
				if s[0] != '6' && s[0] != '7' {
					t.Fatalf("Spanish mobile %q", c.Mobile)
				}
			case "CO":
				if s[0] != '3' {
					t.Fatalf("Colombian mobile %q", c.Mobile)
				}
			case "CN":
				if len(s) != 11 || s[0] != '1' {
					t.Fatalf("Chinese mobile %q", c.Mobile)
				}
			}
		}
	}
	if f := float64(dups) / float64(n); f < 0.015 || f > 0.025 {
		t.Errorf("duplicates: %.4f of contacts, want about 0.02", f)
	}
	if f := float64(sameLocale) / float64(nonDups); f < 0.88 || f > 0.96 {
		t.Errorf("contacts in their account's locale: %.3f, want about 0.9", f)
	}
	if accented < nonDups/10 || withMiddle < nonDups/10 || twoSurnames < nonDups/10 {
		t.Errorf("%d accented names, %d middle names, %d double surnames", accented, withMiddle, twoSurnames)
	}
	// Contacts are skewed towards some big accounts.
	most := 0
	for _, k := range perAccount {
		most = max(most, k)
	}
	if avg := float64(n) / float64(g.Config().Accounts); float64(most) < 20*avg {
		t.Errorf("the biggest account has %d contacts, average %.1f", most, avg)
	}
}

func TestDuplicateVariants(t *testing.T) {
	g := big
	seen := map[string]int{}
	for i := range g.Config().Contacts {
		c := g.Contact(i)
		if c.DuplicateOf < 0 {
			continue
		}
		o := g.Contact(c.DuplicateOf)
		switch {
		case c.Given == "" && c.Phone == "" && c.Address == (Address{}):
			seen["only e-mail"]++
		case c.Given == o.Family && c.Family == o.Given && c.Given != c.Family:
			seen["swapped"]++
		case c.Locale != "zh" && c.Given+c.Family != o.Given+o.Family && removeAccents(o.Given+o.Middle+o.Family) == c.Given+c.Middle+c.Family:
			seen["accents"]++
		case c.Given != o.Given || c.Family != o.Family:
			seen["typo"]++
		}
		if c.Email != o.Email {
			seen["upper"]++
			if c.Email != strings.ToUpper(o.Email) {
				t.Fatalf("duplicate e-mail %q of %q", c.Email, o.Email)
			}
		}
		if c.Phone != o.Phone && c.Phone != "" || c.Mobile != o.Mobile && c.Mobile != "" {
			seen["phone"]++
			if c.Phone != "" && nsn(t, c.Address.Country, c.Phone) != nsn(t, o.Address.Country, o.Phone) {
				t.Fatalf("duplicate phone %q of %q is another number", c.Phone, o.Phone)
			}
		}
		if c.Locale == "zh" && c.Given != "" && !hasHan(c.Given+c.Family) {
			t.Fatalf("Chinese duplicate %+v", c)
		}
	}
	for _, k := range []string{"only e-mail", "swapped", "accents", "typo", "upper", "phone"} {
		if seen[k] < 20 {
			t.Errorf("only %d duplicates of kind %q: %v", seen[k], k, seen)
		}
	}
}

func TestActivities(t *testing.T) {
	g := big
	n := g.Config().Activities
	span := int64(activitySpan)
	var lastYear, firstYear int
	types := map[ActivityType]int{}
	for i := range n {
		a := g.Activity(i)
		types[a.Type]++
		if a.Index != i || a.ContactIndex < 0 || a.ContactIndex >= g.Config().Contacts {
			t.Fatalf("activity %+v", a)
		}
		c := g.Contact(a.ContactIndex)
		if a.AccountIndex != c.AccountIndex {
			t.Fatalf("activity %d: account %d, contact's %d", i, a.AccountIndex, c.AccountIndex)
		}
		if a.At < testNow-span || a.At > testNow {
			t.Fatalf("activity %d at %d", i, a.At)
		}
		if a.At > testNow-span/3 {
			lastYear++
		} else if a.At < testNow-2*span/3 {
			firstYear++
		}
		if a.Subject == "" || a.Body == "" || strings.Contains(a.Subject+a.Body, "{") {
			t.Fatalf("activity %d: %q %q", i, a.Subject, a.Body)
		}
		if c.Locale == "zh" != hasHan(a.Subject) || c.Locale == "zh" != hasHan(a.Body) {
			t.Fatalf("activity %d for a %s contact: %q %q", i, c.Locale, a.Subject, a.Body)
		}
		switch a.Type {
		case "call":
			if !slices.Contains([]string{"inbound", "outbound"}, a.Direction) || !slices.Contains([]string{"connected", "voicemail", "no_answer", "busy"}, a.Outcome) ||
				a.Outcome == "connected" && a.DurationSec < 60 || a.Priority != "" {
				t.Fatalf("call %+v", a)
			}
		case "meeting":
			if a.DurationSec < 900 || a.Direction != "" || a.Outcome != "" || a.Priority != "" {
				t.Fatalf("meeting %+v", a)
			}
		case "task":
			if !slices.Contains([]string{"low", "normal", "high"}, a.Priority) || a.DurationSec != 0 || a.Direction != "" {
				t.Fatalf("task %+v", a)
			}
		case "note", "email":
			if a.DurationSec != 0 || a.Direction != "" || a.Outcome != "" || a.Priority != "" || a.Done {
				t.Fatalf("%s %+v", a.Type, a)
			}
		default:
			t.Fatalf("activity type %q", a.Type)
		}
	}
	if len(types) != 5 {
		t.Errorf("types %v", types)
	}
	if lastYear < 2*firstYear {
		t.Errorf("%d activities in the last year, %d in the first", lastYear, firstYear)
	}
}

// Data tables: what the generator's uniqueness and parsing rely on.
func TestTables(t *testing.T) {
	nsnLen := func(country, areaLen int, mobile bool) int {
		switch country {
		case cES:
			return 9
		case cCN:
			if mobile {
				return 11
			}
			return areaLen + 8
		}
		return 10
	}
	for country, f := range phoneFormats {
		for mob, lists := range [][5][]string{f.land, f.mobile} {
			for areaLen, list := range lists {
				for _, tpl := range list {
					if got, want := strings.Count(tpl, "#"), nsnLen(country, areaLen, mob == 1); got != want {
						t.Errorf("country %d template %q has %d digits, want %d", country, tpl, got, want)
					}
					if !phoneRe.MatchString(strings.ReplaceAll(tpl, "#", "5")) {
						t.Errorf("template %q", tpl)
					}
				}
			}
		}
	}
	if len(zhFamily) < 100 {
		t.Errorf("%d Chinese surnames", len(zhFamily))
	}
	fam := map[string]bool{}
	for _, f := range zhFamily {
		fam[f.han] = true
	}
	for _, g := range zhGiven {
		if fam[g.han] {
			t.Errorf("%s is both a surname and a given-name character", g.han)
		}
	}
	tags := map[string]bool{}
	for _, list := range zhNouns {
		for _, n := range list {
			if tags[n.py] {
				t.Errorf("Chinese industry tag %q is used twice", n.py)
			}
			tags[n.py] = true
		}
	}
	for _, w := range enWords {
		for _, p := range enPrefixes {
			if rest, ok := strings.CutPrefix(w, p); ok && slices.Contains(enSuffixes, rest) {
				t.Errorf("word %q is also a compound", w)
			}
		}
	}
	brands := map[string]bool{}
	for _, s := range brandStarts {
		for _, e := range brandVowelEnds {
			brands[s+e] = true
		}
		for _, m := range brandMiddles {
			for _, e := range brandConsonantEnds {
				if brands[s+m+e] {
					t.Errorf("brand %q can be read two ways", s+m+e)
				}
				brands[s+m+e] = true
			}
		}
	}
	for _, list := range [][]string{enGivenM, enGivenF, enFamily, esGivenM, esGivenF, esFamily} {
		seen := map[string]bool{}
		for _, s := range list {
			if seen[s] {
				t.Errorf("%q is listed twice", s)
			}
			seen[s] = true
		}
	}
	for _, s := range []string{"José", "María", "Núñez", "Peña", "Ibáñez", "Muñoz"} {
		if !slices.Contains(esGivenM, s) && !slices.Contains(esGivenF, s) && !slices.Contains(esFamily, s) {
			t.Errorf("%s is missing", s)
		}
	}
	for _, co := range countries {
		for _, ct := range co.cities {
			if _, err := time.LoadLocation(ct.tz); err != nil {
				t.Errorf("%s: %v", ct.name, err)
			}
		}
	}
}

func TestTypo(t *testing.T) {
	r := rec(1, 2)
	for range 1000 {
		for _, s := range []string{"José", "Hernández", "O'Brien", "Smith"} {
			got := typo(&r, s)
			if got == s {
				continue
			}
			d := len([]rune(got)) - len([]rune(s))
			if d < -1 || d > 1 {
				t.Fatalf("typo of %q: %q", s, got)
			}
		}
	}
	if got := removeAccents("José Núñez Ibáñez"); got != "Jose Nunez Ibanez" {
		t.Fatalf("removeAccents: %q", got)
	}
}

func BenchmarkAccount(b *testing.B) {
	g := testGen(1, 200_000, 1_000_000, 5_000_000)
	i := 0
	for b.Loop() {
		g.Account(i % 200_000)
		i++
	}
}

func BenchmarkContact(b *testing.B) {
	g := testGen(1, 200_000, 1_000_000, 5_000_000)
	i := 0
	for b.Loop() {
		g.Contact(i % 1_000_000)
		i++
	}
}

func BenchmarkActivity(b *testing.B) {
	g := testGen(1, 200_000, 1_000_000, 5_000_000)
	i := 0
	for b.Loop() {
		g.Activity(i % 5_000_000)
		i++
	}
}

// TestTypedPhones checks the E.164 number the generator gives with each
// phone against what the importer and the API store for the same text:
// every way of writing a number of each kind in each country, and the
// phones of generated accounts and contacts, duplicates included.
func TestTypedPhones(t *testing.T) {
	check := func(text, e164, country string) {
		t.Helper()
		want, err := match.NormalizePhone(text, country)
		if err != nil || want != e164 {
			t.Fatalf("%s %q: generator says %q, NormalizePhone says %q (%v)", country, text, e164, want, err)
		}
	}
	n := 0
	for country := range countries {
		for city := range countries[country].cities {
			for _, mobile := range []bool{false, true} {
				r := rec(99, country*1000+city*2+map[bool]int{false: 0, true: 1}[mobile])
				for range 20 {
					p := makePhone(&r, country, city, mobile)
					for style := range p.styles() {
						text, e164 := p.typed(style)
						if text != p.format(style) {
							t.Fatalf("typed gives %q, format %q", text, p.format(style))
						}
						check(text, e164, countries[country].code)
						n++
					}
				}
			}
		}
	}
	g := testGen(7, 2000, 20000, 0)
	for i := range 2000 {
		a := g.Account(i)
		check(a.Phone, a.PhoneE164, a.Billing.Country)
	}
	dups := 0
	for i := range 20000 {
		c := g.Contact(i)
		if c.DuplicateOf >= 0 {
			dups++
		}
		if c.Phone != "" {
			check(c.Phone, c.PhoneE164, c.Address.Country)
		} else if c.PhoneE164 != "" {
			t.Fatalf("contact %d: no phone but E.164 %q", i, c.PhoneE164)
		}
		if c.Mobile != "" {
			check(c.Mobile, c.MobileE164, c.Address.Country)
		} else if c.MobileE164 != "" {
			t.Fatalf("contact %d: no mobile but E.164 %q", i, c.MobileE164)
		}
	}
	if n < 1000 || dups < 100 {
		t.Fatalf("checked %d styled numbers and %d duplicates", n, dups)
	}
}
