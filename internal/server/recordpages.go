package server

func (s *Server) registerRecordPages() {}
