/* Async flock, from MadelineProto's async page (seed 000):
 *
 *     $unlock = yield $MadelineProto->flock($filePath, LOCK_SH);
 *     try {
 *         // ...
 *     } finally {
 *         $unlock();
 *     }
 *
 * "This will asynchronously wait for a lock on $filePath (creating it if
 * it doesn't exist). The locking mode can be LOCK_SH (shared locks),
 * LOCK_EX (exclusive locks)... A third optional parameter can be set, to
 * specify a polling interval in seconds (0.1 by default)."
 *
 * In C, ed_flock_acquire(path, mode, &opt, &lock) and ed_flock_release(lock),
 * the seed's $unlock(); C has no finally, so every path out of the locked
 * part goes through the release. The options add what the seed lacks: a
 * timeout, and a callback at the first failed attempt. Locks belong to
 * the open file, so two tasks of one process exclude each other just as
 * two processes would.
 *
 * A writer takes the lock exclusively for a while to update a data file;
 * two readers wait for it, then hold shared locks at the same time; an
 * impatient reader gives up. `flock [path] [seconds]`: the lock file (a
 * new temporary directory by default) and the writer's hold time. */
#include <eddy.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static double hold = 1.0;
static char lock_path[256], data_path[256 + 8];
static int readers_inside, most_readers_inside;

static void contended(const char *path, void *data)
{
    (void)path;
    printf("%s: the lock is taken, waiting\n", (const char *)data);
}

static int writer(void *arg, void **result)
{
    (void)arg, (void)result;
    ed_flock *lock;
    int rc = ed_flock_acquire(lock_path, LOCK_EX, NULL, &lock);
    if (rc < 0)
        return rc;
    printf("writer: exclusive lock taken, updating the data\n");
    const char *v = "version 2\n";
    rc = ed_file_put(data_path, v, strlen(v));
    if (rc == 0)
        rc = ed_sleep(hold); /* a long update: the readers wait meanwhile */
    printf("writer: releasing the lock\n");
    ed_flock_release(lock); /* the seed's finally { $unlock(); } */
    return rc;
}

static int reader(void *arg, void **result)
{
    (void)result;
    const char *name = arg;
    ed_flock *lock;
    /* Note: .timeout must be said: 0 would mean a single attempt. */
    ed_flock_options opt = {
        .poll_interval = hold / 10, .timeout = -1, .contended = contended, .data = arg};
    int rc = ed_flock_acquire(lock_path, LOCK_SH, &opt, &lock);
    if (rc < 0)
        return rc;
    if (++readers_inside > most_readers_inside)
        most_readers_inside = readers_inside;
    char *data = NULL;
    rc = ed_file_get(data_path, &data, NULL);
    if (rc == 0) {
        printf("%s: shared lock taken, the data says %s", name, data);
        free(data);
        rc = ed_sleep(hold / 2);
    }
    readers_inside--;
    ed_flock_release(lock);
    return rc;
}

static int impatient(void *arg, void **result)
{
    (void)arg, (void)result;
    ed_flock *lock;
    ed_flock_options opt = {.poll_interval = hold / 10, .timeout = hold / 2};
    int rc = ed_flock_acquire(lock_path, LOCK_SH, &opt, &lock);
    if (rc == 0) {
        ed_flock_release(lock);
        return 0;
    }
    printf("impatient reader: gave up: %s\n", ed_strerror(rc));
    return rc == -ETIMEDOUT ? 0 : rc;
}

static int app(void *arg, void **result)
{
    (void)arg, (void)result;
    int rc = ed_file_put(data_path, "version 1\n", 10);
    if (rc < 0)
        return rc;
    ed_future *f[] = {ed_async(writer, NULL), ed_async(reader, "reader 1"),
                      ed_async(reader, "reader 2"), ed_async(impatient, NULL)};
    rc = ed_all(f, 4, NULL);
    for (int i = 0; i < 4; i++)
        ed_future_release(f[i]);
    if (rc == 0)
        printf("readers inside together: %d; the writer was alone\n", most_readers_inside);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc > 2 && (hold = strtod(argv[2], NULL)) <= 0) {
        fprintf(stderr, "usage: flock [path] [seconds > 0]\n");
        return 2;
    }
    char dir[] = "/tmp/eddy-flock-XXXXXX";
    bool own_dir = argc < 2 || !argv[1][0];
    if (own_dir && !mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(lock_path, sizeof lock_path, own_dir ? "%s/lock" : "%s", own_dir ? dir : argv[1]);
    snprintf(data_path, sizeof data_path, "%s.data", lock_path);

    int rc = ed_main(app, NULL, NULL);

    unlink(data_path);
    if (own_dir) {
        unlink(lock_path);
        rmdir(dir);
    }
    if (rc < 0) {
        fprintf(stderr, "flock: %s\n", ed_strerror(rc));
        return 1;
    }
    return ed_shutdown() < 0;
}
