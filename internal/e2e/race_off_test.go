//go:build !race

package e2e

// raceDetector says the test binary runs under -race, which makes the
// server in this process several times slower (not the browser).
const raceDetector = false
