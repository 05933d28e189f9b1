package server

import (
	"fmt"
	"html"
	"html/template"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/customers"
	"github.com/rapport-crm/rapport/internal/errs"
	"github.com/rapport-crm/rapport/internal/money"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
	"github.com/rapport-crm/rapport/internal/web"
)

// The sales pages: the deals board, the forecast, lead conversion and
// the sales settings (pipelines, lead scoring and assignment, quotas).
// They call the same service as the REST API.

func (s *Server) registerSalesPages() {
	m := s.Mux
	m.Handle("GET /sales", http.RedirectHandler("/deals", http.StatusSeeOther))
	m.Handle("GET /deals", s.page(s.boardPage))
	m.Handle("POST /deals/{id}/move", s.page(s.moveDealPage))
	m.Handle("POST /deals/{id}/contacts/{contact}", s.action(func(r *http.Request, p *auth.Principal) error {
		_, err := s.Sales.SetContactRole(r.Context(), p, r.PathValue("id"), r.PathValue("contact"), r.PostFormValue("role"))
		return err
	}, "msg.saved", func(r *http.Request) string { return "/o/deals/" + r.PathValue("id") + "#deal-contacts" }))
	m.Handle("GET /forecast", s.page(s.forecastPage))
	m.Handle("GET /o/leads/{id}/convert", s.page(s.convertPage))
	m.Handle("POST /o/leads/{id}/convert", s.page(s.convertPage))
	m.Handle("GET /settings/pipelines", s.page(s.pipelinesPage))
	m.Handle("POST /settings/pipelines", s.page(s.pipelinesPage))
	m.Handle("GET /settings/pipelines/{id}", s.page(s.pipelineFormPage))
	m.Handle("POST /settings/pipelines/{id}", s.page(s.pipelineFormPage))
	m.Handle("POST /settings/pipelines/{id}/delete", s.action(func(r *http.Request, p *auth.Principal) error {
		return s.Sales.DeletePipeline(r.Context(), p, r.PathValue("id"))
	}, "sales.pipeline_deleted", func(*http.Request) string { return "/settings/pipelines" }))
	m.Handle("GET /settings/leads", s.page(s.leadRulesPage))
	m.Handle("POST /settings/leads", s.page(s.leadRulesPage))
	m.Handle("POST /settings/leads/score/{id}/delete", s.action(func(r *http.Request, p *auth.Principal) error {
		return s.Sales.DeleteScoreRule(r.Context(), p, r.PathValue("id"))
	}, "sales.rule_deleted", func(*http.Request) string { return "/settings/leads" }))
	m.Handle("POST /settings/leads/assign/{id}/delete", s.action(func(r *http.Request, p *auth.Principal) error {
		return s.Sales.DeleteAssignmentRule(r.Context(), p, r.PathValue("id"))
	}, "sales.rule_deleted", func(*http.Request) string { return "/settings/leads" }))
	m.Handle("GET /settings/quotas", s.page(s.quotasPage))
	m.Handle("POST /settings/quotas", s.page(s.quotasPage))
}

type boardView struct {
	Tabs      []filterChip
	Board     *sales.Board
	Pipelines []*sales.Pipeline
	Filter    sales.BoardFilter
	Users     []optionView
	Stages    []*sales.Stage
	Query     string // the filter as a query string, for links back
	CanCreate bool
	CanMove   bool
	Filtered  bool
	Labels    map[string]string // deal field labels, for the board's messages
	// Specs describe the deal fields a stage may require, so the board
	// can ask for them when a drop needs them.
	Specs map[string]fieldSpec
	// MoveTo holds, per column, the options of its cards' "Move to"
	// menu with the column's stage selected: made once per column, not
	// once per card.
	MoveTo map[string]template.HTML
}

// moveOptions returns the <option>s of the stages with stage selected.
func moveOptions(stages []*sales.Stage, selected string) template.HTML {
	var b strings.Builder
	for _, st := range stages {
		b.WriteString(`<option value="` + html.EscapeString(st.ID) + `"`)
		if st.ID == selected {
			b.WriteString(" selected")
		}
		b.WriteString(">" + html.EscapeString(st.Name) + "</option>")
	}
	return template.HTML(b.String())
}

// fieldSpec is what the board's "fill in and move" form needs of a
// field.
type fieldSpec struct {
	Type    string       `json:"type"`
	Label   string       `json:"label"`
	Options []optionView `json:"options,omitempty"`
}

func (s *Server) boardPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	pls, err := s.Sales.Pipelines(ctx, p)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	pl := pls[0]
	if id := q.Get("pipeline"); id != "" {
		for _, x := range pls {
			if x.ID == id {
				pl = x
			}
		}
	}
	f := sales.BoardFilter{OwnerID: q.Get("owner_id"), Q: q.Get("q"), CloseFrom: q.Get("close_from"), CloseTo: q.Get("close_to")}
	if f.OwnerID == "me" {
		f.OwnerID = p.UserID
	}
	if f.Validate() != nil {
		// A bad filter in the address shows the whole board rather than
		// an error page; the form shows what was asked.
		f = sales.BoardFilter{}
		f.Validate()
	}
	if q.Get("part") == "heads" {
		// What the board's script reads after a move: the summary and
		// the columns' heads and feet, without cards to re-render (nor
		// to read).
		b, err := s.Sales.BoardHeads(ctx, p, pl.ID, f)
		if err != nil {
			return err
		}
		s.render.Partial(w, r, "sales/board#heads", s.newPage(r, p, s.t(r, "sales.deals"), "sales", &boardView{Board: b}))
		return nil
	}
	b, err := s.Sales.Board(ctx, p, pl.ID, f)
	if err != nil {
		return err
	}
	v := &boardView{Tabs: s.salesTabs(s.lang(r, p), p, "board"), Board: b, Pipelines: pls, Filter: f, Stages: pl.Stages,
		CanCreate: p.Can("deals", auth.ActCreate), CanMove: p.Can("deals", auth.ActUpdate),
		Filtered: f.OwnerID != "" || f.Q != "" || f.CloseFrom != "" || f.CloseTo != "", MoveTo: map[string]template.HTML{}}
	for _, st := range pl.Stages {
		v.MoveTo[st.ID] = moveOptions(pl.Stages, st.ID)
	}
	if users, err := s.Auth.ListUsers(ctx, p); err == nil {
		for _, u := range users {
			if u.Active || u.ID == f.OwnerID {
				v.Users = append(v.Users, optionView{Value: u.ID, Label: u.DisplayName(), Selected: u.ID == f.OwnerID})
			}
		}
	}
	v.Labels = map[string]string{}
	if o, err := s.Records.Object("deals"); err == nil {
		if fields, err := s.Records.Fields(ctx, s.DB, p.WorkspaceID, o); err == nil {
			lang := s.lang(r, p)
			v.Specs = map[string]fieldSpec{}
			for i := range fields {
				f := &fields[i]
				v.Labels[f.Name] = f.Label(lang, s.tr.T)
				if f.ReadOnly || f.System {
					continue
				}
				spec := fieldSpec{Type: string(f.Type), Label: v.Labels[f.Name]}
				for _, o := range f.Options {
					spec.Options = append(spec.Options, optionView{Value: o.Value, Label: o.Label(lang)})
				}
				v.Specs[f.Name] = spec
			}
		}
	}
	vals := url.Values{}
	vals.Set("pipeline", pl.ID)
	for k, x := range map[string]string{"owner_id": f.OwnerID, "q": f.Q, "close_from": f.CloseFrom, "close_to": f.CloseTo} {
		if x != "" {
			vals.Set(k, x)
		}
	}
	v.Query = vals.Encode()
	pg := s.newPage(r, p, s.t(r, "sales.deals"), "sales", v)
	s.render.Page(w, r, http.StatusOK, "sales/board", pg)
	return nil
}

// moveDealPage is the board's move without JavaScript (the card's "Move
// to" menu); with JavaScript the board calls the API instead.
func (s *Server) moveDealPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	back := safeNext(r.PostFormValue("back"))
	if back == "/" {
		back = "/deals"
	}
	_, err := s.Sales.Move(r.Context(), p, r.PathValue("id"), r.PostFormValue("_etag"), sales.MoveInput{StageID: r.PostFormValue("stage_id")})
	if err != nil {
		e, ok := errs.As(err)
		if !ok || (e.Code != errs.Invalid && e.Code != errs.PreconditionFailed) {
			return err
		}
		s.flash(r, web.FlashError, s.moveProblem(r, p, e))
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
	s.flash(r, web.FlashSuccess, s.t(r, "sales.moved"))
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// moveProblem says in the page language why a move was refused, naming
// the fields the stage needs.
func (s *Server) moveProblem(r *http.Request, p *auth.Principal, e *errs.Error) string {
	if e.Code == errs.PreconditionFailed {
		return s.t(r, "msg.stale_detail")
	}
	o, _ := s.Records.Object("deals")
	fields, _ := s.Records.Fields(r.Context(), s.DB, p.WorkspaceID, o)
	lang := s.lang(r, p)
	var names []string
	for _, fe := range e.Fields {
		n := strings.TrimPrefix(strings.TrimPrefix(fe.Location, "body.values."), "body.")
		for i := range fields {
			if fields[i].Name == n {
				n = fields[i].Label(lang, s.tr.T)
			}
		}
		names = append(names, n)
	}
	if len(names) == 0 {
		return s.tr.Error(lang, e.Message)
	}
	stage := ""
	if st, err := s.Sales.StageName(r.Context(), p, r.PostFormValue("stage_id")); err == nil {
		stage = st
	}
	return s.tr.T(lang, "sales.stage_needs", "Stage", stage, "Fields", strings.Join(names, ", "))
}

type forecastView struct {
	Tabs      []filterChip
	F         *sales.Forecast
	Q         sales.ForecastQuery
	Pipelines []*sales.Pipeline
	Chart     *chart
	Error     string
	// PeriodChoices are the numbers of periods the form offers.
	PeriodChoices []int
}

// chart is a server-drawn SVG bar chart of the forecast totals.
type chart struct {
	Width, Height int
	Groups        []chartGroup
	Max           string
	Legend        []chartBar
}

type chartGroup struct {
	Label string
	X     int
	Bars  []chartBar
	Quota *chartLine
}

type chartBar struct {
	Key, Label, Value string
	X, Y, W, H        int
}

type chartLine struct {
	X1, X2, Y int
	Value     string
}

func (s *Server) forecastPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	q, err := sales.ForecastQueryFrom(r)
	v := &forecastView{Tabs: s.salesTabs(s.lang(r, p), p, "forecast"), PeriodChoices: []int{1, 2, 3, 4, 6, 12}}
	if err == nil {
		v.F, err = s.Sales.Forecast(ctx, p, q)
	}
	if err != nil {
		if _, ok := fieldErrors(err); !ok {
			return err
		}
		v.Error = s.t(r, "sales.bad_forecast")
		q = sales.ForecastQuery{}
		if v.F, err = s.Sales.Forecast(ctx, p, q); err != nil {
			return err
		}
	}
	q.Validate(s.Now())
	v.Q = q
	v.Pipelines, _ = s.Sales.Pipelines(ctx, p)
	lang := s.lang(r, p)
	v.Chart = forecastChart(v.F, func(key string) string { return s.tr.T(lang, key) }, lang)
	pg := s.newPage(r, p, s.t(r, "sales.forecast"), "sales", v)
	s.render.Page(w, r, http.StatusOK, "sales/forecast", pg)
	return nil
}

// forecastChart lays out grouped bars per period: closed won, commit,
// best case and weighted pipeline, with the quota as a line.
func forecastChart(f *sales.Forecast, t func(string) string, lang string) *chart {
	series := []struct {
		key string
		get func(*sales.Figures) string
	}{
		{"closed_won", func(x *sales.Figures) string { return x.ClosedWon }},
		{"commit", func(x *sales.Figures) string { return x.Commit }},
		{"best_case", func(x *sales.Figures) string { return x.BestCase }},
		{"weighted", func(x *sales.Figures) string { return x.Weighted }},
	}
	maxV := new(big.Rat)
	val := func(s string) *big.Rat {
		r, ok := money.ParseDecimal(s)
		if !ok {
			return new(big.Rat)
		}
		return r
	}
	for _, fg := range f.Totals {
		for _, se := range series {
			if v := val(se.get(fg)); v.Cmp(maxV) > 0 {
				maxV = v
			}
		}
		if v := val(fg.Quota); v.Cmp(maxV) > 0 {
			maxV = v
		}
	}
	const plotH, barW, gap, groupGap, top = 180, 22, 4, 36, 10
	c := &chart{Height: plotH + top + 30}
	x := 48
	height := func(v *big.Rat) int {
		if maxV.Sign() == 0 {
			return 0
		}
		h, _ := new(big.Rat).Mul(v, big.NewRat(plotH, 1)).Quo(new(big.Rat).Mul(v, big.NewRat(plotH, 1)), maxV).Float64()
		return int(h + 0.5)
	}
	for _, fg := range f.Totals {
		g := chartGroup{Label: fg.Period, X: x}
		for _, se := range series {
			v := se.get(fg)
			h := height(val(v))
			g.Bars = append(g.Bars, chartBar{Key: se.key, Label: t("sales." + se.key), Value: web.FormatMoney(lang, v, f.Currency), X: x, Y: top + plotH - h, W: barW, H: h})
			x += barW + gap
		}
		if fg.Quota != "" {
			y := top + plotH - height(val(fg.Quota))
			g.Quota = &chartLine{X1: g.X - 4, X2: x, Y: y, Value: web.FormatMoney(lang, fg.Quota, f.Currency)}
		}
		c.Groups = append(c.Groups, g)
		x += groupGap
	}
	c.Width = x
	c.Max = web.FormatMoney(lang, maxV.FloatString(2), f.Currency)
	for _, se := range series {
		c.Legend = append(c.Legend, chartBar{Key: se.key, Label: t("sales." + se.key)})
	}
	return c
}

type convertView struct {
	Lead       *records.Record
	LeadName   string
	Accounts   []dupChoice
	Contacts   []dupChoice
	Stages     []*sales.Stage
	Currency   string
	Values     map[string]string
	Errors     map[string]string
	Error      string
	HasCompany bool
}

type dupChoice struct {
	ID, Title, Subtitle string
	Score               float64
}

func (s *Server) convertPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	id := r.PathValue("id")
	lead, err := s.Records.Get(ctx, p, "leads", id, records.GetOptions{})
	if err != nil {
		return err
	}
	v := &convertView{Lead: lead, LeadName: lead.Title(sales.Leads), Values: map[string]string{}, Errors: map[string]string{}}
	str := func(k string) string { x, _ := lead.Values[k].(string); return x }
	v.HasCompany = str("company") != ""
	status := http.StatusOK
	if r.Method == http.MethodPost {
		for _, k := range []string{"account", "contact", "deal", "deal_name", "amount", "currency", "close_date", "stage_id"} {
			v.Values[k] = strings.TrimSpace(r.PostFormValue(k))
		}
		in := sales.ConvertInput{NoDeal: v.Values["deal"] != "1"}
		switch a := v.Values["account"]; a {
		case "", "auto":
		case "new":
			in.NewAccount = true
		default:
			in.AccountID = a
		}
		switch c := v.Values["contact"]; c {
		case "", "auto":
		case "new":
			in.NewContact = true
		default:
			in.ContactID = c
		}
		if !in.NoDeal {
			in.Deal = &sales.DealDraft{Name: v.Values["deal_name"], Currency: v.Values["currency"], CloseDate: v.Values["close_date"], StageID: v.Values["stage_id"]}
			if a := v.Values["amount"]; a != "" {
				in.Deal.Amount = &a
			}
		}
		res, err := s.Sales.Convert(ctx, p, id, in)
		if err == nil {
			s.flash(r, web.FlashSuccess, s.t(r, "sales.converted"))
			to := "/o/contacts/" + res.ContactID
			if res.DealID != "" {
				to = "/o/deals/" + res.DealID
			}
			http.Redirect(w, r, to, http.StatusSeeOther)
			return nil
		}
		fe, ok := fieldErrors(err)
		if !ok {
			if e, isApp := errs.As(err); isApp && e.Code == errs.Conflict {
				v.Error = s.tr.Error(s.lang(r, p), e.Message)
				status = http.StatusConflict
			} else {
				return err
			}
		} else {
			for k, m := range fe {
				k = strings.TrimPrefix(k, "deal.")
				if k == "deal.amount" || strings.HasSuffix(k, "amount") {
					k = "amount"
				}
				v.Errors[k] = m
			}
			v.Error = s.t(r, "records.fix_errors")
			status = http.StatusUnprocessableEntity
		}
	} else {
		v.Values["deal"], v.Values["account"], v.Values["contact"] = "1", "auto", "auto"
	}
	// What the duplicate checker finds, for the user to choose.
	if v.HasCompany {
		in := records.Input{"name": str("company")}
		if wsite := str("website"); wsite != "" {
			in["website"] = wsite
		}
		if cands, err := s.Customers.Check(ctx, p, "accounts", in, ""); err == nil {
			for _, c := range cands {
				v.Accounts = append(v.Accounts, dupChoice{ID: c.ID, Title: c.Title, Subtitle: c.Subtitle, Score: c.Score})
			}
		}
	}
	cin := records.Input{}
	for _, k := range []string{"given_name", "family_name"} {
		if x := str(k); x != "" {
			cin[k] = x
		}
	}
	if e := str("email"); e != "" {
		cin["emails"] = []string{e}
	}
	if len(cin) > 0 {
		if cands, err := s.Customers.Check(ctx, p, "contacts", cin, ""); err == nil {
			for _, c := range cands {
				v.Contacts = append(v.Contacts, dupChoice{ID: c.ID, Title: c.Title, Subtitle: c.Subtitle, Score: c.Score})
			}
		}
	}
	if pls, err := s.Sales.Pipelines(ctx, p); err == nil {
		for _, pl := range pls {
			for _, st := range pl.Stages {
				if st.Status() == sales.DealOpen {
					v.Stages = append(v.Stages, st)
				}
			}
		}
	}
	v.Currency, _ = s.Money.BaseCurrency(ctx, s.DB, p.WorkspaceID)
	if v.Values["currency"] == "" {
		v.Values["currency"] = v.Currency
	}
	if v.Values["deal_name"] == "" && r.Method != http.MethodPost {
		v.Values["deal_name"] = str("company")
		if v.Values["deal_name"] == "" {
			v.Values["deal_name"] = str("name")
		}
	}
	pg := s.newPage(r, p, s.t(r, "sales.convert_title", "Name", lead.Title(sales.Leads)), "sales", v)
	if v.Error != "" {
		pg.Flash = append(pg.Flash, web.Flash{Kind: web.FlashError, Message: v.Error})
	}
	s.render.Page(w, r, status, "sales/convert", pg)
	return nil
}

// salesDetail is what the deal and lead pages show beside their fields.
type salesDetail struct {
	Contacts   []sales.DealContact
	Roles      []optionView
	CanEdit    bool
	Stages     []*sales.Stage
	StageID    string
	History    []stageRow
	Board      string
	CanConvert bool
	Reasons    []string
	NewQuote   string // the address of a new quote for the deal, when the caller may make one
	// QuoteFromDeal is where the New quote button posts to make the
	// deal's quote with a copy of its lines; a deal without an account
	// links to the quote form (NewQuote) instead, to pick one.
	QuoteFromDeal string
	Lines         *salesView // the deal's products card
}

type stageRow struct {
	Name, Entered, Duration string
	Current                 bool
}

// salesExtras fills the deal's stage path and history, or the lead's
// score reasons and conversion button.
func (s *Server) salesExtras(r *http.Request, p *auth.Principal, pg *web.Page, o *records.Object, rec *records.Record) *salesDetail {
	ctx := r.Context()
	switch o.Name {
	case "deals":
		d := &salesDetail{}
		d.StageID, _ = rec.Values["stage_id"].(string)
		pid, _ := rec.Values["pipeline_id"].(string)
		if pl, err := s.Sales.Pipeline(ctx, p, pid); err == nil {
			d.Stages = pl.Stages
			d.Board = "/deals?pipeline=" + pl.ID
		}
		d.CanEdit = p.Can("deals", auth.ActUpdate) && rec.DeletedAt == nil
		if p.Can("quotes", auth.ActCreate) && rec.DeletedAt == nil {
			if acc, _ := rec.Values["account_id"].(string); acc != "" {
				d.QuoteFromDeal = "/sales/deals/" + rec.ID + "/quote"
			} else {
				d.NewQuote = "/o/quotes/new?" + url.Values{"deal_id": {rec.ID}}.Encode()
			}
		}
		d.Contacts, _ = s.Sales.DealContacts(ctx, p, rec.ID)
		d.Roles = []optionView{{Value: "", Label: "—"}}
		for _, o := range customers.ContactRoles {
			d.Roles = append(d.Roles, optionView{Value: o.Value, Label: o.Label(pg.Lang)})
		}
		if hist, err := s.Sales.StageHistory(ctx, p, rec.ID); err == nil {
			for i := len(hist) - 1; i >= 0; i-- {
				h := hist[i]
				d.History = append(d.History, stageRow{Name: h.StageName, Entered: web.FormatDateTime(pg.Lang, h.EnteredAt, pg.TZ),
					Duration: s.duration(pg.Lang, h.Seconds), Current: h.LeftAt == nil})
			}
		}
		return d
	case "leads":
		d := &salesDetail{}
		st, _ := rec.Values["status"].(string)
		d.CanConvert = p.Can("leads", auth.ActUpdate) && st != sales.LeadConverted && st != sales.LeadDisqualified && rec.DeletedAt == nil
		if rs, _ := rec.Values["score_reasons"].(string); rs != "" {
			d.Reasons = strings.Split(rs, "\n")
		}
		return d
	}
	return nil
}

// duration says how long in days, hours or minutes.
func (s *Server) duration(lang string, secs int64) string {
	switch {
	case secs >= 86400:
		return s.tr.T(lang, "sales.days", "Count", secs/86400)
	case secs >= 3600:
		return s.tr.T(lang, "sales.hours", "Count", secs/3600)
	}
	return s.tr.T(lang, "sales.minutes", "Count", max(secs/60, 0))
}

func (s *Server) pipelinesPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	ctx := r.Context()
	d := newSettings("pipelines")
	status := http.StatusOK
	if r.Method == http.MethodPost {
		d.Values["name"] = strings.TrimSpace(r.PostFormValue("name"))
		name := d.Values["name"]
		stages := []sales.StageInput{{Name: s.t(r, "sales.default_first_stage")}, {Name: s.t(r, "sales.default_won_stage"), IsWon: true}, {Name: s.t(r, "sales.default_lost_stage"), IsLost: true, RequiredFields: []string{"loss_reason"}}}
		pl, err := s.Sales.CreatePipeline(ctx, p, sales.PipelineInput{Name: &name, Stages: &stages})
		if err == nil {
			s.flash(r, web.FlashSuccess, s.t(r, "sales.pipeline_created"))
			http.Redirect(w, r, "/settings/pipelines/"+pl.ID, http.StatusSeeOther)
			return nil
		}
		if !s.formFailed(r, d, err) {
			return err
		}
		status = http.StatusUnprocessableEntity
	}
	pls, err := s.Sales.Pipelines(ctx, p)
	if err != nil {
		return err
	}
	d.Items = pls
	s.renderSettings(w, r, p, status, "sales/pipelines", "sales.pipelines", d)
	return nil
}

// stageForm is one row of the pipeline form.
type stageForm struct {
	Index                         int
	ID, Name, Probability, Status string
	Required                      []string
}

func (s *Server) pipelineFormPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	ctx := r.Context()
	pl, err := s.Sales.Pipeline(ctx, p, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := newSettings("pipelines")
	d.Item = pl
	status := http.StatusOK
	var rows []stageForm
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			return errs.E(errs.BadRequest, "The form could not be read.")
		}
		name := strings.TrimSpace(r.PostFormValue("name"))
		d.Values["name"] = name
		isDefault := r.PostFormValue("is_default") == "1"
		var in []sales.StageInput
		for i := 0; i < 40; i++ {
			k := strconv.Itoa(i)
			sn := strings.TrimSpace(r.PostFormValue("stage_name_" + k))
			sid := r.PostFormValue("stage_id_" + k)
			if sn == "" && sid == "" {
				continue
			}
			if r.PostFormValue("stage_remove_"+k) == "1" {
				continue
			}
			st := sales.StageInput{ID: sid, Name: sn, RequiredFields: r.PostForm["stage_required_"+k]}
			switch r.PostFormValue("stage_status_" + k) {
			case "won":
				st.IsWon = true
			case "lost":
				st.IsLost = true
			}
			if pr := strings.TrimSpace(r.PostFormValue("stage_probability_" + k)); pr != "" {
				n, err := strconv.Atoi(pr)
				if err != nil {
					n = -1
				}
				st.Probability = &n
			}
			in = append(in, st)
			rows = append(rows, stageForm{Index: len(rows), ID: sid, Name: sn, Probability: r.PostFormValue("stage_probability_" + k), Status: r.PostFormValue("stage_status_" + k), Required: st.RequiredFields})
		}
		upd := sales.PipelineInput{Name: &name, Stages: &in}
		if isDefault {
			upd.IsDefault = &isDefault
		}
		_, err := s.Sales.UpdatePipeline(ctx, p, pl.ID, upd)
		if err == nil {
			s.flash(r, web.FlashSuccess, s.t(r, "msg.saved"))
			http.Redirect(w, r, "/settings/pipelines/"+pl.ID, http.StatusSeeOther)
			return nil
		}
		if !s.formFailed(r, d, err) {
			if e, ok := errs.As(err); ok && e.Code == errs.Conflict {
				d.Error = s.tr.Error(s.lang(r, p), e.Message)
			} else {
				return err
			}
		}
		status = http.StatusUnprocessableEntity
	} else {
		d.Values["name"] = pl.Name
		for i, st := range pl.Stages {
			status := "open"
			if st.IsWon {
				status = "won"
			} else if st.IsLost {
				status = "lost"
			}
			rows = append(rows, stageForm{Index: i, ID: st.ID, Name: st.Name, Probability: strconv.Itoa(st.Probability), Status: status, Required: st.RequiredFields})
		}
	}
	// Two empty rows to add stages.
	for i := 0; i < 2; i++ {
		rows = append(rows, stageForm{Index: len(rows), Status: "open"})
	}
	d.Extra["Stages"] = rows
	o, _ := s.Records.Object("deals")
	fields, _ := s.Records.Fields(ctx, s.DB, p.WorkspaceID, o)
	var choices []optionView
	lang := s.lang(r, p)
	for i := range fields {
		f := &fields[i]
		if f.ReadOnly || f.System || f.Name == "stage_id" || f.Name == "owner_id" {
			continue
		}
		choices = append(choices, optionView{Value: f.Name, Label: f.Label(lang, s.tr.T)})
	}
	d.Extra["Fields"] = choices
	s.renderSettings(w, r, p, status, "sales/pipeline", "sales.pipelines", d)
	return nil
}

func (s *Server) leadRulesPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	ctx := r.Context()
	d := newSettings("leads")
	status := http.StatusOK
	if r.Method == http.MethodPost {
		for _, k := range []string{"form", "kind", "field", "operator", "value", "points", "afield", "avalue", "user_id", "team_id"} {
			d.Values[k] = strings.TrimSpace(r.PostFormValue(k))
		}
		var err error
		if d.Values["form"] == "assign" {
			target := d.Values["user_id"]
			in := sales.AssignmentRuleInput{Field: d.Values["afield"], Value: d.Values["avalue"]}
			if t, ok := strings.CutPrefix(target, "team:"); ok {
				in.TeamID = t
			} else {
				in.UserID = target
			}
			_, err = s.Sales.CreateAssignmentRule(ctx, p, in)
		} else {
			pts, perr := strconv.Atoi(d.Values["points"])
			if perr != nil {
				pts = 0
			}
			_, err = s.Sales.CreateScoreRule(ctx, p, sales.ScoreRuleInput{Kind: d.Values["kind"], Field: d.Values["field"], Operator: d.Values["operator"], Value: d.Values["value"], Points: pts})
		}
		if err == nil {
			s.flash(r, web.FlashSuccess, s.t(r, "msg.saved"))
			http.Redirect(w, r, "/settings/leads", http.StatusSeeOther)
			return nil
		}
		if !s.formFailed(r, d, err) {
			return err
		}
		if d.Values["form"] == "assign" {
			if m, ok := d.Errors["field"]; ok {
				d.Errors["afield"] = m
			}
			if m, ok := d.Errors["value"]; ok {
				d.Errors["avalue"] = m
			}
		}
		status = http.StatusUnprocessableEntity
	}
	score, err := s.Sales.ScoreRules(ctx, p)
	if err != nil {
		return err
	}
	assign, err := s.Sales.AssignmentRules(ctx, p)
	if err != nil {
		return err
	}
	users, _ := s.Auth.ListUsers(ctx, p)
	teams, _ := s.Auth.ListTeams(ctx, p)
	names := map[string]string{}
	var targets []optionView
	for _, u := range users {
		names[u.ID] = u.DisplayName()
		if u.Active {
			targets = append(targets, optionView{Value: u.ID, Label: u.DisplayName(), Selected: d.Values["user_id"] == u.ID})
		}
	}
	for _, t := range teams {
		names[t.ID] = t.Name
		targets = append(targets, optionView{Value: "team:" + t.ID, Label: s.t(r, "sales.round_robin_in", "Team", t.Name), Selected: d.Values["user_id"] == "team:"+t.ID})
	}
	d.Items, d.Extra["Assign"], d.Extra["Names"], d.Extra["Targets"] = score, assign, names, targets
	t := func(k string) string { return s.t(r, k) }
	d.Extra["KindOptions"] = [][2]string{{"fit", t("sales.kind_fit")}, {"engagement", t("sales.kind_engagement")}}
	d.Extra["OpOptions"] = [][2]string{{"", "—"}, {"eq", t("sales.op_eq")}, {"neq", t("sales.op_neq")}, {"contains", t("sales.op_contains")}, {"filled", t("sales.op_filled")}, {"empty", t("sales.op_empty")}}
	d.Extra["FieldOptions"] = [][2]string{{"", t("sales.every_lead")}, {"country", t("field.country")}, {"industry", t("field.industry")}, {"source", t("field.source")}, {"campaign", t("field.campaign")}, {"city", t("field.city")}}
	s.renderSettings(w, r, p, status, "sales/leadrules", "sales.lead_rules", d)
	return nil
}

type quotaRow struct {
	UserID, Name string
	Cells        []quotaCell
}

type quotaCell struct {
	Month, Amount string
}

func (s *Server) quotasPage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := requireAdmin(p); err != nil {
		return err
	}
	ctx := r.Context()
	d := newSettings("quotas")
	year := r.URL.Query().Get("year")
	if r.Method == http.MethodPost {
		year = r.PostFormValue("year")
	}
	if y, err := strconv.Atoi(year); err != nil || y < 1900 || y > 9999 {
		year = strconv.Itoa(s.Now().Year())
	}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			return errs.E(errs.BadRequest, "The form could not be read.")
		}
		var bad []string
		for k, vs := range r.PostForm {
			rest, ok := strings.CutPrefix(k, "q_")
			if !ok || len(vs) == 0 {
				continue
			}
			uid, month, ok := strings.Cut(rest, "_")
			amount := strings.TrimSpace(vs[0])
			if !ok || !strings.HasPrefix(month, year+"-") {
				continue
			}
			if amount == "" {
				amount = "0"
			}
			if _, err := s.Sales.SetQuota(ctx, p, sales.QuotaInput{UserID: uid, Month: month, Amount: amount}); err != nil {
				if _, isField := fieldErrors(err); !isField {
					return err
				}
				bad = append(bad, month)
			}
		}
		if len(bad) == 0 {
			s.flash(r, web.FlashSuccess, s.t(r, "msg.saved"))
			http.Redirect(w, r, "/settings/quotas?year="+year, http.StatusSeeOther)
			return nil
		}
		d.Error = s.t(r, "sales.bad_quotas")
		status = http.StatusUnprocessableEntity
	}
	qs, err := s.Sales.Quotas(ctx, p, year)
	if err != nil {
		return err
	}
	have := map[string]string{}
	for _, q := range qs {
		have[q.UserID+"_"+q.Month] = q.Amount
	}
	users, _ := s.Auth.ListUsers(ctx, p)
	var rows []quotaRow
	var months []string
	for m := 1; m <= 12; m++ {
		months = append(months, fmt.Sprintf("%s-%02d", year, m))
	}
	for _, u := range users {
		if !u.Active {
			continue
		}
		row := quotaRow{UserID: u.ID, Name: u.DisplayName()}
		for _, m := range months {
			row.Cells = append(row.Cells, quotaCell{Month: m, Amount: have[u.ID+"_"+m]})
		}
		rows = append(rows, row)
	}
	y, _ := strconv.Atoi(year)
	labels := months
	base, _ := s.Money.BaseCurrency(ctx, s.DB, p.WorkspaceID)
	d.Items, d.Extra["Months"], d.Extra["Year"], d.Extra["Prev"], d.Extra["Next"], d.Extra["Currency"] = rows, labels, year, strconv.Itoa(y-1), strconv.Itoa(y+1), base
	s.renderSettings(w, r, p, status, "sales/quotas", "sales.quotas", d)
	return nil
}

// stageChoices lists every stage as "Pipeline · Stage" for the deal
// form's stage select.
func (s *Server) stageChoices(r *http.Request, p *auth.Principal, cur string) []optionView {
	pls, err := s.Sales.Pipelines(r.Context(), p)
	if err != nil {
		return nil
	}
	var out []optionView
	for _, pl := range pls {
		for _, st := range pl.Stages {
			label := st.Name
			if len(pls) > 1 {
				label = pl.Name + " · " + st.Name
			}
			out = append(out, optionView{Value: st.ID, Label: label, Selected: st.ID == cur})
		}
	}
	return out
}

// salesCells shows a deal's stage and pipeline by name on its page.
// The stage's name then stands for stage_name, which is left out.
func (s *Server) salesCells(r *http.Request, p *auth.Principal, o *records.Object, rec *records.Record, fields []records.Field, views []fieldView, cells []cell) ([]fieldView, []cell) {
	if o.Name != "deals" {
		return views, cells
	}
	pid, _ := rec.Values["pipeline_id"].(string)
	pl, err := s.Sales.Pipeline(r.Context(), p, pid)
	if err != nil {
		return views, cells
	}
	for i := range fields {
		switch fields[i].Name {
		case "stage_id":
			name, _ := rec.Values["stage_name"].(string)
			cells[i] = cell{Text: name, Href: "/deals?pipeline=" + pl.ID}
		case "pipeline_id":
			cells[i] = cell{Text: pl.Name, Href: "/deals?pipeline=" + pl.ID}
		}
	}
	var vs []fieldView
	var cs []cell
	for i := range fields {
		if fields[i].Name != "stage_name" && i < len(views) && i < len(cells) {
			vs, cs = append(vs, views[i]), append(cs, cells[i])
		}
	}
	return vs, cs
}
