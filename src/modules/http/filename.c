/* A download's file name: what the server or the URL suggests, reduced to
 * a plain name that cannot leave the download directory. The server is
 * not trusted: "../x", "/etc/passwd", ".bashrc", control characters and
 * over-long names all come out harmless. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Room for " (999)" and ".part"-like suffixes under NAME_MAX (255). */
#define NAME_LIMIT 200

static int hex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes n bytes of s into a new string. */
static char *decode(const char *s, size_t n)
{
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        int h, l;
        if (s[i] == '%' && i + 2 < n && (h = hex((unsigned char)s[i + 1])) >= 0 &&
            (l = hex((unsigned char)s[i + 2])) >= 0) {
            /* A NUL would cut the name short: it becomes '_' like every
             * other control character. */
            *o++ = h || l ? (char)(h * 16 + l) : '_';
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

/* The last path segment of a URL: after the authority, before ?query and
 * #fragment, decoded. */
static char *url_name(const char *url)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    const char *end = p + strcspn(p, "?#");
    const char *slash = memchr(p, '/', (size_t)(end - p));
    if (!slash)
        return strdup("");
    const char *seg = slash;
    for (const char *q = slash; q < end; q++)
        if (*q == '/')
            seg = q + 1;
    return decode(seg, (size_t)(end - seg));
}

/* One parameter of a Content-Disposition value ("filename", "filename*"):
 * its raw value, unquoted; NULL when absent. */
static char *param(const char *v, size_t n, const char *name)
{
    size_t name_len = strlen(name);
    const char *end = v + n;
    for (const char *p = v; p < end; p++) {
        if (*p == '"') { /* skip quoted strings: a name inside is no parameter */
            for (p++; p < end && *p != '"'; p++)
                if (*p == '\\' && p + 1 < end)
                    p++;
            continue;
        }
        if (*p != ';')
            continue;
        const char *q = p + 1;
        while (q < end && (*q == ' ' || *q == '\t'))
            q++;
        if ((size_t)(end - q) <= name_len || strncasecmp(q, name, name_len) != 0)
            continue;
        q += name_len;
        while (q < end && (*q == ' ' || *q == '\t'))
            q++;
        if (q >= end || *q != '=')
            continue;
        q++;
        while (q < end && (*q == ' ' || *q == '\t'))
            q++;
        char *out = malloc((size_t)(end - q) + 1), *o = out;
        if (!out)
            return NULL;
        if (q < end && *q == '"') {
            for (q++; q < end && *q != '"'; q++) {
                if (*q == '\\' && q + 1 < end)
                    q++;
                *o++ = *q;
            }
        } else {
            while (q < end && !strchr("; \t\r\n", *q))
                *o++ = *q++;
        }
        *o = '\0';
        return out;
    }
    return NULL;
}

/* RFC 5987 ext-value: charset'language'percent-encoded. The bytes are
 * kept whatever the charset: names are bytes on Linux. */
static char *ext_value(char *raw)
{
    char *a = strchr(raw, '\''), *b = a ? strchr(a + 1, '\'') : NULL;
    char *out = b ? decode(b + 1, strlen(b + 1)) : NULL;
    free(raw);
    return out;
}

/* Makes name a plain file name, in place. */
static void sanitise(char *name)
{
    /* Only the last component of anything that looks like a path. */
    char *base = name;
    for (char *p = name; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    memmove(name, base, strlen(base) + 1);
    for (unsigned char *p = (unsigned char *)name; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            *p = '_';
        } else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            p[0] = p[1] = '_'; /* U+0080-U+009F: C1 controls, CSI among them */
            p++;
        }
    }
    /* No hidden files (".bashrc"), no "." or "..", no leading blanks. */
    size_t skip = strspn(name, ". ");
    memmove(name, name + skip, strlen(name + skip) + 1);
    size_t n = strlen(name);
    while (n && (name[n - 1] == ' ' || name[n - 1] == '.'))
        name[--n] = '\0';
    if (n > NAME_LIMIT) {
        n = NAME_LIMIT;
        /* Never cut a UTF-8 sequence in two. */
        while (n && ((unsigned char)name[n] & 0xC0) == 0x80)
            n--;
        name[n] = '\0';
    }
}

char *http_safe_name(const char *name)
{
    char *copy = strdup(name);
    if (copy)
        sanitise(copy);
    if (copy && !*copy) {
        free(copy);
        copy = strdup("download");
    }
    return copy;
}

char *http_download_name(const char *disposition, size_t disposition_len, const char *url)
{
    char *name = NULL;
    if (disposition) {
        char *raw = param(disposition, disposition_len, "filename*");
        name = raw ? ext_value(raw) : NULL;
        if (!name || !*name) {
            free(name);
            name = param(disposition, disposition_len, "filename");
        }
    }
    if (name)
        sanitise(name);
    if (!name || !*name) {
        free(name);
        name = url ? url_name(url) : NULL;
        if (name)
            sanitise(name);
    }
    if (!name || !*name) {
        free(name);
        name = strdup("download");
    }
    return name;
}

char *ed_http_file_name(const char *url)
{
    if (!url) {
        errno = EINVAL;
        return NULL;
    }
    char *name = http_download_name(NULL, 0, url);
    if (!name)
        errno = ENOMEM;
    return name;
}
