package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Process is a server the benchmark started as a subprocess, its output
// going to a log file.
type Process struct {
	Name    string
	Addr    string // host:port it serves on
	LogPath string
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has exited
	waitErr error
}

// StartProcess starts bin with args, writing its stdout and stderr to
// logPath. The process is killed if the benchmark dies first.
func StartProcess(name, addr, logPath, bin string, args ...string) (*Process, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Process{Name: name, Addr: addr, LogPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop asks the process to shut down (SIGTERM), waits up to 20 s, then
// kills it.
func (p *Process) Stop() {
	if p == nil || p.Exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// LogTail returns the last lines of the process's log, for errors.
func (p *Process) LogTail() string {
	b, err := os.ReadFile(p.LogPath)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-8):], "\n")
}

// Limits of the wait for a server's first answer.
const (
	PollInterval = time.Millisecond
	StartTimeout = 60 * time.Second
)

// StartTimed starts a server and polls http://addr/healthz every
// millisecond until it answers 200. It returns the time from just before
// the process was started to that answer: exec, runtime start, the
// server's own start-up (migrations, for Rapport on an empty data dir),
// listening, and one request.
func StartTimed(ctx context.Context, name, addr, logPath, bin string, args ...string) (*Process, time.Duration, error) {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
			if err := checkLoopback(a); err != nil {
				return nil, err
			}
			return (&net.Dialer{Timeout: time.Second}).DialContext(ctx, network, a)
		}}}
	url := "http://" + addr + "/healthz"
	t0 := time.Now()
	p, err := StartProcess(name, addr, logPath, bin, args...)
	if err != nil {
		return nil, 0, err
	}
	for i := 0; i < int(StartTimeout/PollInterval); i++ {
		if ctx.Err() != nil {
			p.Stop()
			return nil, 0, ctx.Err()
		}
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, time.Since(t0), nil
			}
		}
		if p.Exited() {
			return nil, 0, fmt.Errorf("%s exited before answering /healthz (%v):\n%s", name, p.waitErr, p.LogTail())
		}
		if time.Since(t0) > StartTimeout {
			break
		}
		time.Sleep(PollInterval)
	}
	p.Stop()
	return nil, 0, fmt.Errorf("%s did not answer /healthz within %v:\n%s", name, StartTimeout, p.LogTail())
}

// RSS returns the resident set size of process pid (VmRSS in
// /proc/PID/status), in bytes.
func RSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("read rss: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			f := strings.Fields(rest) // "12345 kB"
			if len(f) == 2 && f[1] == "kB" {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				if err != nil {
					return 0, fmt.Errorf("read rss: %w", err)
				}
				return kb * 1024, nil
			}
		}
	}
	return 0, errors.New("read rss: no VmRSS line")
}

// FreeAddr returns a loopback address with a port free at the moment.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// runCommand runs bin to completion within timeout and returns its
// stdout; stderr goes into the error.
func runCommand(ctx context.Context, timeout time.Duration, env []string, bin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %w: %s", bin, strings.Join(redactArgs(args), " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// redactArgs hides the value after --password in error messages.
func redactArgs(args []string) []string {
	out := make([]string, len(args))
	copy(out, args)
	for i := range out {
		if out[i] == "--password" && i+1 < len(out) {
			out[i+1] = "…"
		}
	}
	return out
}
