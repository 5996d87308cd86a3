/* Process-unique IDs from one atomic counter: no two probes or pools ever
 * share one, unlike random bits from an unlocked generator. */
#include "internal.h"

#include <stdio.h>

static atomic_ullong next_id = 1;

void probe__id_next(char out[PROBE__ID_MAX])
{
    unsigned long long id = atomic_fetch_add(&next_id, 1);

    snprintf(out, PROBE__ID_MAX, "%04llx", id);
}
