/*
 * c11threads - C11 <threads.h> on top of pthread_*, preloaded
 * (LD_PRELOAD) into the processes of `make check SANITIZE=thread`.
 *
 * Debian's librdkafka creates its threads and locks its mutexes with
 * glibc's C11 functions (thrd_create, mtx_lock, cnd_wait, ...), which call
 * glibc's pthread code internally, past the pthread_* interceptors of gcc
 * 12's ThreadSanitizer. TSan then knows neither the threads (the first
 * malloc of a librdkafka thread crashes TSan's allocator: a SEGV in
 * SizeClassAllocator64LocalCache::Allocate) nor the locks (every queue of
 * librdkafka would look racy). Defining the C11 functions here, as thin
 * wrappers that call pthread_* through the dynamic linker, makes them
 * resolve to TSan's interceptors; in a process without TSan they resolve
 * to glibc's pthread_* and change nothing. Newer TSan runtimes (gcc 13,
 * LLVM 15) intercept the C11 functions themselves.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>

static int thrd_result(int pthread_rc)
{
    switch (pthread_rc) {
    case 0: return thrd_success;
    case ENOMEM: return thrd_nomem;
    case EBUSY: return thrd_busy;
    case ETIMEDOUT: return thrd_timedout;
    default: return thrd_error;
    }
}

/* A C11 thread returns int, a pthread void *: the start is wrapped. */
struct thrd_start_box {
    thrd_start_t func;
    void *arg;
};

static void *thrd_trampoline(void *p)
{
    struct thrd_start_box box = *(struct thrd_start_box *)p;
    free(p);
    return (void *)(intptr_t)box.func(box.arg);
}

int thrd_create(thrd_t *thr, thrd_start_t func, void *arg)
{
    struct thrd_start_box *box = malloc(sizeof *box);
    if (!box)
        return thrd_nomem;
    box->func = func;
    box->arg = arg;
    int rc = pthread_create(thr, NULL, thrd_trampoline, box);
    if (rc != 0)
        free(box);
    return thrd_result(rc);
}

int thrd_join(thrd_t thr, int *res)
{
    void *ret;
    int rc = pthread_join(thr, &ret);
    if (rc == 0 && res)
        *res = (int)(intptr_t)ret;
    return thrd_result(rc);
}

int thrd_detach(thrd_t thr) { return thrd_result(pthread_detach(thr)); }
void thrd_exit(int res) { pthread_exit((void *)(intptr_t)res); }

int mtx_init(mtx_t *mtx, int type)
{
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    if (type & mtx_recursive)
        pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    int rc = pthread_mutex_init((pthread_mutex_t *)mtx, &attr);
    pthread_mutexattr_destroy(&attr);
    return thrd_result(rc);
}

int mtx_lock(mtx_t *mtx) { return thrd_result(pthread_mutex_lock((pthread_mutex_t *)mtx)); }
int mtx_trylock(mtx_t *mtx) { return thrd_result(pthread_mutex_trylock((pthread_mutex_t *)mtx)); }
int mtx_unlock(mtx_t *mtx) { return thrd_result(pthread_mutex_unlock((pthread_mutex_t *)mtx)); }
void mtx_destroy(mtx_t *mtx) { pthread_mutex_destroy((pthread_mutex_t *)mtx); }

int mtx_timedlock(mtx_t *restrict mtx, const struct timespec *restrict ts)
{
    return thrd_result(pthread_mutex_timedlock((pthread_mutex_t *)mtx, ts));
}

int cnd_init(cnd_t *cnd) { return thrd_result(pthread_cond_init((pthread_cond_t *)cnd, NULL)); }
int cnd_signal(cnd_t *cnd) { return thrd_result(pthread_cond_signal((pthread_cond_t *)cnd)); }
int cnd_broadcast(cnd_t *cnd) { return thrd_result(pthread_cond_broadcast((pthread_cond_t *)cnd)); }
void cnd_destroy(cnd_t *cnd) { pthread_cond_destroy((pthread_cond_t *)cnd); }

int cnd_wait(cnd_t *cnd, mtx_t *mtx)
{
    return thrd_result(pthread_cond_wait((pthread_cond_t *)cnd, (pthread_mutex_t *)mtx));
}

int cnd_timedwait(cnd_t *restrict cnd, mtx_t *restrict mtx, const struct timespec *restrict ts)
{
    return thrd_result(pthread_cond_timedwait((pthread_cond_t *)cnd, (pthread_mutex_t *)mtx, ts));
}

void call_once(once_flag *flag, void (*func)(void))
{
    pthread_once((pthread_once_t *)flag, func);
}
