package auth

import "slices"

// Scope limits which records of an object a role reaches.
type Scope string

// Record scopes, from narrowest to widest.
const (
	ScopeOwn  Scope = "own"
	ScopeTeam Scope = "team"
	ScopeAll  Scope = "all"
)

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return s == ScopeOwn || s == ScopeTeam || s == ScopeAll }

// ObjectPerm is what a role allows on one object.
type ObjectPerm struct {
	Read   bool  `json:"read"`
	Create bool  `json:"create"`
	Update bool  `json:"update"`
	Delete bool  `json:"delete"`
	Scope  Scope `json:"scope"`
}

// Action is one of the four record operations.
type Action string

// The record operations a role grants.
const (
	ActRead   Action = "read"
	ActCreate Action = "create"
	ActUpdate Action = "update"
	ActDelete Action = "delete"
)

// Allows reports whether the permission grants act.
func (p ObjectPerm) Allows(act Action) bool {
	switch act {
	case ActRead:
		return p.Read
	case ActCreate:
		return p.Create
	case ActUpdate:
		return p.Update
	case ActDelete:
		return p.Delete
	}
	return false
}

// Principal is the authenticated caller: a user of one workspace, with
// the permissions of their role. Every service method takes one, and
// every query it makes is scoped by WorkspaceID.
type Principal struct {
	WorkspaceID string
	UserID      string
	Email       string
	Name        string
	RoleID      string
	RoleName    string
	IsAdmin     bool
	Perms       map[string]ObjectPerm
	// TeamUserIDs are the users who share at least one team with the
	// caller, the caller included: the reach of ScopeTeam.
	TeamUserIDs []string
	Lang        string
	TZ          string
	TokenID     string // set when authenticated by an API token
	SessionAuth bool   // set when authenticated by a browser session
}

// Perm returns the caller's permission on object. Admins may do
// everything on every object.
func (p *Principal) Perm(object string) ObjectPerm {
	if p.IsAdmin {
		return ObjectPerm{Read: true, Create: true, Update: true, Delete: true, Scope: ScopeAll}
	}
	op, ok := p.Perms[object]
	if !ok {
		// "*" holds the role's default for objects it does not name, so
		// objects added by later modules get the role's usual reach.
		op, ok = p.Perms["*"]
		if !ok {
			return ObjectPerm{Scope: ScopeOwn}
		}
	}
	if !op.Scope.Valid() {
		op.Scope = ScopeOwn
	}
	return op
}

// Can reports whether the caller may perform act on object at all.
func (p *Principal) Can(object string, act Action) bool { return p.Perm(object).Allows(act) }

// Reaches reports whether a record owned by ownerID lies within the
// caller's scope for object. Records without an owner are reached only
// with ScopeAll.
func (p *Principal) Reaches(object, ownerID string) bool {
	switch p.Perm(object).Scope {
	case ScopeAll:
		return true
	case ScopeTeam:
		return ownerID != "" && (ownerID == p.UserID || slices.Contains(p.TeamUserIDs, ownerID))
	default:
		return ownerID != "" && ownerID == p.UserID
	}
}
