package dataio

import (
	"strings"
	"testing"
)

const outlookHeader = "Title,First Name,Middle Name,Last Name,Suffix,Company,Department,Job Title," +
	"Business Street,Business Street 2,Business Street 3,Business City,Business State,Business Postal Code,Business Country/Region," +
	"Home Street,Home Street 2,Home Street 3,Home City,Home State,Home Postal Code,Home Country/Region," +
	"Other Street,Other Street 2,Other Street 3,Other City,Other State,Other Postal Code,Other Country/Region," +
	"Assistant's Phone,Business Fax,Business Phone,Business Phone 2,Callback,Car Phone,Company Main Phone,Home Fax,Home Phone,Home Phone 2," +
	"ISDN,Mobile Phone,Other Fax,Other Phone,Pager,Primary Phone,Radio Phone,TTY/TDD Phone,Telex,Account,Anniversary," +
	"Assistant's Name,Billing Information,Birthday,Business Address PO Box,Categories,Children,Directory Server," +
	"E-mail Address,E-mail Type,E-mail Display Name,E-mail 2 Address,E-mail 2 Type,E-mail 2 Display Name," +
	"E-mail 3 Address,E-mail 3 Type,E-mail 3 Display Name,Gender,Government ID Number,Hobby,Home Address PO Box,Initials," +
	"Internet Free Busy,Keywords,Language,Location,Manager's Name,Mileage,Notes,Office Location,Organizational ID Number," +
	"Other Address PO Box,Priority,Private,Profession,Referred By,Sensitivity,Spouse,User 1,User 2,User 3,User 4,Web Page"

const googleHeader = "Name,Given Name,Additional Name,Family Name,Yomi Name,Given Name Yomi,Additional Name Yomi,Family Name Yomi," +
	"Name Prefix,Name Suffix,Initials,Nickname,Short Name,Maiden Name,Birthday,Gender,Location,Billing Information," +
	"Directory Server,Mileage,Occupation,Hobby,Sensitivity,Priority,Subject,Notes,Language,Photo,Group Membership," +
	"E-mail 1 - Type,E-mail 1 - Value,E-mail 2 - Type,E-mail 2 - Value,Phone 1 - Type,Phone 1 - Value,Phone 2 - Type,Phone 2 - Value," +
	"Address 1 - Type,Address 1 - Formatted,Address 1 - Street,Address 1 - City,Address 1 - PO Box,Address 1 - Region," +
	"Address 1 - Postal Code,Address 1 - Country,Address 1 - Extended Address,Organization 1 - Type,Organization 1 - Name," +
	"Organization 1 - Yomi Name,Organization 1 - Title,Organization 1 - Department,Organization 1 - Symbol," +
	"Organization 1 - Location,Organization 1 - Job Description,Website 1 - Type,Website 1 - Value"

const googleNewHeader = "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,Phonetic Last Name," +
	"Name Prefix,Name Suffix,Nickname,File As,Organization Name,Organization Title,Organization Department,Birthday,Notes," +
	"Photo,Labels,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,Phone 1 - Value," +
	"Address 1 - Label,Address 1 - Formatted,Address 1 - Street,Address 1 - City,Address 1 - PO Box,Address 1 - Region," +
	"Address 1 - Postal Code,Address 1 - Country,Address 1 - Extended Address,Website 1 - Label,Website 1 - Value"

// checkMapping maps header with MapHeaders and compares with want, which
// lists the columns that must map (by name); every other column must not.
func checkMapping(t *testing.T, object, header string, want map[string]string) {
	t.Helper()
	cols := strings.Split(header, ",")
	got := MapHeaders(object, cols)
	seen := map[string]bool{}
	for i, c := range cols {
		seen[c] = true
		if got[i] != want[c] {
			t.Errorf("%s column %q → %q, want %q", object, c, got[i], want[c])
		}
	}
	for c := range want {
		if !seen[c] {
			t.Errorf("test lists %q, which is not in the header", c)
		}
	}
}

func TestMapHeadersOutlook(t *testing.T) {
	checkMapping(t, "contacts", outlookHeader, map[string]string{
		"First Name": "given_name", "Middle Name": "middle_name", "Last Name": "family_name",
		"Company": "account", "Job Title": "job_title", // "Title" is the honorific here and loses to "Job Title"
		"Business Street": "street", "Business City": "city", "Business State": "region",
		"Business Postal Code": "postal_code", "Business Country/Region": "country",
		"Business Phone": "phones", "Business Phone 2": "phones", "Car Phone": "phones", "Company Main Phone": "phones",
		"Home Phone": "phones", "Home Phone 2": "phones", "Mobile Phone": "phones", "Other Phone": "phones", "Primary Phone": "phones",
		"Birthday": "birthday", "Categories": "tags",
		"E-mail Address": "emails", "E-mail 2 Address": "emails", "E-mail 3 Address": "emails",
		"Language": "language", "Notes": "description",
	})
}

func TestMapHeadersGoogle(t *testing.T) {
	checkMapping(t, "contacts", googleHeader, map[string]string{
		"Name": "full_name", "Given Name": "given_name", "Additional Name": "middle_name", "Family Name": "family_name",
		"Birthday": "birthday", "Notes": "description", "Language": "language", "Group Membership": "tags",
		"E-mail 1 - Value": "emails", "E-mail 2 - Value": "emails", "Phone 1 - Value": "phones", "Phone 2 - Value": "phones",
		"Address 1 - Street": "street", "Address 1 - City": "city", "Address 1 - Region": "region",
		"Address 1 - Postal Code": "postal_code", "Address 1 - Country": "country",
		"Organization 1 - Name": "account", "Organization 1 - Title": "job_title",
	})
	checkMapping(t, "contacts", googleNewHeader, map[string]string{
		"First Name": "given_name", "Middle Name": "middle_name", "Last Name": "family_name",
		"Organization Name": "account", "Organization Title": "job_title", "Birthday": "birthday", "Notes": "description",
		"Labels": "tags", "E-mail 1 - Value": "emails", "E-mail 2 - Value": "emails", "Phone 1 - Value": "phones",
		"Address 1 - Street": "street", "Address 1 - City": "city", "Address 1 - Region": "region",
		"Address 1 - Postal Code": "postal_code", "Address 1 - Country": "country",
	})
}

func TestMapHeadersCRMs(t *testing.T) {
	t.Run("Salesforce contacts", func(t *testing.T) {
		checkMapping(t, "contacts", "Salutation,First Name,Last Name,Title,Mailing Street,Mailing City,Mailing State/Province,"+
			"Mailing Zip/Postal Code,Mailing Country,Phone,Mobile,Email,Account Name,Lead Source,Contact Owner,Contact ID",
			map[string]string{
				"First Name": "given_name", "Last Name": "family_name", "Title": "job_title", "Mailing Street": "street",
				"Mailing City": "city", "Mailing State/Province": "region", "Mailing Zip/Postal Code": "postal_code",
				"Mailing Country": "country", "Phone": "phones", "Mobile": "phones", "Email": "emails",
				"Account Name": "account", "Contact Owner": "owner_email", "Contact ID": "external_id",
			})
	})
	t.Run("HubSpot contacts", func(t *testing.T) {
		checkMapping(t, "contacts", "Record ID,First Name,Last Name,Email,Phone Number,Mobile Phone Number,Company Name,Job Title,"+
			"Street Address,City,State/Region,Postal Code,Country/Region,Contact owner,Owner Email,Lifecycle Stage,Tags",
			map[string]string{
				"Record ID": "external_id", "First Name": "given_name", "Last Name": "family_name", "Email": "emails",
				"Phone Number": "phones", "Mobile Phone Number": "phones", "Company Name": "account", "Job Title": "job_title",
				"Street Address": "street", "City": "city", "State/Region": "region", "Postal Code": "postal_code",
				"Country/Region": "country", "Owner Email": "owner_email", "Tags": "tags",
				// "Contact owner" also means owner_email, but "Owner Email" is the stronger match.
			})
	})
	t.Run("Zoho contacts", func(t *testing.T) {
		checkMapping(t, "contacts", "Contact Owner,First Name,Last Name,Account Name,Email,Title,Phone,Mobile,"+
			"Mailing Street,Mailing City,Mailing State,Mailing Zip,Mailing Country,Description,Tag",
			map[string]string{
				"Contact Owner": "owner_email", "First Name": "given_name", "Last Name": "family_name", "Account Name": "account",
				"Email": "emails", "Title": "job_title", "Phone": "phones", "Mobile": "phones", "Mailing Street": "street",
				"Mailing City": "city", "Mailing State": "region", "Mailing Zip": "postal_code", "Mailing Country": "country",
				"Description": "description", "Tag": "tags",
			})
	})
	t.Run("EspoCRM contacts", func(t *testing.T) {
		checkMapping(t, "contacts", "Name,First Name,Last Name,Account,Email Address,Phone,Title,Address Street,Address City,"+
			"Address State,Address Postal Code,Address Country,Description,Assigned User",
			map[string]string{
				"Name": "full_name", "First Name": "given_name", "Last Name": "family_name", "Account": "account",
				"Email Address": "emails", "Phone": "phones", "Title": "job_title", "Address Street": "street",
				"Address City": "city", "Address State": "region", "Address Postal Code": "postal_code",
				"Address Country": "country", "Description": "description", "Assigned User": "owner_email",
			})
	})
	t.Run("SuiteCRM contacts", func(t *testing.T) {
		checkMapping(t, "contacts", "First Name,Last Name,Title,Account Name,Email Address,Office Phone,Mobile Phone,"+
			"Primary Address Street,Primary Address City,Primary Address State,Primary Address Postal Code,"+
			"Primary Address Country,Alternate Address Street,Assigned to,Description",
			map[string]string{
				"First Name": "given_name", "Last Name": "family_name", "Title": "job_title", "Account Name": "account",
				"Email Address": "emails", "Office Phone": "phones", "Mobile Phone": "phones",
				"Primary Address Street": "street", "Primary Address City": "city", "Primary Address State": "region",
				"Primary Address Postal Code": "postal_code", "Primary Address Country": "country",
				"Assigned to": "owner_email", "Description": "description",
			})
	})
	t.Run("Salesforce accounts", func(t *testing.T) {
		checkMapping(t, "accounts", "Account Name,Type,Industry,Billing Street,Billing City,Billing State/Province,"+
			"Billing Zip/Postal Code,Billing Country,Shipping Street,Shipping City,Shipping State/Province,"+
			"Shipping Zip/Postal Code,Shipping Country,Phone,Fax,Website,Employees,Account Owner,Parent Account,Description,Account ID",
			map[string]string{
				"Account Name": "name", "Type": "relationship", "Industry": "industry",
				"Billing Street": "billing_street", "Billing City": "billing_city", "Billing State/Province": "billing_region",
				"Billing Zip/Postal Code": "billing_postal_code", "Billing Country": "billing_country",
				"Shipping Street": "shipping_street", "Shipping City": "shipping_city", "Shipping State/Province": "shipping_region",
				"Shipping Zip/Postal Code": "shipping_postal_code", "Shipping Country": "shipping_country",
				"Phone": "phones", "Website": "website", "Employees": "size", "Account Owner": "owner_email",
				"Parent Account": "parent", "Description": "description", "Account ID": "external_id",
			})
	})
	t.Run("HubSpot companies", func(t *testing.T) {
		checkMapping(t, "accounts", "Record ID,Company name,Company Domain Name,Industry,Number of Employees,Phone Number,"+
			"Street Address,City,State/Region,Postal Code,Country/Region,Company owner,Type,Website URL",
			map[string]string{
				"Record ID": "external_id", "Company name": "name", "Company Domain Name": "domain", "Industry": "industry",
				"Number of Employees": "size", "Phone Number": "phones", "Street Address": "billing_street", "City": "billing_city",
				"State/Region": "billing_region", "Postal Code": "billing_postal_code", "Country/Region": "billing_country",
				"Company owner": "owner_email", "Type": "relationship", "Website URL": "website",
			})
	})
	t.Run("EspoCRM accounts", func(t *testing.T) {
		checkMapping(t, "accounts", "Name,Website,Email Address,Phone,Type,Industry,Billing Address Street,Billing Address City,"+
			"Billing Address State,Billing Address Postal Code,Billing Address Country,Shipping Address Street,Description,Assigned User",
			map[string]string{
				"Name": "name", "Website": "website", "Phone": "phones", "Type": "relationship", "Industry": "industry",
				"Billing Address Street": "billing_street", "Billing Address City": "billing_city",
				"Billing Address State": "billing_region", "Billing Address Postal Code": "billing_postal_code",
				"Billing Address Country": "billing_country", "Shipping Address Street": "shipping_street",
				"Description": "description", "Assigned User": "owner_email",
			})
	})
	t.Run("our own export", func(t *testing.T) {
		checkMapping(t, "contacts", "id,external_id,given_name,middle_name,family_name,full_name,emails,phones,job_title,account,"+
			"account_domain,street,city,region,postal_code,country,language,time_zone,birthday,tags,owner_email,description",
			map[string]string{
				"id": "id", "external_id": "external_id", "given_name": "given_name", "middle_name": "middle_name",
				"family_name": "family_name", "full_name": "full_name", "emails": "emails", "phones": "phones",
				"job_title": "job_title", "account": "account", "account_domain": "account_domain", "street": "street",
				"city": "city", "region": "region", "postal_code": "postal_code", "country": "country", "language": "language",
				"time_zone": "time_zone", "birthday": "birthday", "tags": "tags", "owner_email": "owner_email",
				"description": "description",
			})
	})
}

func TestMatchHeader(t *testing.T) {
	tests := []struct {
		object, header, want string
	}{
		// Spanish
		{"contacts", "Nombre", "given_name"},
		{"contacts", "Apellido(s)", "family_name"},
		{"contacts", "Apellidos", "family_name"},
		{"contacts", "Nombre completo", "full_name"},
		{"contacts", "Correo electrónico", "emails"},
		{"contacts", "CORREO ELECTRONICO", "emails"},
		{"contacts", "correo_electronico", "emails"},
		{"contacts", "Teléfono", "phones"},
		{"contacts", "Móvil", "phones"},
		{"contacts", "Empresa", "account"},
		{"contacts", "Cargo", "job_title"},
		{"contacts", "Dirección", "street"},
		{"contacts", "Ciudad", "city"},
		{"contacts", "Provincia", "region"},
		{"contacts", "Código postal", "postal_code"},
		{"contacts", "País", "country"},
		{"contacts", "Etiquetas", "tags"},
		{"contacts", "Idioma", "language"},
		{"contacts", "Fecha de nacimiento", "birthday"},
		{"contacts", "Cumpleaños", "birthday"},
		// Chinese
		{"contacts", "姓名", "full_name"},
		{"contacts", "姓", "family_name"},
		{"contacts", "名", "given_name"},
		{"contacts", "电子邮件", "emails"},
		{"contacts", "邮箱", "emails"},
		{"contacts", "电话", "phones"},
		{"contacts", "手机", "phones"},
		{"contacts", "公司", "account"},
		{"contacts", "职位", "job_title"},
		{"contacts", "地址", "street"},
		{"contacts", "城市", "city"},
		{"contacts", "省份", "region"},
		{"contacts", "邮编", "postal_code"},
		{"contacts", "国家", "country"},
		{"contacts", "标签", "tags"},
		{"contacts", "生日", "birthday"},
		{"contacts", "备注", "description"},
		{"contacts", " 电子邮件 ", "emails"},
		// English variants and normalisation
		{"contacts", "E-mail", "emails"},
		{"contacts", "email address", "emails"},
		{"contacts", "ＥＭＡＩＬ", "emails"}, // full-width
		{"contacts", "Full Name", "full_name"},
		{"contacts", "Email 3", "emails"},
		{"contacts", "Tags", "tags"},
		{"contact", "Owner Email", "owner_email"},
		{"Contacts", "Time Zone", "time_zone"},
		// Accounts
		{"accounts", "Company Name", "name"},
		{"accounts", "Razón social", "name"},
		{"accounts", "公司名称", "name"},
		{"accounts", "Dominio", "domain"},
		{"accounts", "Sitio web", "website"},
		{"accounts", "行业", "industry"},
		{"accounts", "Empleados", "size"},
		{"accounts", "Empresa matriz", "parent"},
		{"accounts", "Dirección de facturación", "billing_street"},
		{"accounts", "Dirección de envío", "shipping_street"},
		{"account", "Billing Zip", "billing_postal_code"},
	}
	for _, tt := range tests {
		got, ok := MatchHeader(tt.object, tt.header)
		if !ok || got != tt.want {
			t.Errorf("MatchHeader(%q, %q) = %q, %v; want %q", tt.object, tt.header, got, ok, tt.want)
		}
	}

	for _, tc := range []struct{ object, header string }{
		{"contacts", "E-mail 1 - Type"},
		{"contacts", "Phone 1 - Label"},
		{"contacts", "E-mail Display Name"},
		{"contacts", "Business Fax"},
		{"contacts", "Lead Source"},
		{"contacts", ""},
		{"contacts", "---"},
		{"contacts", "42"},
		{"accounts", "First Name"},
		{"deals", "Name"},
		{"", "Email"},
	} {
		if got, ok := MatchHeader(tc.object, tc.header); ok {
			t.Errorf("MatchHeader(%q, %q) = %q, want no match", tc.object, tc.header, got)
		}
	}
}

func TestMapHeadersSingleValued(t *testing.T) {
	got := MapHeaders("contacts", []string{"Email", "First Name", "Nombre", "E-mail", "Address", "Business Street", "Home Street", "Tags", "Labels"})
	want := []string{"emails", "given_name", "", "emails", "", "street", "", "tags", "tags"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("column %d → %q, want %q (all: %q)", i, got[i], want[i], got)
		}
	}
	if got := MapHeaders("widgets", []string{"a"}); got[0] != "" {
		t.Errorf("unknown object mapped %q", got[0])
	}
}

func TestHeaderKey(t *testing.T) {
	for in, want := range map[string]string{
		"E-mail Address":       "emailaddress",
		"Código_Postal":        "codigopostal",
		"  Mailing State/Prov": "mailingstateprov",
		"Ｐｈｏｎｅ":                "phone",
		"国家/地区":                "国家地区",
		"Ñandú":                "nandu",
	} {
		if got := HeaderKey(in); got != want {
			t.Errorf("HeaderKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBuildDictRejectsConflicts(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("buildDict accepted a header listed for two fields")
		}
	}()
	buildDict([]synonyms{{"a", normal, []string{"Same"}}, {"b", normal, []string{"same"}}})
}
