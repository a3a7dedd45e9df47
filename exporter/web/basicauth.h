/* SPDX-License-Identifier: GPL-2.0 */
/*
 * basicauth: checks Basic credentials against the bcrypt hashes of
 * basic_auth_users. A check costs what bcrypt costs (tens of milliseconds),
 * so it must not run on the HTTP event loop; a pair that passed once is
 * remembered as an HMAC-SHA-256 under a key drawn at start-up, so scrapes
 * after the first pay microseconds. Failures are never remembered: a guess
 * always pays the full bcrypt price.
 */
#ifndef BPFPROM_BASICAUTH_H
#define BPFPROM_BASICAUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "web/webconfig.h"

/* Passed pairs remembered; the oldest is forgotten first. */
#define BASICAUTH_CACHE_SLOTS 64

struct basicauth;

/* Copies the users. Returns NULL with errno set on failure. */
struct basicauth *basicauth__new(const struct webconfig_user *users, size_t nusers);
void basicauth__free(struct basicauth *ba);

/* True when (user, pass) passed basicauth__verify before. Fast; thread-safe. */
bool basicauth__cached(struct basicauth *ba, const char *user, const char *pass);
/*
 * The bcrypt check. An unknown user is checked against a dummy hash of the
 * highest cost among the users, so the answer takes as long as for a known
 * user with that cost. Slow by design; thread-safe.
 */
bool basicauth__verify(struct basicauth *ba, const char *user, const char *pass);
/* The dummy hash (for tests). */
const char *basicauth__dummy_hash(const struct basicauth *ba);

#endif /* BPFPROM_BASICAUTH_H */
