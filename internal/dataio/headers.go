package dataio

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// MatchHeader maps a column header of an import file to the canonical
// field of object ("contacts" or "accounts"; the singular works too) that
// it most likely holds. It knows English, Spanish and Chinese names and the
// export layouts of Google Contacts, Outlook, Salesforce, HubSpot, Zoho,
// EspoCRM and SuiteCRM, and the canonical names themselves.
//
// The header is normalised first: case, accents and full-width forms are
// folded and everything but letters and digits dropped ("Código postal",
// "codigo_postal" and "CÓDIGO-POSTAL" are the same). If that is unknown, the
// digits are dropped too, so numbered columns ("E-mail 2 Address",
// "Phone 1 - Value", "Address 1 - Street") match their family. The
// label columns of those layouts ("E-mail 1 - Type", "Phone 1 - Label") do
// not match anything.
//
// Canonical contact fields: given_name, middle_name, family_name,
// full_name, emails, phones, job_title, account, account_domain, street,
// city, region, postal_code, country, language, time_zone, birthday, tags,
// owner_email, description, external_id, id. Canonical account fields:
// name, domain, industry, size, relationship, status, parent, phones,
// website, billing_street, billing_city, billing_region,
// billing_postal_code, billing_country, shipping_street, shipping_city,
// shipping_region, shipping_postal_code, shipping_country, tags,
// owner_email, description, external_id, id. Several columns may map to a
// list field (emails, phones, tags); the importer appends their values. A
// full_name column holds a whole name for the importer to split.
func MatchHeader(object, header string) (field string, ok bool) {
	m, ok := matchHeader(object, header)
	return m.field, ok
}

// MapHeaders maps each header to a field as MatchHeader does, returning ""
// for an unknown one. A single-valued field goes to one column only: the
// one whose name is the stronger match (Outlook's "Job Title" beats its
// "Title", which there is the honorific; "Business Street" beats "Home
// Street"), else the first. The other columns for it map to "".
func MapHeaders(object string, headers []string) []string {
	fields := make([]string, len(headers))
	weights := make([]int, len(headers))
	holder := map[string]int{}
	multi := listFields[canonicalObject(object)]
	for i, h := range headers {
		m, ok := matchHeader(object, h)
		if !ok {
			continue
		}
		if multi[m.field] {
			fields[i] = m.field
			continue
		}
		if j, taken := holder[m.field]; taken {
			if m.weight <= weights[j] {
				continue
			}
			fields[j] = ""
		}
		holder[m.field] = i
		fields[i], weights[i] = m.field, m.weight
	}
	return fields
}

// Object names MatchHeader knows.
const (
	ObjectContacts = "contacts"
	ObjectAccounts = "accounts"
	ObjectLeads    = "leads"
)

func canonicalObject(object string) string {
	switch strings.ToLower(strings.TrimSpace(object)) {
	case "contacts", "contact":
		return ObjectContacts
	case "accounts", "account":
		return ObjectAccounts
	case "leads", "lead":
		return ObjectLeads
	}
	return ""
}

var listFields = map[string]map[string]bool{
	ObjectContacts: {"emails": true, "phones": true, "tags": true},
	ObjectAccounts: {"phones": true, "tags": true},
}

type headerMatch struct {
	field  string
	weight int
}

func matchHeader(object, header string) (headerMatch, bool) {
	dict := headerDicts[canonicalObject(object)]
	if dict == nil {
		return headerMatch{}, false
	}
	key := HeaderKey(header)
	if key == "" {
		return headerMatch{}, false
	}
	if m, ok := dict[key]; ok {
		return m, true
	}
	if noDigits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return -1
		}
		return r
	}, key); noDigits != key && noDigits != "" {
		m, ok := dict[noDigits]
		return m, ok
	}
	return headerMatch{}, false
}

// HeaderKey is the normal form MatchHeader compares: NFKD, combining marks
// dropped, lowercased, only letters and digits kept ("E-mail Address" →
// "emailaddress", "Teléfono móvil" → "telefonomovil", "电子邮件" stays).
func HeaderKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// Match strengths: a canonical name or an unambiguous layout column beats a
// specific synonym, which beats a generic word that other layouts use for
// something else.
const (
	weak   = 1
	normal = 2
	strong = 3
)

type synonyms struct {
	field  string
	weight int
	names  []string
}

var headerDicts = map[string]map[string]headerMatch{
	ObjectContacts: buildDict(contactSynonyms),
	ObjectAccounts: buildDict(accountSynonyms),
	ObjectLeads:    buildDict(leadSynonyms),
}

// leadSynonyms reuse the contact and account headers for the fields a
// lead shares with them (a lead's company is an account's name).
var leadSynonyms = func() []synonyms {
	fromContact := map[string]string{"given_name": "given_name", "family_name": "family_name", "emails": "email", "phones": "phone", "job_title": "job_title", "city": "city", "country": "country"}
	var out []synonyms
	for _, s := range contactSynonyms {
		if f, ok := fromContact[s.field]; ok {
			s.field = f
			out = append(out, s)
		}
	}
	for _, s := range accountSynonyms {
		switch {
		case s.field == "name" && s.weight != weak:
			s.field = "company"
			out = append(out, s)
		case s.field == "industry" || s.field == "website":
			out = append(out, s)
		}
	}
	return append(out,
		synonyms{"source", normal, []string{"Source", "Lead Source", "Origen", "Origen del prospecto", "来源", "线索来源"}},
		synonyms{"campaign", normal, []string{"Campaign", "Campaign Name", "Campaña", "营销活动"}},
		synonyms{"status", normal, []string{"Status", "Lead Status", "Estado", "状态"}},
	)
}()

// buildDict indexes synonym lists by HeaderKey. A key listed twice is a
// mistake in the tables, caught when the package loads (and by the tests).
func buildDict(lists []synonyms) map[string]headerMatch {
	d := map[string]headerMatch{}
	for _, l := range lists {
		for _, n := range append([]string{l.field}, l.names...) {
			k := HeaderKey(n)
			w := l.weight
			if n == l.field && strings.Contains(n, "_") { // our own export's header
				w = strong
			}
			if prev, dup := d[k]; dup {
				if prev.field == l.field {
					continue
				}
				panic(fmt.Sprintf("dataio: header %q maps to both %s and %s", n, prev.field, l.field))
			}
			d[k] = headerMatch{field: l.field, weight: w}
		}
	}
	return d
}

var contactSynonyms = []synonyms{
	{"given_name", strong, []string{"First Name", "Given Name", "FirstName", "Forename", "Nombre de pila", "Primer nombre", "名", "名字"}},
	{"given_name", normal, []string{"Nombre"}},
	{"given_name", weak, []string{"First"}},
	{"middle_name", strong, []string{"Middle Name", "Additional Name", "Segundo nombre", "中间名"}},
	{"middle_name", weak, []string{"Middle"}},
	{"family_name", strong, []string{"Last Name", "Family Name", "LastName", "Surname", "Apellido(s)", "Apellidos", "Apellido", "Primer apellido", "姓", "姓氏"}},
	{"family_name", weak, []string{"Last"}},
	{"full_name", strong, []string{"Full Name", "Display Name", "Contact Name", "Nombre completo", "Nombre y apellidos", "姓名", "全名", "联系人姓名"}},
	{"full_name", normal, []string{"Name", "联系人"}},
	{"full_name", weak, []string{"Contact", "Contacto"}},
	{"emails", normal, []string{
		"Email", "E-mail", "Email Address", "E-mail Address", "E-mail 2 Address", "E-mail 3 Address",
		"E-mail - Value", "Email Value", "Primary Email", "Work Email", "Business Email", "Personal Email", "Home Email", "Other Email",
		"Mail", "Correo", "Correo electrónico", "Correo-e", "Email personal", "Email de trabajo",
		"Dirección de correo", "Dirección de correo electrónico",
		"电子邮件", "邮箱", "电子邮箱", "邮件", "邮件地址", "电子邮件地址", "Email地址",
	}},
	{"phones", normal, []string{
		"Phone", "Phone Number", "Telephone", "Tel", "Business Phone", "Work Phone",
		"Mobile Phone", "Mobile", "Mobile Phone Number", "Cell", "Cell Phone", "Cellphone",
		"Home Phone", "Other Phone", "Primary Phone", "Main Phone", "Office Phone", "Company Main Phone", "Car Phone",
		"Phone - Value",
		"Teléfono", "Móvil", "Teléfono móvil", "Celular", "Teléfono fijo", "Teléfono del trabajo", "Número de teléfono",
		"电话", "手机", "手机号", "手机号码", "电话号码", "联系电话", "座机", "办公电话", "移动电话",
	}},
	{"job_title", strong, []string{"Job Title", "Organization - Title", "Cargo", "Puesto", "Puesto de trabajo", "职位", "职务", "岗位"}},
	{"job_title", normal, []string{"Position", "Job", "Título", "头衔"}},
	{"job_title", weak, []string{"Title"}},
	{"account", strong, []string{"Company", "Company Name", "Account Name", "Organization - Name", "Empresa", "Nombre de la empresa", "公司", "公司名称", "工作单位"}},
	{"account", normal, []string{"Account", "Organization", "Organisation", "Employer", "Compañía", "Organización", "Cuenta", "单位", "企业"}},
	{"account_domain", normal, []string{"Company Domain", "Company Domain Name", "Domain", "Dominio", "Dominio de la empresa", "公司域名", "域名"}},
	{"street", strong, []string{"Business Street", "Mailing Street", "Primary Address Street", "Street Address", "Address - Street", "Address Line", "Dirección postal", "详细地址", "街道地址"}},
	{"street", normal, []string{"Street", "Address", "Mailing Address", "Dirección", "Calle", "Domicilio", "地址", "街道", "通讯地址"}},
	{"street", weak, []string{"Home Street", "Other Street", "Alternate Address Street"}},
	{"city", strong, []string{"Business City", "Mailing City", "Primary Address City", "Address - City"}},
	{"city", normal, []string{"City", "Town", "Ciudad", "Localidad", "Municipio", "Población", "城市", "市"}},
	{"city", weak, []string{"Home City", "Other City", "Alternate Address City"}},
	{"region", strong, []string{"Business State", "Mailing State/Province", "Mailing State", "Primary Address State", "Address - Region", "Address - State", "State/Province", "State/Region"}},
	{"region", normal, []string{"State", "Province", "Region", "Provincia", "Estado", "Región", "Comunidad autónoma", "省份", "省", "州"}},
	{"region", weak, []string{"Home State", "Other State", "Alternate Address State"}},
	{"postal_code", strong, []string{"Business Postal Code", "Mailing Zip/Postal Code", "Mailing Postal Code", "Mailing Zip", "Primary Address Postal Code", "Address - Postal Code", "Zip/Postal Code"}},
	{"postal_code", normal, []string{"Postal Code", "Postcode", "Post Code", "Zip", "Zip Code", "ZipCode", "Código postal", "CP", "邮编", "邮政编码"}},
	{"postal_code", weak, []string{"Home Postal Code", "Other Postal Code", "Alternate Address Postal Code"}},
	{"country", strong, []string{"Business Country/Region", "Business Country", "Mailing Country", "Primary Address Country", "Address - Country"}},
	{"country", normal, []string{"Country", "Country/Region", "País", "国家", "国家/地区"}},
	{"country", weak, []string{"Home Country/Region", "Other Country/Region", "Alternate Address Country"}},
	{"language", normal, []string{"Language", "Preferred Language", "Idioma", "Lengua", "语言", "首选语言"}},
	{"time_zone", normal, []string{"Time Zone", "Timezone", "TZ", "Zona horaria", "时区"}},
	{"birthday", normal, []string{"Birthday", "Birth Date", "Birthdate", "Date of Birth", "DOB", "Fecha de nacimiento", "Cumpleaños", "Nacimiento", "生日", "出生日期"}},
	{"tags", normal, []string{"Tags", "Tag", "Labels", "Categories", "Category", "Group Membership", "Groups", "Etiquetas", "Etiqueta", "Categorías", "Grupos", "标签", "分组", "分类"}},
	{"owner_email", strong, []string{"Owner Email", "Owner E-mail", "Assigned User Email", "Correo del propietario", "负责人邮箱"}},
	{"owner_email", normal, []string{"Contact Owner", "Lead Owner", "Owner", "Assigned User", "Assigned User Name", "Assigned To", "Propietario", "Responsable", "负责人", "所有者"}},
	{"description", normal, []string{"Notes", "Note", "Description", "Comments", "Comment", "Notas", "Nota", "Descripción", "Comentarios", "Observaciones", "备注", "描述", "说明"}},
	{"external_id", normal, []string{"External ID", "Contact ID", "Record ID", "Lead ID", "Salesforce ID", "HubSpot ID", "Zoho ID", "ID externo", "外部ID", "外部编号"}},
	{"id", normal, []string{"ID"}},
}

var accountSynonyms = []synonyms{
	{"name", strong, []string{"Account Name", "Company Name", "Organization Name", "Business Name", "Nombre de la cuenta", "Nombre de la empresa", "Razón social", "公司名称", "客户名称", "企业名称", "单位名称"}},
	{"name", normal, []string{"Company", "Organization", "Organisation", "Account", "Empresa", "Compañía", "Organización", "Cuenta", "公司", "名称"}},
	{"name", weak, []string{"Name", "Nombre"}},
	{"domain", normal, []string{"Domain", "Company Domain Name", "Company Domain", "Email Domain", "Dominio", "域名"}},
	{"industry", normal, []string{"Industry", "Sector", "Vertical", "Industria", "行业", "所属行业"}},
	{"size", normal, []string{"Size", "Company Size", "Employees", "Number of Employees", "No. of Employees", "Employee Count", "Headcount", "Tamaño", "Empleados", "Número de empleados", "规模", "员工人数", "公司规模"}},
	{"relationship", strong, []string{"Account Type", "Relationship", "Company Type", "Tipo de cuenta", "Relación", "客户类型", "关系"}},
	{"relationship", weak, []string{"Type", "Tipo", "类型"}},
	{"status", normal, []string{"Status", "Account Status", "Estatus", "Estado de la cuenta", "状态"}},
	{"status", weak, []string{"Estado"}},
	{"parent", normal, []string{"Parent Account", "Parent Account Name", "Parent Company", "Parent", "Member Of", "Member of (parent)", "Cuenta principal", "Cuenta padre", "Empresa matriz", "Matriz", "上级公司", "母公司", "总公司"}},
	{"phones", normal, []string{
		"Phone", "Phone Number", "Telephone", "Tel", "Main Phone", "Company Phone", "Business Phone", "Office Phone", "Other Phone",
		"Phone - Value", "Teléfono", "Teléfono de la empresa", "Número de teléfono",
		"电话", "联系电话", "公司电话", "座机", "电话号码",
	}},
	{"website", normal, []string{"Website", "Website URL", "Web Site", "Web", "URL", "Homepage", "Company Website", "Sitio web", "Página web", "Web de la empresa", "网站", "网址", "官网", "主页"}},
	{"billing_street", strong, []string{"Billing Street", "Billing Address", "Billing Address Street", "Billing Address Line", "Dirección de facturación", "Calle de facturación", "账单地址"}},
	{"billing_street", weak, []string{"Street", "Address", "Street Address", "Address - Street", "Address Line", "Dirección", "Calle", "地址", "街道", "详细地址"}},
	{"billing_city", strong, []string{"Billing City", "Billing Address City", "Ciudad de facturación", "账单城市"}},
	{"billing_city", weak, []string{"City", "Address - City", "Town", "Ciudad", "Localidad", "Municipio", "城市", "市"}},
	{"billing_region", strong, []string{"Billing State/Province", "Billing State", "Billing Address State", "Billing Region", "Billing Province", "Provincia de facturación", "Región de facturación"}},
	{"billing_region", weak, []string{"State", "Address - State", "Address - Region", "Province", "Region", "State/Region", "State/Province", "Provincia", "Región", "省份", "省", "州"}},
	{"billing_postal_code", strong, []string{"Billing Zip/Postal Code", "Billing Postal Code", "Billing Address Postal Code", "Billing Zip", "Billing Zip Code", "Código postal de facturación"}},
	{"billing_postal_code", weak, []string{"Zip", "Address - Postal Code", "Zip Code", "Postal Code", "Postcode", "Zip/Postal Code", "Código postal", "CP", "邮编", "邮政编码"}},
	{"billing_country", strong, []string{"Billing Country", "Billing Country/Region", "Billing Address Country", "País de facturación"}},
	{"billing_country", weak, []string{"Country", "Address - Country", "Country/Region", "País", "国家", "国家/地区"}},
	{"shipping_street", strong, []string{"Shipping Street", "Shipping Address", "Shipping Address Street", "Shipping Address Line", "Dirección de envío", "Calle de envío", "收货地址", "送货地址"}},
	{"shipping_city", strong, []string{"Shipping City", "Shipping Address City", "Ciudad de envío", "收货城市"}},
	{"shipping_region", strong, []string{"Shipping State/Province", "Shipping State", "Shipping Address State", "Shipping Region", "Shipping Province", "Provincia de envío"}},
	{"shipping_postal_code", strong, []string{"Shipping Zip/Postal Code", "Shipping Postal Code", "Shipping Address Postal Code", "Shipping Zip", "Shipping Zip Code", "Código postal de envío"}},
	{"shipping_country", strong, []string{"Shipping Country", "Shipping Country/Region", "Shipping Address Country", "País de envío"}},
	{"tags", normal, []string{"Tags", "Tag", "Labels", "Categories", "Category", "Etiquetas", "Etiqueta", "Categorías", "标签", "分类"}},
	{"owner_email", strong, []string{"Owner Email", "Owner E-mail", "Correo del propietario", "负责人邮箱"}},
	{"owner_email", normal, []string{"Account Owner", "Company Owner", "Owner", "Assigned User", "Assigned User Name", "Assigned To", "Propietario", "Propietario de la cuenta", "Responsable", "负责人", "所有者"}},
	{"description", normal, []string{"Description", "Notes", "Note", "About", "Comments", "Descripción", "Notas", "Observaciones", "备注", "描述", "简介", "说明"}},
	{"external_id", normal, []string{"External ID", "Account ID", "Company ID", "Record ID", "Salesforce ID", "HubSpot ID", "ID externo", "外部ID"}},
	{"id", normal, []string{"ID"}},
}
