package demo

// Countries, in the order of these constants.
const (
	cUS = iota
	cGB
	cES
	cMX
	cAR
	cCO
	cCN
)

type cityInfo struct {
	name, region, tz string
	code             string   // short form in domains: nyc, bcn, cdmx
	areas            []string // phone number prefixes (area codes; for GB the whole fictional range)
	postal           []string // postal code prefixes
	// Chinese cities only
	short, py string // 上海, shanghai
	districts []string
}

type countryInfo struct {
	code      string // ISO 3166 alpha-2
	label     string // in subsidiary names: "Northwind Logistics UK Ltd"
	cities    []cityInfo
	legal     []string // legal forms of companies
	legalW    wtable
	orgTLD    string
	govPrefix string // "Ayuntamiento de "
	govTLD    string
	personal  []string // personal e-mail domains
	personalW wtable
}

var countries = [...]countryInfo{
	cUS: {
		code: "US", label: "USA",
		legal: []string{"Inc.", "LLC", "Corp.", "Co.", ""}, legalW: weights(35, 35, 10, 5, 15),
		orgTLD:   "org",
		personal: []string{"gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "aol.com"}, personalW: weights(50, 15, 12, 8, 10, 5),
		cities: []cityInfo{
			{name: "New York", code: "nyc", region: "NY", tz: "America/New_York", areas: []string{"212", "646", "917", "718"}, postal: []string{"100", "101", "102"}},
			{name: "Los Angeles", code: "la", region: "CA", tz: "America/Los_Angeles", areas: []string{"213", "310", "323", "818"}, postal: []string{"900", "910", "913"}},
			{name: "Chicago", code: "chicago", region: "IL", tz: "America/Chicago", areas: []string{"312", "773", "872"}, postal: []string{"606", "607"}},
			{name: "Houston", code: "houston", region: "TX", tz: "America/Chicago", areas: []string{"713", "281", "832"}, postal: []string{"770", "772"}},
			{name: "San Francisco", code: "sf", region: "CA", tz: "America/Los_Angeles", areas: []string{"415", "628"}, postal: []string{"941"}},
			{name: "Dallas", code: "dallas", region: "TX", tz: "America/Chicago", areas: []string{"214", "469", "972"}, postal: []string{"752", "753"}},
			{name: "Boston", code: "boston", region: "MA", tz: "America/New_York", areas: []string{"617", "857"}, postal: []string{"021", "022"}},
			{name: "Seattle", code: "seattle", region: "WA", tz: "America/Los_Angeles", areas: []string{"206"}, postal: []string{"981"}},
			{name: "Atlanta", code: "atl", region: "GA", tz: "America/New_York", areas: []string{"404", "470", "678"}, postal: []string{"303"}},
			{name: "Phoenix", code: "phx", region: "AZ", tz: "America/Phoenix", areas: []string{"602", "480", "623"}, postal: []string{"850"}},
			{name: "Philadelphia", code: "philly", region: "PA", tz: "America/New_York", areas: []string{"215", "267"}, postal: []string{"191"}},
			{name: "Miami", code: "miami", region: "FL", tz: "America/New_York", areas: []string{"305", "786"}, postal: []string{"331"}},
			{name: "Denver", code: "denver", region: "CO", tz: "America/Denver", areas: []string{"303", "720"}, postal: []string{"802"}},
			{name: "Austin", code: "austin", region: "TX", tz: "America/Chicago", areas: []string{"512", "737"}, postal: []string{"787"}},
			{name: "San Diego", code: "sd", region: "CA", tz: "America/Los_Angeles", areas: []string{"619", "858"}, postal: []string{"921"}},
			{name: "San Jose", code: "sj", region: "CA", tz: "America/Los_Angeles", areas: []string{"408", "669"}, postal: []string{"951"}},
			{name: "San Antonio", code: "satx", region: "TX", tz: "America/Chicago", areas: []string{"210"}, postal: []string{"782"}},
			{name: "Minneapolis", code: "mpls", region: "MN", tz: "America/Chicago", areas: []string{"612"}, postal: []string{"554"}},
			{name: "Detroit", code: "detroit", region: "MI", tz: "America/Detroit", areas: []string{"313"}, postal: []string{"482"}},
			{name: "Portland", code: "pdx", region: "OR", tz: "America/Los_Angeles", areas: []string{"503", "971"}, postal: []string{"972"}},
			{name: "Nashville", code: "nashville", region: "TN", tz: "America/Chicago", areas: []string{"615", "629"}, postal: []string{"372"}},
			{name: "Charlotte", code: "clt", region: "NC", tz: "America/New_York", areas: []string{"704", "980"}, postal: []string{"282"}},
			{name: "Columbus", code: "columbus", region: "OH", tz: "America/New_York", areas: []string{"614"}, postal: []string{"432"}},
			{name: "Indianapolis", code: "indy", region: "IN", tz: "America/Indiana/Indianapolis", areas: []string{"317"}, postal: []string{"462"}},
			{name: "Salt Lake City", code: "slc", region: "UT", tz: "America/Denver", areas: []string{"801", "385"}, postal: []string{"841"}},
			{name: "Kansas City", code: "kc", region: "MO", tz: "America/Chicago", areas: []string{"816"}, postal: []string{"641"}},
			{name: "Raleigh", code: "raleigh", region: "NC", tz: "America/New_York", areas: []string{"919", "984"}, postal: []string{"276"}},
			{name: "Pittsburgh", code: "pgh", region: "PA", tz: "America/New_York", areas: []string{"412"}, postal: []string{"152"}},
			{name: "St. Louis", code: "stl", region: "MO", tz: "America/Chicago", areas: []string{"314"}, postal: []string{"631"}},
			{name: "Las Vegas", code: "vegas", region: "NV", tz: "America/Los_Angeles", areas: []string{"702", "725"}, postal: []string{"891"}},
			{name: "Baltimore", code: "baltimore", region: "MD", tz: "America/New_York", areas: []string{"410", "443"}, postal: []string{"212"}},
			{name: "Milwaukee", code: "mke", region: "WI", tz: "America/Chicago", areas: []string{"414"}, postal: []string{"532"}},
			{name: "Albuquerque", code: "abq", region: "NM", tz: "America/Denver", areas: []string{"505"}, postal: []string{"871"}},
			{name: "Tampa", code: "tampa", region: "FL", tz: "America/New_York", areas: []string{"813"}, postal: []string{"336"}},
			{name: "Orlando", code: "orlando", region: "FL", tz: "America/New_York", areas: []string{"407", "321"}, postal: []string{"328"}},
			{name: "Cleveland", code: "cle", region: "OH", tz: "America/New_York", areas: []string{"216"}, postal: []string{"441"}},
			{name: "Omaha", code: "omaha", region: "NE", tz: "America/Chicago", areas: []string{"402"}, postal: []string{"681"}},
			{name: "Boise", code: "boise", region: "ID", tz: "America/Boise", areas: []string{"208"}, postal: []string{"837"}},
			{name: "Anchorage", code: "anchorage", region: "AK", tz: "America/Anchorage", areas: []string{"907"}, postal: []string{"995"}},
			{name: "Honolulu", code: "hnl", region: "HI", tz: "Pacific/Honolulu", areas: []string{"808"}, postal: []string{"968"}},
		},
	},
	cGB: {
		code: "GB", label: "UK",
		legal: []string{"Ltd", "Limited", "PLC", "LLP", ""}, legalW: weights(55, 15, 5, 5, 20),
		orgTLD:   "org.uk",
		personal: []string{"gmail.com", "hotmail.co.uk", "outlook.com", "yahoo.co.uk", "icloud.com", "btinternet.com"}, personalW: weights(45, 15, 12, 10, 10, 8),
		// Numbers in Ofcom's ranges for drama: 020 7946 0xxx, 0113 496 0xxx, ...
		cities: []cityInfo{
			{name: "London", code: "london", region: "Greater London", tz: "Europe/London", areas: []string{"2079460"}, postal: []string{"EC1A", "EC2M", "WC2H", "SW1A", "SE1", "N1", "E14", "W1D", "NW1"}},
			{name: "Manchester", code: "mcr", region: "Greater Manchester", tz: "Europe/London", areas: []string{"1614960"}, postal: []string{"M1", "M2", "M3", "M4", "M15"}},
			{name: "Birmingham", code: "brum", region: "West Midlands", tz: "Europe/London", areas: []string{"1214960"}, postal: []string{"B1", "B2", "B3", "B4", "B5"}},
			{name: "Leeds", code: "leeds", region: "West Yorkshire", tz: "Europe/London", areas: []string{"1134960"}, postal: []string{"LS1", "LS2", "LS11"}},
			{name: "Glasgow", code: "glasgow", region: "Glasgow City", tz: "Europe/London", areas: []string{"1414960"}, postal: []string{"G1", "G2", "G3"}},
			{name: "Edinburgh", code: "edinburgh", region: "City of Edinburgh", tz: "Europe/London", areas: []string{"1314960"}, postal: []string{"EH1", "EH2", "EH3"}},
			{name: "Bristol", code: "bristol", region: "Bristol", tz: "Europe/London", areas: []string{"1174960"}, postal: []string{"BS1", "BS2", "BS8"}},
			{name: "Liverpool", code: "liverpool", region: "Merseyside", tz: "Europe/London", areas: []string{"1514960"}, postal: []string{"L1", "L2", "L3"}},
			{name: "Sheffield", code: "sheffield", region: "South Yorkshire", tz: "Europe/London", areas: []string{"1144960"}, postal: []string{"S1", "S2", "S3"}},
			{name: "Nottingham", code: "notts", region: "Nottinghamshire", tz: "Europe/London", areas: []string{"1154960"}, postal: []string{"NG1", "NG2", "NG7"}},
			{name: "Leicester", code: "leicester", region: "Leicestershire", tz: "Europe/London", areas: []string{"1164960"}, postal: []string{"LE1", "LE2"}},
			{name: "Reading", code: "reading", region: "Berkshire", tz: "Europe/London", areas: []string{"1184960"}, postal: []string{"RG1", "RG2"}},
			{name: "Newcastle upon Tyne", code: "ncl", region: "Tyne and Wear", tz: "Europe/London", areas: []string{"1914980"}, postal: []string{"NE1", "NE2"}},
			{name: "Cardiff", code: "cardiff", region: "Wales", tz: "Europe/London", areas: []string{"2920180"}, postal: []string{"CF10", "CF11"}},
			{name: "Belfast", code: "belfast", region: "Northern Ireland", tz: "Europe/London", areas: []string{"2890180"}, postal: []string{"BT1", "BT2"}},
		},
	},
	cES: {
		code: "ES", label: "España",
		legal: []string{"S.L.", "S.A.", "S.L.U.", ""}, legalW: weights(55, 25, 10, 10),
		orgTLD: "org", govPrefix: "Ayuntamiento de ", govTLD: "es",
		personal: []string{"gmail.com", "hotmail.com", "outlook.es", "yahoo.es", "telefonica.net", "icloud.com"}, personalW: weights(50, 20, 10, 10, 5, 5),
		cities: []cityInfo{
			{name: "Madrid", code: "madrid", region: "Comunidad de Madrid", tz: "Europe/Madrid", areas: []string{"91"}, postal: []string{"28"}},
			{name: "Barcelona", code: "bcn", region: "Cataluña", tz: "Europe/Madrid", areas: []string{"93"}, postal: []string{"08"}},
			{name: "Valencia", code: "valencia", region: "Comunidad Valenciana", tz: "Europe/Madrid", areas: []string{"96"}, postal: []string{"46"}},
			{name: "Sevilla", code: "sevilla", region: "Andalucía", tz: "Europe/Madrid", areas: []string{"954", "955"}, postal: []string{"41"}},
			{name: "Zaragoza", code: "zgz", region: "Aragón", tz: "Europe/Madrid", areas: []string{"976"}, postal: []string{"50"}},
			{name: "Málaga", code: "malaga", region: "Andalucía", tz: "Europe/Madrid", areas: []string{"952"}, postal: []string{"29"}},
			{name: "Bilbao", code: "bilbao", region: "País Vasco", tz: "Europe/Madrid", areas: []string{"944"}, postal: []string{"48"}},
			{name: "Palma", code: "palma", region: "Islas Baleares", tz: "Europe/Madrid", areas: []string{"971"}, postal: []string{"07"}},
			{name: "Las Palmas de Gran Canaria", code: "lpgc", region: "Canarias", tz: "Atlantic/Canary", areas: []string{"928"}, postal: []string{"35"}},
			{name: "Murcia", code: "murcia", region: "Región de Murcia", tz: "Europe/Madrid", areas: []string{"968"}, postal: []string{"30"}},
			{name: "Alicante", code: "alicante", region: "Comunidad Valenciana", tz: "Europe/Madrid", areas: []string{"965"}, postal: []string{"03"}},
			{name: "Valladolid", code: "valladolid", region: "Castilla y León", tz: "Europe/Madrid", areas: []string{"983"}, postal: []string{"47"}},
			{name: "A Coruña", code: "coruna", region: "Galicia", tz: "Europe/Madrid", areas: []string{"981"}, postal: []string{"15"}},
			{name: "Oviedo", code: "oviedo", region: "Principado de Asturias", tz: "Europe/Madrid", areas: []string{"985"}, postal: []string{"33"}},
			{name: "Granada", code: "granada", region: "Andalucía", tz: "Europe/Madrid", areas: []string{"958"}, postal: []string{"18"}},
		},
	},
	cMX: {
		code: "MX", label: "México",
		legal: []string{"S.A. de C.V.", "S. de R.L. de C.V.", "S.A.P.I. de C.V.", ""}, legalW: weights(60, 20, 10, 10),
		orgTLD: "org.mx", govPrefix: "Municipio de ", govTLD: "gob.mx",
		personal: []string{"gmail.com", "hotmail.com", "outlook.com", "yahoo.com.mx", "live.com.mx"}, personalW: weights(50, 25, 10, 10, 5),
		cities: []cityInfo{
			{name: "Ciudad de México", code: "cdmx", region: "CDMX", tz: "America/Mexico_City", areas: []string{"55"}, postal: []string{"01", "03", "06", "11"}},
			{name: "Guadalajara", code: "gdl", region: "Jalisco", tz: "America/Mexico_City", areas: []string{"33"}, postal: []string{"44", "45"}},
			{name: "Monterrey", code: "mty", region: "Nuevo León", tz: "America/Monterrey", areas: []string{"81"}, postal: []string{"64", "66"}},
			{name: "Puebla", code: "puebla", region: "Puebla", tz: "America/Mexico_City", areas: []string{"222"}, postal: []string{"72"}},
			{name: "Querétaro", code: "qro", region: "Querétaro", tz: "America/Mexico_City", areas: []string{"442"}, postal: []string{"76"}},
			{name: "Tijuana", code: "tijuana", region: "Baja California", tz: "America/Tijuana", areas: []string{"664"}, postal: []string{"22"}},
			{name: "León", code: "leon", region: "Guanajuato", tz: "America/Mexico_City", areas: []string{"477"}, postal: []string{"37"}},
			{name: "Mérida", code: "merida", region: "Yucatán", tz: "America/Merida", areas: []string{"999"}, postal: []string{"97"}},
			{name: "Cancún", code: "cancun", region: "Quintana Roo", tz: "America/Cancun", areas: []string{"998"}, postal: []string{"77"}},
			{name: "Chihuahua", code: "chihuahua", region: "Chihuahua", tz: "America/Chihuahua", areas: []string{"614"}, postal: []string{"31"}},
		},
	},
	cAR: {
		code: "AR", label: "Argentina",
		legal: []string{"S.A.", "S.R.L.", "S.A.S.", ""}, legalW: weights(45, 40, 10, 5),
		orgTLD: "org.ar", govPrefix: "Municipalidad de ", govTLD: "gob.ar",
		personal: []string{"gmail.com", "hotmail.com", "yahoo.com.ar", "outlook.com"}, personalW: weights(55, 25, 10, 10),
		cities: []cityInfo{
			{name: "Buenos Aires", code: "baires", region: "Ciudad Autónoma de Buenos Aires", tz: "America/Argentina/Buenos_Aires", areas: []string{"11"}, postal: []string{"C1"}},
			{name: "Córdoba", code: "cba", region: "Córdoba", tz: "America/Argentina/Cordoba", areas: []string{"351"}, postal: []string{"X50"}},
			{name: "Rosario", code: "rosario", region: "Santa Fe", tz: "America/Argentina/Cordoba", areas: []string{"341"}, postal: []string{"S20"}},
			{name: "Mendoza", code: "mendoza", region: "Mendoza", tz: "America/Argentina/Mendoza", areas: []string{"261"}, postal: []string{"M55"}},
			{name: "La Plata", code: "laplata", region: "Buenos Aires", tz: "America/Argentina/Buenos_Aires", areas: []string{"221"}, postal: []string{"B19"}},
			{name: "Mar del Plata", code: "mdq", region: "Buenos Aires", tz: "America/Argentina/Buenos_Aires", areas: []string{"223"}, postal: []string{"B76"}},
			{name: "San Miguel de Tucumán", code: "tucuman", region: "Tucumán", tz: "America/Argentina/Tucuman", areas: []string{"381"}, postal: []string{"T40"}},
		},
	},
	cCO: {
		code: "CO", label: "Colombia",
		legal: []string{"S.A.S.", "S.A.", "Ltda.", ""}, legalW: weights(65, 15, 15, 5),
		orgTLD: "org.co", govPrefix: "Alcaldía de ", govTLD: "gov.co",
		personal: []string{"gmail.com", "hotmail.com", "outlook.com", "yahoo.es"}, personalW: weights(55, 25, 10, 10),
		cities: []cityInfo{
			{name: "Bogotá", code: "bogota", region: "Bogotá D.C.", tz: "America/Bogota", areas: []string{"601"}, postal: []string{"11"}},
			{name: "Medellín", code: "medellin", region: "Antioquia", tz: "America/Bogota", areas: []string{"604"}, postal: []string{"05"}},
			{name: "Cali", code: "cali", region: "Valle del Cauca", tz: "America/Bogota", areas: []string{"602"}, postal: []string{"76"}},
			{name: "Barranquilla", code: "bquilla", region: "Atlántico", tz: "America/Bogota", areas: []string{"605"}, postal: []string{"08"}},
			{name: "Cartagena", code: "cartagena", region: "Bolívar", tz: "America/Bogota", areas: []string{"605"}, postal: []string{"13"}},
			{name: "Bucaramanga", code: "bga", region: "Santander", tz: "America/Bogota", areas: []string{"607"}, postal: []string{"68"}},
			{name: "Pereira", code: "pereira", region: "Risaralda", tz: "America/Bogota", areas: []string{"606"}, postal: []string{"66"}},
		},
	},
	cCN: {
		code: "CN", label: "中国",
		orgTLD:   "org.cn",
		personal: []string{"qq.com", "163.com", "126.com", "foxmail.com", "sina.com", "gmail.com"}, personalW: weights(45, 25, 10, 8, 7, 5),
		cities: []cityInfo{
			{name: "上海市", region: "上海市", tz: "Asia/Shanghai", areas: []string{"21"}, postal: []string{"200"}, short: "上海", py: "shanghai", code: "sh",
				districts: []string{"浦东新区", "徐汇区", "静安区", "黄浦区", "长宁区", "闵行区"}},
			{name: "北京市", region: "北京市", tz: "Asia/Shanghai", areas: []string{"10"}, postal: []string{"100"}, short: "北京", py: "beijing", code: "bj",
				districts: []string{"朝阳区", "海淀区", "东城区", "西城区", "丰台区"}},
			{name: "深圳市", region: "广东省", tz: "Asia/Shanghai", areas: []string{"755"}, postal: []string{"518"}, short: "深圳", py: "shenzhen", code: "sz",
				districts: []string{"南山区", "福田区", "罗湖区", "宝安区", "龙岗区"}},
			{name: "广州市", region: "广东省", tz: "Asia/Shanghai", areas: []string{"20"}, postal: []string{"510"}, short: "广州", py: "guangzhou", code: "gz",
				districts: []string{"天河区", "越秀区", "海珠区", "番禺区", "白云区"}},
			{name: "杭州市", region: "浙江省", tz: "Asia/Shanghai", areas: []string{"571"}, postal: []string{"310"}, short: "杭州", py: "hangzhou", code: "hz",
				districts: []string{"西湖区", "滨江区", "上城区", "拱墅区", "余杭区"}},
			{name: "成都市", region: "四川省", tz: "Asia/Shanghai", areas: []string{"28"}, postal: []string{"610"}, short: "成都", py: "chengdu", code: "cd",
				districts: []string{"武侯区", "锦江区", "青羊区", "成华区", "金牛区"}},
			{name: "南京市", region: "江苏省", tz: "Asia/Shanghai", areas: []string{"25"}, postal: []string{"210"}, short: "南京", py: "nanjing", code: "nj",
				districts: []string{"鼓楼区", "玄武区", "建邺区", "江宁区", "秦淮区"}},
			{name: "苏州市", region: "江苏省", tz: "Asia/Shanghai", areas: []string{"512"}, postal: []string{"215"}, short: "苏州", py: "suzhou", code: "suzhou",
				districts: []string{"姑苏区", "吴中区", "相城区", "虎丘区"}},
			{name: "武汉市", region: "湖北省", tz: "Asia/Shanghai", areas: []string{"27"}, postal: []string{"430"}, short: "武汉", py: "wuhan", code: "wh",
				districts: []string{"江汉区", "武昌区", "洪山区", "江岸区"}},
			{name: "西安市", region: "陕西省", tz: "Asia/Shanghai", areas: []string{"29"}, postal: []string{"710"}, short: "西安", py: "xian", code: "xa",
				districts: []string{"雁塔区", "碑林区", "未央区", "莲湖区"}},
			{name: "天津市", region: "天津市", tz: "Asia/Shanghai", areas: []string{"22"}, postal: []string{"300"}, short: "天津", py: "tianjin", code: "tj",
				districts: []string{"和平区", "南开区", "河西区", "滨海新区"}},
			{name: "重庆市", region: "重庆市", tz: "Asia/Shanghai", areas: []string{"23"}, postal: []string{"400"}, short: "重庆", py: "chongqing", code: "cq",
				districts: []string{"渝中区", "江北区", "南岸区", "九龙坡区"}},
		},
	},
}

var coMobile = []string{"300", "301", "302", "304", "310", "311", "312", "313", "314", "315", "316", "317", "318", "320", "321", "350"}

var cnMobile = []string{"130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "156", "157", "158", "159", "180", "181", "182", "183", "185", "186", "187", "188", "189"}

// phoneFormats are the ways people write numbers of each country, indexed
// by the length of the area code (the national significant number is
// written with '#'; trunk prefixes are literal). The first is the usual one.
var phoneFormats = [...]struct{ land, mobile [5][]string }{
	cUS: {
		land:   [5][]string{3: {"(###) ###-####", "###-###-####", "###.###.####", "+1 ###-###-####", "+1 (###) ###-####", "+1 ### ### ####", "##########"}},
		mobile: [5][]string{3: {"+1 ###-###-####", "(###) ###-####", "###-###-####", "+1 ### ### ####", "###.###.####", "+1##########"}},
	},
	cGB: {
		land: [5][]string{
			2: {"0## #### ####", "+44 ## #### ####", "(0##) #### ####", "0##########", "+44##########"},
			3: {"0### ### ####", "+44 ### ### ####", "(0###) ### ####", "0##########", "+44##########"},
		},
		mobile: [5][]string{4: {"0#### ######", "+44 #### ######", "0#### ### ###", "0##########", "+44##########"}},
	},
	cES: {
		land: [5][]string{
			2: {"## ### ## ##", "### ### ###", "+34 ### ### ###", "+34 ## ### ## ##", "#########"},
			3: {"### ## ## ##", "### ### ###", "+34 ### ### ###", "+34 ### ## ## ##", "#########"},
		},
		mobile: [5][]string{3: {"### ## ## ##", "### ### ###", "+34 ### ### ###", "+34 ### ## ## ##", "#########", "+34#########"}},
	},
	cMX: {
		land: [5][]string{
			2: {"## #### ####", "+52 ## #### ####", "(##) #### ####", "##-####-####", "##########"},
			3: {"### ### ####", "+52 ### ### ####", "(###) ### ####", "###-###-####", "##########"},
		},
		mobile: [5][]string{
			2: {"## #### ####", "+52 ## #### ####", "(##) #### ####", "##########", "+52##########"},
			3: {"### ### ####", "+52 ### ### ####", "(###) ### ####", "##########", "+52##########"},
		},
	},
	cAR: {
		land: [5][]string{
			2: {"(0##) ####-####", "0## ####-####", "+54 ## ####-####", "## ####-####", "+54##########"},
			3: {"(0###) ###-####", "0### ###-####", "+54 ### ###-####", "### ###-####", "+54##########"},
		},
		mobile: [5][]string{
			2: {"+54 9 ## ####-####", "+54 9 ## #### ####", "0## ####-####", "## ####-####", "+549##########"},
			3: {"+54 9 ### ###-####", "+54 9 ### ### ####", "0### ###-####", "### ###-####", "+549##########"},
		},
	},
	cCO: {
		land:   [5][]string{3: {"### ### ####", "(###) ### ####", "+57 ### ### ####", "+57 (###) ### ####", "##########"}},
		mobile: [5][]string{3: {"### ### ####", "+57 ### ### ####", "###-###-####", "##########", "+57##########"}},
	},
	cCN: {
		land: [5][]string{
			2: {"0##-#### ####", "0##-########", "(0##) ########", "+86 ## #### ####", "+86-##-########", "0## #### ####"},
			3: {"0###-#### ####", "0###-########", "(0###) ########", "+86 ### #### ####", "+86-###-########", "0### #### ####"},
		},
		mobile: [5][]string{3: {"### #### ####", "###########", "+86 ### #### ####", "###-####-####", "+86 ###########"}},
	},
}

// Streets.

var usStreets = []string{
	"Main", "Oak", "Maple", "Park", "Washington", "Lake", "Hill", "Elm", "Pine", "Cedar",
	"Sunset", "Lincoln", "Jackson", "Franklin", "Market", "Madison", "Jefferson", "Highland", "Church", "Mill",
	"River", "Spring", "Center", "Ridge", "Walnut", "Chestnut", "Willow", "Lakeview", "Meadow", "Forest",
	"Union", "Broad", "1st", "2nd", "3rd", "5th", "7th", "10th", "12th", "Adams",
	"Monroe", "Grand", "Peachtree", "Commerce", "Industrial", "Technology", "Wilshire", "Michigan", "Lexington", "Harbor",
}

var usStreetTypes = []string{"St", "Street", "Ave", "Avenue", "Blvd", "Rd", "Road", "Dr", "Drive", "Ln", "Way", "Pkwy", "Ct", "Pl"}

var gbStreets = []string{
	"High", "Station", "Church", "Victoria", "Park", "Mill", "King", "Queen", "London", "Green",
	"Manor", "Albert", "York", "Chapel", "Bridge", "Castle", "Windsor", "Grange", "New", "North",
	"South", "West", "Elm", "Oak", "Market", "Kingsway", "Orchard", "Springfield", "Richmond", "Highfield",
}

var gbStreetTypes = []string{"Street", "Road", "Lane", "Avenue", "Close", "Gardens", "Way", "Crescent", "Place", "Terrace", "Drive", "Square"}

var esStreets = []string{
	"Calle Mayor", "Calle de Alcalá", "Gran Vía", "Paseo de la Castellana", "Calle de Serrano", "Avenida de América",
	"Calle de Velázquez", "Avenida Diagonal", "Calle de Colón", "Avenida de la Constitución", "Calle Real",
	"Calle San Vicente", "Avenida de Andalucía", "Calle del Carmen", "Plaza de España", "Calle de Goya",
	"Calle Larios", "Avenida del Puerto", "Calle Nueva", "Calle de la Paz", "Avenida de Burgos", "Calle de la Princesa",
	"Calle de Toledo", "Ronda de Segovia", "Avenida de los Reyes Católicos", "Calle de Hernán Cortés", "Paseo de Gracia",
}

var mxStreets = []string{
	"Av. Insurgentes Sur", "Av. Paseo de la Reforma", "Calle Madero", "Av. Juárez", "Av. Revolución", "Calle Hidalgo",
	"Av. Morelos", "Calle 5 de Mayo", "Av. Universidad", "Av. Vallarta", "Av. Constitución", "Calle Allende",
	"Av. Chapultepec", "Calle Zaragoza", "Av. López Mateos", "Calle Guerrero", "Blvd. Manuel Ávila Camacho",
	"Av. Lázaro Cárdenas", "Calle Independencia", "Av. Patria",
}

var mxColonias = []string{
	"Centro", "Del Valle", "Roma Norte", "Condesa", "Polanco", "Juárez", "Americana", "Chapultepec", "Providencia",
	"Obispado", "Industrial", "Jardines del Bosque", "Las Águilas", "San Ángel", "Santa Fe", "Lomas de Chapultepec",
	"Moderna", "Reforma", "Los Pinos", "San Pedro",
}

var arStreets = []string{
	"Av. Corrientes", "Av. Santa Fe", "Av. Córdoba", "Florida", "Lavalle", "Av. Rivadavia", "Av. de Mayo",
	"San Martín", "Belgrano", "Sarmiento", "Av. Colón", "Bv. San Juan", "Av. Pellegrini", "Av. del Libertador",
	"Tucumán", "Maipú", "Esmeralda", "Av. Callao", "Av. Cabildo", "Suipacha", "Av. Pueyrredón", "Mitre", "Moreno",
}

var coStreetTypes = []string{"Calle", "Calle", "Carrera", "Carrera", "Avenida Calle", "Avenida Carrera", "Transversal", "Diagonal"}

var cnRoads = []string{
	"人民路", "中山路", "解放路", "建设路", "和平路", "新华路", "长江路", "延安路", "科技路", "创新大道",
	"世纪大道", "学院路", "文化路", "东风路", "青年路", "光明路", "滨江大道", "华山路", "南京路", "金融街",
}
