package dev.warren.runtime.crun;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The seccomp filter of every sandbox, as the OCI config's {@code linux.seccomp}: an allow-list
 * that grants no more than Docker's default profile grants a container without CAP_SYS_ADMIN
 * (and the other capabilities Warren drops), minus io_uring and name_to_handle_at.
 *
 * <p>How a call that is not allowed fails matters as much as that it fails:
 * <ul>
 *   <li>every call in {@link #REFUSED} answers EPERM, a refusal by policy, as Docker's do;
 *   <li>{@code clone} with a namespace flag answers EPERM; {@code clone3}, whose flags sit in
 *       memory where a filter cannot read them, answers ENOSYS so that libc falls back to
 *       {@code clone};
 *   <li>any other call (newer than this list, or than the host's libseccomp) answers ENOSYS, so
 *       that libc and language runtimes fall back to the older calls they know instead of failing.
 *       runc reaches the same end by patching its filter; crun cannot, so the default does it.
 * </ul>
 * {@link dev.warren.config.SeccompAllow} lets an operator move a few refused calls to the allowed ones.
 */
final class Seccomp {
  static final int EPERM = 1;
  static final int ENOSYS = 38;
  /** CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET. */
  static final long[] NAMESPACE_FLAGS = {0x00020000L, 0x02000000L, 0x04000000L, 0x08000000L, 0x10000000L, 0x20000000L, 0x40000000L};
  private static final int AF_ALG = 38;
  private static final int AF_VSOCK = 40;
  /** PER_LINUX, PER_LINUX32, UNAME26 alone and with PER_LINUX32, and the query. */
  private static final long[] PERSONALITIES = {0x0L, 0x0008L, 0x20000L, 0x20008L, 0xffffffffL};

  /** Allowed unconditionally: what ordinary programs, compilers, package managers, browsers and X servers use. */
  static final Set<String> ALLOWED = names("""
      read write readv writev pread64 pwrite64 preadv preadv2 pwritev pwritev2 lseek _llseek close close_range dup dup2 dup3
      fcntl fcntl64 ioctl pipe pipe2 splice tee vmsplice sendfile sendfile64 copy_file_range
      poll ppoll ppoll_time64 select _newselect pselect6 pselect6_time64 epoll_create epoll_create1 epoll_ctl epoll_ctl_old
      epoll_wait epoll_wait_old epoll_pwait epoll_pwait2 eventfd eventfd2 signalfd signalfd4
      io_setup io_destroy io_submit io_cancel io_getevents io_pgetevents io_pgetevents_time64
      open openat openat2 creat access faccessat faccessat2 stat stat64 lstat lstat64 fstat fstat64 fstatat64 newfstatat statx
      statfs statfs64 fstatfs fstatfs64 statmount listmount getdents getdents64 getcwd chdir fchdir chroot umask
      mkdir mkdirat mknod mknodat rmdir unlink unlinkat rename renameat renameat2 link linkat symlink symlinkat readlink readlinkat
      chmod fchmod fchmodat fchmodat2 chown chown32 fchown fchown32 fchownat lchown lchown32
      truncate truncate64 ftruncate ftruncate64 fallocate fadvise64 fadvise64_64 readahead cachestat
      fsync fdatasync sync syncfs sync_file_range flock utime utimes utimensat utimensat_time64 futimesat
      getxattr lgetxattr fgetxattr getxattrat setxattr lsetxattr fsetxattr setxattrat listxattr llistxattr flistxattr listxattrat
      removexattr lremovexattr fremovexattr removexattrat inotify_init inotify_init1 inotify_add_watch inotify_rm_watch fanotify_mark
      brk mmap mmap2 munmap mremap mprotect madvise mincore msync mlock mlock2 mlockall munlock munlockall remap_file_pages
      membarrier memfd_create memfd_secret pkey_alloc pkey_free pkey_mprotect map_shadow_stack mseal process_mrelease
      fork vfork execve execveat exit exit_group wait4 waitid waitpid kill tkill tgkill pidfd_open pidfd_send_signal
      ptrace process_vm_readv process_vm_writev
      rt_sigaction rt_sigprocmask rt_sigpending rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 rt_sigqueueinfo
      rt_tgsigqueueinfo rt_sigreturn sigaltstack sigprocmask sigreturn pause restart_syscall
      futex futex_time64 futex_waitv futex_wait futex_wake futex_requeue set_robust_list get_robust_list set_tid_address rseq
      get_thread_area set_thread_area prctl seccomp landlock_create_ruleset landlock_add_rule landlock_restrict_self
      getpid getppid gettid getpgid setpgid getpgrp getsid setsid uname sysinfo getrandom uretprobe riscv_hwprobe
      getuid getuid32 geteuid geteuid32 getgid getgid32 getegid getegid32 getresuid getresuid32 getresgid getresgid32
      getgroups getgroups32 setuid setuid32 setgid setgid32 setreuid setreuid32 setregid setregid32 setresuid setresuid32
      setresgid setresgid32 setfsuid setfsuid32 setfsgid setfsgid32 setgroups setgroups32 capget capset
      sched_yield sched_getaffinity sched_setaffinity sched_getattr sched_setattr sched_getparam sched_setparam
      sched_getscheduler sched_setscheduler sched_get_priority_max sched_get_priority_min sched_rr_get_interval
      sched_rr_get_interval_time64 getpriority setpriority ioprio_get ioprio_set getcpu
      getrlimit ugetrlimit setrlimit prlimit64 getrusage times
      time gettimeofday clock_gettime clock_gettime64 clock_getres clock_getres_time64 clock_nanosleep clock_nanosleep_time64
      nanosleep alarm getitimer setitimer timer_create timer_delete timer_gettime timer_gettime64 timer_settime timer_settime64
      timer_getoverrun timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64 adjtimex clock_adjtime
      clock_adjtime64
      socketpair bind listen accept accept4 connect getsockname getpeername getsockopt setsockopt shutdown
      send sendto sendmsg sendmmsg recv recvfrom recvmsg recvmmsg recvmmsg_time64 socketcall
      ipc msgget msgctl msgsnd msgrcv semget semctl semop semtimedop semtimedop_time64 shmget shmctl shmat shmdt
      mq_open mq_unlink mq_timedsend mq_timedsend_time64 mq_timedreceive mq_timedreceive_time64 mq_notify mq_getsetattr
      """);

  /** Refused with EPERM; the names an operator may re-allow ({@link dev.warren.config.SeccompAllow}) are among them. */
  static final Set<String> REFUSED = names("""
      unshare setns mount umount umount2 pivot_root fsopen fsconfig fsmount fspick move_mount open_tree open_tree_attr
      mount_setattr quotactl quotactl_fd sethostname setdomainname
      init_module finit_module delete_module create_module query_module get_kernel_syms kexec_load kexec_file_load
      reboot swapon swapoff acct syslog lookup_dcookie bpf perf_event_open iopl ioperm vhangup nfsservctl uselib ustat sysfs
      _sysctl bdflush vm86 vm86old pciconfig_iobase pciconfig_read pciconfig_write settimeofday stime clock_settime clock_settime64
      lsm_get_self_attr lsm_set_self_attr lsm_list_modules
      keyctl add_key request_key userfaultfd io_uring_setup io_uring_enter io_uring_register
      mbind set_mempolicy get_mempolicy migrate_pages move_pages set_mempolicy_home_node
      kcmp pidfd_getfd process_madvise open_by_handle_at name_to_handle_at fanotify_init
      """);

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Seccomp.class);

  private Seccomp() {}

  /**
   * The filter of every sandbox of a controller: the OCI section, and the same compiled to BPF
   * with the host's libseccomp, which is done in the background once: until it is done, or if it
   * cannot be (no libseccomp for the JVM), crun compiles the section at each start. Thread-safe.
   */
  record Filter(ObjectNode section, java.util.concurrent.CompletableFuture<java.util.Optional<String>> compiled) {
    /** The BPF program, base64, once compiled. */
    java.util.Optional<String> bpf() {
      return compiled.getNow(java.util.Optional.empty());
    }
  }

  /** Builds the filter and starts compiling it; {@code reallowed} are refused calls the operator allowed. */
  static Filter filter(Set<String> reallowed) {
    ObjectNode section = tools.jackson.databind.json.JsonMapper.builder().build().createObjectNode();
    write(section, reallowed);
    var compiled = new java.util.concurrent.CompletableFuture<java.util.Optional<String>>();
    Thread.ofVirtual().name("seccomp-compile").start(() -> {
      long t0 = System.nanoTime();
      try {
        String bpf = SeccompBpf.compile(section);
        log.debug("seccomp filter compiled ahead in {} ms ({} bytes of BPF)", (System.nanoTime() - t0) / 1_000_000,
            java.util.Base64.getDecoder().decode(bpf).length);
        compiled.complete(java.util.Optional.of(bpf));
      } catch (RuntimeException | LinkageError e) {
        log.warn("cannot compile the seccomp filter ahead with libseccomp ({}); crun compiles it at each sandbox start", e.toString());
        compiled.complete(java.util.Optional.empty());
      }
    });
    return new Filter(section, compiled);
  }

  /**
   * Writes the filter into {@code seccomp}: the allow-list, plus {@code reallowed} (refused calls
   * the operator allowed), for the architectures of this host.
   */
  static void write(ObjectNode seccomp, Set<String> reallowed) {
    seccomp.put("defaultAction", "SCMP_ACT_ERRNO");
    seccomp.put("defaultErrnoRet", ENOSYS);
    ArrayNode arches = seccomp.putArray("architectures");
    architectures(System.getProperty("os.arch")).forEach(arches::add);
    ArrayNode rules = seccomp.putArray("syscalls");
    Set<String> allowed = new TreeSet<>(ALLOWED);
    allowed.addAll(archSpecific(System.getProperty("os.arch")));
    allowed.addAll(reallowed);
    Set<String> refused = new TreeSet<>(REFUSED);
    refused.removeAll(reallowed);
    rule(rules, allowed, "SCMP_ACT_ALLOW", -1);
    rule(rules, refused, "SCMP_ACT_ERRNO", EPERM);
    rule(rules, Set.of("clone3"), "SCMP_ACT_ERRNO", ENOSYS);
    long namespaces = Arrays.stream(NAMESPACE_FLAGS).reduce(0, (a, b) -> a | b);
    argRule(rules, "clone", "SCMP_ACT_ALLOW", -1, 0, "SCMP_CMP_MASKED_EQ", namespaces, 0);
    for (long flag : NAMESPACE_FLAGS) {
      argRule(rules, "clone", "SCMP_ACT_ERRNO", EPERM, 0, "SCMP_CMP_MASKED_EQ", flag, flag);
    }
    for (long p : PERSONALITIES) {
      argRule(rules, "personality", "SCMP_ACT_ALLOW", -1, 0, "SCMP_CMP_EQ", p, 0);
    }
    // every address family but the kernel's crypto API (AF_ALG) and VM sockets (AF_VSOCK)
    argRule(rules, "socket", "SCMP_ACT_ALLOW", -1, 0, "SCMP_CMP_LT", AF_ALG, 0);
    argRule(rules, "socket", "SCMP_ACT_ALLOW", -1, 0, "SCMP_CMP_EQ", AF_ALG + 1, 0);
    argRule(rules, "socket", "SCMP_ACT_ALLOW", -1, 0, "SCMP_CMP_GT", AF_VSOCK, 0);
    argRule(rules, "socket", "SCMP_ACT_ERRNO", EPERM, 0, "SCMP_CMP_EQ", AF_ALG, 0);
    argRule(rules, "socket", "SCMP_ACT_ERRNO", EPERM, 0, "SCMP_CMP_EQ", AF_VSOCK, 0);
  }

  /** The seccomp architectures of a JVM's {@code os.arch}: the native one and the ABIs it runs; none (native only) when unknown. */
  static List<String> architectures(String osArch) {
    return switch (osArch) {
      case "amd64", "x86_64" -> List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
      case "aarch64", "arm64" -> List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
      default -> List.of();
    };
  }

  private static List<String> archSpecific(String osArch) {
    return switch (osArch) {
      case "amd64", "x86_64" -> List.of("arch_prctl", "modify_ldt");
      case "aarch64", "arm64" -> List.of("arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush", "set_tls");
      default -> List.of();
    };
  }

  private static void rule(ArrayNode rules, Set<String> names, String action, int errno) {
    if (names.isEmpty()) {
      return;
    }
    ObjectNode r = rules.addObject();
    ArrayNode n = r.putArray("names");
    names.forEach(n::add);
    r.put("action", action);
    if (errno >= 0) {
      r.put("errnoRet", errno);
    }
  }

  private static void argRule(ArrayNode rules, String name, String action, int errno, int index, String op, long value, long valueTwo) {
    ObjectNode r = rules.addObject();
    r.putArray("names").add(name);
    r.put("action", action);
    if (errno >= 0) {
      r.put("errnoRet", errno);
    }
    r.putArray("args").addObject().put("index", index).put("value", value).put("valueTwo", valueTwo).put("op", op);
  }

  private static Set<String> names(String text) {
    List<String> list = new ArrayList<>(Arrays.asList(text.strip().split("\\s+")));
    Set<String> set = new LinkedHashSet<>(list);
    if (set.size() != list.size()) {
      throw new IllegalStateException("a system call is listed twice");
    }
    return java.util.Collections.unmodifiableSet(set);
  }
}
