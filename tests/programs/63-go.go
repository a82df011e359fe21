// A Go guest (GOARCH=arm64, CGO_ENABLED=0, statically linked): the Go runtime makes raw syscalls,
// runs goroutines on its own stacks (morestack copies them), uses futexes, timers and epoll, preempts
// CPU-bound goroutines with SIGURG (the handler rewrites the signal context to inject a call), turns
// a nil dereference (SIGSEGV) into a recoverable panic, and os/exec forks with CLONE_VFORK|CLONE_VM.
//
// Each section is named; the arguments choose sections ("all" or none: every one in order; other
// arguments are only printed), so a failing part can be run alone (tests/programs/63-go.runs runs
// the sections that need guest signal delivery apart). The output is deterministic.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func sectionArgs() {
	fmt.Println("args:", len(os.Args), strings.Join(os.Args[1:], " "))
	fmt.Printf("AOT_TEST_VAR1=%q AOT_TEST_VAR2=%q unset=%q\n",
		os.Getenv("AOT_TEST_VAR1"), os.Getenv("AOT_TEST_VAR2"), os.Getenv("AOT_TEST_UNSET"))
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AOT_TEST_") || strings.HasPrefix(kv, "TZ=") {
			env = append(env, kv)
		}
	}
	sort.Strings(env) // qemu passes the environment in reverse order
	fmt.Println("env:", strings.Join(env, ";"))
}

func sectionWorkload() {
	// words, maps, sort, strings.Builder, fmt of ints/floats
	text := strings.Repeat("the quick brown fox jumps over the lazy dog and the cat ", 50)
	counts := map[string]int{}
	for _, w := range strings.Fields(text) {
		counts[strings.ToUpper(w[:1])+w[1:]]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if counts[keys[i]] != counts[keys[j]] {
			return counts[keys[i]] > counts[keys[j]]
		}
		return keys[i] < keys[j]
	})
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s:%d ", k, counts[k])
	}
	fmt.Println("words:", strings.TrimSpace(b.String()))
	// a map with many entries (growth, rehash) and a slice sort
	m := make(map[int]uint64)
	for i := 0; i < 20000; i++ {
		m[i*7919%100003] = uint64(i) * 2654435761
	}
	var sum uint64
	vals := make([]int, 0, len(m))
	for k, v := range m {
		sum += v ^ uint64(k)
		vals = append(vals, k)
	}
	sort.Ints(vals)
	fmt.Printf("map: n=%d sum=%d first=%v last=%d\n", len(m), sum, vals[:4], vals[len(vals)-1])
	fmt.Printf("fmt: %08.3f %e %x %q %v %+v\n", 3.14159, 1e-7, 255, "a\tb", []float64{0.1, 2.5},
		struct {
			A int
			B string
		}{7, "x"})
	// allocation-heavy work, so the garbage collector runs (its workers are goroutines too)
	var keep [][]byte
	for i := 0; i < 2000; i++ {
		buf := make([]byte, 4096+i)
		buf[i] = byte(i)
		if i%100 == 0 {
			keep = append(keep, buf)
		}
	}
	runtime.GC()
	fmt.Println("gc: kept", len(keep), "buffers")
}

// deep recursion grows the goroutine stack several times (morestack, stack copying)
func depth(n int) int {
	var pad [64]byte
	pad[n%64] = byte(n)
	if n == 0 {
		return int(pad[0])
	}
	return depth(n-1) + int(pad[n%64]&1)
}

func sectionGoroutines() {
	var wg sync.WaitGroup
	results := make([]int, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = depth(1000*(i+1)) + i
		}(i)
	}
	wg.Wait()
	fmt.Println("goroutines:", results)

	// unbuffered pipeline: producer -> squarer -> consumer
	src := make(chan int)
	sq := make(chan int)
	go func() {
		for i := 1; i <= 100; i++ {
			src <- i
		}
		close(src)
	}()
	go func() {
		for v := range src {
			sq <- v * v
		}
		close(sq)
	}()
	total := 0
	for v := range sq {
		total += v
	}
	fmt.Println("pipeline:", total)

	// buffered channel, mutex, atomic counter across goroutines
	jobs := make(chan int, 16)
	var mu sync.Mutex
	var counter int64
	byWorker := map[int]int{}
	var wg2 sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg2.Add(1)
		go func(w int) {
			defer wg2.Done()
			for j := range jobs {
				atomic.AddInt64(&counter, int64(j))
				mu.Lock()
				byWorker[j%4]++
				mu.Unlock()
			}
		}(w)
	}
	for j := 0; j < 1000; j++ {
		jobs <- j
	}
	close(jobs)
	wg2.Wait()
	fmt.Println("workers:", atomic.LoadInt64(&counter), byWorker[0], byWorker[1], byWorker[2], byWorker[3])

	// select over several channels, with a default case and a quit channel
	a, b, quit := make(chan string), make(chan string, 1), make(chan struct{})
	select {
	case <-a:
		fmt.Println("select: impossible")
	default:
		fmt.Println("select: default taken")
	}
	go func() {
		for i := 0; i < 3; i++ {
			a <- fmt.Sprint("a", i)
		}
		close(quit)
	}()
	b <- "b0"
	var got []string
	for done := false; !done; {
		select {
		case s := <-a:
			got = append(got, s)
		case s := <-b:
			got = append(got, s)
		case <-quit:
			done = true
		}
	}
	sort.Strings(got)
	fmt.Println("select:", got)
}

func sectionTimers() {
	start := time.Now()
	time.Sleep(20 * time.Millisecond)
	slept := time.Since(start) >= 20*time.Millisecond
	t := time.NewTimer(30 * time.Millisecond)
	fired := false
	select {
	case <-t.C:
		fired = true
	case <-time.After(5 * time.Second):
	}
	stopped := time.NewTimer(time.Hour).Stop()
	tk := time.NewTicker(5 * time.Millisecond)
	ticks := 0
	for range tk.C {
		ticks++
		if ticks == 5 {
			break
		}
	}
	tk.Stop()
	// time.AfterFunc runs its function on another goroutine
	done := make(chan string)
	time.AfterFunc(10*time.Millisecond, func() { done <- "afterfunc ran" })
	msg := <-done
	// a select that times out
	never := make(chan int)
	timedOut := false
	select {
	case <-never:
	case <-time.After(15 * time.Millisecond):
		timedOut = true
	}
	fmt.Println("timers:", slept, fired, stopped, ticks, msg, timedOut, time.Since(start) < 5*time.Second)
	fmt.Println("time:", time.Unix(1700000000, 0).UTC().Format(time.RFC3339))
}

var spinStop int32

// spin has a loop without calls: the compiler puts no preemption check in it, so with one P the only
// way for another goroutine to run is asynchronous preemption (sysmon sends SIGURG to the thread).
func spin() int {
	n := 0
	for atomic.LoadInt32(&spinStop) == 0 {
		n++
	}
	return n
}

func sectionPreempt() {
	prev := runtime.GOMAXPROCS(1)
	res := make(chan int)
	go func() { res <- spin() }()
	runtime.Gosched() // let the spinner take the only P
	// this goroutine runs again only if the spinner is preempted
	time.Sleep(10 * time.Millisecond)
	fmt.Println("preempt: main ran while a goroutine spun")
	atomic.StoreInt32(&spinStop, 1)
	n := <-res
	runtime.GOMAXPROCS(prev)
	fmt.Println("preempt: spinner stopped, looped", n > 0)
}

type node struct {
	next *node
	val  int
}

func nilDeref(p *node) (v int, err error) {
	defer func() {
		if r := recover(); r != nil {
			re, ok := r.(runtime.Error)
			err = fmt.Errorf("recovered (runtime.Error %v): %v", ok, r)
			_ = re
		}
	}()
	return p.next.val, nil // p.next is nil: SIGSEGV at a small address, a Go panic
}

func divide(a, b int) (q int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered: %v", r)
		}
	}()
	return a / b, nil
}

// a nil dereference faults (SIGSEGV); the runtime's handler rewrites the signal context so that the
// faulting goroutine calls runtime.sigpanic, which panics; recover() catches it
func sectionNilPanic() {
	v, err := nilDeref(&node{val: 1})
	fmt.Println("nil:", v, err)
	v, err = nilDeref(&node{next: &node{val: 42}})
	fmt.Println("nil:", v, err)
}

// panics raised in code, without signals
func sectionPanic() {
	q, err := divide(7, 0) // integer division by zero is checked in code: no signal
	fmt.Println("div:", q, err)
	func() {
		defer func() { fmt.Println("panic value:", recover()) }()
		panic(errors.New("custom"))
	}()
	var arr []int
	func() {
		defer func() { fmt.Println("bounds:", recover()) }()
		_ = arr[len(os.Args)+2]
	}()
}

func sectionExec() {
	out, err := exec.Command("/bin/echo", "hello", "from", "echo").Output()
	fmt.Printf("exec: %q %v\n", out, err)
	cmd := exec.Command("/bin/sh", "-c", "echo $AOT_CHILD; exit 3")
	cmd.Env = append(os.Environ(), "AOT_CHILD=child-env")
	out, err = cmd.Output()
	var ee *exec.ExitError
	code := -1
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	}
	fmt.Printf("exec: %q exit=%d\n", out, code)
	cmd = exec.Command("/bin/cat")
	cmd.Stdin = strings.NewReader("through a pipe\n")
	out, err = cmd.CombinedOutput()
	fmt.Printf("exec: %q %v\n", out, err)
	_, err = exec.Command("/nonexistent/prog").Output()
	fmt.Println("exec:", err)
}

func main() {
	sections := []struct {
		name string
		f    func()
	}{
		{"args", sectionArgs},
		{"workload", sectionWorkload},
		{"goroutines", sectionGoroutines},
		{"timers", sectionTimers},
		{"panic", sectionPanic},
		{"exec", sectionExec},
		{"preempt", sectionPreempt},
		{"nilpanic", sectionNilPanic},
	}
	want := map[string]bool{}
	for _, a := range os.Args[1:] {
		want[a] = true
	}
	all := len(want) == 0 || want["all"]
	for _, s := range sections {
		if all || want[s.name] {
			s.f()
		}
	}
	fmt.Fprintln(os.Stderr, "done")
	os.Exit(0)
}
