/* ed_file_get_contents: the seed's file_get_contents, for URLs and paths. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool has_scheme(const char *s, const char *scheme)
{
    size_t n = strlen(scheme);
    return strncasecmp(s, scheme, n) == 0 && strncmp(s + n, "://", 3) == 0;
}

/* file:///path or file://localhost/path, percent-decoded. */
static char *file_url_path(const char *url)
{
    const char *p = url + strlen("file://");
    if (strncasecmp(p, "localhost/", 10) == 0)
        p += 9;
    if (*p != '/') {
        errno = EINVAL; /* another host: not a local file */
        return NULL;
    }
    char *out = malloc(strlen(p) + 1), *o = out;
    if (!out)
        return NULL;
    for (; *p && *p != '?' && *p != '#'; p++) {
        unsigned h, l;
        if (p[0] == '%' && sscanf(p + 1, "%1x%1x", &h, &l) == 2 && (h || l)) {
            *o++ = (char)(h * 16 + l);
            p += 2;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

int ed_file_get_contents(const char *url_or_path, char **data, size_t *len)
{
    if (!url_or_path || !data || !*url_or_path)
        return -EINVAL;
    if (has_scheme(url_or_path, "http") || has_scheme(url_or_path, "https")) {
        ed_http_response *r;
        int rc = ed_http_get(url_or_path, NULL, &r);
        if (rc < 0)
            return rc;
        *data = r->body;
        if (len)
            *len = r->body_len;
        r->body = NULL;
        ed_http_response_free(r);
        return 0;
    }
    if (has_scheme(url_or_path, "file")) {
        char *path = file_url_path(url_or_path);
        if (!path)
            return errno == ENOMEM ? -ENOMEM : -EINVAL;
        int rc = ed_file_get(path, data, len);
        free(path);
        return rc;
    }
    if (strstr(url_or_path, "://"))
        return -EINVAL; /* a scheme this call does not speak */
    return ed_file_get(url_or_path, data, len);
}
