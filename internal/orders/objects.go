// Package orders holds the sales documents and the business relationship
// after a deal: products and price books, quotes with versions and a PDF,
// orders, shipments, contracts with renewal reminders, invoices and
// payments. Every object goes through the record engine; line items are
// records of their own, shared by quotes, orders and invoices, and the
// documents' totals follow from them.
package orders

import (
	"regexp"

	"github.com/rapport-crm/rapport/internal/records"
)

var opt = records.Opt

// Section is where the sales objects live in the navigation.
const Section = "sales"

// Quote statuses.
const (
	QuoteDraft      = "draft"
	QuoteSent       = "sent"
	QuoteAccepted   = "accepted"
	QuoteRejected   = "rejected"
	QuoteExpired    = "expired"
	QuoteSuperseded = "superseded"
)

var quoteStatuses = []records.Option{
	opt(QuoteDraft, "Draft", "Borrador", "草稿"),
	opt(QuoteSent, "Sent", "Enviado", "已发送"),
	opt(QuoteAccepted, "Accepted", "Aceptado", "已接受"),
	opt(QuoteRejected, "Rejected", "Rechazado", "已拒绝"),
	opt(QuoteExpired, "Expired", "Vencido", "已过期"),
	opt(QuoteSuperseded, "Superseded", "Sustituido", "已被取代"),
}

// Languages a document is written in: the ones its PDF is made in.
var Languages = []records.Option{
	opt("en", "English", "Inglés", "英语"),
	opt("es", "Spanish", "Español", "西班牙语"),
	opt("zh", "Chinese", "Chino", "中文"),
}

// Order statuses and fulfilment states.
const (
	OrderOpen      = "open"
	OrderCompleted = "completed"
	OrderCancelled = "cancelled"

	Unfulfilled = "unfulfilled"
	Partial     = "partial"
	Shipped     = "shipped"
	Delivered   = "delivered"
)

var orderStatuses = []records.Option{
	opt(OrderOpen, "Open", "Abierto", "进行中"),
	opt(OrderCompleted, "Completed", "Completado", "已完成"),
	opt(OrderCancelled, "Cancelled", "Cancelado", "已取消"),
}

var fulfilments = []records.Option{
	opt(Unfulfilled, "Not shipped", "Sin enviar", "未发货"),
	opt(Partial, "Partly shipped", "Envío parcial", "部分发货"),
	opt(Shipped, "Shipped", "Enviado", "已发货"),
	opt(Delivered, "Delivered", "Entregado", "已送达"),
}

// Shipment states, which follow from its dates.
const (
	ShipmentPending = "pending"
)

var shipmentStatuses = []records.Option{
	opt(ShipmentPending, "Pending", "Pendiente", "待发货"),
	opt(Shipped, "Shipped", "Enviado", "已发货"),
	opt(Delivered, "Delivered", "Entregado", "已送达"),
}

// Contract statuses.
const (
	ContractDraft      = "draft"
	ContractActive     = "active"
	ContractExpired    = "expired"
	ContractTerminated = "terminated"
)

var contractStatuses = []records.Option{
	opt(ContractDraft, "Draft", "Borrador", "草稿"),
	opt(ContractActive, "Active", "Vigente", "生效中"),
	opt(ContractExpired, "Expired", "Vencido", "已到期"),
	opt(ContractTerminated, "Terminated", "Rescindido", "已终止"),
}

// Invoice statuses; "overdue" is not one of them but a fact of the date.
const (
	InvoiceDraft   = "draft"
	InvoiceIssued  = "issued"
	InvoicePartly  = "partially_paid"
	InvoicePaid    = "paid"
	InvoiceVoid    = "void"
	defaultDueDays = 30
)

var invoiceStatuses = []records.Option{
	opt(InvoiceDraft, "Draft", "Borrador", "草稿"),
	opt(InvoiceIssued, "Issued", "Emitida", "已开具"),
	opt(InvoicePartly, "Partly paid", "Pago parcial", "部分付款"),
	opt(InvoicePaid, "Paid", "Pagada", "已付清"),
	opt(InvoiceVoid, "Void", "Anulada", "已作废"),
}

var paymentMethods = []records.Option{
	opt("bank_transfer", "Bank transfer", "Transferencia", "银行转账"),
	opt("card", "Card", "Tarjeta", "银行卡"),
	opt("cash", "Cash", "Efectivo", "现金"),
	opt("check", "Cheque", "Cheque", "支票"),
	opt("direct_debit", "Direct debit", "Domiciliación", "直接借记"),
	opt("other", "Other", "Otro", "其他"),
}

var currencyRe = regexp.MustCompile(`^[A-Za-z]{3}$`)

func moneyField(name, label string, readOnly bool) records.Field {
	return records.Field{Name: name, Type: records.Money, Column: name, LabelKey: label, ReadOnly: readOnly}
}

func currency() records.Field {
	return records.Field{Name: "currency", Type: records.Text, Column: "currency", LabelKey: "orders.field.currency", Required: true, MaxLen: 3,
		Pattern: currencyRe, PatternMessage: "must be an ISO 4217 code like EUR"}
}

func number() records.Field {
	return records.Field{Name: "number", Type: records.Text, Column: "number", LabelKey: "orders.field.number", ReadOnly: true, NotNull: true}
}

func totals() []records.Field {
	return []records.Field{
		moneyField("subtotal", "orders.field.subtotal", true),
		moneyField("discount_total", "orders.field.discount_total", true),
		moneyField("tax_total", "orders.field.tax_total", true),
		moneyField("grand_total", "orders.field.grand_total", true),
	}
}

// Products is the product catalogue.
var Products = &records.Object{
	Name: "products", Table: "products", LabelKey: "object.products", SingularKey: "object.product",
	TitleField: "name", DefaultSort: "name", Section: Section, Customizable: true,
	ListColumns: []string{"sku", "name", "unit", "list_price", "tax_rate", "active"},
	Fields: []records.Field{
		{Name: "sku", Type: records.Text, Column: "sku", LabelKey: "orders.field.sku", Required: true, Unique: true, MaxLen: 64},
		{Name: "name", Type: records.Text, Column: "name", LabelKey: "field.name", Required: true, MaxLen: 200},
		{Name: "description", Type: records.LongText, Column: "description", LabelKey: "field.description", MaxLen: 20000},
		{Name: "unit", Type: records.Text, Column: "unit", LabelKey: "orders.field.unit", MaxLen: 32},
		{Name: "tax_rate", Type: records.Percent, Column: "tax_rate", LabelKey: "orders.field.tax_rate"},
		moneyField("list_price", "orders.field.list_price", false),
		{Name: "active", Type: records.Boolean, Column: "active", LabelKey: "orders.field.active"},
	},
}

// PriceBooks are lists of prices in one currency, for a customer segment.
var PriceBooks = &records.Object{
	Name: "price_books", Table: "price_books", LabelKey: "object.price_books", SingularKey: "object.price_book",
	TitleField: "name", DefaultSort: "name", Section: Section, Customizable: true,
	ListColumns: []string{"name", "currency", "segment", "active"},
	Fields: []records.Field{
		{Name: "name", Type: records.Text, Column: "name", LabelKey: "field.name", Required: true, MaxLen: 200},
		currency(),
		{Name: "segment", Type: records.Text, Column: "segment", LabelKey: "orders.field.segment", MaxLen: 100},
		{Name: "active", Type: records.Boolean, Column: "active", LabelKey: "orders.field.active"},
		{Name: "description", Type: records.LongText, Column: "description", LabelKey: "field.description", MaxLen: 20000},
	},
}

// PriceBookEntries are a price book's prices, one per product.
var PriceBookEntries = &records.Object{
	Name: "price_book_entries", Table: "price_book_entries", LabelKey: "object.price_book_entries", SingularKey: "object.price_book_entry",
	TitleField: "name", DefaultSort: "name", Section: Section,
	ListColumns: []string{"price_book_id", "product_id", "unit_price"},
	Fields: []records.Field{
		{Name: "price_book_id", Type: records.Reference, Column: "price_book_id", LabelKey: "orders.field.price_book", Target: "price_books", Required: true},
		{Name: "product_id", Type: records.Reference, Column: "product_id", LabelKey: "orders.field.product", Target: "products", Required: true},
		{Name: "unit_price", Type: records.Money, Column: "unit_price", LabelKey: "orders.field.unit_price", Required: true},
		{Name: "name", Type: records.Text, Column: "name", LabelKey: "field.name", ReadOnly: true},
	},
}

// LineItems are the products of deals and the lines of quotes, orders
// and invoices: each belongs to exactly one of them.
var LineItems = &records.Object{
	Name: "line_items", Table: "line_items", LabelKey: "object.line_items", SingularKey: "object.line_item",
	TitleField: "name", DefaultSort: "position", Section: Section,
	ListColumns: []string{"name", "quantity", "unit_price", "discount_percent", "tax_rate", "line_total"},
	Fields: []records.Field{
		{Name: "name", Type: records.Text, Column: "name", LabelKey: "field.name", MaxLen: 300, NotNull: true},
		{Name: "deal_id", Type: records.Reference, Column: "deal_id", LabelKey: "orders.field.deal", Target: "deals"},
		{Name: "quote_id", Type: records.Reference, Column: "quote_id", LabelKey: "orders.field.quote", Target: "quotes"},
		{Name: "order_id", Type: records.Reference, Column: "order_id", LabelKey: "orders.field.order", Target: "orders"},
		{Name: "invoice_id", Type: records.Reference, Column: "invoice_id", LabelKey: "orders.field.invoice", Target: "invoices"},
		{Name: "position", Type: records.Integer, Column: "position", LabelKey: "orders.field.position"},
		{Name: "product_id", Type: records.Reference, Column: "product_id", LabelKey: "orders.field.product", Target: "products"},
		{Name: "description", Type: records.LongText, Column: "description", LabelKey: "field.description", MaxLen: 5000},
		{Name: "quantity", Type: records.Decimal, Column: "quantity", LabelKey: "orders.field.quantity", Required: true},
		{Name: "unit", Type: records.Text, Column: "unit", LabelKey: "orders.field.unit", MaxLen: 32},
		moneyField("unit_price", "orders.field.unit_price", false),
		{Name: "discount_percent", Type: records.Percent, Column: "discount_percent", LabelKey: "orders.field.discount_percent"},
		moneyField("discount_amount", "orders.field.discount_amount", false),
		{Name: "tax_rate", Type: records.Percent, Column: "tax_rate", LabelKey: "orders.field.tax_rate"},
		moneyField("line_subtotal", "orders.field.subtotal", true),
		moneyField("line_discount", "orders.field.discount_total", true),
		moneyField("line_tax", "orders.field.tax_total", true),
		moneyField("line_total", "orders.field.line_total", true),
		{Name: "shipped_quantity", Type: records.Decimal, Column: "shipped_quantity", LabelKey: "orders.field.shipped_quantity", ReadOnly: true},
	},
}

// Quotes are priced offers to an account, numbered per workspace, with
// revisions that keep the number.
var Quotes = &records.Object{
	Name: "quotes", Table: "quotes", LabelKey: "object.quotes", SingularKey: "object.quote",
	TitleField: "number", DefaultSort: "-created_at", Section: Section, Customizable: true,
	ListColumns: []string{"number", "revision", "name", "account_id", "status", "grand_total", "valid_until", "owner_id"},
	Fields: append([]records.Field{
		number(),
		{Name: "revision", Type: records.Integer, Column: "revision", LabelKey: "orders.field.revision", ReadOnly: true, NotNull: true},
		{Name: "name", Type: records.Text, Column: "name", LabelKey: "orders.field.subject", Required: true, MaxLen: 200},
		{Name: "account_id", Type: records.Reference, Column: "account_id", LabelKey: "field.account", Target: "accounts", Required: true},
		{Name: "contact_id", Type: records.Reference, Column: "contact_id", LabelKey: "orders.field.contact", Target: "contacts"},
		{Name: "deal_id", Type: records.Reference, Column: "deal_id", LabelKey: "orders.field.deal", Target: "deals"},
		{Name: "price_book_id", Type: records.Reference, Column: "price_book_id", LabelKey: "orders.field.price_book", Target: "price_books"},
		currency(),
		{Name: "language", Type: records.Select, Column: "language", LabelKey: "orders.field.language", Options: Languages},
		{Name: "status", Type: records.Select, Column: "status", LabelKey: "field.status", Options: quoteStatuses, NotNull: true},
		{Name: "valid_until", Type: records.Date, Column: "valid_until", LabelKey: "orders.field.valid_until"},
		{Name: "issued_on", Type: records.Date, Column: "issued_on", LabelKey: "orders.field.issued_on"},
		{Name: "terms", Type: records.LongText, Column: "terms", LabelKey: "orders.field.terms", MaxLen: 20000},
		{Name: "notes", Type: records.LongText, Column: "notes", LabelKey: "orders.field.notes", MaxLen: 20000},
	}, append(totals(),
		records.Field{Name: "order_id", Type: records.Reference, Column: "order_id", LabelKey: "orders.field.order", Target: "orders", ReadOnly: true},
		records.Field{Name: "previous_id", Type: records.Reference, Column: "previous_id", LabelKey: "orders.field.previous", Target: "quotes", ReadOnly: true},
		records.Field{Name: "accepted_at", Type: records.DateTime, Column: "accepted_at", LabelKey: "orders.field.accepted_at", ReadOnly: true},
	)...),
}

// Orders are what a customer bought: from an accepted quote or entered
// directly; their fulfilment follows their shipments.
var Orders = &records.Object{
	Name: "orders", Table: "orders", LabelKey: "object.orders", SingularKey: "object.order",
	TitleField: "number", DefaultSort: "-created_at", Section: Section, Customizable: true,
	ListColumns: []string{"number", "name", "account_id", "status", "fulfilment", "grand_total", "order_date", "owner_id"},
	Fields: append([]records.Field{
		number(),
		{Name: "name", Type: records.Text, Column: "name", LabelKey: "orders.field.subject", MaxLen: 200},
		{Name: "account_id", Type: records.Reference, Column: "account_id", LabelKey: "field.account", Target: "accounts", Required: true},
		{Name: "quote_id", Type: records.Reference, Column: "quote_id", LabelKey: "orders.field.quote", Target: "quotes", ReadOnly: true},
		{Name: "contract_id", Type: records.Reference, Column: "contract_id", LabelKey: "orders.field.contract", Target: "contracts"},
		currency(),
		{Name: "order_date", Type: records.Date, Column: "order_date", LabelKey: "orders.field.order_date"},
		{Name: "status", Type: records.Select, Column: "status", LabelKey: "field.status", Options: orderStatuses, NotNull: true},
		{Name: "fulfilment", Type: records.Select, Column: "fulfilment", LabelKey: "orders.field.fulfilment", Options: fulfilments, ReadOnly: true, NotNull: true},
		{Name: "notes", Type: records.LongText, Column: "notes", LabelKey: "orders.field.notes", MaxLen: 20000},
	}, totals()...),
}

// Shipments send some or all of an order's quantities.
var Shipments = &records.Object{
	Name: "shipments", Table: "shipments", LabelKey: "object.shipments", SingularKey: "object.shipment",
	TitleField: "number", DefaultSort: "-created_at", Section: Section, Customizable: true,
	ListColumns: []string{"number", "order_id", "carrier", "tracking_number", "status", "shipped_on", "delivered_on"},
	Fields: []records.Field{
		number(),
		{Name: "order_id", Type: records.Reference, Column: "order_id", LabelKey: "orders.field.order", Target: "orders", Required: true},
		{Name: "carrier", Type: records.Text, Column: "carrier", LabelKey: "orders.field.carrier", MaxLen: 100},
		{Name: "tracking_number", Type: records.Text, Column: "tracking_number", LabelKey: "orders.field.tracking_number", MaxLen: 100},
		{Name: "status", Type: records.Select, Column: "status", LabelKey: "field.status", Options: shipmentStatuses, ReadOnly: true, NotNull: true},
		{Name: "shipped_on", Type: records.Date, Column: "shipped_on", LabelKey: "orders.field.shipped_on"},
		{Name: "delivered_on", Type: records.Date, Column: "delivered_on", LabelKey: "orders.field.delivered_on"},
		{Name: "notes", Type: records.LongText, Column: "notes", LabelKey: "orders.field.notes", MaxLen: 20000},
	},
}

// ShipmentLines are the quantities of order lines a shipment carries.
var ShipmentLines = &records.Object{
	Name: "shipment_lines", Table: "shipment_lines", LabelKey: "object.shipment_lines", SingularKey: "object.shipment_line",
	TitleField: "name", DefaultSort: "name", Section: Section,
	ListColumns: []string{"shipment_id", "line_item_id", "quantity"},
	Fields: []records.Field{
		{Name: "shipment_id", Type: records.Reference, Column: "shipment_id", LabelKey: "orders.field.shipment", Target: "shipments", Required: true},
		{Name: "line_item_id", Type: records.Reference, Column: "line_item_id", LabelKey: "orders.field.line_item", Target: "line_items", Required: true},
		{Name: "quantity", Type: records.Decimal, Column: "quantity", LabelKey: "orders.field.quantity", Required: true},
		{Name: "name", Type: records.Text, Column: "name", LabelKey: "field.name", ReadOnly: true},
	},
}

// Contracts are agreements with an account over a period, with a
// renewal date that a background job reminds the owner of.
var Contracts = &records.Object{
	Name: "contracts", Table: "contracts", LabelKey: "object.contracts", SingularKey: "object.contract",
	TitleField: "name", DefaultSort: "-created_at", Section: Section, Customizable: true,
	ListColumns: []string{"number", "name", "account_id", "status", "value", "start_date", "end_date", "renewal_date"},
	Fields: []records.Field{
		number(),
		{Name: "name", Type: records.Text, Column: "name", LabelKey: "field.name", Required: true, MaxLen: 200},
		{Name: "account_id", Type: records.Reference, Column: "account_id", LabelKey: "field.account", Target: "accounts", Required: true},
		{Name: "start_date", Type: records.Date, Column: "start_date", LabelKey: "orders.field.start_date", Required: true},
		{Name: "end_date", Type: records.Date, Column: "end_date", LabelKey: "orders.field.end_date"},
		moneyField("value", "orders.field.value", false),
		{Name: "terms", Type: records.LongText, Column: "terms", LabelKey: "orders.field.terms", MaxLen: 50000},
		{Name: "status", Type: records.Select, Column: "status", LabelKey: "field.status", Options: contractStatuses, NotNull: true},
		{Name: "renewal_date", Type: records.Date, Column: "renewal_date", LabelKey: "orders.field.renewal_date"},
		{Name: "reminder_days", Type: records.Integer, Column: "reminder_days", LabelKey: "orders.field.reminder_days"},
		{Name: "renewal_task_id", Type: records.Reference, Column: "renewal_task_id", LabelKey: "orders.field.renewal_task", Target: "activities", ReadOnly: true},
	},
}

// Invoices bill an order or a contract period.
var Invoices = &records.Object{
	Name: "invoices", Table: "invoices", LabelKey: "object.invoices", SingularKey: "object.invoice",
	TitleField: "number", DefaultSort: "-created_at", Section: Section, Customizable: true,
	ListColumns: []string{"number", "account_id", "status", "grand_total", "balance", "issue_date", "due_date"},
	Fields: append(append([]records.Field{
		number(),
		{Name: "account_id", Type: records.Reference, Column: "account_id", LabelKey: "field.account", Target: "accounts", Required: true},
		{Name: "order_id", Type: records.Reference, Column: "order_id", LabelKey: "orders.field.order", Target: "orders"},
		{Name: "contract_id", Type: records.Reference, Column: "contract_id", LabelKey: "orders.field.contract", Target: "contracts"},
		{Name: "period_start", Type: records.Date, Column: "period_start", LabelKey: "orders.field.period_start"},
		{Name: "period_end", Type: records.Date, Column: "period_end", LabelKey: "orders.field.period_end"},
		{Name: "issue_date", Type: records.Date, Column: "issue_date", LabelKey: "orders.field.issue_date"},
		{Name: "due_date", Type: records.Date, Column: "due_date", LabelKey: "orders.field.due_date"},
		currency(),
		{Name: "language", Type: records.Select, Column: "language", LabelKey: "orders.field.language", Options: Languages},
		{Name: "status", Type: records.Select, Column: "status", LabelKey: "field.status", Options: invoiceStatuses, NotNull: true},
		{Name: "notes", Type: records.LongText, Column: "notes", LabelKey: "orders.field.notes", MaxLen: 20000},
	}, totals()...),
		moneyField("amount_paid", "orders.field.amount_paid", true),
		moneyField("balance", "orders.field.balance", true),
	),
}

// Payments settle invoices, in part or in full.
var Payments = &records.Object{
	Name: "payments", Table: "payments", LabelKey: "object.payments", SingularKey: "object.payment",
	TitleField: "number", DefaultSort: "-created_at", Section: Section, Customizable: true,
	ListColumns: []string{"number", "invoice_id", "account_id", "amount", "method", "paid_on"},
	Fields: []records.Field{
		number(),
		{Name: "invoice_id", Type: records.Reference, Column: "invoice_id", LabelKey: "orders.field.invoice", Target: "invoices", Required: true},
		{Name: "account_id", Type: records.Reference, Column: "account_id", LabelKey: "field.account", Target: "accounts", ReadOnly: true},
		{Name: "amount", Type: records.Money, Column: "amount", LabelKey: "orders.field.amount", Required: true},
		{Name: "method", Type: records.Select, Column: "method", LabelKey: "orders.field.method", Options: paymentMethods, Required: true},
		{Name: "paid_on", Type: records.Date, Column: "paid_on", LabelKey: "orders.field.paid_on"},
		{Name: "reference", Type: records.Text, Column: "reference", LabelKey: "orders.field.reference", MaxLen: 200},
	},
}

// All are the objects of this package in the order they are registered.
var All = []*records.Object{Products, PriceBooks, PriceBookEntries, Quotes, Orders, Contracts, Invoices, Payments, LineItems, Shipments, ShipmentLines}
