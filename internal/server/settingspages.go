package server

func (s *Server) registerSettingsPages() {}
