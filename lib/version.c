#include "internal.h"

#define STR2(x) #x
#define STR(x) STR2(x)

PROBE_EXTERN const char *probe_version(void)
{
    return STR(PROBE_VERSION_MAJOR) "." STR(PROBE_VERSION_MINOR) "." STR(
        PROBE_VERSION_PATCH);
}

PROBE_EXTERN int probe_version_number(void)
{
    return PROBE_VERSION_MAJOR * 10000 + PROBE_VERSION_MINOR * 100 +
           PROBE_VERSION_PATCH;
}
