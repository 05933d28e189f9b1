package auth

// Built-in role keys. Admins may copy and edit them; the admin role
// itself always has every permission.
const (
	RoleAdmin     = "admin"
	RoleManager   = "manager"
	RoleSales     = "sales"
	RoleMarketing = "marketing"
	RoleSupport   = "support"
	RoleReadOnly  = "read_only"
)

// BuiltinRoles lists the roles every new workspace starts with, in the
// order they are shown. The "*" entry is the default for every object
// the role does not name, so objects added by later modules inherit it.
var BuiltinRoles = []struct {
	Key     string
	Name    string
	IsAdmin bool
	Perms   map[string]ObjectPerm
}{
	{RoleAdmin, "Admin", true, map[string]ObjectPerm{"*": {true, true, true, true, ScopeAll}}},
	{RoleManager, "Manager", false, map[string]ObjectPerm{
		"*":    {true, true, true, true, ScopeAll},
		"tags": {true, true, true, true, ScopeAll},
	}},
	{RoleSales, "Sales", false, map[string]ObjectPerm{
		"*":    {true, true, true, true, ScopeOwn},
		"tags": {Read: true, Scope: ScopeAll},
		// The catalogue is shared: reps quote from it, managers keep it.
		"products":           {Read: true, Scope: ScopeAll},
		"price_books":        {Read: true, Scope: ScopeAll},
		"price_book_entries": {Read: true, Scope: ScopeAll},
	}},
	{RoleMarketing, "Marketing", false, map[string]ObjectPerm{
		"*":    {true, true, true, false, ScopeAll},
		"tags": {true, true, true, false, ScopeAll},
	}},
	{RoleSupport, "Support", false, map[string]ObjectPerm{
		"*":    {true, true, true, false, ScopeTeam},
		"tags": {Read: true, Scope: ScopeAll},
		// The catalogue is shared: reps quote from it, managers keep it.
		"products":           {Read: true, Scope: ScopeAll},
		"price_books":        {Read: true, Scope: ScopeAll},
		"price_book_entries": {Read: true, Scope: ScopeAll},
	}},
	{RoleReadOnly, "Read-only", false, map[string]ObjectPerm{
		"*": {Read: true, Scope: ScopeAll},
	}},
}
