package demo

// titleSet is the job titles of one role in one language; f, if set, has
// the feminine forms in the same order.
type titleSet struct{ m, f []string }

// jobTitles by locale (en, es, zh) and role (decision_maker, influencer,
// user, billing, technical, other).
var jobTitles = [3][6]titleSet{
	{ // en
		{m: []string{"Chief Executive Officer", "CEO", "Chief Financial Officer", "Chief Operating Officer", "VP of Sales", "VP of Operations", "Head of Procurement", "Purchasing Manager", "Managing Director", "Owner", "President", "General Manager", "Director of IT"}},
		{m: []string{"Sales Manager", "Marketing Manager", "Operations Manager", "Product Manager", "Project Manager", "Business Analyst", "Account Manager", "Senior Consultant"}},
		{m: []string{"Office Manager", "Customer Service Representative", "Sales Representative", "Marketing Coordinator", "Executive Assistant", "Operations Coordinator", "HR Generalist"}},
		{m: []string{"Accounts Payable Specialist", "Controller", "Finance Manager", "Accountant", "Billing Coordinator"}},
		{m: []string{"IT Manager", "Software Engineer", "Systems Administrator", "Solutions Architect", "Network Engineer", "Data Analyst", "DevOps Engineer"}},
		{m: []string{"Intern", "Consultant", "Legal Counsel", "HR Manager"}},
	},
	{ // es
		{
			m: []string{"Director General", "Director Comercial", "Director de Compras", "Director Financiero", "Gerente General", "Director de Operaciones", "Socio Fundador", "Director de Tecnología"},
			f: []string{"Directora General", "Directora Comercial", "Directora de Compras", "Directora Financiera", "Gerente General", "Directora de Operaciones", "Socia Fundadora", "Directora de Tecnología"},
		},
		{
			m: []string{"Gerente de Ventas", "Jefe de Marketing", "Gerente de Proyectos", "Jefe de Producto", "Analista de Negocio", "Ejecutivo de Cuentas", "Responsable de Compras"},
			f: []string{"Gerente de Ventas", "Jefa de Marketing", "Gerente de Proyectos", "Jefa de Producto", "Analista de Negocio", "Ejecutiva de Cuentas", "Responsable de Compras"},
		},
		{
			m: []string{"Asistente de Dirección", "Coordinador de Operaciones", "Representante de Ventas", "Auxiliar Administrativo", "Agente de Atención al Cliente", "Técnico de Marketing"},
			f: []string{"Asistente de Dirección", "Coordinadora de Operaciones", "Representante de Ventas", "Auxiliar Administrativa", "Agente de Atención al Cliente", "Técnica de Marketing"},
		},
		{
			m: []string{"Contador", "Responsable de Cuentas por Pagar", "Jefe de Facturación", "Controller Financiero", "Tesorero"},
			f: []string{"Contadora", "Responsable de Cuentas por Pagar", "Jefa de Facturación", "Controller Financiera", "Tesorera"},
		},
		{
			m: []string{"Ingeniero de Software", "Jefe de Sistemas", "Administrador de Sistemas", "Arquitecto de Soluciones", "Analista de Datos"},
			f: []string{"Ingeniera de Software", "Jefa de Sistemas", "Administradora de Sistemas", "Arquitecta de Soluciones", "Analista de Datos"},
		},
		{
			m: []string{"Asesor Legal", "Consultor", "Becario", "Responsable de Recursos Humanos"},
			f: []string{"Asesora Legal", "Consultora", "Becaria", "Responsable de Recursos Humanos"},
		},
	},
	{ // zh
		{m: []string{"总经理", "首席执行官", "副总裁", "采购总监", "财务总监", "董事长", "运营总监", "技术总监"}},
		{m: []string{"销售经理", "市场经理", "项目经理", "产品经理", "采购经理", "客户经理", "业务主管"}},
		{m: []string{"行政专员", "销售代表", "客服专员", "运营专员", "总经理助理", "市场专员"}},
		{m: []string{"财务经理", "会计", "出纳", "应付账款专员"}},
		{m: []string{"软件工程师", "IT经理", "系统管理员", "解决方案架构师", "数据分析师", "技术支持工程师"}},
		{m: []string{"法务顾问", "人力资源经理", "实习生", "顾问"}},
	},
}

// activityText is what activities say in one language: {t} is a topic and
// {n} a next step.
type activityText struct {
	topics, nexts            []string
	note, noteBody           []string
	task, taskBody           []string
	call, callBody           []string
	voicemail, voicemailBody []string
	missed, missedBody       []string
	meeting, meetingBody     []string
	email, emailBody         []string
}

var activityTexts = [3]activityText{
	{ // en
		topics: []string{"renewal", "pricing", "contract terms", "the latest invoice", "onboarding", "the product demo", "a support ticket",
			"the quarterly review", "the proposal", "a delayed shipment", "training", "the integration", "volume discounts", "the pilot project"},
		nexts: []string{"send the revised quote by Friday", "schedule a demo with their IT team", "follow up next week", "share the contract draft",
			"loop in finance", "confirm the delivery date", "prepare a proposal", "check in after the holidays", "book an onsite visit"},
		note:     []string{"Notes on {t}", "Note: {t}", "Internal note about {t}"},
		noteBody: []string{"Discussed {t}. Next step: {n}.", "They are interested in {t}; we need to {n}.", "Budget for {t} is approved. Plan to {n}."},
		task:     []string{"Send follow-up on {t}", "Prepare summary of {t}", "Call back about {t}", "Update the account after the {t} discussion"},
		taskBody: []string{"Remember to {n}.", "Owner to {n} and update the record.", "Follow-up on {t}: {n}."},
		call:     []string{"Follow-up call about {t}", "Call re: {t}", "Check-in call: {t}", "Quick call about {t}", "Discovery call"},
		callBody: []string{"Discussed {t}. Next step: {n}.", "They asked about {t}; we agreed to {n}.", "Good conversation about {t}. Action item: {n}.",
			"Customer raised concerns about {t}. Plan to {n}."},
		voicemail:     []string{"Left voicemail about {t}", "Voicemail: {t}"},
		voicemailBody: []string{"Left a voicemail about {t}. Will try again tomorrow.", "Voicemail left; asked them to call back about {t}."},
		missed:        []string{"Tried to reach them about {t}", "No answer: {t}"},
		missedBody:    []string{"No answer. Will try again later.", "Could not get through; will send an e-mail about {t} instead."},
		meeting:       []string{"Meeting: {t}", "Review meeting on {t}", "Onsite visit to discuss {t}", "Video call about {t}"},
		meetingBody: []string{"Met with the team to review {t}. Next step: {n}.", "Walked through {t} with the stakeholders. We will {n}.",
			"Productive meeting about {t}; agreed to {n}."},
		email:     []string{"Re: {t}", "Following up on {t}", "Question about {t}", "Fwd: {t}"},
		emailBody: []string{"Thanks for your time today. As discussed, we will {n}.", "Following up on {t}: could you confirm the details?", "Attached is the information about {t}. Next step: {n}."},
	},
	{ // es
		topics: []string{"la renovación", "los precios", "las condiciones del contrato", "la última factura", "la implementación", "la demo del producto",
			"una incidencia de soporte", "la revisión trimestral", "la propuesta", "un envío retrasado", "la capacitación", "la integración",
			"los descuentos por volumen", "el proyecto piloto"},
		nexts: []string{"enviar la cotización revisada el viernes", "agendar una demo con su equipo de TI", "dar seguimiento la próxima semana",
			"compartir el borrador del contrato", "incluir a finanzas", "confirmar la fecha de entrega", "preparar una propuesta", "programar una visita"},
		note:     []string{"Notas sobre {t}", "Nota: {t}", "Nota interna sobre {t}"},
		noteBody: []string{"Hablamos sobre {t}. Próximo paso: {n}.", "Están interesados en {t}; hay que {n}.", "Presupuesto aprobado para {t}. Vamos a {n}."},
		task:     []string{"Enviar seguimiento de {t}", "Preparar resumen de {t}", "Volver a llamar por {t}", "Actualizar la cuenta tras hablar de {t}"},
		taskBody: []string{"Recordar {n}.", "Pendiente: {n}.", "Seguimiento de {t}: {n}."},
		call:     []string{"Llamada de seguimiento sobre {t}", "Llamada: {t}", "Llamada para revisar {t}", "Llamada de descubrimiento"},
		callBody: []string{"Hablamos sobre {t}. Próximo paso: {n}.", "Preguntaron por {t}; acordamos {n}.", "Buena conversación sobre {t}. Pendiente: {n}.",
			"El cliente tiene dudas sobre {t}. Vamos a {n}."},
		voicemail:     []string{"Mensaje de voz sobre {t}", "Buzón de voz: {t}"},
		voicemailBody: []string{"Dejé un mensaje de voz sobre {t}. Volveré a llamar mañana.", "Dejé mensaje pidiendo que nos devuelvan la llamada por {t}."},
		missed:        []string{"Sin respuesta: {t}", "Intento de llamada sobre {t}"},
		missedBody:    []string{"No contestó. Intentaré más tarde.", "No fue posible comunicarse; enviaré un correo sobre {t}."},
		meeting:       []string{"Reunión: {t}", "Reunión para revisar {t}", "Visita presencial: {t}", "Videollamada sobre {t}"},
		meetingBody: []string{"Reunión con el equipo para revisar {t}. Próximo paso: {n}.", "Repasamos {t} con los responsables. Acordamos {n}.",
			"Reunión productiva sobre {t}; vamos a {n}."},
		email:     []string{"Re: {t}", "Seguimiento: {t}", "Consulta sobre {t}", "RV: {t}"},
		emailBody: []string{"Gracias por su tiempo. Como acordamos, vamos a {n}.", "Le escribo para dar seguimiento a {t}. ¿Podría confirmar los detalles?", "Adjunto la información sobre {t}. Próximo paso: {n}."},
	},
	{ // zh
		topics:        []string{"续约", "价格", "合同条款", "最新发票", "上线实施", "产品演示", "技术支持工单", "季度回顾", "方案", "延迟发货", "培训", "系统集成", "批量折扣", "试点项目"},
		nexts:         []string{"周五前发送修改后的报价", "安排与对方IT团队的产品演示", "下周再跟进", "发送合同草稿", "请财务部门参与", "确认交货日期", "准备方案书", "安排上门拜访"},
		note:          []string{"{t}记录", "备注：{t}", "关于{t}的内部备注"},
		noteBody:      []string{"讨论了{t}。下一步：{n}。", "客户对{t}感兴趣，需要{n}。", "{t}预算已批准，计划{n}。"},
		task:          []string{"跟进{t}", "准备{t}材料", "回电：{t}", "更新{t}相关信息"},
		taskBody:      []string{"记得{n}。", "待办：{n}。", "{t}跟进：{n}。"},
		call:          []string{"{t}跟进电话", "关于{t}的电话", "电话沟通：{t}", "初次沟通电话"},
		callBody:      []string{"讨论了{t}。下一步：{n}。", "客户询问了{t}，双方同意{n}。", "就{t}进行了沟通，待办：{n}。", "客户对{t}有疑虑，计划{n}。"},
		voicemail:     []string{"语音留言：{t}", "关于{t}的留言"},
		voicemailBody: []string{"已就{t}留言，明天再打。", "已留言请对方回电讨论{t}。"},
		missed:        []string{"未接通：{t}", "尝试联系：{t}"},
		missedBody:    []string{"无人接听，稍后再试。", "未能接通，改为发送关于{t}的邮件。"},
		meeting:       []string{"{t}会议", "关于{t}的会议", "上门拜访：{t}", "{t}视频会议"},
		meetingBody:   []string{"与团队一起回顾了{t}。下一步：{n}。", "与相关负责人过了一遍{t}，决定{n}。", "关于{t}的会议很有成效，约定{n}。"},
		email:         []string{"回复：{t}", "关于{t}的邮件", "{t}相关事宜", "转发：{t}"},
		emailBody:     []string{"感谢您今天抽出时间。按照约定，我们将{n}。", "跟进{t}，请确认相关细节。", "附件是关于{t}的资料。下一步：{n}。"},
	},
}
