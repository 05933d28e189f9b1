// Package activities records every interaction with customers — notes,
// tasks, calls, meetings and logged e-mails — each linked to several
// records at once through link rows with real foreign keys, and builds
// the timeline, "My day" and reminders from them.
package activities

import (
	"github.com/rapport-crm/rapport/internal/records"
)

var opt = records.Opt

// The activity types.
const (
	Note    = "note"
	Task    = "task"
	Call    = "call"
	Meeting = "meeting"
	Email   = "email"
)

// Types are the choices of an activity's type.
var Types = []records.Option{
	opt(Note, "Note", "Nota", "备注"),
	opt(Task, "Task", "Tarea", "任务"),
	opt(Call, "Call", "Llamada", "电话"),
	opt(Meeting, "Meeting", "Reunión", "会议"),
	opt(Email, "E-mail", "Correo", "邮件"),
}

var priorities = []records.Option{
	opt("low", "Low", "Baja", "低"),
	opt("normal", "Normal", "Normal", "普通"),
	opt("high", "High", "Alta", "高"),
}

var directions = []records.Option{
	opt("inbound", "Inbound", "Entrante", "呼入"),
	opt("outbound", "Outbound", "Saliente", "呼出"),
}

var outcomes = []records.Option{
	opt("connected", "Connected", "Atendida", "已接通"),
	opt("voicemail", "Voicemail", "Buzón de voz", "语音信箱"),
	opt("no_answer", "No answer", "Sin respuesta", "无人接听"),
	opt("busy", "Busy", "Ocupado", "占线"),
	opt("wrong_number", "Wrong number", "Número equivocado", "号码错误"),
}

// Object is the activity object.
var Object = &records.Object{
	Name:         "activities",
	Table:        "activities",
	LabelKey:     "object.activities",
	SingularKey:  "object.activity",
	TitleField:   "subject",
	DefaultSort:  "-occurred_at",
	ListColumns:  []string{"type", "subject", "occurred_at", "due_at", "done", "assignee_id", "owner_id"},
	Section:      "customers",
	Customizable: true,
	Fields: []records.Field{
		{Name: "type", Type: records.Select, Column: "type", LabelKey: "field.activity_type", Required: true, Options: Types},
		{Name: "subject", Type: records.Text, Column: "subject", LabelKey: "field.subject", Required: true, MaxLen: 300},
		{Name: "body", Type: records.LongText, Column: "body", LabelKey: "field.body", MaxLen: 100000},
		{Name: "occurred_at", Type: records.DateTime, Column: "occurred_at", LabelKey: "field.occurred_at", NotNull: true},
		{Name: "account_ids", Type: records.RefList, LabelKey: "field.linked_accounts", Target: "accounts", Link: &records.Link{Table: "activity_links", From: "activity_id", To: "account_id"}},
		{Name: "contact_ids", Type: records.RefList, LabelKey: "field.linked_contacts", Target: "contacts", Link: &records.Link{Table: "activity_links", From: "activity_id", To: "contact_id"}},
		{Name: "lead_ids", Type: records.RefList, LabelKey: "field.linked_leads", Target: "leads", Link: &records.Link{Table: "activity_leads", From: "activity_id", To: "lead_id"}},
		{Name: "deal_ids", Type: records.RefList, LabelKey: "field.linked_deals", Target: "deals", Link: &records.Link{Table: "activity_deals", From: "activity_id", To: "deal_id"}},
		{Name: "due_at", Type: records.DateTime, Column: "due_at", LabelKey: "field.due_at"},
		{Name: "priority", Type: records.Select, Column: "priority", LabelKey: "field.priority", Options: priorities},
		{Name: "assignee_id", Type: records.User, Column: "assignee_id", LabelKey: "field.assignee"},
		{Name: "remind_at", Type: records.DateTime, Column: "remind_at", LabelKey: "field.remind_at"},
		{Name: "done", Type: records.Boolean, Column: "done", LabelKey: "field.done"},
		{Name: "done_at", Type: records.DateTime, Column: "done_at", LabelKey: "field.done_at", ReadOnly: true},
		{Name: "direction", Type: records.Select, Column: "direction", LabelKey: "field.direction", Options: directions},
		{Name: "duration_seconds", Type: records.Integer, Column: "duration_seconds", LabelKey: "field.duration_seconds"},
		{Name: "outcome", Type: records.Select, Column: "outcome", LabelKey: "field.outcome", Options: outcomes},
		{Name: "starts_at", Type: records.DateTime, Column: "starts_at", LabelKey: "field.starts_at"},
		{Name: "ends_at", Type: records.DateTime, Column: "ends_at", LabelKey: "field.ends_at"},
		{Name: "location", Type: records.Text, Column: "location", LabelKey: "field.location", MaxLen: 300},
		{Name: "attendees", Type: records.EmailList, Column: "attendees", LabelKey: "field.attendees"},
		{Name: "email_from", Type: records.Email, Column: "email_from", LabelKey: "field.email_from"},
		{Name: "email_to", Type: records.Text, Column: "email_to", LabelKey: "field.email_to", MaxLen: 2000},
		{Name: "sent_at", Type: records.DateTime, Column: "sent_at", LabelKey: "field.sent_at"},
		{Name: "external_id", Type: records.Text, Column: "external_id", LabelKey: "field.external_id", Unique: true, MaxLen: 200},
	},
}
