package server

// registerSettingsPages mounts Settings and the profile page (adminpages.go).
func (s *Server) registerSettingsPages() { s.registerAdminPages() }
