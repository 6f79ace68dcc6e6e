/*
 * canary - a deliberate data race, run first by tests/run.sh in a
 * ThreadSanitizer run (`make check SANITIZE=thread`).
 *
 * It proves the whole detection path on every run: TSan is in the build,
 * the options reach the processes, reports land where run.sh counts them.
 * If the canary's race is not counted, nothing else's would be either, and
 * a clean run would mean nothing; run.sh then counts a failure.
 */
#include <pthread.h>
#include <stdio.h>

static int shared_counter; /* written by two threads, no lock: the race */

static void *bump(void *arg)
{
    shared_counter++;
    return arg;
}

int main(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, bump, NULL) != 0)
        return 2;
    shared_counter++;
    pthread_join(t, NULL);
    printf("canary: counter %d\n", shared_counter);
    return 0;
}
