#ifndef KLAXON_CCURL_SHIM_H
#define KLAXON_CCURL_SHIM_H
#include <curl/curl.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

// curl_easy_setopt and curl_easy_getinfo are variadic and do not import; typed wrappers do.
static inline CURLcode klaxon_curl_set_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode klaxon_curl_set_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode klaxon_curl_set_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode klaxon_curl_set_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
typedef size_t (*klaxon_curl_write_callback)(char *data, size_t size, size_t count, void *context);
static inline CURLcode klaxon_curl_set_write_function(CURL *h, klaxon_curl_write_callback f) {
    return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, f);
}
typedef size_t (*klaxon_curl_read_callback)(char *buffer, size_t size, size_t count, void *context);
static inline CURLcode klaxon_curl_set_read_function(CURL *h, klaxon_curl_read_callback f) {
    return curl_easy_setopt(h, CURLOPT_READFUNCTION, f);
}
typedef curl_socket_t (*klaxon_curl_opensocket_callback)(void *context, curlsocktype purpose, struct curl_sockaddr *address);
static inline CURLcode klaxon_curl_set_opensocket_function(CURL *h, klaxon_curl_opensocket_callback f) {
    return curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, f);
}
// The address libcurl is about to connect to, copied to `out`: 4 bytes (IPv4), 16 (IPv6), or 0 for another family.
static inline int klaxon_curl_socket_address(const struct curl_sockaddr *a, unsigned char out[16]) {
    if (a->family == AF_INET) { memcpy(out, &((const struct sockaddr_in *)(const void *)&a->addr)->sin_addr, 4); return 4; }
    if (a->family == AF_INET6) { memcpy(out, &((const struct sockaddr_in6 *)(const void *)&a->addr)->sin6_addr, 16); return 16; }
    return 0;
}
// What libcurl's own open-socket does.
static inline curl_socket_t klaxon_curl_open_socket(const struct curl_sockaddr *a) { return socket(a->family, a->socktype, a->protocol); }
static inline CURLcode klaxon_curl_get_string(CURL *h, CURLINFO i, const char **out) { return curl_easy_getinfo(h, i, out); }
static inline CURLcode klaxon_curl_get_long(CURL *h, CURLINFO i, long *out) { return curl_easy_getinfo(h, i, out); }
static inline CURLcode klaxon_curl_get_double(CURL *h, CURLINFO i, double *out) { return curl_easy_getinfo(h, i, out); }
static inline CURLMcode klaxon_curl_multi_set_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }

// The "Expire date:" of the server's own certificate (CURLOPT_CERTINFO must be on), or NULL.
static inline const char *klaxon_curl_certificate_expiry(CURL *h) {
    struct curl_certinfo *info = NULL;
    if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &info) != CURLE_OK || info == NULL || info->num_of_certs < 1) return NULL;
    for (struct curl_slist *item = info->certinfo[0]; item != NULL; item = item->next) {
        if (strncmp(item->data, "Expire date:", 12) == 0) return item->data + 12;
    }
    return NULL;
}

// The result code of a finished transfer's message (the union does not import usefully).
static inline CURLcode klaxon_curl_message_result(CURLMsg *message) { return message->data.result; }
#endif
