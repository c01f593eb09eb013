#ifndef KLAXON_CLIBPQ_SHIM_H
#define KLAXON_CLIBPQ_SHIM_H
#include <libpq-fe.h>

// The PG_DIAG_* field codes are character macros, which do not import; typed getters do.
static inline const char *klaxon_pq_sqlstate(const PGresult *r) { return PQresultErrorField(r, PG_DIAG_SQLSTATE); }
static inline const char *klaxon_pq_primary_message(const PGresult *r) {
    return PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
}
#endif
