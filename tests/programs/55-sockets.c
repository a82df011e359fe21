/* Sockets over loopback: socketpair, Unix stream and datagram sockets (bound in the run's working
 * directory), TCP on 127.0.0.1 (port chosen by the kernel, never printed), poll/select/epoll
 * readiness, sendmsg/recvmsg with SCM_RIGHTS (an fd crosses the socket and is used) and
 * SCM_CREDENTIALS, socket options (SO_RCVBUF, SO_REUSEADDR, SO_LINGER, SO_TYPE, SO_ERROR,
 * TCP_NODELAY, SO_RCVTIMEO), getsockname/getpeername, accept4 flags, sendmmsg/recvmmsg, FIONREAD
 * and the SIOCGIF* interface ioctls on the loopback interface. Output has no ports or pids. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CHECK(x) do { if ((x) < 0) { printf("FAIL %s: %s (line %d)\n", #x, strerror(errno), __LINE__); exit(1); } } while (0)

static void socketpair_test(void)
{
    int sv[2];
    char buf[32];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    CHECK(write(sv[0], "ping", 4));
    int n = read(sv[1], buf, sizeof buf);
    printf("socketpair stream: %d '%.*s'\n", n, n, buf);
    CHECK(write(sv[1], "pong!", 5));
    int avail = -1;
    CHECK(ioctl(sv[0], FIONREAD, &avail));
    printf("FIONREAD %d\n", avail);
    n = recv(sv[0], buf, 3, MSG_PEEK);
    printf("peek %d '%.*s'\n", n, n, buf);
    n = recv(sv[0], buf, sizeof buf, 0);
    printf("recv %d '%.*s'\n", n, n, buf);
    n = recv(sv[0], buf, sizeof buf, MSG_DONTWAIT);
    printf("empty recv %d errno %s\n", n, errno == EAGAIN ? "EAGAIN" : strerror(errno));
    CHECK(shutdown(sv[1], SHUT_WR));
    n = read(sv[0], buf, sizeof buf);
    printf("after shutdown read %d\n", n);
    close(sv[0]);
    close(sv[1]);

    /* SOCK_SEQPACKET keeps message boundaries; SOCK_NONBLOCK|SOCK_CLOEXEC in the type */
    CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
    printf("seqpacket flags: nonblock %d cloexec %d\n", !!(fcntl(sv[0], F_GETFL) & O_NONBLOCK),
           !!(fcntl(sv[0], F_GETFD) & FD_CLOEXEC));
    CHECK(send(sv[0], "abc", 3, 0));
    CHECK(send(sv[0], "defgh", 5, 0));
    n = recv(sv[1], buf, sizeof buf, 0);
    int m = recv(sv[1], buf + 10, sizeof buf - 10, 0);
    printf("seqpacket %d '%.*s' %d '%.*s'\n", n, n, buf, m, m, buf + 10);
    close(sv[0]);
    close(sv[1]);
}

static void print_un(const char *what, struct sockaddr_un *a, socklen_t len)
{
    size_t off = offsetof(struct sockaddr_un, sun_path);
    printf("%s: family %d len %d path '%s'\n", what, a->sun_family, (int)len,
           len > off ? a->sun_path : "");
}

static void unix_stream_test(void)
{
    int ls, c, s;
    struct sockaddr_un a = {.sun_family = AF_UNIX}, b;
    socklen_t bl;
    strcpy(a.sun_path, "stream.sock");
    unlink(a.sun_path);
    CHECK(ls = socket(AF_UNIX, SOCK_STREAM, 0));
    CHECK(bind(ls, (struct sockaddr *)&a, sizeof a));
    CHECK(listen(ls, 4));
    int acc = -1;
    socklen_t ol = sizeof acc;
    CHECK(getsockopt(ls, SOL_SOCKET, SO_ACCEPTCONN, &acc, &ol));
    printf("SO_ACCEPTCONN %d (len %d)\n", acc, (int)ol);
    CHECK(c = socket(AF_UNIX, SOCK_STREAM, 0));
    CHECK(connect(c, (struct sockaddr *)&a, sizeof a));
    CHECK(s = accept4(ls, NULL, NULL, SOCK_CLOEXEC));
    printf("accept4 cloexec %d\n", !!(fcntl(s, F_GETFD) & FD_CLOEXEC));
    bl = sizeof b;
    CHECK(getsockname(ls, (struct sockaddr *)&b, &bl));
    print_un("listener name", &b, bl);
    bl = sizeof b;
    CHECK(getpeername(c, (struct sockaddr *)&b, &bl));
    print_un("client peer", &b, bl);
    bl = sizeof b;
    CHECK(getsockname(c, (struct sockaddr *)&b, &bl));
    print_un("client name (unbound)", &b, bl);

    /* SCM_CREDENTIALS: the receiver sees the sender's pid/uid/gid */
    int one = 1;
    CHECK(setsockopt(s, SOL_SOCKET, SO_PASSCRED, &one, sizeof one));
    struct ucred cr = {getpid(), getuid(), getgid()};
    char data[] = "cred";
    struct iovec iov = {data, 4};
    union { char buf[CMSG_SPACE(sizeof(struct ucred))]; struct cmsghdr align; } u;
    memset(&u, 0, sizeof u);
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_CREDENTIALS;
    cm->cmsg_len = CMSG_LEN(sizeof cr);
    memcpy(CMSG_DATA(cm), &cr, sizeof cr);
    CHECK(sendmsg(c, &mh, 0));
    char rbuf[16];
    struct iovec riov = {rbuf, sizeof rbuf};
    union { char buf[CMSG_SPACE(sizeof(struct ucred)) + 64]; struct cmsghdr align; } ru;
    struct msghdr rh = {.msg_iov = &riov, .msg_iovlen = 1, .msg_control = ru.buf, .msg_controllen = sizeof ru.buf};
    int n = recvmsg(s, &rh, 0);
    printf("recvmsg %d '%.*s' controllen %d flags %d\n", n, n, rbuf, (int)rh.msg_controllen, rh.msg_flags);
    for (cm = CMSG_FIRSTHDR(&rh); cm; cm = CMSG_NXTHDR(&rh, cm)) {
        struct ucred got;
        memcpy(&got, CMSG_DATA(cm), sizeof got);
        printf("cmsg level %d type %d len %d: pid ok %d uid %d gid %d\n", cm->cmsg_level, cm->cmsg_type,
               (int)cm->cmsg_len, got.pid == getpid(), got.uid, got.gid);
    }
    struct ucred peer;
    socklen_t pl = sizeof peer;
    CHECK(getsockopt(s, SOL_SOCKET, SO_PEERCRED, &peer, &pl));
    printf("SO_PEERCRED len %d pid ok %d uid %d\n", (int)pl, peer.pid == getpid(), peer.uid);
    close(c);
    close(s);
    close(ls);
    unlink(a.sun_path);
}

static void unix_dgram_test(void)
{
    int a, b;
    struct sockaddr_un aa = {.sun_family = AF_UNIX}, ba = {.sun_family = AF_UNIX}, from;
    strcpy(aa.sun_path, "dgram-a.sock");
    strcpy(ba.sun_path, "dgram-b.sock");
    unlink(aa.sun_path);
    unlink(ba.sun_path);
    CHECK(a = socket(AF_UNIX, SOCK_DGRAM, 0));
    CHECK(b = socket(AF_UNIX, SOCK_DGRAM, 0));
    CHECK(bind(a, (struct sockaddr *)&aa, sizeof aa));
    CHECK(bind(b, (struct sockaddr *)&ba, sizeof ba));
    CHECK(sendto(a, "hello", 5, 0, (struct sockaddr *)&ba, sizeof ba));
    CHECK(sendto(a, "world!", 6, 0, (struct sockaddr *)&ba, sizeof ba));
    char buf[32];
    socklen_t fl = sizeof from;
    int n = recvfrom(b, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
    printf("dgram %d '%.*s' ", n, n, buf);
    print_un("from", &from, fl);
    n = recvfrom(b, buf, 2, MSG_TRUNC, NULL, NULL);
    printf("truncated dgram returns %d\n", n);

    /* sendmmsg / recvmmsg */
    struct mmsghdr mm[3];
    struct iovec iv[3];
    const char *msgs[3] = {"one", "two2", "three"};
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < 3; i++) {
        iv[i].iov_base = (void *)msgs[i];
        iv[i].iov_len = strlen(msgs[i]);
        mm[i].msg_hdr.msg_iov = &iv[i];
        mm[i].msg_hdr.msg_iovlen = 1;
        mm[i].msg_hdr.msg_name = &ba;
        mm[i].msg_hdr.msg_namelen = sizeof ba;
    }
    printf("sendmmsg %d\n", sendmmsg(a, mm, 3, 0));
    char rb[3][16];
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < 3; i++) {
        iv[i].iov_base = rb[i];
        iv[i].iov_len = sizeof rb[i];
        mm[i].msg_hdr.msg_iov = &iv[i];
        mm[i].msg_hdr.msg_iovlen = 1;
    }
    struct timespec to = {1, 0};
    n = recvmmsg(b, mm, 3, MSG_WAITFORONE, &to);
    printf("recvmmsg %d:", n);
    for (int i = 0; i < n; i++)
        printf(" '%.*s'(%u)", (int)mm[i].msg_len, rb[i], mm[i].msg_len);
    printf("\n");
    close(a);
    close(b);
    unlink(aa.sun_path);
    unlink(ba.sun_path);
}

static void scm_rights_test(void)
{
    int sv[2], p[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    CHECK(pipe(p));
    /* pass both pipe ends; the receiver writes into the passed write end, reads the passed read end */
    int fds[2] = {p[0], p[1]};
    char data = 'F';
    struct iovec iov = {&data, 1};
    union { char buf[CMSG_SPACE(sizeof fds)]; struct cmsghdr align; } u;
    memset(&u, 0, sizeof u);
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof fds);
    memcpy(CMSG_DATA(cm), fds, sizeof fds);
    printf("CMSG_LEN %d CMSG_SPACE %d\n", (int)CMSG_LEN(sizeof fds), (int)CMSG_SPACE(sizeof fds));
    CHECK(sendmsg(sv[0], &mh, 0));
    close(p[0]);
    close(p[1]);
    char got;
    union { char buf[CMSG_SPACE(sizeof fds)]; struct cmsghdr align; } ru;
    struct iovec riov = {&got, 1};
    struct msghdr rh = {.msg_iov = &riov, .msg_iovlen = 1, .msg_control = ru.buf, .msg_controllen = sizeof ru.buf};
    int n = recvmsg(sv[1], &rh, MSG_CMSG_CLOEXEC);
    printf("recvmsg %d '%c' controllen %d\n", n, got, (int)rh.msg_controllen);
    cm = CMSG_FIRSTHDR(&rh);
    if (!cm || cm->cmsg_type != SCM_RIGHTS) {
        printf("no SCM_RIGHTS\n");
        exit(1);
    }
    int r[2];
    memcpy(r, CMSG_DATA(cm), sizeof r);
    printf("got %d fds, cloexec %d %d\n", (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int)),
           !!(fcntl(r[0], F_GETFD) & FD_CLOEXEC), !!(fcntl(r[1], F_GETFD) & FD_CLOEXEC));
    CHECK(write(r[1], "through passed fd", 17));
    char buf[32];
    n = read(r[0], buf, sizeof buf);
    printf("pipe via passed fds: %d '%.*s'\n", n, n, buf);
    close(r[0]);
    close(r[1]);
    close(sv[0]);
    close(sv[1]);
}

static void tcp_test(void)
{
    int ls, c, s;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0}, b;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(ls = socket(AF_INET, SOCK_STREAM, 0));
    int one = 1, v;
    socklen_t l;
    CHECK(setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    l = sizeof v;
    CHECK(getsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &v, &l));
    printf("SO_REUSEADDR %d len %d\n", v, (int)l);
    CHECK(bind(ls, (struct sockaddr *)&a, sizeof a));
    CHECK(listen(ls, 8));
    socklen_t bl = sizeof b;
    CHECK(getsockname(ls, (struct sockaddr *)&b, &bl));
    printf("bound: family %d addr %s port nonzero %d len %d\n", b.sin_family, inet_ntoa(b.sin_addr), b.sin_port != 0, (int)bl);
    CHECK(c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    int r = connect(c, (struct sockaddr *)&b, sizeof b);
    printf("nonblocking connect: %s\n", r == 0 ? "done" : errno == EINPROGRESS ? "EINPROGRESS" : strerror(errno));
    struct pollfd pf = {c, POLLOUT, 0};
    CHECK(poll(&pf, 1, 5000));
    printf("poll connect: revents POLLOUT %d\n", !!(pf.revents & POLLOUT));
    int err = -1;
    l = sizeof err;
    CHECK(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &l));
    printf("SO_ERROR %d\n", err);
    struct sockaddr_in peer;
    bl = sizeof peer;
    CHECK(s = accept(ls, (struct sockaddr *)&peer, &bl));
    printf("accepted from %s family %d\n", inet_ntoa(peer.sin_addr), peer.sin_family);
    struct sockaddr_in cn, sp;
    socklen_t cl = sizeof cn, sl = sizeof sp;
    CHECK(getsockname(c, (struct sockaddr *)&cn, &cl));
    CHECK(getpeername(s, (struct sockaddr *)&sp, &sl));
    printf("client name == server's peer: %d\n", cn.sin_port == sp.sin_port && cn.sin_addr.s_addr == sp.sin_addr.s_addr);

    CHECK(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
    l = sizeof v;
    CHECK(getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, &l));
    printf("TCP_NODELAY %d\n", v != 0);
    int rcv = 65536;
    CHECK(setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv));
    l = sizeof v;
    CHECK(getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &l));
    printf("SO_RCVBUF doubled %d\n", v == 2 * rcv);
    struct linger lg = {1, 7}, lg2;
    CHECK(setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    l = sizeof lg2;
    CHECK(getsockopt(c, SOL_SOCKET, SO_LINGER, &lg2, &l));
    printf("SO_LINGER onoff %d linger %d len %d\n", lg2.l_onoff, lg2.l_linger, (int)l);
    l = sizeof v;
    CHECK(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l));
    printf("SO_TYPE %d\n", v);
    struct timeval tv = {2, 500000}, tv2;
    CHECK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    l = sizeof tv2;
    CHECK(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv2, &l));
    printf("SO_RCVTIMEO %ld.%06ld len %d\n", (long)tv2.tv_sec, (long)tv2.tv_usec, (int)l);
    l = sizeof v;
    CHECK(getsockopt(s, IPPROTO_TCP, TCP_MAXSEG, &v, &l));
    printf("TCP_MAXSEG positive %d\n", v > 0);

    /* select and epoll readiness */
    CHECK(write(c, "tcp data", 8));
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(s, &rs);
    struct timeval st = {5, 0};
    r = select(s + 1, &rs, NULL, NULL, &st);
    printf("select %d isset %d\n", r, FD_ISSET(s, &rs) != 0);
    int ep;
    CHECK(ep = epoll_create1(EPOLL_CLOEXEC));
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u64 = 0x1122334455667788ull};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
    struct epoll_event out[4];
    r = epoll_wait(ep, out, 4, 5000);
    printf("epoll_wait %d events 0x%x data 0x%llx\n", r, out[0].events, (unsigned long long)out[0].data.u64);
    char buf[64];
    int n = read(s, buf, sizeof buf);
    printf("tcp read %d '%.*s'\n", n, n, buf);
    r = epoll_wait(ep, out, 4, 0);
    printf("epoll_wait after read %d\n", r);
    ev.events = EPOLLOUT;
    ev.data.fd = s;
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev));
    r = epoll_wait(ep, out, 4, 1000);
    printf("epoll_wait EPOLLOUT %d events 0x%x fd ok %d\n", r, out[0].events, out[0].data.fd == s);
    /* ppoll with a timeout and no events */
    struct pollfd pfs[2] = {{s, POLLIN, 0}, {c, POLLIN, 0}};
    struct timespec ts = {0, 10000000};
    r = ppoll(pfs, 2, &ts, NULL);
    printf("ppoll idle %d\n", r);
    /* large transfer with both sides nonblocking, driven by poll */
    int total = 1 << 20, sent = 0, recvd = 0;
    unsigned sum_s = 0, sum_r = 0;
    fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);
    static char big[8192];
    while (recvd < total) {
        struct pollfd p2[2] = {{c, sent < total ? POLLOUT : 0, 0}, {s, POLLIN, 0}};
        CHECK(poll(p2, 2, 5000));
        if (p2[0].revents & POLLOUT) {
            int k = total - sent < (int)sizeof big ? total - sent : (int)sizeof big;
            for (int i = 0; i < k; i++)
                big[i] = (char)((sent + i) * 7 + 3);
            int w = write(c, big, k);
            if (w > 0) {
                for (int i = 0; i < w; i++)
                    sum_s = sum_s * 31 + (unsigned char)big[i];
                sent += w;
            }
        }
        if (p2[1].revents & POLLIN) {
            char rb[4096];
            int k = read(s, rb, sizeof rb);
            for (int i = 0; i < k; i++)
                sum_r = sum_r * 31 + (unsigned char)rb[i];
            if (k > 0)
                recvd += k;
        }
    }
    printf("1 MiB over tcp: sums equal %d\n", sum_s == sum_r);
    close(c);
    n = -2;
    struct pollfd pe = {s, POLLIN | POLLRDHUP, 0};
    poll(&pe, 1, 5000);
    printf("after peer close: POLLIN %d POLLRDHUP %d\n", !!(pe.revents & POLLIN), !!(pe.revents & POLLRDHUP));
    n = read(s, buf, sizeof buf);
    printf("read at EOF %d\n", n);
    close(ep);
    close(s);
    close(ls);

    /* UDP on loopback */
    int u1, u2;
    CHECK(u1 = socket(AF_INET, SOCK_DGRAM, 0));
    CHECK(u2 = socket(AF_INET, SOCK_DGRAM, 0));
    struct sockaddr_in ua = {.sin_family = AF_INET};
    ua.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(u2, (struct sockaddr *)&ua, sizeof ua));
    socklen_t ul = sizeof ua;
    CHECK(getsockname(u2, (struct sockaddr *)&ua, &ul));
    CHECK(sendto(u1, "udp!", 4, 0, (struct sockaddr *)&ua, sizeof ua));
    n = recv(u2, buf, sizeof buf, 0);
    printf("udp %d '%.*s'\n", n, n, buf);
    close(u1);
    close(u2);
}

static void ifreq_test(void)
{
    int s;
    CHECK(s = socket(AF_INET, SOCK_DGRAM, 0));
    printf("sizeof ifreq %d ifconf %d\n", (int)sizeof(struct ifreq), (int)sizeof(struct ifconf));
    struct ifreq reqs[64];
    struct ifconf ic = {.ifc_len = sizeof reqs, .ifc_req = reqs};
    CHECK(ioctl(s, SIOCGIFCONF, &ic));
    int found = 0;
    for (int i = 0; i < ic.ifc_len / (int)sizeof(struct ifreq); i++) {
        if (strcmp(reqs[i].ifr_name, "lo") == 0) {
            struct sockaddr_in *sa = (struct sockaddr_in *)&reqs[i].ifr_addr;
            printf("SIOCGIFCONF: lo %s\n", inet_ntoa(sa->sin_addr));
            found = 1;
        }
    }
    printf("lo found %d, ifc_len multiple of ifreq %d\n", found, ic.ifc_len % (int)sizeof(struct ifreq) == 0);
    struct ifreq r;
    memset(&r, 0, sizeof r);
    strcpy(r.ifr_name, "lo");
    CHECK(ioctl(s, SIOCGIFFLAGS, &r));
    printf("lo flags: UP %d LOOPBACK %d\n", !!(r.ifr_flags & IFF_UP), !!(r.ifr_flags & IFF_LOOPBACK));
    CHECK(ioctl(s, SIOCGIFINDEX, &r));
    printf("lo index %d (if_nametoindex %u)\n", r.ifr_ifindex, if_nametoindex("lo"));
    CHECK(ioctl(s, SIOCGIFMTU, &r));
    printf("lo mtu positive %d\n", r.ifr_mtu > 0);
    CHECK(ioctl(s, SIOCGIFADDR, &r));
    printf("lo addr %s\n", inet_ntoa(((struct sockaddr_in *)&r.ifr_addr)->sin_addr));
    CHECK(ioctl(s, SIOCGIFNETMASK, &r));
    printf("lo netmask %s\n", inet_ntoa(((struct sockaddr_in *)&r.ifr_netmask)->sin_addr));
    strcpy(r.ifr_name, "nosuchif0");
    int e = ioctl(s, SIOCGIFFLAGS, &r);
    printf("unknown interface: %d %s\n", e, strerror(errno));
    close(s);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    socketpair_test();
    unix_stream_test();
    unix_dgram_test();
    scm_rights_test();
    tcp_test();
    ifreq_test();
    printf("done\n");
    return 0;
}
