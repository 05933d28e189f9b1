// Package sales holds sales force automation: leads with scoring,
// assignment and conversion; pipelines with ordered stages; deals on a
// kanban board with stage rules and stage history; the forecast with
// quotas. Every money total converts each amount with the rate of its
// own date (internal/money).
package sales

import (
	"github.com/rapport-crm/rapport/internal/customers"
	"github.com/rapport-crm/rapport/internal/records"
)

var opt = records.Opt

// Lead statuses.
const (
	LeadNew          = "new"
	LeadWorking      = "working"
	LeadNurturing    = "nurturing"
	LeadQualified    = "qualified"
	LeadDisqualified = "disqualified"
	LeadConverted    = "converted"
)

// LeadStatuses are the choices of a lead's status; converted is set by
// conversion only.
var LeadStatuses = []records.Option{
	opt(LeadNew, "New", "Nuevo", "新线索"),
	opt(LeadWorking, "Working", "En curso", "跟进中"),
	opt(LeadNurturing, "Nurturing", "En maduración", "培育中"),
	opt(LeadQualified, "Qualified", "Cualificado", "已确认"),
	opt(LeadDisqualified, "Disqualified", "Descartado", "已取消资格"),
	opt(LeadConverted, "Converted", "Convertido", "已转化"),
}

// DisqualifyReasons say why a lead was disqualified.
var DisqualifyReasons = []records.Option{
	opt("no_budget", "No budget", "Sin presupuesto", "无预算"),
	opt("no_need", "No need", "Sin necesidad", "无需求"),
	opt("no_authority", "No authority", "Sin capacidad de decisión", "无决策权"),
	opt("bad_timing", "Bad timing", "Mal momento", "时机不当"),
	opt("competitor", "Chose a competitor", "Eligió a un competidor", "选择了竞争对手"),
	opt("unreachable", "Unreachable", "Ilocalizable", "无法联系"),
	opt("spam", "Spam or fake", "Spam o falso", "垃圾或虚假信息"),
	opt("other", "Other", "Otro", "其他"),
}

// Sources say where a lead or deal came from.
var Sources = []records.Option{
	opt("web", "Website", "Sitio web", "网站"),
	opt("referral", "Referral", "Recomendación", "推荐"),
	opt("event", "Event", "Evento", "活动"),
	opt("cold_call", "Cold call", "Llamada en frío", "陌生电话"),
	opt("email", "E-mail campaign", "Campaña de correo", "邮件营销"),
	opt("social", "Social media", "Redes sociales", "社交媒体"),
	opt("partner", "Partner", "Socio", "合作伙伴"),
	opt("advertising", "Advertising", "Publicidad", "广告"),
	opt("other", "Other", "Otro", "其他"),
}

// Deal statuses, from the flags of the deal's stage.
const (
	DealOpen = "open"
	DealWon  = "won"
	DealLost = "lost"
)

var dealStatuses = []records.Option{
	opt(DealOpen, "Open", "Abierta", "进行中"),
	opt(DealWon, "Won", "Ganada", "赢单"),
	opt(DealLost, "Lost", "Perdida", "输单"),
}

// Forecast categories of an open deal.
const (
	CatPipeline = "pipeline"
	CatBestCase = "best_case"
	CatCommit   = "commit"
	CatOmitted  = "omitted"
)

// ForecastCategories are the choices of a deal's forecast category.
var ForecastCategories = []records.Option{
	opt(CatPipeline, "Pipeline", "Embudo", "管道"),
	opt(CatBestCase, "Best case", "Mejor caso", "最佳情况"),
	opt(CatCommit, "Commit", "Compromiso", "承诺"),
	opt(CatOmitted, "Omitted", "Omitida", "不计入"),
}

// LossReasons say why a deal was lost.
var LossReasons = []records.Option{
	opt("price", "Price", "Precio", "价格"),
	opt("competitor", "Lost to a competitor", "Ganó un competidor", "败给竞争对手"),
	opt("no_budget", "No budget", "Sin presupuesto", "无预算"),
	opt("no_decision", "No decision", "Sin decisión", "未决策"),
	opt("timing", "Timing", "Plazos", "时机"),
	opt("product_fit", "Product fit", "Encaje del producto", "产品不匹配"),
	opt("other", "Other", "Otro", "其他"),
}

var externalID = records.Field{Name: "external_id", Type: records.Text, Column: "external_id", LabelKey: "field.external_id", Unique: true, MaxLen: 200}

// Leads is the lead object: a person or company not yet qualified as a
// customer.
var Leads = &records.Object{
	Name:         "leads",
	Table:        "leads",
	LabelKey:     "object.leads",
	SingularKey:  "object.lead",
	TitleField:   "name",
	DefaultSort:  "-created_at",
	ListColumns:  []string{"name", "company", "email", "status", "score", "source", "owner_id"},
	Section:      "sales",
	Customizable: true,
	Fields: []records.Field{
		{Name: "given_name", Type: records.Text, Column: "given_name", LabelKey: "field.given_name", MaxLen: 100, Personal: true},
		{Name: "family_name", Type: records.Text, Column: "family_name", LabelKey: "field.family_name", MaxLen: 100, Personal: true},
		{Name: "name", Type: records.Text, Column: "name", LabelKey: "field.name", ReadOnly: true, NotNull: true, Personal: true},
		{Name: "company", Type: records.Text, Column: "company", LabelKey: "field.company", MaxLen: 200},
		{Name: "job_title", Type: records.Text, Column: "job_title", LabelKey: "field.job_title", MaxLen: 200, Personal: true},
		{Name: "email", Type: records.Email, Column: "email", LabelKey: "field.email", Personal: true},
		{Name: "phone", Type: records.Text, Column: "phone", LabelKey: "field.phone", MaxLen: 50, Personal: true},
		{Name: "website", Type: records.URL, Column: "website", LabelKey: "field.website"},
		{Name: "industry", Type: records.Select, Column: "industry", LabelKey: "field.industry", Options: customers.Industries},
		{Name: "country", Type: records.Text, Column: "country", LabelKey: "field.country", MaxLen: 100},
		{Name: "city", Type: records.Text, Column: "city", LabelKey: "field.city", MaxLen: 100},
		{Name: "source", Type: records.Select, Column: "source", LabelKey: "field.source", Options: Sources},
		{Name: "campaign", Type: records.Text, Column: "campaign", LabelKey: "field.campaign", MaxLen: 200},
		{Name: "status", Type: records.Select, Column: "status", LabelKey: "field.lead_status", Options: LeadStatuses, NotNull: true},
		{Name: "disqualify_reason", Type: records.Select, Column: "disqualify_reason", LabelKey: "field.disqualify_reason", Options: DisqualifyReasons},
		{Name: "score", Type: records.Integer, Column: "score", LabelKey: "field.score", ReadOnly: true, NotNull: true},
		{Name: "score_reasons", Type: records.LongText, Column: "score_reasons", LabelKey: "field.score_reasons", ReadOnly: true},
		{Name: "converted_at", Type: records.DateTime, Column: "converted_at", LabelKey: "field.converted_at", ReadOnly: true},
		{Name: "account_id", Type: records.Reference, Column: "account_id", LabelKey: "field.converted_account", Target: "accounts", ReadOnly: true},
		{Name: "contact_id", Type: records.Reference, Column: "contact_id", LabelKey: "field.converted_contact", Target: "contacts", ReadOnly: true},
		{Name: "deal_id", Type: records.Reference, Column: "deal_id", LabelKey: "field.converted_deal", Target: "deals", ReadOnly: true},
		{Name: "description", Type: records.LongText, Column: "description", LabelKey: "field.description", MaxLen: 20000, Personal: true},
		externalID,
	},
}

// Deals is the deal (opportunity) object.
var Deals = &records.Object{
	Name:         "deals",
	Table:        "deals",
	LabelKey:     "object.deals",
	SingularKey:  "object.deal",
	TitleField:   "name",
	DefaultSort:  "close_date",
	ListColumns:  []string{"name", "account_id", "amount", "stage_name", "probability", "close_date", "owner_id"},
	Section:      "sales",
	Customizable: true,
	Fields: []records.Field{
		{Name: "name", Type: records.Text, Column: "name", LabelKey: "field.name", Required: true, MaxLen: 200},
		{Name: "account_id", Type: records.Reference, Column: "account_id", LabelKey: "field.account", Target: "accounts"},
		{Name: "contact_ids", Type: records.RefList, LabelKey: "field.contacts", Target: "contacts", Link: &records.Link{Table: "deal_contacts", From: "deal_id", To: "contact_id"}},
		{Name: "amount", Type: records.Money, Column: "amount", LabelKey: "field.amount"},
		// AmountFromLines: while on, a deal with line items has their
		// grand total as its amount (internal/orders keeps it so).
		{Name: "amount_from_lines", Type: records.Boolean, Column: "amount_from_lines", LabelKey: "field.amount_from_lines"},
		{Name: "close_date", Type: records.Date, Column: "close_date", LabelKey: "field.close_date"},
		{Name: "stage_id", Type: records.Text, Column: "stage_id", LabelKey: "field.stage", MaxLen: 36, NotNull: true},
		{Name: "stage_name", Type: records.Text, Column: "stage_name", LabelKey: "field.stage", ReadOnly: true, NotNull: true},
		{Name: "pipeline_id", Type: records.Text, Column: "pipeline_id", LabelKey: "field.pipeline", ReadOnly: true, NotNull: true},
		{Name: "probability", Type: records.Integer, Column: "probability", LabelKey: "field.probability"},
		{Name: "status", Type: records.Select, Column: "status", LabelKey: "field.deal_status", Options: dealStatuses, ReadOnly: true, NotNull: true},
		{Name: "forecast_category", Type: records.Select, Column: "forecast_category", LabelKey: "field.forecast_category", Options: ForecastCategories},
		{Name: "closed_at", Type: records.DateTime, Column: "closed_at", LabelKey: "field.closed_at", ReadOnly: true},
		{Name: "stage_entered_at", Type: records.DateTime, Column: "stage_entered_at", LabelKey: "field.stage_entered_at", ReadOnly: true, NotNull: true},
		{Name: "next_step", Type: records.Text, Column: "next_step", LabelKey: "field.next_step", MaxLen: 300},
		{Name: "competitors", Type: records.Text, Column: "competitors", LabelKey: "field.competitors", MaxLen: 500},
		{Name: "loss_reason", Type: records.Select, Column: "loss_reason", LabelKey: "field.loss_reason", Options: LossReasons},
		{Name: "source", Type: records.Select, Column: "source", LabelKey: "field.source", Options: Sources},
		{Name: "lead_id", Type: records.Reference, Column: "lead_id", LabelKey: "field.lead", Target: "leads", ReadOnly: true},
		{Name: "description", Type: records.LongText, Column: "description", LabelKey: "field.description", MaxLen: 20000},
		externalID,
	},
}
