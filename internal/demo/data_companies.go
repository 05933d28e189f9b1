package demo

// Company names. The noun lists are indexed like industries; government
// and non-profit names are made differently and have no nouns here.

var enPrefixes = []string{
	"North", "South", "East", "West", "Blue", "Red", "Green", "Silver", "Gold", "Iron",
	"Stone", "Bright", "Clear", "Deep", "High", "Oak", "Pine", "Cedar", "Maple", "River",
	"Lake", "Sun", "Star", "Storm", "Wind", "Sky", "Snow", "Fox", "Eagle", "Hawk",
	"Wolf", "Bear", "Crown", "King", "True", "Swift", "Prime", "Cross", "Fair", "Ever",
}

var enSuffixes = []string{
	"wind", "water", "stone", "field", "bridge", "gate", "wood", "ridge", "point", "line",
	"path", "crest", "view", "haven", "light", "brook", "peak", "vale", "ford", "well",
	"works", "side", "star", "forge", "mark", "way", "port", "land", "spring", "wave",
	"rock", "hill", "bay", "dale", "stream",
}

var enWords = []string{
	"Summit", "Pinnacle", "Keystone", "Meridian", "Atlas", "Vertex", "Horizon", "Sterling", "Liberty", "Pioneer",
	"Frontier", "Beacon", "Crescent", "Falcon", "Harbor", "Granite", "Evergreen", "Sequoia Grove", "Apex", "Vanguard",
	"Catalyst", "Quantum", "Nova", "Zenith", "Paragon", "Legacy", "Heritage", "Landmark", "Patriot", "Cornerstone",
	"Lighthouse", "Magnolia", "Cypress", "Sequoia", "Aspen", "Juniper", "Willow", "Orion", "Polaris", "Titan",
	"Sierra", "Cascade", "Aurora", "Velocity", "Momentum", "Insight", "Allied", "United", "American", "National",
	"Continental", "Pacific", "Atlantic", "Midwest", "Southern", "Northern", "Great Lakes", "Rocky Mountain", "Gulf Coast", "Tri-State",
	"Premier", "Superior", "Precision", "Integrity", "Reliance", "Albion", "Thames", "Pennine", "Cotswold", "Highlands",
	"Old Bridge", "Bluebird", "Blackstone", "Whitehall", "Fair Oaks", "Harvest Moon", "Big Sky", "Prairie", "Bayside", "Keystone State",
	"Lone Star", "Empire", "Golden Gate", "Sunbelt", "Heartland", "Copperline", "Trailhead", "Compass", "Anchor", "Lantern",
	"Acorn", "Bison", "Mustang", "Osprey", "Kestrel", "Heron", "Raven", "Cardinal", "Sentinel", "Guardian",
}

var enNouns = [15][]string{
	{"Software", "Systems", "Technologies", "Labs", "Digital", "Networks", "Data", "Solutions", "Analytics", "Cloud"},
	{"Manufacturing", "Industries", "Fabrication", "Components", "Tooling", "Plastics", "Metalworks", "Machining"},
	{"Outfitters", "Supply", "Goods", "Market", "Stores", "Trading", "Home", "Apparel"},
	{"Capital", "Financial", "Partners", "Advisors", "Bancorp", "Wealth Management", "Insurance", "Credit Union"},
	{"Health", "Medical", "Clinic", "Pharmaceuticals", "Care", "Diagnostics", "Dental", "Therapeutics"},
	{"Academy", "Learning", "Education", "Institute", "Tutoring", "Schools"},
	{"Logistics", "Freight", "Shipping", "Transport", "Express", "Trucking", "Distribution", "Couriers"},
	{"Energy", "Power", "Solar", "Utilities", "Resources", "Oil & Gas", "Renewables"},
	{"Media", "Studios", "Publishing", "Broadcasting", "Creative", "Productions", "Marketing"},
	{"Hotels", "Hospitality", "Resorts", "Restaurants", "Catering", "Inn", "Events"},
	{"Construction", "Builders", "Contracting", "Engineering", "Homes", "Roofing", "Development"},
	{"Farms", "Agriculture", "Growers", "Harvest", "Produce", "Dairy", "Seeds"},
	nil,
	nil,
	{"Group", "Holdings", "Enterprises", "Services", "Consulting", "Associates", "Ventures"},
}

var enNonprofit = []string{"Foundation", "Trust", "Alliance", "Society", "Fund", "Coalition", "Institute", "Association"}

var enDepartments = []string{
	"Public Works", "Parks and Recreation", "Department of Transportation", "Water Utility", "Public Library",
	"Housing Authority", "Planning Department", "Health Department", "IT Services", "Finance Department",
}

var esWords = []string{
	"Alborada", "Horizonte", "Cumbre", "Aurora", "Levante", "Pacífico", "Andina", "Sierra Nevada", "Los Andes", "Bahía",
	"Cóndor", "Quetzal", "Jaguar", "Azteca", "Maya", "Tierra Alta", "Caribe", "Atlántico", "Mirador", "Altamira",
	"Solimar", "Robledal", "Encina", "Olivo", "Almendro", "Nogal", "Ceiba", "Tajo", "Ebro", "Guadalquivir",
	"Duero", "Orinoco", "Magdalena", "Paraná", "Iberia", "Hispania", "Castilla", "Aragón", "Navarra", "Galicia",
	"Cantábrico", "Sol", "Estrella", "Norte", "Oriente", "Poniente", "San Miguel", "Alameda", "Vértice", "Delta",
	"Ágora", "Cenit", "Nexo", "Prisma", "Montaña", "Peñón", "Río Bravo", "Sur", "Mediterráneo", "Patagonia",
}

var esNouns = [15][]string{
	{"Tecnologías", "Sistemas", "Soluciones Digitales", "Software", "Informática", "Datos"},
	{"Industrias", "Manufacturas", "Metalúrgica", "Componentes", "Plásticos", "Aceros"},
	{"Comercial", "Distribuciones", "Almacenes", "Tiendas", "Comercializadora", "Importadora"},
	{"Capital", "Finanzas", "Inversiones", "Asesores Financieros", "Seguros", "Financiera"},
	{"Salud", "Clínica", "Farmacéutica", "Laboratorios", "Dental", "Médica"},
	{"Academia", "Colegio", "Formación", "Instituto", "Escuela de Negocios"},
	{"Logística", "Transportes", "Mensajería", "Fletes", "Paquetería", "Distribuidora"},
	{"Energía", "Renovables", "Solar", "Eléctrica", "Petróleos", "Gas"},
	{"Medios", "Comunicación", "Producciones", "Ediciones", "Publicidad", "Audiovisual"},
	{"Hoteles", "Hostelería", "Restaurantes", "Turismo", "Viajes", "Eventos"},
	{"Construcciones", "Constructora", "Inmobiliaria", "Obras", "Ingeniería", "Edificaciones"},
	{"Agrícola", "Agropecuaria", "Viñedos", "Cultivos", "Ganadera", "Frutas"},
	nil,
	nil,
	{"Servicios", "Consultores", "Holding", "Proyectos", "Corporación"},
}

var esDepartments = []string{
	"Obras Públicas", "Servicios Sociales", "Urbanismo", "Cultura", "Movilidad", "Medio Ambiente", "Hacienda", "Educación",
}

// Chinese trade names (字号) are a character of zhTradeA and one of
// zhTradeB: 星辰, 恒通, 鼎润.
// Chinese trade names (字号) are a character of zhTradeA and one of
// zhTradeB: 星辰, 恒通, 鼎润. Pinyin spellings are distinct within each list.
var zhTradeA = []hanPy{
	{"星", "xing"}, {"华", "hua"}, {"博", "bo"}, {"恒", "heng"}, {"鼎", "ding"}, {"天", "tian"}, {"金", "jin"}, {"瑞", "rui"}, {"宏", "hong"}, {"远", "yuan"},
	{"东", "dong"}, {"中", "zhong"}, {"腾", "teng"}, {"蓝", "lan"}, {"银", "yin"}, {"明", "ming"}, {"嘉", "jia"}, {"和", "he"}, {"安", "an"}, {"启", "qi"},
	{"云", "yun"}, {"久", "jiu"}, {"卓", "zhuo"}, {"盛", "sheng"}, {"泰", "tai"}, {"永", "yong"}, {"海", "hai"}, {"飞", "fei"}, {"百", "bai"}, {"德", "de"},
	{"万", "wan"}, {"凯", "kai"}, {"青", "qing"}, {"方", "fang"}, {"新", "xin"}, {"汇", "hui"}, {"聚", "ju"}, {"长", "chang"}, {"智", "zhi"}, {"精", "jing"},
	{"融", "rong"}, {"润", "run"}, {"光", "guang"}, {"立", "li"}, {"尚", "shang"}, {"晨", "chen"}, {"同", "tong"}, {"富", "fu"}, {"优", "you"}, {"宇", "yu"},
}

var zhTradeB = []hanPy{
	{"辰", "chen"}, {"信", "xin"}, {"远", "yuan"}, {"通", "tong"}, {"盛", "sheng"}, {"誉", "yu"}, {"桥", "qiao"}, {"丰", "feng"}, {"达", "da"}, {"航", "hang"},
	{"方", "fang"}, {"科", "ke"}, {"飞", "fei"}, {"海", "hai"}, {"河", "he"}, {"德", "de"}, {"润", "run"}, {"明", "ming"}, {"帆", "fan"}, {"程", "cheng"},
	{"越", "yue"}, {"世", "shi"}, {"纳", "na"}, {"扬", "yang"}, {"川", "chuan"}, {"象", "xiang"}, {"旋", "xuan"}, {"云", "yun"}, {"茂", "mao"}, {"南", "nan"},
	{"泽", "ze"}, {"华", "hua"}, {"创", "chuang"}, {"腾", "teng"}, {"泰", "tai"}, {"利", "li"}, {"邦", "bang"}, {"威", "wei"}, {"康", "kang"}, {"景", "jing"},
	{"博", "bo"}, {"安", "an"}, {"佳", "jia"}, {"睿", "rui"}, {"宁", "ning"}, {"恒", "heng"}, {"昌", "chang"}, {"辉", "hui"}, {"凯", "kai"}, {"隆", "long"},
}

// Invented brand names are a start and either an end beginning with a
// vowel or a vowel and an end beginning with a consonant: Zentix (Zen+tix
// is not allowed: Zen+i+tix is Zenitix), Corvia, Novella. No end with a
// vowel is a vowel followed by another end, so names read one way only.
var (
	brandStarts = []string{
		"Zen", "Cor", "Vel", "Nov", "Alt", "Lum", "Ver", "Syn", "Quan", "Kin", "Mar", "Sol", "Ter", "Ax", "Bel", "Cal",
		"Dor", "Ev", "Fal", "Gen", "Hal", "Jun", "Lex", "Mav", "Nex", "Om", "Pax", "Rev", "Sen", "Tal", "Ul", "Val",
		"Xen", "Zol", "Arc", "Cen", "Del", "Fin", "Kor", "Lan", "Mer", "Or", "Vir", "Sil", "Tor", "Bran", "Cad", "Dex",
	}
	brandVowelEnds     = []string{"ix", "ex", "on", "ia", "is", "ent", "ova", "eta", "ys", "ant", "ic", "um", "ax", "ella", "ea", "ino", "ido", "ava", "iva", "osa", "ium", "ius", "ance", "ity", "io"}
	brandMiddles       = []string{"a", "e", "i", "o"}
	brandConsonantEnds = []string{"tix", "ra", "na", "via", "lux", "net", "sys", "tek", "gen", "dyn", "mark", "sta", "vo", "lia", "nda", "rix", "tra", "nix", "ria", "vex", "lon"}
)

var zhNouns = [15][]hanPy{
	{{"科技", "tech"}, {"信息技术", "it"}, {"软件", "soft"}, {"网络科技", "net"}, {"数据科技", "data"}},
	{{"制造", "mfg"}, {"机械", "machinery"}, {"电子", "elec"}, {"精密", "precision"}, {"新材料", "materials"}},
	{{"商贸", "shangmao"}, {"百货", "store"}, {"零售", "retail"}, {"电子商务", "ecom"}},
	{{"投资", "invest"}, {"资本", "capital"}, {"融资租赁", "leasing"}, {"保险代理", "insurance"}},
	{{"医疗器械", "med"}, {"医药", "pharma"}, {"健康科技", "health"}, {"生物科技", "bio"}},
	{{"教育科技", "edu"}, {"培训", "training"}, {"文化教育", "education"}},
	{{"物流", "logistics"}, {"供应链", "scm"}, {"快运", "express"}, {"国际货运", "freight"}},
	{{"能源", "energy"}, {"新能源", "newenergy"}, {"电力", "power"}, {"光伏", "solar"}},
	{{"传媒", "media"}, {"文化传播", "culture"}, {"影视", "film"}, {"广告", "ad"}},
	{{"酒店管理", "hotel"}, {"餐饮管理", "food"}, {"旅游", "travel"}},
	{{"建设", "build"}, {"建筑工程", "construction"}, {"装饰工程", "deco"}, {"房地产开发", "realestate"}},
	{{"农业", "agri"}, {"生态农业", "eco"}, {"农产品", "farm"}, {"茶业", "tea"}},
	nil,
	nil,
	{{"实业", "group"}, {"贸易", "trading"}, {"咨询", "consulting"}, {"企业服务", "service"}},
}

var zhDepartments = []hanPy{
	{"商务局", "swj"}, {"交通运输局", "jtj"}, {"教育局", "jyj"}, {"卫生健康委员会", "wsjkw"},
	{"生态环境局", "sthjj"}, {"财政局", "czj"}, {"人力资源和社会保障局", "rsj"}, {"科学技术局", "kjj"}, {"文化和旅游局", "whlyj"},
}
