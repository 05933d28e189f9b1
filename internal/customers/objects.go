// Package customers holds the customer database: accounts (companies),
// contacts (people), the links between them, relationships, duplicate
// detection and merge, and the customer 360 view.
package customers

import (
	"github.com/rapport-crm/rapport/internal/records"
)

var opt = records.Opt

// Industries are the choices of an account's industry.
var Industries = []records.Option{
	opt("technology", "Technology", "Tecnología", "科技"),
	opt("manufacturing", "Manufacturing", "Manufactura", "制造业"),
	opt("retail", "Retail", "Comercio minorista", "零售"),
	opt("finance", "Finance", "Finanzas", "金融"),
	opt("healthcare", "Healthcare", "Salud", "医疗"),
	opt("education", "Education", "Educación", "教育"),
	opt("logistics", "Logistics", "Logística", "物流"),
	opt("energy", "Energy", "Energía", "能源"),
	opt("media", "Media", "Medios", "传媒"),
	opt("hospitality", "Hospitality", "Hostelería", "酒店餐饮"),
	opt("construction", "Construction", "Construcción", "建筑"),
	opt("agriculture", "Agriculture", "Agricultura", "农业"),
	opt("government", "Government", "Administración pública", "政府"),
	opt("nonprofit", "Non-profit", "Sin ánimo de lucro", "非营利"),
	opt("other", "Other", "Otro", "其他"),
}

// Sizes are the head-count bands of an account.
var Sizes = []records.Option{
	opt("1-10", "1–10", "1–10", "1–10 人"),
	opt("11-50", "11–50", "11–50", "11–50 人"),
	opt("51-200", "51–200", "51–200", "51–200 人"),
	opt("201-1000", "201–1,000", "201–1.000", "201–1000 人"),
	opt("1001-5000", "1,001–5,000", "1.001–5.000", "1001–5000 人"),
	opt("5000+", "5,000+", "Más de 5.000", "5000 人以上"),
}

// RelationshipTypes say what an account is to the company.
var RelationshipTypes = []records.Option{
	opt("prospect", "Prospect", "Cliente potencial", "潜在客户"),
	opt("customer", "Customer", "Cliente", "客户"),
	opt("partner", "Partner", "Socio", "合作伙伴"),
	opt("distributor", "Distributor", "Distribuidor", "分销商"),
	opt("supplier", "Supplier", "Proveedor", "供应商"),
	opt("competitor", "Competitor", "Competidor", "竞争对手"),
	opt("other", "Other", "Otro", "其他"),
}

var statuses = []records.Option{
	opt("active", "Active", "Activa", "活跃"),
	opt("inactive", "Inactive", "Inactiva", "不活跃"),
}

var consents = []records.Option{
	opt("opt_in", "Opted in", "Acepta", "已同意"),
	opt("opt_out", "Opted out", "Rechaza", "已退订"),
}

// Languages a contact may prefer.
var Languages = []records.Option{
	opt("en", "English", "Inglés", "英语"),
	opt("es", "Spanish", "Español", "西班牙语"),
	opt("zh", "Chinese", "Chino", "中文"),
	opt("fr", "French", "Francés", "法语"),
	opt("de", "German", "Alemán", "德语"),
	opt("pt", "Portuguese", "Portugués", "葡萄牙语"),
	opt("it", "Italian", "Italiano", "意大利语"),
	opt("ja", "Japanese", "Japonés", "日语"),
	opt("ko", "Korean", "Coreano", "韩语"),
}

// ContactRoles are a contact's roles at an account.
var ContactRoles = []records.Option{
	opt("decision_maker", "Decision maker", "Decisor", "决策者"),
	opt("influencer", "Influencer", "Influyente", "影响者"),
	opt("user", "User", "Usuario", "使用者"),
	opt("billing", "Billing", "Facturación", "财务"),
	opt("technical", "Technical", "Técnico", "技术"),
	opt("other", "Other", "Otro", "其他"),
}

// addressFields are the fields of a postal address; a person's own
// address (no prefix) is personal data, a company's is not.
func addressFields(prefix, labelPrefix string) []records.Field {
	col := func(n string) string {
		if prefix == "" {
			return n
		}
		return prefix + "_" + n
	}
	personal := prefix == ""
	return []records.Field{
		{Name: col("street"), Type: records.Text, Column: col("street"), LabelKey: "field." + labelPrefix + "street", MaxLen: 300, Personal: personal},
		{Name: col("city"), Type: records.Text, Column: col("city"), LabelKey: "field." + labelPrefix + "city", MaxLen: 100, Personal: personal},
		{Name: col("region"), Type: records.Text, Column: col("region"), LabelKey: "field." + labelPrefix + "region", MaxLen: 100, Personal: personal},
		{Name: col("postal_code"), Type: records.Text, Column: col("postal_code"), LabelKey: "field." + labelPrefix + "postal_code", MaxLen: 20, Personal: personal},
		{Name: col("country"), Type: records.Text, Column: col("country"), LabelKey: "field." + labelPrefix + "country", MaxLen: 100, Personal: personal},
	}
}

// Accounts is the account object: a company or organisation.
var Accounts = &records.Object{
	Name:         "accounts",
	Table:        "accounts",
	LabelKey:     "object.accounts",
	SingularKey:  "object.account",
	TitleField:   "name",
	DefaultSort:  "name",
	ListColumns:  []string{"name", "domain", "relationship", "industry", "phone", "billing_city", "owner_id"},
	Section:      "customers",
	Customizable: true,
	Fields: append(append([]records.Field{
		{Name: "name", Type: records.Text, Column: "name", LabelKey: "field.name", Required: true, MaxLen: 200},
		{Name: "domain", Type: records.Text, Column: "domain", LabelKey: "field.domain", MaxLen: 253},
		{Name: "industry", Type: records.Select, Column: "industry", LabelKey: "field.industry", Options: Industries},
		{Name: "size", Type: records.Select, Column: "size", LabelKey: "field.size", Options: Sizes},
		{Name: "relationship", Type: records.Select, Column: "relationship", LabelKey: "field.relationship", Options: RelationshipTypes},
		{Name: "status", Type: records.Select, Column: "status", LabelKey: "field.status", Options: statuses},
		{Name: "parent_id", Type: records.Reference, Column: "parent_id", LabelKey: "field.parent_account", Target: "accounts"},
		{Name: "phones", Type: records.PhoneList, Column: "phones", LabelKey: "field.phones"},
		{Name: "phone", Type: records.Text, Column: "phone", LabelKey: "field.phone", ReadOnly: true},
		{Name: "website", Type: records.URL, Column: "website", LabelKey: "field.website"},
		{Name: "tag_ids", Type: records.RefList, LabelKey: "field.tags", Target: "tags", Link: &records.Link{Table: "account_tags", From: "account_id", To: "tag_id"}},
		{Name: "description", Type: records.LongText, Column: "description", LabelKey: "field.description", MaxLen: 20000},
		externalID,
	}, addressFields("billing", "billing_")...), addressFields("shipping", "shipping_")...),
}

// Contacts is the contact object: a person. The fields marked Personal
// are what an erasure of the person clears; the account, tags, owner,
// language and consent choices (with their times) stay, since alone they
// say nothing about who the person was.
var Contacts = &records.Object{
	Name:         "contacts",
	Table:        "contacts",
	LabelKey:     "object.contacts",
	SingularKey:  "object.contact",
	TitleField:   "name",
	DefaultSort:  "name",
	ListColumns:  []string{"name", "email", "phone", "job_title", "account_id", "city", "owner_id"},
	Section:      "customers",
	Customizable: true,
	Fields: append(append([]records.Field{
		{Name: "given_name", Type: records.Text, Column: "given_name", LabelKey: "field.given_name", MaxLen: 100, Personal: true},
		{Name: "middle_name", Type: records.Text, Column: "middle_name", LabelKey: "field.middle_name", MaxLen: 100, Personal: true},
		{Name: "family_name", Type: records.Text, Column: "family_name", LabelKey: "field.family_name", MaxLen: 100, Personal: true},
		{Name: "name", Type: records.Text, Column: "name", LabelKey: "field.name", ReadOnly: true, NotNull: true, Personal: true},
		{Name: "emails", Type: records.EmailList, Column: "emails", LabelKey: "field.emails", Personal: true},
		{Name: "email", Type: records.Email, Column: "email", LabelKey: "field.email", ReadOnly: true, Personal: true},
		{Name: "phones", Type: records.PhoneList, Column: "phones", LabelKey: "field.phones", Personal: true},
		{Name: "phone", Type: records.Text, Column: "phone", LabelKey: "field.phone", ReadOnly: true, Personal: true},
		{Name: "job_title", Type: records.Text, Column: "job_title", LabelKey: "field.job_title", MaxLen: 200, Personal: true},
		{Name: "account_id", Type: records.Reference, Column: "account_id", LabelKey: "field.account", Target: "accounts"},
		{Name: "tag_ids", Type: records.RefList, LabelKey: "field.tags", Target: "tags", Link: &records.Link{Table: "contact_tags", From: "contact_id", To: "tag_id"}},
	}, addressFields("", "")...),
		records.Field{Name: "language", Type: records.Select, Column: "language", LabelKey: "field.language", Options: Languages},
		records.Field{Name: "time_zone", Type: records.Text, Column: "time_zone", LabelKey: "field.time_zone", MaxLen: 64, Personal: true},
		records.Field{Name: "birthday", Type: records.Date, Column: "birthday", LabelKey: "field.birthday", Personal: true},
		records.Field{Name: "email_consent", Type: records.Select, Column: "email_consent", LabelKey: "field.email_consent", Options: consents},
		records.Field{Name: "email_consent_at", Type: records.DateTime, Column: "email_consent_at", LabelKey: "field.email_consent_at"},
		records.Field{Name: "email_consent_source", Type: records.Text, Column: "email_consent_source", LabelKey: "field.email_consent_source", MaxLen: 200, Personal: true},
		records.Field{Name: "phone_consent", Type: records.Select, Column: "phone_consent", LabelKey: "field.phone_consent", Options: consents},
		records.Field{Name: "phone_consent_at", Type: records.DateTime, Column: "phone_consent_at", LabelKey: "field.phone_consent_at"},
		records.Field{Name: "phone_consent_source", Type: records.Text, Column: "phone_consent_source", LabelKey: "field.phone_consent_source", MaxLen: 200, Personal: true},
		records.Field{Name: "description", Type: records.LongText, Column: "description", LabelKey: "field.description", MaxLen: 20000, Personal: true},
		personalExternalID,
	),
}

// ErasedName is the name an erased contact shows: a neutral
// placeholder, the same for everyone, that search and the duplicate
// checker never index.
const ErasedName = "Erased person"

// externalID is the id a record has in the system it was imported from:
// unique per workspace, the key a re-import matches on.
var externalID = records.Field{Name: "external_id", Type: records.Text, Column: "external_id", LabelKey: "field.external_id", Unique: true, MaxLen: 200}

// personalExternalID is a person's id in another system: kept, it would
// let anyone holding that system's data say who an erased contact was.
var personalExternalID = func() records.Field { f := externalID; f.Personal = true; return f }()
