package imports

// SetRowHook sets the hook called before each row (tests only).
func SetRowHook(s *Service, f func(row int64)) { s.rowHook = f }

// Worker returns the lease holder name of the service's process.
func Worker(s *Service) string { s.init(); return s.worker }
