/* A program built against an installed eddy's HTTP module: it only needs
 * to link and run; a refused connection proves libcurl is driven. */
#include <eddy.h>
#include <eddy/http.h>
#include <errno.h>
#include <stdio.h>

int main(void)
{
    ed_http_response *r = NULL;
    int rc = ed_http_get("http://127.0.0.1:1/", NULL, &r);
    if (rc != -ECONNREFUSED || r)
        return 1;
    printf("http consumer ok: %s\n", ed_http_last_error());
    return ed_shutdown();
}
