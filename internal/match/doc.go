// Package match holds the pure text functions behind contact and account
// search and duplicate detection: folding (case, accents, width), search
// terms (including CJK unigrams and bigrams), e-mail, phone, name, company
// and domain normalisation, and string similarity.
//
// Everything here is deterministic, safe for concurrent use, free of I/O and
// cheap enough to run over millions of rows. Functions never panic on
// arbitrary (including invalid UTF-8) input.
package match
