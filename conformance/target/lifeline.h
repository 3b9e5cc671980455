/* SPDX-License-Identifier: MIT */
/* lifeline.h - child processes of socks4-test (the --exec target, each
 * --client-cmd run) never outlive it. Each runs in a process group of its
 * own; the groups alive are listed here, so that a SIGINT/SIGTERM/SIGHUP
 * of the runner (interrupt.h) stops them all. A SIGKILL of the runner
 * cannot be caught: for that a child holds the read end of a pipe whose
 * write end only the runner holds (the lifeline), and a small watchdog in
 * the child's process group kills the whole group when the pipe ends. */
#ifndef SOCKS4KIT_LIFELINE_H
#define SOCKS4KIT_LIFELINE_H

#include <sys/types.h>

/* Process groups to stop on the way out. */
void lifeline_add_group(pid_t pgid);
void lifeline_remove_group(pid_t pgid);

/* SIGTERM to every listed group, SIGKILL to what is left after grace_ms. */
void lifeline_stop_groups(int grace_ms);

/* The read end of the lifeline (-1 when it cannot be made). Created on
 * first use; call it once before threads start. */
int lifeline_fd(void);

/* In a child between fork() and exec, after setpgid (async-signal-safe
 * calls only): starts the watchdog (not a child of the caller: forked
 * twice), which stays in the caller's process group, holds nothing but the
 * lifeline, and kills the whole group when the lifeline ends. */
void lifeline_child_watchdog(int fd);

#endif
