/* What-if helper for bench/serve.sh (not part of likeness): an LD_PRELOAD shim that sets
 * TCP_NODELAY on every accepted socket, to measure how much of the /assets gap to nginx is
 * Nagle's algorithm meeting delayed ACKs (axum 0.8's `serve` no longer sets TCP_NODELAY, and a
 * ServeDir answer is written as headers, then body).
 *   cc -shared -fPIC -O2 -o nodelay.so bench/nodelay_shim.c -ldl
 *   LD_PRELOAD=$PWD/nodelay.so likeness serve ...                                           */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static void nodelay(int fd) {
    if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* fails harmlessly on non-TCP */
    }
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    static int (*real)(int, struct sockaddr *, socklen_t *, int);
    if (!real) real = (int (*)(int, struct sockaddr *, socklen_t *, int))dlsym(RTLD_NEXT, "accept4");
    int c = real(fd, addr, len, flags);
    nodelay(c);
    return c;
}

int accept(int fd, struct sockaddr *addr, socklen_t *len) {
    static int (*real)(int, struct sockaddr *, socklen_t *);
    if (!real) real = (int (*)(int, struct sockaddr *, socklen_t *))dlsym(RTLD_NEXT, "accept");
    int c = real(fd, addr, len);
    nodelay(c);
    return c;
}
