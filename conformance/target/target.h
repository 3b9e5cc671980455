/* SPDX-License-Identifier: MIT */
/* target/: the target as the engine sees it: one liveness vocabulary (below),
 * bringing it back, its process under --exec (supervisor.h), built-in server
 * instances (instance.h), crash signatures and files. May use core/ (and services/: the built-in
 * server asks the runner's name service). */
/* target.h - the target under test as the engine sees it: one question per
 * function, and one convention for all of them: 1 means yes, 0 means no
 * (and why, when given, says what was seen instead).
 *
 *   target_process_running  is its process (--exec) still running? (always
 *                           1 for a target the runner does not run)
 *   target_answers          does it answer a SOCKS4 CONNECT at all (any
 *                           SOCKS4 code)? - life, not conformance
 *   target_serves           does it grant a CONNECT to the echo service and
 *                           carry a round trip? - a working target
 *   target_survived         after a case: process running and answering,
 *                           asked twice a moment apart (one refused
 *                           connection under load is no death)
 *
 * own: an instance the runner owns and gave one case (instance.h), or NULL
 * for the run's target. The cases ask the same through t_target_answers()
 * and t_target_serves() (suite.h). */
#ifndef SOCKS4KIT_TARGET_H
#define SOCKS4KIT_TARGET_H

#include <stddef.h>
#include <stdint.h>

struct runner;
struct result;
struct s4case;
struct instance;

int target_process_running(struct runner *r);
int target_answers(struct runner *r, const struct instance *own, char *why, size_t whylen);
int target_serves(struct runner *r, const struct instance *own, char *why, size_t whylen);
int target_survived(struct runner *r, const struct instance *own, char *why, size_t whylen);

/* Restarts the target (--exec, the built-in server) or waits up to --timeout
 * for it to answer again (--target): 1 when it answers, 0 otherwise. Call it
 * while no case runs. */
int target_bring_back(struct runner *r, char *why, size_t whylen);

/* A death no culprit was confirmed for (death.h): added to the run's
 * target_died (r->death), with how it was seen, the suspects (with their
 * reproducers) and why ("not confirmed: ..."). */
void target_note_unconfirmed(struct runner *r, const char *how, const char *suspects,
                             const char *why);

/* Where the target's output stands (0 for a target the runner does not run). */
uint64_t target_log_mark(struct runner *r);
/* Fills res's target_exit, exit_code, exit_signal and target_log (since
 * res->log_mark; all of an instance's) for a death of the run's target (own
 * NULL) or of an instance, seen as `how` (how may be res->target_exit). */
void target_record_death(struct runner *r, const struct instance *own, struct result *res,
                         const char *how);
/* Writes the bytes res's case sent to r->o.crash_dir and the socks4-client
 * --raw line that replays them (res->reproducer, res->replay). */
void target_save_reproducer(struct runner *r, const struct s4case *cs, struct result *res);

#endif
