//! CPU clocks for `--time-report` (docs/performance.md "Translation time"): the calling thread's
//! CPU time (per-function compile phases, on whichever worker ran them) and the process's (per
//! pipeline phase, all threads), plus the CPU of finished child processes (the host linker).

use std::time::Duration;

fn clock(id: libc::clockid_t) -> Duration {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid out-pointer; both clocks exist on every Linux we run on.
    if unsafe { libc::clock_gettime(id, &mut t) } != 0 {
        return Duration::ZERO;
    }
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// CPU time of the calling thread (user + system).
pub fn thread_cpu() -> Duration {
    clock(libc::CLOCK_THREAD_CPUTIME_ID)
}

/// CPU time of the whole process, all threads (user + system).
pub fn process_cpu() -> Duration {
    clock(libc::CLOCK_PROCESS_CPUTIME_ID)
}

/// User + system CPU of the children that have finished and been waited for.
pub fn children_cpu() -> Duration {
    // SAFETY: getrusage fills the struct; zeroed is a valid initial value for it.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) } != 0 {
        return Duration::ZERO;
    }
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(u.ru_utime) + tv(u.ru_stime)
}

/// A phase's wall and CPU time (process CPU, children included).
#[derive(Clone, Copy, Debug, Default)]
pub struct Span {
    pub wall: Duration,
    pub cpu: Duration,
}

/// Start of a `Span`.
pub struct Stopwatch {
    wall: std::time::Instant,
    cpu: Duration,
}

impl Stopwatch {
    pub fn start() -> Stopwatch {
        Stopwatch { wall: std::time::Instant::now(), cpu: process_cpu() + children_cpu() }
    }
    pub fn stop(&self) -> Span {
        Span { wall: self.wall.elapsed(), cpu: (process_cpu() + children_cpu()).saturating_sub(self.cpu) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn clocks_advance_with_work() {
        // Process clocks first, the thread clock last: the process intervals then contain the
        // thread's (read in the other order, the process clock can come out a few microseconds
        // short of the 20 ms, as it did on 2026-11-30).
        let w = Stopwatch::start();
        let p0 = process_cpu();
        let t0 = thread_cpu();
        // Spin until the thread clock moves by 20 ms (a busy loop the optimiser cannot drop).
        let mut x = 0u64;
        while thread_cpu() - t0 < Duration::from_millis(20) {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
        assert!(process_cpu() - p0 >= Duration::from_millis(20));
        let s = w.stop();
        assert!(s.cpu >= Duration::from_millis(20), "{s:?}");
        assert!(s.wall >= Duration::from_millis(20) / 2, "{s:?}");
    }
}
