/* Prints sizes, offsets and values of the structs and constants the syscall layer passes through.
 * scripts/abi-compare.sh builds it for x86-64 and for aarch64 (run under qemu), diffs the two
 * outputs and checks that only the differences the runtime translates remain (expected.diff):
 * struct semid_ds (semctl) and the open flags O_DIRECT/O_DIRECTORY/O_NOFOLLOW/O_TMPFILE.
 * (O_LARGEFILE is 0 in glibc's headers on both; the kernel values 0x8000/0x20000 are converted.) */
#define _GNU_SOURCE
#include <stdio.h>
#include <stddef.h>
#include <fcntl.h>
#include <termios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <sys/inotify.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/signalfd.h>
#include <sys/epoll.h>
#include <poll.h>
#include <linux/fs.h>
#include <linux/sockios.h>
#include <linux/fiemap.h>
#include <dirent.h>
#include <mqueue.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <linux/if_packet.h>
#define P(x) printf("%-24s 0x%lx\n", #x, (unsigned long)(x))
#define S(x) printf("sizeof %-17s %zu\n", #x, sizeof(x))
#define O(t,f) printf("offsetof %s.%s %zu\n", #t, #f, offsetof(t,f))
int main(void){
P(TCGETS);P(TCSETS);P(TCSETSW);P(TCSETSF);P(TCGETA);P(TCSETA);P(TCSETAW);P(TCSETAF);P(TCSBRK);P(TCXONC);P(TCFLSH);
P(TIOCEXCL);P(TIOCNXCL);P(TIOCSCTTY);P(TIOCGPGRP);P(TIOCSPGRP);P(TIOCOUTQ);P(TIOCSTI);P(TIOCGWINSZ);P(TIOCSWINSZ);
P(TIOCMGET);P(TIOCMBIS);P(TIOCMBIC);P(TIOCMSET);P(TIOCGSOFTCAR);P(TIOCSSOFTCAR);P(FIONREAD);P(TIOCLINUX);P(TIOCCONS);
P(TIOCGSERIAL);P(TIOCSSERIAL);P(TIOCPKT);P(FIONBIO);P(TIOCNOTTY);P(TIOCSETD);P(TIOCGETD);P(TCSBRKP);P(TIOCSBRK);P(TIOCCBRK);
P(TIOCGSID);P(0x802C542A);P(TIOCGRS485);P(TIOCSRS485);P(TIOCGPTN);P(TIOCSPTLCK);P(TIOCGDEV);
P(TIOCSIG);P(TIOCVHANGUP);P(TIOCGPKT);P(TIOCGPTLCK);P(TIOCGEXCL);P(TIOCGPTPEER);P(FIONCLEX);P(FIOCLEX);P(FIOASYNC);
P(TIOCSERGETLSR);P(TIOCMIWAIT);P(TIOCGICOUNT);P(FIOQSIZE);
P(FIBMAP);P(FIGETBSZ);P(FIFREEZE);P(FITHAW);P(FITRIM);P(FICLONE);P(FICLONERANGE);P(FIDEDUPERANGE);P(FS_IOC_GETFLAGS);P(FS_IOC_SETFLAGS);
P(FS_IOC_GETVERSION);P(FS_IOC_SETVERSION);P(FS_IOC_FIEMAP);P(FS_IOC_FSGETXATTR);P(FS_IOC_FSSETXATTR);P(FS_IOC_GETFSLABEL);P(FS_IOC_SETFSLABEL);
P(BLKGETSIZE64);P(BLKGETSIZE);P(BLKSSZGET);P(BLKBSZGET);P(BLKROGET);P(BLKRRPART);P(BLKFLSBUF);P(BLKPBSZGET);P(BLKIOMIN);P(BLKIOOPT);P(BLKDISCARD);P(BLKZEROOUT);P(BLKDISCARDZEROES);P(BLKRASET);P(BLKRAGET);P(BLKSECTGET);
P(FIOSETOWN);P(SIOCSPGRP);P(FIOGETOWN);P(SIOCGPGRP);P(SIOCATMARK);P(SIOCGSTAMP_OLD);P(SIOCGSTAMPNS_OLD);P(SIOCGIFNAME);P(SIOCGIFCONF);
P(SIOCGIFFLAGS);P(SIOCSIFFLAGS);P(SIOCGIFADDR);P(SIOCSIFADDR);P(SIOCGIFDSTADDR);P(SIOCGIFBRDADDR);P(SIOCGIFNETMASK);P(SIOCGIFMETRIC);P(SIOCGIFMTU);
P(SIOCSIFMTU);P(SIOCGIFHWADDR);P(SIOCGIFINDEX);P(SIOCGIFCOUNT);P(SIOCGIFTXQLEN);P(SIOCETHTOOL);P(SIOCOUTQNSD);P(SIOCGIFMAP);P(SIOCGIFPFLAGS);P(SIOCINQ);P(SIOCOUTQ);
P(SIOCGSTAMP_NEW);P(SIOCGSTAMPNS_NEW);
S(struct termios);S(struct termio);S(struct winsize);S(struct ifreq);S(struct ifconf);S(struct ifmap);S(struct msghdr);S(struct cmsghdr);S(struct mmsghdr);S(struct ucred);S(struct linger);
S(struct sockaddr_un);S(struct sockaddr_in6);S(struct sockaddr_storage);S(struct flock);S(struct f_owner_ex);S(struct rlimit);S(struct statx);S(struct shmid_ds);S(struct msqid_ds);S(struct semid_ds);
S(struct ipc_perm);S(struct sembuf);S(struct msginfo);S(struct shminfo);S(struct shm_info);S(struct seminfo);S(struct inotify_event);S(struct signalfd_siginfo);S(struct itimerspec);S(struct pollfd);S(struct mq_attr);
S(struct iovec);S(struct utsname);S(struct sysinfo);S(struct rusage);S(struct timeval);S(struct tcp_info);S(struct dirent64);S(struct fiemap);S(struct file_clone_range);S(struct fsxattr);S(struct sockaddr_ll);
S(struct ip_mreqn);S(struct ip_mreq);S(struct timespec);
O(struct msghdr,msg_control);O(struct msghdr,msg_controllen);O(struct msghdr,msg_flags);O(struct shmid_ds,shm_segsz);O(struct shmid_ds,shm_atime);O(struct shmid_ds,shm_cpid);O(struct shmid_ds,shm_nattch);
O(struct msqid_ds,msg_stime);O(struct msqid_ds,__msg_cbytes);O(struct msqid_ds,msg_qnum);O(struct msqid_ds,msg_qbytes);O(struct msqid_ds,msg_lspid);O(struct ipc_perm,mode);O(struct ipc_perm,__seq);
O(struct semid_ds,sem_otime);O(struct semid_ds,sem_ctime);O(struct semid_ds,sem_nsems);O(struct flock,l_start);O(struct flock,l_pid);O(struct termios,c_line);O(struct termios,c_cc);O(struct sysinfo,mem_unit);
O(struct statx,stx_mode);O(struct statx,stx_ino);O(struct statx,stx_btime);O(struct statx,stx_rdev_major);
P(F_GETLK);P(F_SETLK);P(F_SETLKW);P(F_OFD_GETLK);P(F_OFD_SETLK);P(F_OFD_SETLKW);P(F_DUPFD_CLOEXEC);P(F_SETPIPE_SZ);P(F_GETPIPE_SZ);P(F_SETOWN);P(F_GETOWN);P(F_SETSIG);P(F_GETSIG);P(F_SETOWN_EX);P(F_GETOWN_EX);
P(F_SETLEASE);P(F_GETLEASE);P(F_NOTIFY);P(F_ADD_SEALS);P(F_GET_SEALS);P(F_GET_RW_HINT);P(F_SET_RW_HINT);P(F_GET_FILE_RW_HINT);P(F_SET_FILE_RW_HINT);P(DN_CREATE);P(DN_MULTISHOT);
P(O_APPEND);P(O_NONBLOCK);P(O_DSYNC);P(O_SYNC);P(FASYNC);P(O_DIRECT);P(O_LARGEFILE);P(O_DIRECTORY);P(O_NOFOLLOW);P(O_NOATIME);P(O_CLOEXEC);P(O_PATH);P(O_TMPFILE);P(O_NOCTTY);P(O_EXCL);P(O_TRUNC);P(O_CREAT);
P(IN_CLOEXEC);P(IN_NONBLOCK);P(EFD_CLOEXEC);P(EFD_NONBLOCK);P(EFD_SEMAPHORE);P(TFD_CLOEXEC);P(TFD_NONBLOCK);P(TFD_TIMER_ABSTIME);P(SFD_CLOEXEC);P(SFD_NONBLOCK);P(EPOLL_CLOEXEC);P(SOCK_NONBLOCK);P(SOCK_CLOEXEC);
P(MAP_SHARED);P(MAP_PRIVATE);P(MAP_SHARED_VALIDATE);P(MAP_FIXED);P(MAP_ANONYMOUS);P(MAP_GROWSDOWN);P(MAP_DENYWRITE);P(MAP_EXECUTABLE);P(MAP_LOCKED);P(MAP_NORESERVE);P(MAP_POPULATE);P(MAP_NONBLOCK);P(MAP_STACK);P(MAP_HUGETLB);P(MAP_SYNC);P(MAP_FIXED_NOREPLACE);
P(MAP_HUGE_SHIFT);P(MREMAP_MAYMOVE);P(MREMAP_FIXED);P(MADV_DONTNEED);P(MADV_FREE);P(MADV_DONTFORK);P(MADV_HUGEPAGE);P(MADV_WIPEONFORK);P(MCL_CURRENT);P(MCL_FUTURE);P(MCL_ONFAULT);P(MS_ASYNC);P(MS_SYNC);P(MS_INVALIDATE);P(PROT_GROWSDOWN);P(PROT_GROWSUP);
P(RLIMIT_CPU);P(RLIMIT_FSIZE);P(RLIMIT_DATA);P(RLIMIT_STACK);P(RLIMIT_CORE);P(RLIMIT_RSS);P(RLIMIT_NPROC);P(RLIMIT_NOFILE);P(RLIMIT_MEMLOCK);P(RLIMIT_AS);P(RLIMIT_LOCKS);P(RLIMIT_SIGPENDING);P(RLIMIT_MSGQUEUE);P(RLIMIT_NICE);P(RLIMIT_RTPRIO);P(RLIMIT_RTTIME);P(RLIM_INFINITY);
P(SOL_SOCKET);P(SO_DEBUG);P(SO_REUSEADDR);P(SO_TYPE);P(SO_ERROR);P(SO_DONTROUTE);P(SO_BROADCAST);P(SO_SNDBUF);P(SO_RCVBUF);P(SO_KEEPALIVE);P(SO_OOBINLINE);P(SO_LINGER);P(SO_REUSEPORT);P(SO_PASSCRED);P(SO_PEERCRED);P(SO_RCVLOWAT);P(SO_SNDLOWAT);
P(SO_RCVTIMEO);P(SO_SNDTIMEO);P(SO_BINDTODEVICE);P(SO_ATTACH_FILTER);P(SO_TIMESTAMP);P(SO_ACCEPTCONN);P(SO_PEERSEC);P(SO_SNDBUFFORCE);P(SO_RCVBUFFORCE);P(SO_PASSSEC);P(SO_TIMESTAMPNS);P(SO_MARK);P(SO_TIMESTAMPING);P(SO_PROTOCOL);P(SO_DOMAIN);P(SO_RXQ_OVFL);P(SO_PEEK_OFF);P(SO_BUSY_POLL);P(SO_ZEROCOPY);P(SO_TXTIME);P(SO_PEERGROUPS);
P(SCM_RIGHTS);P(SCM_CREDENTIALS);P(SCM_TIMESTAMP);P(MSG_OOB);P(MSG_PEEK);P(MSG_DONTWAIT);P(MSG_NOSIGNAL);P(MSG_CMSG_CLOEXEC);P(MSG_WAITALL);P(MSG_TRUNC);P(MSG_CTRUNC);P(MSG_WAITFORONE);P(MSG_ZEROCOPY);P(MSG_FASTOPEN);
P(TCP_NODELAY);P(TCP_MAXSEG);P(TCP_CORK);P(TCP_KEEPIDLE);P(TCP_INFO);P(TCP_CONGESTION);P(IP_TOS);P(IP_TTL);P(IP_MULTICAST_IF);P(IP_ADD_MEMBERSHIP);P(IPV6_V6ONLY);P(AF_UNIX);P(AF_INET);P(AF_INET6);P(AF_NETLINK);P(AF_PACKET);P(SOCK_STREAM);P(SOCK_DGRAM);P(SOCK_SEQPACKET);P(SOCK_RAW);
P(IPC_CREAT);P(IPC_EXCL);P(IPC_NOWAIT);P(IPC_RMID);P(IPC_SET);P(IPC_STAT);P(IPC_INFO);P(SHM_LOCK);P(SHM_UNLOCK);P(SHM_STAT);P(SHM_INFO);P(SHM_RDONLY);P(SHM_RND);P(SHM_REMAP);P(SHM_EXEC);P(MSG_STAT);P(MSG_INFO);P(MSG_NOERROR);P(MSG_EXCEPT);P(MSG_COPY);
P(GETPID);P(GETVAL);P(GETALL);P(GETNCNT);P(GETZCNT);P(SETVAL);P(SETALL);P(SEM_STAT);P(SEM_INFO);P(SEM_UNDO);
P(POLLIN);P(POLLPRI);P(POLLOUT);P(POLLERR);P(POLLHUP);P(POLLNVAL);P(POLLRDNORM);P(POLLRDBAND);P(POLLWRNORM);P(POLLWRBAND);P(POLLMSG);P(POLLRDHUP);P(EPOLLEXCLUSIVE);P(EPOLLWAKEUP);P(EPOLLONESHOT);P(EPOLLET);
P(IN_ACCESS);P(IN_MODIFY);P(IN_ATTRIB);P(IN_CREATE);P(IN_DELETE);P(IN_MOVED_FROM);P(IN_ONLYDIR);P(IN_DONT_FOLLOW);P(IN_EXCL_UNLINK);P(IN_MASK_ADD);P(IN_ISDIR);P(IN_ONESHOT);
P(AT_FDCWD);P(AT_SYMLINK_NOFOLLOW);P(AT_REMOVEDIR);P(AT_SYMLINK_FOLLOW);P(AT_NO_AUTOMOUNT);P(AT_EMPTY_PATH);P(AT_STATX_SYNC_TYPE);P(AT_EACCESS);P(RENAME_NOREPLACE);P(RENAME_EXCHANGE);P(RENAME_WHITEOUT);P(LOCK_SH);P(LOCK_EX);P(LOCK_NB);P(LOCK_UN);
P(FALLOC_FL_KEEP_SIZE);P(FALLOC_FL_PUNCH_HOLE);P(SPLICE_F_MOVE);P(SPLICE_F_NONBLOCK);P(POSIX_FADV_DONTNEED);P(POSIX_FADV_NOREUSE);P(SEEK_DATA);P(SEEK_HOLE);P(UTIME_NOW);P(UTIME_OMIT);P(STATX_BASIC_STATS);P(STATX_BTIME);P(MFD_CLOEXEC);P(MFD_ALLOW_SEALING);P(MFD_HUGETLB);
P(NCCS);P(VMIN);P(VTIME);P(VEOF);P(VINTR);P(ICANON);P(ECHO);P(ISIG);P(IEXTEN);P(OPOST);P(ONLCR);P(ICRNL);P(IXON);P(CSIZE);P(CS8);P(CBAUD);P(B38400);P(B115200);P(CRTSCTS);P(TCSANOW);P(TCSADRAIN);P(TCSAFLUSH);P(TCIFLUSH);P(TCOOFF);P(TOSTOP);P(EXTPROC);P(IUTF8);
return 0;}
