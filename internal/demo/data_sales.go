package demo

// The words of the sales objects, by locale (en, es, zh).

// stageDef is one stage of a demo pipeline, named in the three languages.
type stageDef struct {
	names       [3]string
	probability int
	won, lost   bool
	required    []string
	category    string // the forecast category of deals in it
}

// pipelineDef is one of the demo pipelines.
type pipelineDef struct {
	names  [3]string
	stages []stageDef
	quote  int     // the stage from which a deal has a quote
	winP   float64 // share of the closed deals that are won
}

// pipelineDefs are the demo workspace's pipelines, the default first:
// the standard one a workspace starts with (the same stages and rules
// as internal/sales gives a new workspace), renewals and partners.
var pipelineDefs = []pipelineDef{
	{
		names: [3]string{"Sales", "Ventas", "销售"},
		stages: []stageDef{
			{[3]string{"Qualification", "Cualificación", "资格确认"}, 10, false, false, nil, "pipeline"},
			{[3]string{"Needs analysis", "Análisis de necesidades", "需求分析"}, 25, false, false, nil, "pipeline"},
			{[3]string{"Proposal", "Propuesta", "方案报价"}, 50, false, false, []string{"amount"}, "best_case"},
			{[3]string{"Negotiation", "Negociación", "商务谈判"}, 75, false, false, []string{"amount", "close_date"}, "commit"},
			{[3]string{"Closed won", "Ganada", "赢单"}, 100, true, false, []string{"amount"}, ""},
			{[3]string{"Closed lost", "Perdida", "输单"}, 0, false, true, []string{"loss_reason"}, ""},
		},
		quote: 2, winP: 0.32,
	},
	{
		names: [3]string{"Renewals", "Renovaciones", "续约"},
		stages: []stageDef{
			{[3]string{"Upcoming", "Próxima", "即将到期"}, 40, false, false, nil, "best_case"},
			{[3]string{"Quoted", "Presupuestada", "已报价"}, 70, false, false, []string{"amount"}, "commit"},
			{[3]string{"Renewed", "Renovada", "已续约"}, 100, true, false, []string{"amount"}, ""},
			{[3]string{"Churned", "No renovada", "已流失"}, 0, false, true, []string{"loss_reason"}, ""},
		},
		quote: 1, winP: 0.78,
	},
	{
		names: [3]string{"Partners", "Canal de socios", "渠道合作"},
		stages: []stageDef{
			{[3]string{"Registered", "Registrada", "已报备"}, 15, false, false, nil, "pipeline"},
			{[3]string{"Qualified", "Cualificada", "已确认"}, 35, false, false, nil, "pipeline"},
			{[3]string{"Proposal", "Propuesta", "方案报价"}, 60, false, false, []string{"amount"}, "best_case"},
			{[3]string{"Won", "Ganada", "赢单"}, 100, true, false, nil, ""},
			{[3]string{"Lost", "Perdida", "输单"}, 0, false, true, []string{"loss_reason"}, ""},
		},
		quote: 2, winP: 0.36,
	},
}

// pipelineW: most deals are in the default pipeline.
var pipelineW = weights(85, 10, 5)

var dealTopics = [3][]string{
	{"CRM rollout", "Annual licence renewal", "Fleet telematics upgrade", "Data platform migration", "Support contract", "Warehouse scanners",
		"Cloud backup expansion", "Training programme", "Security audit", "ERP integration", "New office fit-out", "Managed print services",
		"Network refresh", "Point-of-sale terminals", "Laptop refresh", "Analytics pilot"},
	{"Despliegue de CRM", "Renovación anual de licencias", "Actualización de telemetría de flota", "Migración de la plataforma de datos", "Contrato de soporte",
		"Escáneres para almacén", "Ampliación de copias en la nube", "Programa de formación", "Auditoría de seguridad", "Integración con el ERP",
		"Equipamiento de oficinas", "Servicio de impresión gestionada", "Renovación de la red", "Terminales de punto de venta", "Renovación de portátiles", "Piloto de analítica"},
	{"CRM系统上线", "年度许可续订", "车队远程监控升级", "数据平台迁移", "技术支持合同", "仓库扫描设备",
		"云备份扩容", "员工培训项目", "安全审计", "ERP系统集成", "新办公室装修", "打印管理服务",
		"网络升级改造", "收银终端采购", "笔记本电脑更新", "数据分析试点"},
}

var renewalWord = [3]string{"Renewal", "Renovación", "续约"}

var nextSteps = [3][]string{
	{"Send the proposal", "Book a demo with the IT team", "Follow up on pricing", "Call the decision maker", "Agree the rollout plan", "Send the contract for signature", "Confirm the budget"},
	{"Enviar la propuesta", "Agendar una demostración con TI", "Dar seguimiento al precio", "Llamar al responsable de la decisión", "Acordar el plan de despliegue", "Enviar el contrato para firma", "Confirmar el presupuesto"},
	{"发送方案", "安排IT团队演示", "跟进报价", "联系决策人", "确定实施计划", "发送合同签署", "确认预算"},
}

var competitorNames = []string{"Acme CRM", "Zentrix Suite", "Orbit Sales Cloud", "Vendia", "Kappa Systems", "Sistemas Delta", "Nube Comercial", "云图软件", "易销通", "Northstar Apps"}

var dealDescriptions = [3][]string{
	{"Came in through the website; the customer wants to start next quarter.", "Expansion of the current contract to two more sites.", "Replacing a legacy system that is out of support.", "Budget approved at the last board meeting."},
	{"Llegó por la web; el cliente quiere empezar el próximo trimestre.", "Ampliación del contrato actual a dos sedes más.", "Sustituye un sistema antiguo sin soporte.", "Presupuesto aprobado en el último consejo."},
	{"客户通过官网咨询，希望下季度启动。", "现有合同扩展到另外两个分支机构。", "替换已停止支持的旧系统。", "预算已在上次董事会上批准。"},
}

var (
	lossReasons = []string{"price", "competitor", "no_budget", "no_decision", "timing", "product_fit", "other"}
	lossReasonW = weights(28, 24, 14, 16, 10, 6, 2)
	sourcesList = []string{"web", "referral", "event", "cold_call", "email", "social", "partner", "advertising", "other"}
	sourceW     = weights(28, 18, 12, 10, 12, 8, 6, 5, 1)
)

var campaigns = [3][]string{
	{"Spring webinar", "Trade show", "Newsletter", "Partner summit", "Product launch"},
	{"Webinar de primavera", "Feria comercial", "Boletín", "Encuentro de socios", "Lanzamiento de producto"},
	{"春季网络研讨会", "行业展会", "电子报", "合作伙伴大会", "新品发布会"},
}

var (
	leadStatuses     = []string{"new", "working", "nurturing", "qualified", "disqualified"}
	leadStatusW      = weights(30, 25, 20, 10, 15)
	disqualifyList   = []string{"no_budget", "no_need", "no_authority", "bad_timing", "competitor", "unreachable", "spam", "other"}
	disqualifyW      = weights(22, 20, 10, 16, 12, 12, 4, 4)
	leadDescriptions = [3][]string{
		{"Asked for a call back about pricing.", "Downloaded the product brochure.", "Met at our stand; interested in a pilot.", ""},
		{"Pidió que le llamáramos por el precio.", "Descargó el folleto del producto.", "Lo conocimos en el stand; le interesa un piloto.", ""},
		{"希望回电咨询价格。", "下载了产品手册。", "展会上认识，对试点感兴趣。", ""},
	}
)

// productFamily is a line of products with its variants.
type productFamily struct {
	code     string
	names    [3]string
	units    [3]string
	unitKind int   // how quantities are drawn: 0 pieces, 1 hours, 2 seats, 3 months
	cents    int64 // list price of the first variant in US cents
	tax      string
}

var productFamilies = []productFamily{
	{"SEN", [3]string{"Industrial sensor", "Sensor industrial", "工业传感器"}, [3]string{"each", "unidad", "个"}, 0, 18900, "20"},
	{"SCN", [3]string{"Barcode scanner", "Escáner de códigos", "条码扫描器"}, [3]string{"each", "unidad", "台"}, 0, 34900, "20"},
	{"LAP", [3]string{"Business laptop", "Portátil profesional", "商务笔记本电脑"}, [3]string{"each", "unidad", "台"}, 0, 119900, "20"},
	{"POS", [3]string{"POS terminal", "Terminal punto de venta", "收银终端"}, [3]string{"each", "unidad", "台"}, 0, 89900, "20"},
	{"CRM", [3]string{"CRM licence", "Licencia CRM", "CRM许可"}, [3]string{"seat", "usuario", "用户"}, 2, 4500, "20"},
	{"BAK", [3]string{"Cloud backup", "Copia de seguridad en la nube", "云备份"}, [3]string{"month", "mes", "月"}, 3, 29900, "20"},
	{"SUP", [3]string{"Support plan", "Plan de soporte", "技术支持服务"}, [3]string{"month", "mes", "月"}, 3, 49900, "20"},
	{"CON", [3]string{"Consulting", "Consultoría", "咨询服务"}, [3]string{"hour", "hora", "小时"}, 1, 15000, "20"},
	{"TRN", [3]string{"Training day", "Jornada de formación", "培训课程"}, [3]string{"day", "día", "天"}, 0, 120000, "20"},
	{"NET", [3]string{"Network switch", "Conmutador de red", "网络交换机"}, [3]string{"each", "unidad", "台"}, 0, 64900, "20"},
	{"PRT", [3]string{"Managed printing", "Impresión gestionada", "打印管理"}, [3]string{"month", "mes", "月"}, 3, 19900, "20"},
	{"TEL", [3]string{"Telematics unit", "Unidad de telemetría", "车载监控终端"}, [3]string{"each", "unidad", "套"}, 0, 25900, "20"},
}

var productVariants = [3][]string{
	{"Basic", "Standard", "Pro", "Enterprise", "XL"},
	{"Básico", "Estándar", "Pro", "Empresa", "XL"},
	{"基础版", "标准版", "专业版", "企业版", "旗舰版"},
}

// variantFactor is each variant's price over the first, in percent.
var variantFactor = []int64{100, 140, 210, 340, 520}

var productDescriptions = [3]string{
	"%s, %s edition. Prices exclude tax; delivery within five working days.",
	"%s, edición %s. Precios sin impuestos; entrega en cinco días laborables.",
	"%s（%s）。价格不含税，五个工作日内发货。",
}

// currencyDef is a currency the demo's customers pay in.
type currencyDef struct {
	code    string
	usdPer  float64 // about what one unit was worth in US dollars three years ago
	drift   float64 // change per month (ARS loses value)
	country int
}

var currencyDefs = []currencyDef{
	{"USD", 1, 0, cUS},
	{"GBP", 1.27, 0, cGB},
	{"EUR", 1.08, 0, cES},
	{"MXN", 0.055, 0, cMX},
	{"ARS", 0.0045, -0.035, cAR},
	{"COP", 0.00025, 0, cCO},
	{"CNY", 0.138, 0, cCN},
}

// countryCurrency is the currency index of each country.
var countryCurrency = [...]int{cUS: 0, cGB: 1, cES: 2, cMX: 3, cAR: 4, cCO: 5, cCN: 6}

// vatRates are the tax rates of each country's invoices (B2B sales in
// the US are shown without sales tax).
var vatRates = [...]string{cUS: "0", cGB: "20", cES: "21", cMX: "16", cAR: "21", cCO: "19", cCN: "13"}

var priceBookNames = [3]string{"Standard prices %s", "Tarifa estándar %s", "标准价目表 %s"}

var carriers = [...][]string{
	cUS: {"UPS", "FedEx", "USPS"},
	cGB: {"Royal Mail", "DPD", "DHL"},
	cES: {"SEUR", "Correos Express", "MRW"},
	cMX: {"Estafeta", "DHL", "Redpack"},
	cAR: {"Andreani", "OCA"},
	cCO: {"Servientrega", "Coordinadora"},
	cCN: {"顺丰速运", "中通快递", "京东物流"},
}

var (
	paymentMethods = []string{"bank_transfer", "card", "cash", "check", "direct_debit", "other"}
	paymentMethodW = weights(60, 18, 2, 6, 11, 3)
)

var orderNames = [3][]string{
	{"Replenishment order", "Spare parts", "Additional seats", "Monthly services", "Site equipment"},
	{"Pedido de reposición", "Repuestos", "Usuarios adicionales", "Servicios mensuales", "Equipamiento de sede"},
	{"补货订单", "备件采购", "新增用户", "月度服务", "现场设备"},
}

var quoteTerms = [3]string{
	"Prices valid for 30 days. Payment 30 days from the invoice date.",
	"Precios válidos durante 30 días. Pago a 30 días desde la fecha de factura.",
	"报价有效期30天。发票开具后30天内付款。",
}

var contractNames = [3][]string{
	{"Master services agreement %d", "Support and maintenance %d", "Framework supply agreement %d"},
	{"Contrato marco de servicios %d", "Soporte y mantenimiento %d", "Acuerdo marco de suministro %d"},
	{"%d年度服务框架协议", "%d年度运维支持合同", "%d年度供货框架协议"},
}

var contractTerms = [3]string{
	"Renews for another term unless either party gives 60 days' notice. Invoiced monthly.",
	"Se renueva por otro periodo salvo preaviso de 60 días de cualquiera de las partes. Facturación mensual.",
	"除任一方提前60天书面通知外，合同到期自动续约。按月开票。",
}
