/*
 * The control interface of libfaultinj.so (see faultinj.c).  Programs
 * find these functions with dlsym(RTLD_DEFAULT, ...), so that they still
 * link, and can say so, when the injector is not preloaded.
 */
#ifndef PROBE_FAULTINJ_H
#define PROBE_FAULTINJ_H

/* Make the @nth allocation, thread start or pipe from libprobe after this
 * call fail (0: only count).  Returns 0, or -1 when libprobe is not
 * loaded. */
int faultinj_arm(long nth);

/* Stop injecting; returns 1 when the armed call failed, else 0. */
int faultinj_disarm(void);

/* Calls from libprobe counted since the last arming. */
long faultinj_seen(void);

/* Blocks that libprobe allocated and nobody freed yet. */
long faultinj_live(void);

#endif /* PROBE_FAULTINJ_H */
