package cli

import "github.com/rapport-crm/rapport/internal/errs"

func asAppErr(err error) (*errs.Error, bool) { return errs.As(err) }
