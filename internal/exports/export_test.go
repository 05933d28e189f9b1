package exports

// WriteRecords is the record-by-record path of Write (the engine's typed
// records, a batch at a time), which the faster paths must match byte for
// byte.
var WriteRecords = (*Exporter).writeRecords
