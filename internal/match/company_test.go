package match

import "testing"

func TestCompanyKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"The ACME, Inc.", "acme"},
		{"Acme Inc", "acme"},
		{"ACME Corporation", "acme"},
		{"Acme Co., Ltd.", "acme"},
		{"Acme L.L.C.", "acme"},
		{"Grupo Pérez S.A.", "grupo perez"},
		{"Pérez y Hermanos, S.L.", "perez y hermanos"},
		{"Rossi S.R.L.", "rossi"},
		{"Dupont SAS", "dupont"},
		{"Siemens AG", "siemens"},
		{"Müller GmbH & Co. KG", "muller"},
		{"Philips B.V.", "philips"},
		{"Barclays PLC", "barclays"},
		{"Acme Limited", "acme"},
		{"北京华为技术有限公司", "北京华为技术"},
		{"阿里巴巴集团", "阿里巴巴"},
		{"中国平安保险(集团)股份有限公司", "中国平安保险"},
		{"某某有限责任公司", "某某"},
		{"The Company", "the company"}, // nothing but noise: folded name
		{"Yahoo.com Inc", "yahoo com"},
	}
	for _, tt := range tests {
		if got := CompanyKey(tt.in); got != tt.want {
			t.Errorf("CompanyKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDomain(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://www.Example.com/about", "example.com"},
		{"WWW.example.co.uk", "example.co.uk"},
		{"example.com", "example.com"},
		{"  http://Example.com:8080/path?q=1#x ", "example.com"},
		{"//cdn.example.com/x", "cdn.example.com"},
		{"https://user:pw@shop.example.com", "shop.example.com"},
		{"ana@example.com", "example.com"},
		{"example.com.", "example.com"},
		{"www.com", "www.com"},
		{"ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ", "example.com"},
		{"münchen.de", "münchen.de"},
		{"", ""},
		{"localhost", ""},
		{"http://localhost:8080", ""},
		{"acme corp", ""},
		{"acme corp.com", ""},
		{"example..com", ""},
		{"exa_mple.com", ""},
	}
	for _, tt := range tests {
		if got := Domain(tt.in); got != tt.want {
			t.Errorf("Domain(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
